/* SPDX-License-Identifier: MIT */
#include "clinic/alerts.h"
#include "clinic/alerts_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/routes.h"
#include "common/text.h"
#include "wardgate/error.h"

static const char *const state_names[] = {"raised", "updated", "escalated",
                                          "acknowledged", "cleared"};

const char *wg_alert_state_name(wg_alert_state_t s) {
  return (unsigned)s <= WG_ALERT_CLEARED ? state_names[s] : "unknown";
}

int wg_alert_state_parse(const char *name) {
  for (int i = 0; i <= WG_ALERT_CLEARED; i++)
    if (strcmp(name, state_names[i]) == 0)
      return i;
  return -1;
}

int wg_alerts_init(wg_alerts_t *a, const char *gateway, uint64_t next_seq) {
  memset(a, 0, sizeof(*a));
  if (strlen(gateway) >= sizeof(a->gateway))
    return WG_EINVAL;
  strcpy(a->gateway, gateway);
  a->next_seq = next_seq ? next_seq : 1;
  return 0;
}

/* The (patient, rule, key) index's key for those into @out; 0 when they
 * are longer than an alert holds, so that no open alert has them. */
static size_t alerts_index_key(char out[WG_ALERTS_INDEX_KEY_MAX],
                               const char *patient, wg_rule_t rule,
                               const char *key) {
  size_t np = strlen(patient) + 1, nk = strlen(key);

  if (np > sizeof(((wg_alert_t *)0)->patient) ||
      nk >= sizeof(((wg_alert_t *)0)->key))
    return 0;
  memcpy(out, patient, np);
  out[np] = (char)rule;
  memcpy(out + np + 1, key, nk);
  return np + 1 + nk;
}

/* Room for one more open alert in the list, oldest first. */
static int alerts_reserve(wg_alerts_t *a) {
  if (a->nopen == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    wg_open_alert_t **v = realloc(a->open, cap * sizeof(*v));
    if (v == NULL)
      return WG_ENOMEM;
    a->open = v;
    a->cap = cap;
  }
  return 0;
}

/* Add @al (its id, patient, rule and key set) to the open alerts: the list
 * and both indexes, or none of them. */
static wg_alert_t *alerts_add_open(wg_alerts_t *a, const wg_alert_t *al) {
  wg_open_alert_t *oa;

  if (alerts_reserve(a) != 0 || (oa = calloc(1, sizeof(*oa))) == NULL)
    return NULL;
  oa->alert = *al;
  oa->index_key_len =
      alerts_index_key(oa->index_key, al->patient, al->rule, al->key);
  HASH_ADD_KEYPTR(hh_key, a->by_key, oa->index_key, oa->index_key_len, oa);
  if (!oa->index_oom) {
    HASH_ADD_KEYPTR(hh_id, a->by_id, oa->alert.id, strlen(oa->alert.id), oa);
    if (oa->index_oom)
      HASH_DELETE(hh_key, a->by_key, oa);
  }
  if (oa->index_oom) {
    free(oa);
    return NULL;
  }
  a->open[a->nopen++] = oa;
  return &oa->alert;
}

/* The open alert holding @al (every wg_alert_t handed out is one). */
static wg_open_alert_t *alerts_holder(wg_alert_t *al) {
  return (wg_open_alert_t *)((char *)al - offsetof(wg_open_alert_t, alert));
}

/* Closed alerts leave the open set; the store keeps them. */
static void alerts_remove_open(wg_alerts_t *a, wg_alert_t *al) {
  wg_open_alert_t *oa = alerts_holder(al);
  size_t i = 0;

  while (a->open[i] != oa)
    i++;
  memmove(&a->open[i], &a->open[i + 1], (a->nopen - i - 1) * sizeof(oa));
  a->nopen--;
  HASH_DELETE(hh_key, a->by_key, oa);
  HASH_DELETE(hh_id, a->by_id, oa);
  free(oa->json);
  free(oa->evidence_text);
  free(oa);
}

