/* SPDX-License-Identifier: MIT */
#include "clinic/clinic.h"
#include "clinic/clinic_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic/clinic_internal.h"
#include "common/text.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

/* Verdicts one reading or tick can produce: a fall and one per threshold,
 * or one per timed rule of a patient. */
#define VERDICTS_MAX 16

int wg_clinic_init(wg_clinic_t *cl, const char *gateway_id, uint64_t next_seq,
                   double device_silent_h, wg_counters_t *counters) {
  memset(cl, 0, sizeof(*cl));
  cl->silent_s = device_silent_h * 3600.0;
  cl->counters = counters;
  return wg_alerts_init(&cl->alerts, gateway_id, next_seq);
}

static void clinic_free_states(wg_rule_state_t *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    wg_rule_state_free(&v[i]);
  free(v);
}

/* The queued events' copies of ack notes (clinic_queue_event()). */
static void clinic_free_notes(wg_clinic_t *cl) {
  for (size_t i = 0; i < cl->nevents; i++)
    free((char *)cl->events[i].note);
}

void wg_clinic_free(wg_clinic_t *cl) {
  clinic_free_notes(cl);
  clinic_free_states(cl->states, cl->nstates);
  clinic__reconfig_free(cl);
  wg_alerts_free(&cl->alerts);
  free(cl->events);
  free(cl->scores);
  free(cl->burst);
  free(cl->refusals);
  free(cl->past);
  memset(cl, 0, sizeof(*cl));
}

/* An alert change applied in memory waits here for the next commit. */
static void clinic_queue_event(wg_clinic_t *cl, const wg_alert_event_t *ev) {
  cl->changed = true;
  if (cl->nevents == cl->events_cap) {
    size_t cap = cl->events_cap ? cl->events_cap * 2 : 16;
    wg_alert_event_t *v = realloc(cl->events, cap * sizeof(*v));
    if (v == NULL) {
      /* The alert itself is in memory and in alerts/active; only this
       * event's record is lost. Say so. */
      wg_log(LOG_ERR, "clinic: out of memory: %s event of %s not recorded",
             wg_alert_state_name(ev->alert.state), ev->alert.id);
      return;
    }
    cl->events = v;
    cl->events_cap = cap;
  }
  cl->events[cl->nevents] = *ev;
  /* The ack's note is the batch's, which a retried commit may outlive
   * (more acks move the batch): the queue keeps its own copy. */
  if (ev->note != NULL &&
      (cl->events[cl->nevents].note = strdup(ev->note)) == NULL)
    wg_log(LOG_ERR, "clinic: out of memory: the note of %s's ack is lost",
           ev->alert.id);
  cl->nevents++;
  switch (ev->alert.state) {
  case WG_ALERT_RAISED:
    cl->counters->alerts_raised++;
    break;
  case WG_ALERT_UPDATED:
    cl->counters->alerts_updated++;
    break;
  case WG_ALERT_ESCALATED:
    cl->counters->alerts_escalated++;
    break;
  case WG_ALERT_ACKNOWLEDGED:
    cl->counters->alerts_acknowledged++;
    break;
  case WG_ALERT_CLEARED:
    cl->counters->alerts_cleared++;
    break;
  }
  wg_log(LOG_INFO, "alert %s %s: %s (%s, patient %s)", ev->alert.id,
         wg_alert_state_name(ev->alert.state), ev->alert.summary,
         wg_severity_name(ev->alert.severity), ev->alert.patient);
}

void clinic__queue_event(wg_clinic_t *cl, const wg_alert_event_t *ev) {
  clinic_queue_event(cl, ev);
}

/* One (patient, rule, key) of a pack: its verdicts folded. */
typedef struct wg_clinic_burst_s {
  size_t patient;
  wg_verdict_t worst; /* the worst raise */
  wg_verdict_t last;  /* the last verdict */
  size_t nraise;
  size_t nverdicts;
  double first_t, last_t; /* measured, of the raises */
} clinic_burst_t;

