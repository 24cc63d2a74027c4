/* SPDX-License-Identifier: MIT */
/*
 * An alert as JSON, both ways: the event JSON of DESIGN.md section 7 that
 * the commit stores and publishes, its evidence entries printed once each,
 * the alerts/active snapshot joined from the open alerts' kept JSON, and
 * the reading back of a stored alert at start.
 */
#include "clinic/alerts.h"
#include "clinic/alerts_internal.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/routes.h"
#include "common/json_number.h"
#include "common/json_scratch.h"
#include "wardgate/error.h"

static char *alerts_json_build(const wg_alert_t *al, const char *evidence,
                               const char *outcome, const char *note);

char *wg_alerts_snapshot(wg_alerts_t *a, double ts, size_t *len) {
  char head[64], *text, *p;
  size_t n;
  int hn = snprintf(head, sizeof(head), "{\"ts\":%.6f,\"alerts\":[", ts);

  n = (size_t)hn + 3; /* "]}" and the NUL */
  for (size_t i = 0; i < a->nopen; i++) {
    wg_open_alert_t *oa = a->open[i];
    if (oa->json == NULL) {
      char list[WG_ALERT_EVIDENCE_LIST_MAX];

      alerts__evidence_list(oa, list);
      if ((oa->json = alerts_json_build(&oa->alert, list, NULL, NULL)) == NULL)
        return NULL;
      oa->json_len = strlen(oa->json);
    }
    n += oa->json_len + 1;
  }
  if ((text = malloc(n)) == NULL)
    return NULL;
  memcpy(text, head, (size_t)hn);
  p = text + hn;
  for (size_t i = 0; i < a->nopen; i++) {
    if (i > 0)
      *p++ = ',';
    memcpy(p, a->open[i]->json, a->open[i]->json_len);
    p += a->open[i]->json_len;
  }
  memcpy(p, "]}", 3);
  *len = (size_t)(p + 2 - text);
  return text;
}

/* @e as an evidence entry; "" when it does not fit or memory is short
 * (wg_alert_to_json() then tries again). */
void alerts__evidence_json(const wg_evidence_t *e, char *out, size_t size) {
  wg_arena_mark_t mark = wg_json_scratch_begin();
  wg_json_build_t b = wg_json_build_begin();
  cJSON *x = cJSON_CreateObject();

  cJSON_AddStringToObject(x, "n", e->n);
  if (e->flags & WG_READING_HAS_VALUE)
    wg_json_add_number(x, "v", e->v);
  if (e->flags & WG_READING_HAS_VB)
    cJSON_AddBoolToObject(x, "vb", e->vb);
  if (e->u[0])
    cJSON_AddStringToObject(x, "u", e->u);
  wg_json_add_number(x, "t", e->t);
  wg_json_add_number(x, "rt", e->rt > 0 ? e->rt : e->t);
  cJSON_AddStringToObject(x, "device", e->device);
  if (wg_json_build_failed(b) ||
      !cJSON_PrintPreallocated(x, out, (int)size, false))
    out[0] = '\0';
  wg_json_scratch_end(mark);
}

/* Append entry @e (@n bytes) to the list being joined at @p. */
static char *alerts_list_add(char *list, char *p, const char *e, size_t n) {
  if (n == 0)
    return p; /* too long to print: this entry is left out */
  if (p > list + 1)
    *p++ = ',';
  memcpy(p, e, n);
  return p + n;
}

/* The entries of @al from @i on, printed now, then the list closed. */
static void alerts_list_print(const wg_alert_t *al, size_t i, char *list,
                              char *p) {
  for (; i < al->nevidence; i++) {
    char e[WG_ALERT_EVIDENCE_JSON_MAX];

    alerts__evidence_json(&al->evidence[i], e, sizeof(e));
    p = alerts_list_add(list, p, e, strlen(e));
  }
  memcpy(p, "]", 2);
}