void wg_alerts_free(wg_alerts_t *a) {
  HASH_CLEAR(hh_key, a->by_key);
  HASH_CLEAR(hh_id, a->by_id);
  for (size_t i = 0; i < a->nopen; i++) {
    free(a->open[i]->json);
    free(a->open[i]->evidence_text);
    free(a->open[i]);
  }
  free(a->open);
  a->open = NULL;
  a->nopen = a->cap = 0;
}

static wg_alert_t *alerts_find_id(const wg_alerts_t *a, const char *id);

int wg_alerts_restore(wg_alerts_t *a, const wg_alert_t *alert) {
  wg_alert_t *al = alerts_add_open(a, alert), *o;
  if (al == NULL)
    return WG_ENOMEM;
  /* A link whose other half was restored first, from a JSON stored before
   * the link, is made whole again. */
  if (al->related[0] && (o = alerts_find_id(a, al->related)) != NULL &&
      o->related[0] == '\0')
    wg_copy(o->related, sizeof(o->related), al->id);
  al->open = true;
  al->changed_at = al->ts;
  if (alert->seq >= a->next_seq)
    a->next_seq = alert->seq + 1;
  return 0;
}

static wg_alert_t *alerts_find(const wg_alerts_t *a, const char *patient,
                               wg_rule_t rule, const char *key) {
  char k[WG_ALERTS_INDEX_KEY_MAX];
  size_t n = alerts_index_key(k, patient, rule, key);
  wg_open_alert_t *oa = NULL;

  if (n > 0)
    HASH_FIND(hh_key, a->by_key, k, n, oa);
  return oa != NULL ? &oa->alert : NULL;
}

static wg_alert_t *alerts_find_id(const wg_alerts_t *a, const char *id) {
  wg_open_alert_t *oa = NULL;

  HASH_FIND(hh_id, a->by_id, id, strlen(id), oa);
  return oa != NULL ? &oa->alert : NULL;
}

const wg_alert_t *wg_alerts_by_id(const wg_alerts_t *a, const char *id) {
  return alerts_find_id(a, id);
}

const wg_alert_t *wg_alerts_find(const wg_alerts_t *a, const char *patient,
                                 wg_rule_t rule, const char *key) {
  return alerts_find(a, patient, rule, key);
}

void wg_alerts_keep_json(wg_alerts_t *a, const wg_alert_t *ev_alert,
                         const char *json, size_t len) {
  wg_alert_t *al = alerts_find_id(a, ev_alert->id);
  wg_open_alert_t *oa;
  char *copy;

  if (al == NULL || al->version != ev_alert->version)
    return; /* closed, or changed since: not what the snapshot shows */
  oa = alerts_holder(al);
  if ((copy = malloc(len + 1)) == NULL)
    return;
  memcpy(copy, json, len + 1);
  free(oa->json);
  oa->json = copy;
  oa->json_len = len;
}

void wg_alerts_set_routes(wg_alerts_t *a, const wg_route_t *routes, size_t n) {
  a->routes = routes;
  a->nroutes = n;
}

const wg_alert_t *wg_alerts_at(const wg_alerts_t *a, size_t i) {
  return &a->open[i]->alert;
}

static void alerts_add_evidence(wg_alert_t *al, const wg_evidence_t *e) {
  /* A verdict that quotes no reading adds nothing: an entry with no name,
   * no device and no value would tell the hub nothing. */
  if (e->n[0] == '\0' && e->device[0] == '\0' &&
      !(e->flags & (WG_READING_HAS_VALUE | WG_READING_HAS_VB)))
    return;
  if (al->nevidence == WG_ALERT_EVIDENCE_MAX) {
    memmove(&al->evidence[0], &al->evidence[1],
            (WG_ALERT_EVIDENCE_MAX - 1) * sizeof(*e));
    al->nevidence--;
  }
  al->evidence[al->nevidence++] = *e; /* printed by its first event */
  al->evidence_added++;
}

