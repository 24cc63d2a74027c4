/* SPDX-License-Identifier: MIT */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"

static const char *const rule_names[WG_RULE_COUNT] = {
    "fall",       "threshold",     "news2",      "low_intake",
    "missed_obs", "device_silent", "battery_low"};

const char *wg_rule_name(wg_rule_t rule) {
  return (unsigned)rule < WG_RULE_COUNT ? rule_names[rule] : "unknown";
}

int wg_rule_parse(const char *name) {
  for (int i = 0; i < WG_RULE_COUNT; i++)
    if (strcmp(name, rule_names[i]) == 0)
      return i;
  return -1;
}

bool wg_rule_is_event(wg_rule_t rule) { return rule == WG_RULE_FALL; }

void wg_evidence_from_reading(wg_evidence_t *e, const wg_reading_t *r) {
  memset(e, 0, sizeof(*e));
  snprintf(e->n, sizeof(e->n), "%s", r->name);
  snprintf(e->u, sizeof(e->u), "%s", r->unit ? r->unit : "");
  snprintf(e->device, sizeof(e->device), "%s",
           r->device_id ? r->device_id : "");
  e->v = r->value;
  e->vb = r->vb;
  e->t = r->ts;
  e->flags = r->flags & (WG_READING_HAS_VALUE | WG_READING_HAS_VB);
}

int wg_rule_state_init(wg_rule_state_t *st, const wg_patient_t *p) {
  memset(st, 0, sizeof(*st));
  if (p->nthresholds > 0) {
    st->thresholds = calloc(p->nthresholds, sizeof(*st->thresholds));
    if (st->thresholds == NULL)
      return WG_ENOMEM;
  }
  st->nthresholds = p->nthresholds;
  return 0;
}

void wg_rule_state_free(wg_rule_state_t *st) {
  free(st->thresholds);
  memset(st, 0, sizeof(*st));
}

void wg_threshold_key(const wg_threshold_t *t, char *out, size_t len) {
  char below[32] = "", above[32] = "";

  if (t->has_below)
    snprintf(below, sizeof(below), "<%g", t->below);
  if (t->has_above)
    snprintf(above, sizeof(above), ">%g", t->above);
  snprintf(out, len, "%s%s%s", t->name, below, above);
}

static size_t fall(const wg_reading_t *r, wg_verdict_t *v) {
  if (strcmp(r->name, "fall") != 0 || !(r->flags & WG_READING_HAS_VB) || !r->vb)
    return 0;
  memset(v, 0, sizeof(*v));
  v->kind = WG_VERDICT_RAISE;
  v->rule = WG_RULE_FALL;
  v->severity = WG_SEV_HIGH;
  snprintf(v->key, sizeof(v->key), "fall");
  snprintf(v->summary, sizeof(v->summary), "Fall detected by %s",
           r->device_id ? r->device_id : "a device");
  wg_evidence_from_reading(&v->evidence, r);
  return 1;
}

/*
 * A threshold raises after `confirm` readings in a row beyond its limit (at
 * the limit is inside) and clears after two readings in a row back inside,
 * so that a value hovering at the limit does not flap.
 */
static size_t threshold(const wg_threshold_t *t, wg_threshold_state_t *s,
                        const wg_reading_t *r, wg_verdict_t *v) {
  bool low = t->has_below && r->value < t->below;
  bool high = t->has_above && r->value > t->above;

  if (low || high) {
    s->inside = 0;
    if (s->beyond < 1000000)
      s->beyond++;
    if (!s->active && s->beyond < (unsigned)t->confirm)
      return 0;
    s->active = true;
    memset(v, 0, sizeof(*v));
    v->kind = WG_VERDICT_RAISE;
    v->severity = t->severity;
    snprintf(v->summary, sizeof(v->summary), "%s %g %s %s the limit of %g",
             r->name, r->value, r->unit ? r->unit : "", low ? "below" : "above",
             low ? t->below : t->above);
  } else {
    s->beyond = 0;
    if (!s->active)
      return 0;
    if (++s->inside < 2)
      return 0;
    s->active = false;
    s->inside = 0;
    memset(v, 0, sizeof(*v));
    v->kind = WG_VERDICT_CLEAR;
    v->severity = t->severity;
    snprintf(v->summary, sizeof(v->summary), "%s back within the limit (%g %s)",
             r->name, r->value, r->unit ? r->unit : "");
  }
  v->rule = WG_RULE_THRESHOLD;
  wg_threshold_key(t, v->key, sizeof(v->key));
  wg_evidence_from_reading(&v->evidence, r);
  return 1;
}

size_t wg_rules_eval(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, double now, wg_verdict_t *out,
                     size_t max) {
  size_t n = 0;

  (void)now; /* the event and threshold rules do not depend on it */
  if (max > n)
    n += fall(r, &out[n]);
  if (r->flags & WG_READING_HAS_VALUE)
    for (size_t i = 0; i < p->nthresholds && i < st->nthresholds && n < max;
         i++)
      if (strcmp(p->thresholds[i].name, r->name) == 0)
        n += threshold(&p->thresholds[i], &st->thresholds[i], r, &out[n]);
  return n;
}