void alerts__evidence_list(wg_open_alert_t *oa,
                           char out[WG_ALERT_EVIDENCE_LIST_MAX]) {
  const wg_alert_t *al = &oa->alert;
  uint64_t first = al->evidence_added - al->nevidence;
  wg_json_build_t b = wg_json_build_begin();
  size_t kept = 0, i;
  char *p = out;

  /* Entries dropped since (the oldest, past the maximum) leave the front. */
  if (oa->evidence_from < first) {
    size_t drop = (size_t)((first < oa->evidence_to ? first : oa->evidence_to) -
                           oa->evidence_from);
    size_t bytes = 0, total = 0;

    for (i = 0; i < oa->evidence_to - oa->evidence_from; i++) {
      if (i < drop)
        bytes += oa->evidence_len[i];
      else
        total += oa->evidence_len[i];
    }
    if (total > 0)
      memmove(oa->evidence_text, oa->evidence_text + bytes, total);
    memmove(&oa->evidence_len[0], &oa->evidence_len[drop],
            (oa->evidence_to - oa->evidence_from - drop) *
                sizeof(oa->evidence_len[0]));
    oa->evidence_from += drop;
    if (oa->evidence_to < first)
      oa->evidence_from = oa->evidence_to = first;
  }
  for (i = 0; i < oa->evidence_to - oa->evidence_from; i++)
    kept += oa->evidence_len[i];
  /* Those added since are printed once and kept; one too long to print is
   * kept as nothing, and left out. */
  while (oa->evidence_to < al->evidence_added) {
    char e[WG_ALERT_EVIDENCE_JSON_MAX], *text = oa->evidence_text;
    size_t n;

    alerts__evidence_json(&al->evidence[oa->evidence_to - first], e, sizeof(e));
    if (wg_json_build_failed(b) ||
        ((n = strlen(e)) > 0 &&
         (text = realloc(oa->evidence_text, kept + n)) == NULL))
      break; /* printed again next time */
    if (n > 0)
      memcpy(text + kept, e, n);
    oa->evidence_text = text;
    oa->evidence_len[oa->evidence_to++ - oa->evidence_from] = (uint16_t)n;
    kept += n;
  }
  *p++ = '[';
  kept = 0;
  for (i = 0; i < oa->evidence_to - oa->evidence_from; i++) {
    if (oa->evidence_len[i] > 0)
      p = alerts_list_add(out, p, oa->evidence_text + kept,
                          oa->evidence_len[i]);
    kept += oa->evidence_len[i];
  }
  alerts_list_print(al, (size_t)(oa->evidence_to - first), out, p);
  /* An entry that memory could not print would be left out without a
   * word: the event prints its list then, failing whole if it must. */
  if (wg_json_build_failed(b))
    out[0] = '\0';
}

/* The tree is printed once and dropped: built in the scratch arena. Any
 * allocation that fails, an evidence entry's included, fails it whole.
 * @evidence: the list as alerts__evidence_list() joined it, or NULL (or
 * "") to print it now. */
static char *alerts_json_build(const wg_alert_t *al, const char *evidence,
                               const char *outcome, const char *note) {
  char list[WG_ALERT_EVIDENCE_LIST_MAX];
  wg_arena_mark_t mark = wg_json_scratch_begin();
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;

  if (evidence == NULL || evidence[0] == '\0') {
    list[0] = '[';
    alerts_list_print(al, 0, list, list + 1);
    evidence = list;
  }
  cJSON_AddStringToObject(o, "id", al->id);
  cJSON_AddStringToObject(o, "gateway", al->gateway);
  cJSON_AddStringToObject(o, "patient", al->patient);
  cJSON_AddStringToObject(o, "device", al->device);
  cJSON_AddStringToObject(o, "rule", wg_rule_name(al->rule));
  cJSON_AddStringToObject(o, "severity", wg_severity_name(al->severity));
  cJSON_AddStringToObject(o, "state", wg_alert_state_name(al->state));
  wg_json_add_number(o, "escalation", al->escalation);
  wg_json_add_number(o, "ts", al->ts);
  wg_json_add_number(o, "raised", al->raised);
  wg_json_add_number(o, "measured_at", al->measured_at);
  wg_json_add_number(o, "received_at", al->received_at);
  cJSON_AddBoolToObject(o, "late", al->late);
  cJSON_AddBoolToObject(o, "retrospective", al->retrospective);
  if (al->clock_suspect) /* only then: most boxes keep NTP */
    cJSON_AddTrueToObject(o, "clock_suspect");
  cJSON_AddStringToObject(o, "summary", al->summary);
  cJSON_AddRawToObject(o, "evidence", evidence);
  wg_json_add_number(o, "repeats", al->repeats);
  cJSON_AddStringToObject(o, "key", al->key);
  cJSON_AddBoolToObject(o, "acknowledged", al->acknowledged);
  if (al->acknowledged) {
    cJSON_AddStringToObject(o, "by", al->acked_by);
    if (outcome && outcome[0])
      cJSON_AddStringToObject(o, "outcome", outcome);
    if (note && note[0])
      cJSON_AddStringToObject(o, "note", note);
    cJSON_AddStringToObject(o, "via", al->acked_local ? "local" : "hub");
    cJSON_AddBoolToObject(o, "verified", al->acked_verified);
  }
  wg_json_add_number(o, "ack_timeout_s", al->ack_timeout_s);
  if (al->next_escalation > 0)
    wg_json_add_number(o, "escalates_at", al->next_escalation);
  cJSON_AddStringToObject(o, "route",
                          al->route[0] ? al->route : WG_ROUTE_DEFAULT);
  if (al->related[0])
    cJSON_AddStringToObject(o, "related", al->related);
  wg_json_add_number(o, "respond_by",
                     al->respond_by > 0 ? al->respond_by
                                        : al->raised + al->ack_timeout_s);
  if (!wg_json_build_failed(b))
    text = wg_json_scratch_keep(cJSON_PrintUnformatted(o));
  wg_json_scratch_end(mark);
  return text;
}

char *wg_alert_to_json(const wg_alert_t *al) {
  return alerts_json_build(al, NULL, NULL, NULL);
}

char *wg_alert_event_to_json(const wg_alert_event_t *ev) {
  return alerts_json_build(&ev->alert, ev->evidence, ev->outcome, ev->note);
}