/* A change of open alert @al: its event, and its JSON to be built again. */
static void alerts_emit(wg_alert_t *al, wg_alert_state_t state, double now,
                        wg_alert_event_t *ev, const char *cause) {
  wg_open_alert_t *oa = alerts_holder(al);

  free(oa->json);
  oa->json = NULL;
  al->state = state;
  al->ts = now;
  al->changed_at = now;
  al->held = 0;
  al->version++;
  ev->alert = *al;
  alerts__evidence_list(oa, ev->evidence);
  wg_copy(ev->cause, sizeof(ev->cause), cause);
  ev->outcome[0] = '\0';
  ev->note = NULL;
}

/*
 * An ack answers what the clinician saw, not what came after (DESIGN.md
 * section 8, 2026-12-06): acknowledged alert @al, whose severity rises to
 * @sev at @now, is unacknowledged again and escalates on @sev's timeout
 * (al->ack_timeout_s, already set). @why (@size bytes) says so for the
 * event's cause.
 */
static void alerts_unacknowledge(wg_alert_t *al, wg_severity_t sev, double now,
                                 char *why, size_t size) {
  snprintf(why, size,
           "; the acknowledgement by %s no longer stands: escalates on the "
           "%s timeout of %g min",
           al->acked_by, wg_severity_name(sev), al->ack_timeout_s / 60.0);
  al->acknowledged = false;
  al->acked_local = false;
  al->acked_verified = false;
  al->acked_by[0] = '\0';
  al->next_escalation = now + fmax(al->ack_timeout_s, 0.001);
  al->respond_by = now + al->ack_timeout_s; /* a new obligation */
}

/* What caused the next event of @al: verdict @v's evidence, and when. */
static void alerts_caused_by(const wg_alerts_t *a, wg_alert_t *al,
                             const wg_verdict_t *v) {
  al->clock_suspect =
      a->clock_unsynced || (v->evidence.flags & WG_READING_CLOCK_SUSPECT) != 0;
  al->measured_at = v->evidence.t;
  al->received_at = v->evidence.rt > 0 ? v->evidence.rt : v->evidence.t;
  al->late = v->late;
  al->retrospective = v->retrospective;
}