/* Whether raise @a is worse than raise @b. */
static bool clinic_burst_worse(const wg_verdict_t *a, const wg_verdict_t *b) {
  if (a->severity != b->severity)
    return a->severity < b->severity;
  return a->graded && b->graded && a->grade > b->grade;
}

/* Fold @v of patient @patient into the pack's held verdicts; false when
 * there is no room (then it is applied at once). */
static bool clinic_burst_hold(wg_clinic_t *cl, size_t patient,
                              const wg_verdict_t *v) {
  clinic_burst_t *b = NULL;

  for (size_t i = 0; i < cl->nburst && b == NULL; i++)
    if (cl->burst[i].patient == patient && cl->burst[i].last.rule == v->rule &&
        strcmp(cl->burst[i].last.key, v->key) == 0)
      b = &cl->burst[i];
  if (b == NULL) {
    if (cl->nburst == cl->burst_cap) {
      size_t cap = cl->burst_cap ? cl->burst_cap * 2 : 8;
      clinic_burst_t *q = realloc(cl->burst, cap * sizeof(*q));
      if (q == NULL)
        return false;
      cl->burst = q;
      cl->burst_cap = cap;
    }
    b = &cl->burst[cl->nburst++];
    memset(b, 0, sizeof(*b));
    b->patient = patient;
  }
  if (v->kind == WG_VERDICT_RAISE) {
    if (b->nraise == 0 || clinic_burst_worse(v, &b->worst))
      b->worst = *v;
    if (b->nraise == 0 || v->evidence.t < b->first_t)
      b->first_t = v->evidence.t;
    if (b->nraise == 0 || v->evidence.t > b->last_t)
      b->last_t = v->evidence.t;
    b->nraise++;
  }
  b->last = *v;
  b->nverdicts++;
  return true;
}

static void clinic_apply_verdicts(wg_clinic_t *cl, const wg_patient_t *p,
                                  const wg_verdict_t *v, size_t n, double now);
static void clinic_link_news2(wg_clinic_t *cl, const wg_patient_t *p,
                              const wg_news2_t *s, double now);

void wg_clinic_pack_begin(wg_clinic_t *cl) { cl->in_pack = true; }