static bool alerts_json_copy_str(const cJSON *o, const char *key, char *out,
                                 size_t len, bool required) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsString(v))
    return !required;
  snprintf(out, len, "%s", v->valuestring);
  return true;
}

static double alerts_json_number(const cJSON *o, const char *key, double def) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : def;
}

int wg_alert_from_json(const char *json, wg_alert_t *al) {
  wg_arena_mark_t mark = wg_json_scratch_begin(); /* read, then dropped */
  cJSON *o = cJSON_Parse(json);
  char rule[32] = "", sev[32] = "", state[32] = "";
  const cJSON *ev, *e;
  const char *dash, *via;
  int r, s, st, rc = WG_EINVAL;

  memset(al, 0, sizeof(*al));
  if (!cJSON_IsObject(o))
    goto done;
  if (!alerts_json_copy_str(o, "id", al->id, sizeof(al->id), true) ||
      !alerts_json_copy_str(o, "gateway", al->gateway, sizeof(al->gateway),
                            true) ||
      !alerts_json_copy_str(o, "patient", al->patient, sizeof(al->patient),
                            true) ||
      !alerts_json_copy_str(o, "device", al->device, sizeof(al->device),
                            false) ||
      !alerts_json_copy_str(o, "rule", rule, sizeof(rule), true) ||
      !alerts_json_copy_str(o, "severity", sev, sizeof(sev), true) ||
      !alerts_json_copy_str(o, "state", state, sizeof(state), true) ||
      !alerts_json_copy_str(o, "summary", al->summary, sizeof(al->summary),
                            false) ||
      !alerts_json_copy_str(o, "key", al->key, sizeof(al->key), true) ||
      !alerts_json_copy_str(o, "by", al->acked_by, sizeof(al->acked_by),
                            false) ||
      !alerts_json_copy_str(o, "route", al->route, sizeof(al->route), false) ||
      !alerts_json_copy_str(o, "related", al->related, sizeof(al->related),
                            false))
    goto done;
  if ((r = wg_rule_parse(rule)) < 0 || (st = wg_alert_state_parse(state)) < 0)
    goto done;
  for (s = 0; s < WG_SEV_COUNT; s++)
    if (strcmp(sev, wg_severity_name((wg_severity_t)s)) == 0)
      break;
  if (s == WG_SEV_COUNT || (dash = strrchr(al->id, '-')) == NULL)
    goto done;
  al->seq = strtoull(dash + 1, NULL, 10);
  al->rule = (wg_rule_t)r;
  al->severity = (wg_severity_t)s;
  al->state = (wg_alert_state_t)st;
  al->escalation = (int)alerts_json_number(o, "escalation", 0);
  al->repeats = (int)alerts_json_number(o, "repeats", 0);
  al->ts = alerts_json_number(o, "ts", 0);
  al->raised = alerts_json_number(o, "raised", 0);
  al->ack_timeout_s = alerts_json_number(o, "ack_timeout_s", 0);
  al->next_escalation = alerts_json_number(o, "escalates_at", 0);
  /* Stored before it was kept: what the event said then. */
  al->respond_by =
      alerts_json_number(o, "respond_by", al->raised + al->ack_timeout_s);
  al->late = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "late"));
  al->retrospective =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "retrospective"));
  al->clock_suspect =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "clock_suspect"));
  al->acknowledged =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "acknowledged"));
  via = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "via"));
  al->acked_local = via != NULL && strcmp(via, "local") == 0;
  al->acked_verified =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "verified"));
  ev = cJSON_GetObjectItemCaseSensitive(o, "evidence");
  cJSON_ArrayForEach(e, ev) {
    wg_evidence_t *x;
    const cJSON *vb = cJSON_GetObjectItemCaseSensitive(e, "vb");
    if (al->nevidence == WG_ALERT_EVIDENCE_MAX)
      break;
    x = &al->evidence[al->nevidence++];
    alerts_json_copy_str(e, "n", x->n, sizeof(x->n), false);
    alerts_json_copy_str(e, "u", x->u, sizeof(x->u), false);
    alerts_json_copy_str(e, "device", x->device, sizeof(x->device), false);
    x->t = alerts_json_number(e, "t", 0);
    x->rt = alerts_json_number(e, "rt", x->t); /* stored before rt: t */
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "v"))) {
      x->v = alerts_json_number(e, "v", 0);
      x->flags |= WG_READING_HAS_VALUE;
    }
    if (cJSON_IsBool(vb)) {
      x->vb = cJSON_IsTrue(vb);
      x->flags |= WG_READING_HAS_VB;
    }
    al->evidence_added++;
  }
  /* An alert stored before these times: its last evidence's. */
  al->measured_at = alerts_json_number(
      o, "measured_at", al->nevidence ? al->evidence[al->nevidence - 1].t : 0);
  al->received_at = alerts_json_number(
      o, "received_at", al->nevidence ? al->evidence[al->nevidence - 1].rt : 0);
  rc = 0;

done:
  wg_json_scratch_end(mark);
  return rc;
}