int wg_alerts_apply(wg_alerts_t *a, const char *patient, const wg_verdict_t *v,
                    const double ack_timeout_min[WG_SEV_COUNT], double now,
                    wg_alert_event_t *ev) {
  wg_alert_t *al = alerts_find(a, patient, v->rule, v->key), fresh;
  wg_verdict_t kept;
  char cause[384];

  /* A verdict that cannot weigh the condition (an incomplete NEWS2 set)
   * cannot lower the severity; it may raise it (what it holds is worse). */
  if (al != NULL && v->keeps_severity && v->severity > al->severity) {
    kept = *v;
    kept.severity = al->severity;
    v = &kept;
  }

  if (v->kind == WG_VERDICT_CLEAR) {
    if (al == NULL)
      return 0;
    alerts_add_evidence(al, &v->evidence);
    alerts_caused_by(a, al, v);
    snprintf(cause, sizeof(cause), "condition cleared: %s", v->summary);
    al->open = false;
    al->next_escalation = 0;
    alerts_emit(al, WG_ALERT_CLEARED, now, ev, cause);
    alerts_remove_open(a, al);
    return 1;
  }

  if (al != NULL) {
    /* A repeat: new evidence on the same alert, never a second alert. */
    bool worse = v->graded && (!al->has_worst || v->grade > al->worst);
    size_t n;

    al->repeats++;
    alerts_add_evidence(al, &v->evidence);
    alerts_caused_by(a, al, v);
    wg_copy(al->summary, sizeof(al->summary), v->summary);
    wg_copy(al->device, sizeof(al->device), v->evidence.device);
    if (worse) {
      al->worst = v->grade;
      al->has_worst = true;
    }
    if (v->severity != al->severity) {
      char why[160] = "";

      /* A more urgent severity brings its shorter deadline forward. */
      al->ack_timeout_s = ack_timeout_min[v->severity] * 60.0;
      if (!al->acknowledged && v->severity < al->severity &&
          now + al->ack_timeout_s < al->next_escalation)
        al->next_escalation = now + al->ack_timeout_s;
      if (al->acknowledged && v->severity < al->severity)
        alerts_unacknowledge(al, v->severity, now, why, sizeof(why));
      /* The reason before the summary, so that a long one cannot cut it. */
      n = (size_t)snprintf(cause, sizeof(cause), "severity %s -> %s%s: ",
                           wg_severity_name(al->severity),
                           wg_severity_name(v->severity), why);
      if (n < sizeof(cause))
        wg_copy(cause + n, sizeof(cause) - n, v->summary);
      al->severity = v->severity;
    } else if (v->renews && al->acknowledged) {
      char why[160];

      alerts_unacknowledge(al, v->severity, now, why, sizeof(why));
      n = (size_t)snprintf(cause, sizeof(cause), "renewed%s: ", why);
      if (n < sizeof(cause))
        wg_copy(cause + n, sizeof(cause) - n, v->summary);
    } else if (((v->graded && !worse) || wg_rule_is_event(v->rule)) &&
               now < al->changed_at + WG_ALERT_UPDATE_INTERVAL_S) {
      /* A repeat of an event (a fall sensor repeating itself, issue #27,
       * H-F3) is coalesced like any repeat: the alert is already asking
       * for a response; a fall after its ack raises a new one. */
      /* Nothing new for the hub yet: wg_alerts_update_due() sends it. */
      al->held++;
      return 0;
    } else {
      snprintf(cause, sizeof(cause), "%s: %s", worse ? "worse" : "repeat",
               v->summary);
    }
    alerts_emit(al, WG_ALERT_UPDATED, now, ev, cause);
    return 1;
  }

  memset(&fresh, 0, sizeof(fresh));
  fresh.seq = a->next_seq;
  snprintf(fresh.id, sizeof(fresh.id), "%s-%06" PRIu64, a->gateway, fresh.seq);
  wg_copy(fresh.gateway, sizeof(fresh.gateway), a->gateway);
  wg_copy(fresh.patient, sizeof(fresh.patient), patient);
  wg_copy(fresh.device, sizeof(fresh.device), v->evidence.device);
  wg_copy(fresh.key, sizeof(fresh.key), v->key);
  wg_copy(fresh.summary, sizeof(fresh.summary), v->summary);
  wg_copy(fresh.route, sizeof(fresh.route),
          wg_routes_name_at(a->routes, a->nroutes, now));
  fresh.rule = v->rule;
  fresh.severity = v->severity;
  fresh.raised = now;
  fresh.open = true;
  fresh.ack_timeout_s = ack_timeout_min[v->severity] * 60.0;
  fresh.next_escalation = now + fresh.ack_timeout_s;
  fresh.respond_by = now + fresh.ack_timeout_s;
  alerts_add_evidence(&fresh, &v->evidence);
  alerts_caused_by(a, &fresh, v);
  fresh.has_worst = v->graded;
  fresh.worst = v->grade;
  if ((al = alerts_add_open(a, &fresh)) == NULL)
    return WG_ENOMEM;
  a->next_seq++;
  snprintf(cause, sizeof(cause), "raised: %s", v->summary);
  alerts_emit(al, WG_ALERT_RAISED, now, ev, cause);
  return 1;
}