/* @t as local "HH:MM". */
static void clinic_hhmm(double t, char *out, size_t size) {
  time_t tt = (time_t)floor(t);
  struct tm tm;

  localtime_r(&tt, &tm);
  snprintf(out, size, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

void wg_clinic_pack_end(wg_clinic_t *cl, double now) {
  cl->in_pack = false;
  for (size_t i = 0; i < cl->nburst; i++) {
    clinic_burst_t *b = &cl->burst[i];
    const wg_patient_t *p;

    if (cl->cfg == NULL || b->patient >= cl->nstates)
      continue;
    p = &cl->cfg->patients[b->patient];
    if (b->nverdicts == 1 || b->nraise == 0) {
      clinic_apply_verdicts(cl, p, &b->last, 1, now);
      continue;
    }
    if (b->nraise > 1) {
      char from[16], to[16], summary[sizeof(b->worst.summary)];
      clinic_hhmm(b->first_t, from, sizeof(from));
      clinic_hhmm(b->last_t, to, sizeof(to));
      /* Cut to fit, as every summary is: the range comes last. */
      if (snprintf(summary, sizeof(summary), "%s; %zu readings from %s to %s",
                   b->worst.summary, b->nraise, from, to) >= 0)
        wg_copy(b->worst.summary, sizeof(b->worst.summary), summary);
    }
    clinic_apply_verdicts(cl, p, &b->worst, 1, now);
    if (b->last.kind == WG_VERDICT_CLEAR)
      clinic_apply_verdicts(cl, p, &b->last, 1, now);
  }
  /* The alerts held for the pack are raised now: one deterioration's two
   * are linked now too. */
  for (size_t i = 0; cl->cfg != NULL && i < cl->nburst; i++) {
    const clinic_burst_t *b = &cl->burst[i];
    if (b->patient < cl->nstates && cl->states[b->patient].news2_scored &&
        (b->last.rule == WG_RULE_NEWS2 || b->last.rule == WG_RULE_THRESHOLD))
      clinic_link_news2(cl, &cl->cfg->patients[b->patient],
                        &cl->states[b->patient].news2_last, now);
  }
  cl->nburst = 0;
}

static void clinic_apply_verdicts(wg_clinic_t *cl, const wg_patient_t *p,
                                  const wg_verdict_t *v, size_t n, double now) {
  wg_alert_event_t ev;

  for (size_t i = 0; i < n; i++) {
    int rc = wg_alerts_apply(&cl->alerts, p->id, &v[i], p->ack_timeout_min, now,
                             &ev);
    if (rc == 1 && cl->nsuperseded > 0) /* a change of configuration said */
      clinic__reconfig_note(cl, &ev);
    if (rc == 1)
      clinic_queue_event(cl, &ev);
    else if (rc < 0)
      wg_log(LOG_ERR, "clinic: %s alert for %s: %s", wg_rule_name(v[i].rule),
             p->id, wg_strerror(rc));
  }
}

/* The patient index of @id in the current configuration, or -1. */
static long clinic_patient_index(const wg_clinic_t *cl, const char *id) {
  for (size_t i = 0; cl->cfg != NULL && i < cl->nstates; i++)
    if (strcmp(cl->cfg->patients[i].id, id) == 0)
      return (long)i;
  return -1;
}

/* An open alert's condition holds: marked in the rule state of patient
 * @i, or in the device's refusals. */
static void clinic_restore_open(wg_clinic_t *cl, size_t i, const wg_alert_t *al,
                                double now) {
  wg_device_refusals_t *e;

  if (al->rule == WG_RULE_DEVICE_REFUSED) {
    if ((e = clinic__refusals(cl, al->key, true)) != NULL)
      wg_rules_device_restore_open(e);
    return;
  }
  wg_rules_restore_open(&cl->cfg->patients[i], &cl->states[i], al->rule,
                        al->key, al->raised, al->ts, now);
  /* Its tier, as it stood: a 1-4 alert clears over 4 h after a restart
   * too. */
  if (al->rule == WG_RULE_NEWS2)
    cl->states[i].news2_tier = (int)al->severity;
}

/* The conditions that the open alerts of patient @i stand for hold. */
static void clinic_mark_open(wg_clinic_t *cl, size_t i, double now) {
  const wg_patient_t *p = &cl->cfg->patients[i];

  for (size_t k = 0; k < cl->alerts.nopen; k++) {
    const wg_alert_t *al = wg_alerts_at(&cl->alerts, k);
    if (strcmp(al->patient, p->id) == 0)
      clinic_restore_open(cl, i, al, now);
  }
}

/*
 * The open alerts of patients no longer in the configuration are closed
 * with the reason (DESIGN.md section 8, 2026-12-06): no one is watching
 * for their acknowledgement any more, and an escalation of a patient the
 * ward has discharged would only teach the hub to ignore escalations.
 */
static void clinic_close_removed(wg_clinic_t *cl, double now) {
  wg_alert_event_t ev;
  size_t k = 0;

  while (k < cl->alerts.nopen) {
    const wg_alert_t *al = wg_alerts_at(&cl->alerts, k);
    char id[sizeof(al->id)], reason[192];

    if (clinic_patient_index(cl, al->patient) >= 0) {
      k++;
      continue;
    }
    wg_copy(id, sizeof(id), al->id);
    if (cl->discharged_by[0] != '\0') /* by the hub: a discharge */
      snprintf(reason, sizeof(reason), "discharged: patient %s is not in %s",
               al->patient, cl->discharged_by);
    else
      snprintf(reason, sizeof(reason),
               "patient %s removed from the configuration", al->patient);
    wg_log(LOG_WARNING,
           "clinic: reload: %s; alert %s (%s, %s%s) closed, its escalation "
           "stopped",
           reason, id, wg_rule_name(al->rule), wg_severity_name(al->severity),
           al->acknowledged ? ", acknowledged" : ", not acknowledged");
    if (wg_alerts_close(&cl->alerts, id, reason, now, &ev) == 1)
      clinic_queue_event(cl, &ev);
    else
      k++; /* cannot happen: it is open; never loop on it */
  }
}

int wg_clinic_set_patients(wg_clinic_t *cl, const wg_config_t *cfg,
                           double now) {
  const wg_config_t *was = cl->cfg; /* alive until this returns */
  size_t n = cfg->npatients;
  wg_rule_state_t *v = calloc(n ? n : 1, sizeof(*v));

  if (v == NULL)
    return WG_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const wg_patient_t *p = &cfg->patients[i];
    long j;

    if (wg_rule_state_init(&v[i], p, now) != 0) {
      clinic_free_states(v, i);
      return WG_ENOMEM;
    }
    if ((j = clinic_patient_index(cl, p->id)) >= 0)
      wg_rule_state_carry(&v[i], p, &cl->states[j], &cl->cfg->patients[j]);
  }
  clinic_free_states(cl->states, cl->nstates);
  cl->states = v;
  cl->nstates = n;
  cl->cfg = cfg;
  wg_daylog_start(&cl->daylog, now);
  wg_alerts_set_routes(&cl->alerts, cfg->routes, cfg->nroutes);
  clinic_close_removed(cl, now);
  for (size_t k = 0; k < cl->alerts.nopen;) { /* what is no longer held */
    long i = clinic_patient_index(cl, wg_alerts_at(&cl->alerts, k)->patient);
    if (i < 0 || !clinic__reconfigured(cl, was, k, (size_t)i, now))
      k++;
  }
  for (size_t i = 0; i < n; i++)
    clinic_mark_open(cl, i, now);
  return 0;
}

void wg_clinic_replay(wg_clinic_t *cl, size_t patient, int device,
                      const wg_reading_t *r, double now) {
  if (patient < cl->nstates)
    wg_rules_replay(&cl->cfg->patients[patient], &cl->states[patient], r,
                    device, now);
}

void wg_clinic_restore_score(wg_clinic_t *cl, size_t patient,
                             const wg_news2_t *score, double ts) {
  wg_rule_state_t *st;

  if (patient >= cl->nstates)
    return;
  st = &cl->states[patient];
  st->news2_scored = true;
  st->news2_last = *score;
  /* Anchored as the live rule would be: on the newest replayed component
   * of its set, or on the time it was computed when none is left. */
  st->news2_anchor = 0;
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (st->news2[k].present && st->news2[k].ts <= ts &&
        st->news2[k].ts > st->news2_anchor)
      st->news2_anchor = st->news2[k].ts;
  if (st->news2_anchor == 0)
    st->news2_anchor = ts;
  memset(&st->news2_pub, 0, sizeof(st->news2_pub));
  st->news2_pub.any = true;
  st->news2_pub.last = *score;
  st->news2_pub.at = ts;
}

int wg_clinic_restore_alert(wg_clinic_t *cl, const char *json, double now) {
  wg_alert_t al;
  long i;
  int rc;

  if (wg_alert_from_json(json, &al) != 0)
    return WG_EINVAL;
  if ((rc = wg_alerts_restore(&cl->alerts, &al)) != 0)
    return rc;
  if ((i = clinic_patient_index(cl, al.patient)) >= 0)
    clinic_restore_open(cl, (size_t)i, &al, now);
  /* Changed while the daemon was down: not left open with no rule. */
  for (size_t k = 0; i >= 0 && k < cl->alerts.nopen; k++)
    if (strcmp(wg_alerts_at(&cl->alerts, k)->id, al.id) == 0) {
      clinic__reconfigured(cl, NULL, k, (size_t)i, now);
      break;
    }
  return 0;
}

/* A reading through the rules; a fall's summary names @refusal if any. */
static void clinic_reading(wg_clinic_t *cl, size_t patient, int device,
                           const wg_reading_t *r, const char *refusal,
                           double now) {
  wg_verdict_t v[VERDICTS_MAX];
  const wg_patient_t *p;
  size_t n;

  if (patient >= cl->nstates)
    return;
  p = &cl->cfg->patients[patient];
  clinic__news2_past(cl, p, &cl->states[patient], r);
  if (cl->nsuperseded > 0)
    clinic__reconfig_reading(cl, patient, r, now);
  n = wg_rules_eval(p, &cl->states[patient], r, device, now, v, VERDICTS_MAX);
  for (size_t i = 0; refusal != NULL && i < n; i++) {
    char summary[sizeof(v[i].summary)];

    if (v[i].rule != WG_RULE_FALL)
      continue;
    /* Cut to fit, as every summary is: the refusal comes last. */
    if (snprintf(summary, sizeof(summary), "%s; its pack was refused: %s",
                 v[i].summary, refusal) >= 0)
      wg_copy(v[i].summary, sizeof(v[i].summary), summary);
  }
  for (size_t i = 0; i < n; i++)
    if (!cl->in_pack || !clinic_burst_hold(cl, patient, &v[i]))
      clinic_apply_verdicts(cl, p, &v[i], 1, now);
}

void wg_clinic_reading(wg_clinic_t *cl, size_t patient, int device,
                       const wg_reading_t *r, double now) {
  clinic_reading(cl, patient, device, r, NULL, now);
}

void wg_clinic_refused_reading(wg_clinic_t *cl, size_t patient, int device,
                               const wg_reading_t *r, const char *refusal,
                               double now) {
  clinic_reading(cl, patient, device, r, refusal, now);
}

void wg_clinic_device_quota(wg_clinic_t *cl, size_t patient, int device,
                            const char *device_id, const char *reason,
                            double now) {
  const wg_patient_t *p;
  wg_verdict_t v;

  (void)device;
  if (patient >= cl->nstates)
    return;
  p = &cl->cfg->patients[patient];
  /* Raised once: a flooding device must not flood the hub with updates. */
  if (reason != NULL &&
      wg_alerts_find(&cl->alerts, p->id, WG_RULE_DEVICE_QUOTA, device_id))
    return;
  memset(&v, 0, sizeof(v));
  v.kind = reason != NULL ? WG_VERDICT_RAISE : WG_VERDICT_CLEAR;
  v.rule = WG_RULE_DEVICE_QUOTA;
  v.severity = WG_SEV_LOW;
  wg_copy(v.key, sizeof(v.key), device_id);
  if (reason != NULL)
    snprintf(v.summary, sizeof(v.summary),
             "%s; its packs are refused until it slows down (a fall still "
             "raises)",
             reason);
  else
    snprintf(v.summary, sizeof(v.summary), "Device %s back within its quota",
             device_id);
  wg_copy(v.evidence.n, sizeof(v.evidence.n), "quota");
  wg_copy(v.evidence.device, sizeof(v.evidence.device), device_id);
  v.evidence.t = v.evidence.rt = now;
  clinic_apply_verdicts(cl, p, &v, 1, now);
}

/* A score to publish on news2 and store in scores at the next commit. */
static void clinic_queue_score(wg_clinic_t *cl, const wg_patient_t *p,
                               const wg_news2_t *s, double ts) {
  wg_clinic_score_t *cs;

  if (cl->nscores == cl->scores_cap) {
    size_t cap = cl->scores_cap ? cl->scores_cap * 2 : 16;
    wg_clinic_score_t *q = realloc(cl->scores, cap * sizeof(*q));
    if (q == NULL) {
      wg_log(LOG_ERR, "clinic: out of memory: NEWS2 of %s not recorded", p->id);
      return;
    }
    cl->scores = q;
    cl->scores_cap = cap;
  }
  cs = &cl->scores[cl->nscores++];
  wg_copy(cs->patient, sizeof(cs->patient), p->id);
  cs->ts = ts;
  cs->scale = p->news2_scale;
  cs->score = *s;
}

/* @s, the set of @st, is late when its newest component (its anchor, as
 * the rule takes it) was received after the NEWS2 fresh limit: marked so,
 * with that component's time, for the news2 message (DESIGN.md section 7,
 * 2026-12-06). */
static void clinic_news2_when(const wg_rule_state_t *st, wg_news2_t *s) {
  double anchor = 0, rt = 0;

  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (st->news2[k].present && st->news2[k].ts > anchor) {
      anchor = st->news2[k].ts;
      rt = st->news2[k].rt;
    }
  s->retrospective = false;
  s->late = anchor > 0 && rt - anchor > wg_rules_fresh_limit_s(WG_RULE_NEWS2);
  s->measured_at = s->late ? anchor : 0;
}

/*
 * One deterioration, one alert to act on (issue #27): a threshold alert on
 * a NEWS2 parameter that scores in set @s, open beside the patient's NEWS2
 * alert, one of the two raised now (by the same pack), is linked with it;
 * the events of both not yet committed carry the link. One threshold per
 * NEWS2 alert: a second stands alone.
 */
static void clinic_link_news2(wg_clinic_t *cl, const wg_patient_t *p,
                              const wg_news2_t *s, double now) {
  const wg_alert_t *n2 =
      wg_alerts_find(&cl->alerts, p->id, WG_RULE_NEWS2, "news2");
  const wg_alert_t *th;
  char key[96];

  for (size_t i = 0; n2 != NULL && n2->related[0] == '\0' && i < p->nthresholds;
       i++) {
    int k = wg_news2_param(p->thresholds[i].name);
    if (k < 0 || s->components[k] <= 0)
      continue;
    wg_rules_threshold_key(&p->thresholds[i], key, sizeof(key));
    th = wg_alerts_find(&cl->alerts, p->id, WG_RULE_THRESHOLD, key);
    if (th == NULL || (th->raised != now && n2->raised != now) ||
        wg_alerts_link(&cl->alerts, n2->id, th->id) != 0)
      continue;
    for (size_t e = 0; e < cl->nevents; e++) {
      wg_alert_t *q = &cl->events[e].alert;
      if (strcmp(q->id, n2->id) == 0 || strcmp(q->id, th->id) == 0)
        wg_copy(q->related, sizeof(q->related),
                strcmp(q->id, n2->id) == 0 ? th->id : n2->id);
    }
  }
}

void wg_clinic_news2(wg_clinic_t *cl, size_t patient, const char *device,
                     double now) {
  const wg_patient_t *p;
  wg_rule_state_t *st;
  wg_verdict_t v;
  wg_news2_t s;
  bool has_verdict;

  if (patient >= cl->nstates)
    return;
  p = &cl->cfg->patients[patient];
  st = &cl->states[patient];
  /* What the rule leaves unwritten when it keeps the newer set. */
  if (st->news2_scored)
    s = st->news2_last;
  else
    memset(&s, 0, sizeof(s));
  /* The alert rule sees every computation; the hub hears of it as
   * wg_news2_pub_offer() decides. */
  wg_rules_news2(p, st, now, &s, &v, &has_verdict);
  clinic_news2_when(st, &s);
  if (wg_news2_pub_offer(&st->news2_pub, &s, now, cl->cfg->news2_interval_s))
    clinic_queue_score(cl, p, &s, now);
  if (has_verdict) {
    wg_copy(v.evidence.device, sizeof(v.evidence.device), device);
    /* Folded with the batch's other verdicts: a burst of packs, each
     * scored, is one NEWS2 alert, not one event a pack. */
    if (!cl->in_pack || !clinic_burst_hold(cl, patient, &v))
      clinic_apply_verdicts(cl, p, &v, 1, now);
  }
  clinic_link_news2(cl, p, &s, now);
}

int wg_clinic_ack(wg_clinic_t *cl, const char *id, const char *by,
                  const char *outcome, const char *note, bool local,
                  bool verified, double now) {
  wg_alert_event_t ev;
  int rc = wg_alerts_ack(&cl->alerts, id, by, outcome, note, local, verified,
                         now, &ev);

  if (rc == 1)
    clinic_queue_event(cl, &ev);
  /* One deterioration, one ack: its linked alert is answered too. */
  if (rc == 1 && wg_alerts_ack_related(&cl->alerts, id, by, outcome, note,
                                       local, verified, now, &ev) == 1)
    clinic_queue_event(cl, &ev);
  return rc;
}

void wg_clinic_tick(wg_clinic_t *cl, double now) {
  wg_verdict_t v[VERDICTS_MAX];
  wg_alert_event_t ev;

  for (size_t i = 0; i < cl->nstates; i++) {
    const wg_patient_t *p = &cl->cfg->patients[i];
    wg_news2_pub_t *pub = &cl->states[i].news2_pub;
    double due = wg_news2_pub_deadline(pub, cl->cfg->news2_interval_s);
    size_t n =
        wg_rules_tick(p, &cl->states[i], now, cl->silent_s, v, VERDICTS_MAX);

    clinic_apply_verdicts(cl, p, v, n, now);
    if (due > 0 && due <= now) {
      wg_news2_t s;
      double ts;
      wg_news2_pub_take(pub, now, &s, &ts);
      clinic_queue_score(cl, p, &s, ts);
    }
  }
  while (wg_alerts_escalate_due(&cl->alerts, now, &ev) == 1)
    clinic_queue_event(cl, &ev);
  while (wg_alerts_update_due(&cl->alerts, now, &ev) == 1)
    clinic_queue_event(cl, &ev);
  /* After the escalations due by midnight: the day's log is complete. */
  wg_daylog_tick(&cl->daylog, now);
}

double wg_clinic_next_deadline(const wg_clinic_t *cl, double now) {
  double next = wg_alerts_next_deadline(&cl->alerts),
         day_end = wg_daylog_next_deadline(&cl->daylog);

  if (day_end > 0 && (next <= 0 || day_end < next))
    next = day_end;

  for (size_t i = 0; i < cl->nstates; i++) {
    double d = wg_rules_next_deadline(&cl->cfg->patients[i], &cl->states[i],
                                      now, cl->silent_s),
           n2 = wg_news2_pub_deadline(&cl->states[i].news2_pub,
                                      cl->cfg->news2_interval_s);
    if (n2 > 0 && (d <= 0 || n2 < d))
      d = n2;
    if (d > 0 && (next <= 0 || d < next))
      next = d;
  }
  return next > 0 ? next : 0;
}

/* Events (and held verdicts) kept allocated between commits; a burst's
 * larger arrays (each event holds a whole alert, each held verdict two)
 * are given back once it is committed. */
#define EVENTS_KEPT 64

bool wg_clinic_committed(wg_clinic_t *cl) {
  bool changed = cl->changed;

  clinic_free_notes(cl);
  if (cl->events_cap > EVENTS_KEPT) {
    free(cl->events);
    cl->events = NULL;
    cl->events_cap = 0;
  }
  if (cl->burst_cap > EVENTS_KEPT && cl->nburst == 0) {
    free(cl->burst);
    cl->burst = NULL;
    cl->burst_cap = 0;
  }
  cl->nevents = 0;
  cl->nscores = 0;
  cl->changed = false;
  wg_daylog_published(&cl->daylog);
  return changed;
}

/* ---- for clinic_packs.c (clinic_internal.h) ------------------------------ */

void clinic__apply(wg_clinic_t *cl, const wg_patient_t *p,
                   const wg_verdict_t *v, double now) {
  clinic_apply_verdicts(cl, p, v, 1, now);
}

void clinic__queue_score(wg_clinic_t *cl, const wg_patient_t *p,
                         const wg_news2_t *s, double ts) {
  clinic_queue_score(cl, p, s, ts);
}

long clinic__patient_index(const wg_clinic_t *cl, const char *id) {
  return clinic_patient_index(cl, id);
}