int wg_alerts_ack(wg_alerts_t *a, const char *id, const char *by,
                  const char *outcome, const char *note, bool local,
                  bool verified, double now, wg_alert_event_t *ev) {
  wg_alert_t *al = alerts_find_id(a, id);
  char cause[384];

  if (al == NULL)
    return WG_EINVAL;
  if (al->acknowledged)
    return 0;
  al->acknowledged = true;
  al->next_escalation = 0;
  al->acked_local = local;
  al->acked_verified = verified;
  wg_copy(al->acked_by, sizeof(al->acked_by), by);
  snprintf(cause, sizeof(cause), "acknowledged %sby %s",
           local ? "at the home " : "", by);
  if (outcome && outcome[0]) {
    size_t n = strlen(cause);
    snprintf(cause + n, sizeof(cause) - n, "; outcome %s", outcome);
  }
  /* The audit says when the ack's signature was checked, so that an ack
   * someone vouched for stands apart from one anyone could have sent (the
   * event's "verified" says both). */
  if (verified) {
    size_t n = strlen(cause);
    snprintf(cause + n, sizeof(cause) - n, "; signature verified");
  }
  /* An event has nothing left to wait for; a condition stays open (not
   * escalated any more) until it clears. */
  if (wg_rule_is_event(al->rule))
    al->open = false;
  alerts_emit(al, WG_ALERT_ACKNOWLEDGED, now, ev, cause);
  wg_copy(ev->outcome, sizeof(ev->outcome), outcome ? outcome : "");
  ev->note = note && note[0] ? note : NULL;
  if (!al->open)
    alerts_remove_open(a, al);
  return 1;
}

int wg_alerts_close(wg_alerts_t *a, const char *id, const char *reason,
                    double now, wg_alert_event_t *ev) {
  wg_alert_t *al = alerts_find_id(a, id);
  char cause[384], summary[sizeof(al->summary)];
  size_t n;

  if (al == NULL)
    return WG_EINVAL;
  snprintf(cause, sizeof(cause), "closed: %s", reason);
  /* The hub reads the summary, not the audit's cause: say it there too,
   * first, so that the old summary is what is cut. */
  n = (size_t)snprintf(summary, sizeof(summary), "Closed (%s): ", reason);
  if (n < sizeof(summary))
    wg_copy(summary + n, sizeof(summary) - n, al->summary);
  wg_copy(al->summary, sizeof(al->summary), summary);
  al->open = false;
  al->next_escalation = 0;
  alerts_emit(al, WG_ALERT_CLEARED, now, ev, cause);
  alerts_remove_open(a, al);
  return 1;
}

int wg_alerts_link(wg_alerts_t *a, const char *id, const char *other) {
  wg_alert_t *x = alerts_find_id(a, id), *y = alerts_find_id(a, other);

  if (x == NULL || y == NULL || x == y ||
      (x->related[0] && strcmp(x->related, y->id) != 0) ||
      (y->related[0] && strcmp(y->related, x->id) != 0))
    return WG_EINVAL;
  wg_copy(x->related, sizeof(x->related), y->id);
  wg_copy(y->related, sizeof(y->related), x->id);
  /* The snapshot shows the link (their kept JSON predates it). */
  free(alerts_holder(x)->json);
  alerts_holder(x)->json = NULL;
  free(alerts_holder(y)->json);
  alerts_holder(y)->json = NULL;
  return 0;
}

/* The open, unacknowledged alert linked with @al that escalates for both,
 * or NULL: the more urgent, the NEWS2 alert on a tie. */
static const wg_alert_t *alerts_escalates_with(const wg_alerts_t *a,
                                               const wg_alert_t *al) {
  const wg_alert_t *o;

  if (al->related[0] == '\0' || (o = alerts_find_id(a, al->related)) == NULL ||
      o->acknowledged || o->next_escalation <= 0)
    return NULL;
  if (o->severity != al->severity)
    return o->severity < al->severity ? o : NULL;
  return o->rule == WG_RULE_NEWS2 && al->rule != WG_RULE_NEWS2 ? o : NULL;
}

int wg_alerts_ack_related(wg_alerts_t *a, const char *id, const char *by,
                          const char *outcome, const char *note, bool local,
                          bool verified, double now, wg_alert_event_t *ev) {
  const wg_alert_t *al = alerts_find_id(a, id), *o;
  char other[sizeof(al->id)], cause[sizeof(ev->cause)];
  int rc;

  /* An event alert closed by its ack is no longer found: none are linked. */
  if (al == NULL || al->related[0] == '\0' ||
      (o = alerts_find_id(a, al->related)) == NULL || o->acknowledged)
    return 0;
  wg_copy(other, sizeof(other), o->id);
  rc = wg_alerts_ack(a, other, by, outcome, note, local, verified, now, ev);
  if (rc == 1 && snprintf(cause, sizeof(cause),
                          "%s; with %s (one "
                          "deterioration)",
                          ev->cause, id) >= 0)
    wg_copy(ev->cause, sizeof(ev->cause), cause);
  return rc == 1;
}

int wg_alerts_escalate_due(wg_alerts_t *a, double now, wg_alert_event_t *ev) {
  wg_alert_t *due = NULL;
  const char *route, *was;
  char cause[384];

  for (size_t i = 0; i < a->nopen; i++) {
    wg_alert_t *al = &a->open[i]->alert;
    if (al->next_escalation > 0 && al->next_escalation <= now &&
        (due == NULL || al->next_escalation < due->next_escalation) &&
        alerts_escalates_with(a, al) == NULL)
      due = al;
  }
  if (due == NULL)
    return 0;
  due->escalation++;
  snprintf(cause, sizeof(cause), "not acknowledged within %g min",
           due->ack_timeout_s / 60.0);
  if (due->related[0] && alerts_find_id(a, due->related) != NULL) {
    size_t n = strlen(cause);
    snprintf(cause + n, sizeof(cause) - n, "; for %s too (one deterioration)",
             due->related);
  }
  /* Whoever must act now: the route may have changed since the raise. */
  route = wg_routes_name_at(a->routes, a->nroutes, now);
  was =
      due->route[0] ? due->route : WG_ROUTE_DEFAULT; /* stored before routes */
  if (strcmp(route, was) != 0) {
    size_t n = strlen(cause);
    snprintf(cause + n, sizeof(cause) - n, "; ");
    n = strlen(cause);
    wg_routes_moved(a->routes, a->nroutes, was, route, cause + n,
                    sizeof(cause) - n);
    wg_copy(due->route, sizeof(due->route), route);
  }
  /* The next deadline keeps the cadence from the first, however late the
   * timer fired; never in the past, so one call escalates once. */
  due->next_escalation += due->ack_timeout_s;
  if (due->next_escalation <= now)
    due->next_escalation =
        now + fmax(due->ack_timeout_s, 0.001); /* guard a zero timeout */
  alerts_emit(due, WG_ALERT_ESCALATED, now, ev, cause);
  return 1;
}

int wg_alerts_update_due(wg_alerts_t *a, double now, wg_alert_event_t *ev) {
  char cause[384];

  for (size_t i = 0; i < a->nopen; i++) {
    wg_alert_t *al = &a->open[i]->alert;
    if (al->held > 0 && al->changed_at + WG_ALERT_UPDATE_INTERVAL_S <= now) {
      snprintf(cause, sizeof(cause), "repeat (%d since the last event): %s",
               al->held, al->summary);
      alerts_emit(al, WG_ALERT_UPDATED, now, ev, cause);
      return 1;
    }
  }
  return 0;
}

void wg_alerts_clock_stepped(wg_alerts_t *a, double step) {
  for (size_t i = 0; i < a->nopen; i++) {
    wg_alert_t *al = &a->open[i]->alert;
    if (al->next_escalation > 0)
      al->next_escalation += step;
    al->changed_at += step;
  }
}

double wg_alerts_next_deadline(const wg_alerts_t *a) {
  double next = 0;

  for (size_t i = 0; i < a->nopen; i++) {
    const wg_alert_t *al = &a->open[i]->alert;
    /* One of two linked alerts waits on the other's escalation. */
    double d = alerts_escalates_with(a, al) ? 0 : al->next_escalation;
    if (al->held > 0 &&
        (d <= 0 || al->changed_at + WG_ALERT_UPDATE_INTERVAL_S < d))
      d = al->changed_at + WG_ALERT_UPDATE_INTERVAL_S;
    if (d > 0 && (next == 0 || d < next))
      next = d;
  }
  return next;
}
