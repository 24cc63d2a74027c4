/* SPDX-License-Identifier: MIT */
#include "clinic/rules.h"
#include "clinic/rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/text.h"
#include "ingest/senml.h"
#include "wardgate/error.h"

static const char *const rule_names[WG_RULE_COUNT] = {
    "fall",         "threshold",           "news2",       "low_intake",
    "missed_obs",   "device_silent",       "battery_low", "device_refused",
    "device_quota", "clock_unsynchronized"};

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

void wg_rules_evidence(wg_evidence_t *e, const wg_reading_t *r) {
  memset(e, 0, sizeof(*e));
  wg_copy(e->n, sizeof(e->n), r->name);
  wg_copy(e->u, sizeof(e->u), r->unit ? r->unit : "");
  wg_copy(e->device, sizeof(e->device), r->device_id ? r->device_id : "");
  e->v = r->value;
  e->vb = r->vb;
  e->t = r->ts;
  e->rt = r->received > 0 ? r->received : r->ts;
  e->flags = r->flags & (WG_READING_HAS_VALUE | WG_READING_HAS_VB |
                         WG_READING_CLOCK_SUSPECT);
}

double wg_rules_effective_t(const wg_reading_t *r) {
  return r->received > 0 && r->ts > r->received ? r->received : r->ts;
}

double wg_rules_fresh_limit_s(wg_rule_t rule) {
  switch (rule) {
  case WG_RULE_FALL:
    return 5 * 60.0;
  case WG_RULE_THRESHOLD:
    return 10 * 60.0;
  case WG_RULE_NEWS2:
    return 60 * 60.0;
  default:
    return 0;
  }
}

/* @t as local "HH:MM", with " on YYYY-MM-DD" when its day is not @ref's. */
static void rules_clock_time(double t, double ref, char *out, size_t size) {
  time_t tt = (time_t)floor(t), rr = (time_t)floor(ref);
  struct tm tm, rm;
  char day[16] = "";

  localtime_r(&tt, &tm);
  localtime_r(&rr, &rm);
  if (tm.tm_year != rm.tm_year || tm.tm_yday != rm.tm_yday)
    strftime(day, sizeof(day), " on %Y-%m-%d", &tm);
  snprintf(out, size, "%02d:%02d%s", tm.tm_hour, tm.tm_min, day);
}

/* @s seconds as "4 h 28 min" (whole minutes; days when there are any). */
static void rules_duration(double s, char *out, size_t size) {
  long m = (long)floor(s / 60.0);

  if (m >= 1440)
    snprintf(out, size, "%ld d %ld h %ld min", m / 1440, m / 60 % 24, m % 60);
  else if (m >= 60)
    snprintf(out, size, "%ld h %ld min", m / 60, m % 60);
  else
    snprintf(out, size, "%ld min", m);
}

/*
 * Verdict @v about reading @r received after its rule's fresh limit: marked
 * late, and its summary says when the reading was measured and how late it
 * came ("Fall at 09:12, reported 13:40 — 4 h 28 min late"), so that no one
 * at the hub takes it for now.
 */
static void rules_mark_late(wg_verdict_t *v, const wg_reading_t *r) {
  double limit = wg_rules_fresh_limit_s(v->rule);
  char measured[32], reported[32], late[48], summary[sizeof(v->summary)];

  if (limit <= 0 || r->received <= 0 || r->received - r->ts <= limit)
    return;
  v->late = true;
  rules_clock_time(r->ts, r->received, measured, sizeof(measured));
  rules_clock_time(r->received, r->received, reported, sizeof(reported));
  rules_duration(r->received - r->ts, late, sizeof(late));
  /* Cut to fit, as every summary is. */
  if ((v->rule == WG_RULE_FALL
           ? snprintf(summary, sizeof(summary),
                      "Fall at %s, reported %s — %s late (%s; possible long "
                      "lie)",
                      measured, reported, late,
                      r->device_id ? r->device_id : "")
           : snprintf(summary, sizeof(summary),
                      "%s; measured at %s, reported %s — %s late", v->summary,
                      measured, reported, late)) < 0)
    return;
  wg_copy(v->summary, sizeof(v->summary), summary);
}

int wg_rule_state_init(wg_rule_state_t *st, const wg_patient_t *p, double now) {
  memset(st, 0, sizeof(*st));
  st->nthresholds = p->nthresholds;
  st->nintake = p->nintake;
  st->nexpect = p->nexpect;
  st->ndevices = p->ndevices;
  st->thresholds = calloc(p->nthresholds + 1, sizeof(*st->thresholds));
  st->intake = calloc(p->nintake + 1, sizeof(*st->intake));
  st->expect = calloc(p->nexpect + 1, sizeof(*st->expect));
  st->devices = calloc(p->ndevices + 1, sizeof(*st->devices));
  if (!st->thresholds || !st->intake || !st->expect || !st->devices) {
    wg_rule_state_free(st);
    return WG_ENOMEM;
  }
  /* Silence and missed observations count from now: a restart must not
   * raise them for the time the daemon itself was away. */
  for (size_t i = 0; i < p->nexpect; i++)
    st->expect[i].last = now;
  for (size_t i = 0; i < p->ndevices; i++)
    st->devices[i].last = now;
  return 0;
}

void wg_rule_state_free(wg_rule_state_t *st) {
  free(st->thresholds);
  free(st->intake);
  free(st->expect);
  free(st->devices);
  memset(st, 0, sizeof(*st));
}

void wg_rule_state_carry(wg_rule_state_t *to, const wg_patient_t *pt,
                         const wg_rule_state_t *from, const wg_patient_t *pf) {
  char a[96], b[96];

  memcpy(to->news2, from->news2, sizeof(to->news2));
  to->news2_scored = from->news2_scored;
  to->news2_last = from->news2_last;
  to->news2_alert = from->news2_alert;
  to->news2_pub = from->news2_pub;
  to->news2_anchor = from->news2_anchor;
  to->news2_keys = from->news2_keys;
  to->news2_lost = from->news2_lost;
  to->news2_below = from->news2_below;
  to->news2_below_from = from->news2_below_from;
  to->news2_tier = from->news2_tier;
  for (size_t i = 0; i < pt->nthresholds; i++)
    for (size_t j = 0; j < pf->nthresholds; j++) {
      wg_rules_threshold_key(&pt->thresholds[i], a, sizeof(a));
      wg_rules_threshold_key(&pf->thresholds[j], b, sizeof(b));
      if (strcmp(a, b) == 0)
        to->thresholds[i] = from->thresholds[j];
    }
  for (size_t i = 0; i < pt->nintake; i++)
    for (size_t j = 0; j < pf->nintake; j++)
      if (strcmp(pt->intake[i].name, pf->intake[j].name) == 0)
        to->intake[i] = from->intake[j];
  for (size_t i = 0; i < pt->nexpect; i++)
    for (size_t j = 0; j < pf->nexpect; j++)
      if (strcmp(pt->expect[i].name, pf->expect[j].name) == 0)
        to->expect[i] = from->expect[j];
  for (size_t i = 0; i < pt->ndevices; i++)
    for (size_t j = 0; j < pf->ndevices; j++)
      if (strcmp(pt->devices[i], pf->devices[j]) == 0)
        to->devices[i] = from->devices[j];
}

void wg_rules_threshold_key(const wg_threshold_t *t, char *out, size_t len) {
  char below[32] = "", above[32] = "";

  if (t->has_below)
    snprintf(below, sizeof(below), "<%g", t->below);
  if (t->has_above)
    snprintf(above, sizeof(above), ">%g", t->above);
  snprintf(out, len, "%s%s%s", t->name, below, above);
}

/* The identity of verdict @v: what it says, of which rule, about what. */
void rules__verdict_set(wg_verdict_t *v, wg_verdict_kind_t kind, wg_rule_t rule,
                        wg_severity_t severity, const char *key) {
  v->kind = kind;
  v->rule = rule;
  v->severity = severity;
  wg_copy(v->key, sizeof(v->key), key);
}

/* A fall is an event: late or retrospective it still raises, marked. */
static size_t rules_fall(const wg_reading_t *r, wg_rule_state_t *st, int d,
                         double now, wg_verdict_t *v) {
  double t = wg_rules_effective_t(r);
  wg_device_state_t *ds = d >= 0 ? &st->devices[d] : NULL;
  bool past;

  if (strcmp(r->name, "fall") != 0 || !(r->flags & WG_READING_HAS_VB) || !r->vb)
    return 0;
  past = t < st->fall_newest;
  if (!past)
    st->fall_newest = t;
  memset(v, 0, sizeof(*v));
  v->retrospective = past;
  rules__verdict_set(v, WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  snprintf(v->summary, sizeof(v->summary), "Fall detected by %s",
           r->device_id ? r->device_id : "a device");
  /* Its repeats are coalesced into the open alert (alerts.c); a device
   * that reports falls faster than anyone falls is said to chatter. */
  if (ds != NULL) {
    if (ds->falls == 0 || now - ds->fall_from > 60.0) {
      ds->fall_from = now;
      ds->falls = 0;
    }
    if (++ds->falls > WG_RULES_FALL_CHATTER) {
      size_t len = strlen(v->summary);
      snprintf(v->summary + len, sizeof(v->summary) - len,
               " (%u falls reported within a minute: check the sensor)",
               ds->falls);
    }
  }
  wg_rules_evidence(&v->evidence, r);
  return 1;
}

/*
 * A threshold raises after `confirm` readings in a row beyond its limit (at
 * the limit is inside) and clears after two readings in a row back inside,
 * so that a value hovering at the limit does not flap.
 */
static size_t rules_threshold(const wg_threshold_t *t, wg_threshold_state_t *s,
                              const wg_reading_t *r, wg_verdict_t *v) {
  bool low = t->has_below && r->value < t->below;
  bool high = t->has_above && r->value > t->above;
  double at = wg_rules_effective_t(r);

  /* A retrospective reading describes the past, not the patient now: it
   * neither raises, clears, confirms nor counts toward hysteresis
   * (DESIGN.md section 8 "Time"). */
  if (at < s->newest)
    return 0;
  s->newest = at;
  if (low || high) {
    s->inside = 0;
    /* A confirmation is a re-measurement, not a reading of hours ago. */
    if (!s->active && s->beyond > 0 &&
        at - s->run_first > WG_RULES_CONFIRM_WINDOW_S)
      s->beyond = 0;
    if (s->beyond == 0)
      s->run_first = at;
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
    v->graded = true;
    v->grade = low ? t->below - r->value : r->value - t->above;
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
  wg_rules_threshold_key(t, v->key, sizeof(v->key));
  wg_rules_evidence(&v->evidence, r);
  return 1;
}

/* ---- per-reading rules -------------------------------------------------- */

wg_verdict_t *rules__next_verdict(wg_verdict_t *out, size_t *n, size_t max) {
  if (*n >= max)
    return NULL;
  memset(&out[*n], 0, sizeof(out[*n]));
  return &out[(*n)++];
}

static int rules_device_index(const wg_patient_t *p, const char *device) {
  for (size_t i = 0; device && i < p->ndevices; i++)
    if (strcmp(p->devices[i], device) == 0)
      return (int)i;
  return -1;
}

bool wg_rules_news2_keep(wg_news2_latest_t *l, const wg_reading_t *r) {
  double t = wg_rules_effective_t(r);

  if (l->present && t < l->ts)
    return false; /* an older measurement arriving late */
  l->present = true;
  l->ts = t;
  l->rt = r->received > 0 ? r->received : r->ts;
  l->value = r->value;
  l->vb = r->vb;
  l->vs = r->vs ? r->vs[0] : 'A';
  wg_copy(l->device, sizeof(l->device), r->device_id ? r->device_id : "");
  return true;
}

static void rules_keep_news2(wg_rule_state_t *st, const wg_reading_t *r) {
  int k = wg_news2_param(r->name);

  if (k >= 0)
    wg_rules_news2_keep(&st->news2[k], r);
}

const char *rules__unit_of(const char *key) {
  const char *u = wg_senml_canonical_unit(key);
  return u ? u : "";
}

/*
 * Readings that only feed state (and, with @out, clear verdicts): intake
 * totals, last seen, NEWS2 observations.
 */
static size_t rules_keep_state(const wg_patient_t *p, wg_rule_state_t *st,
                               const wg_reading_t *r, int d, double now,
                               wg_verdict_t *out, size_t max) {
  wg_verdict_t *v;
  size_t n = 0;

  rules_keep_news2(st, r);
  if (d >= 0) {
    wg_device_state_t *ds = &st->devices[d];
    /* A battery level says the device is powered, not that it measures:
     * one that sends only that is silent for measurement (issue #27). */
    bool measures = strcmp(r->name, "battery") != 0;
    if (now > ds->heard)
      ds->heard = now;
    if (measures && now > ds->last)
      ds->last = now;
    if (measures && ds->silent && out &&
        (v = rules__next_verdict(out, &n, max)) != NULL) {
      ds->silent = false;
      rules__verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_DEVICE_SILENT, WG_SEV_LOW,
                         r->device_id);
      snprintf(v->summary, sizeof(v->summary), "%s is sending again",
               r->device_id);
      wg_rules_evidence(&v->evidence, r);
    }
  }
  for (size_t i = 0; i < p->nexpect; i++) {
    wg_expect_state_t *e = &st->expect[i];
    double t = wg_rules_effective_t(r);
    bool newer = t > e->last;

    if (!rules__expect_matches(&p->expect[i], r->name))
      continue;
    if (newer)
      e->last = t > now ? now : t;
    /* Satisfied by a late reading only if it was measured within the
     * interval: one from before it says nothing of the patient since. */
    if (e->active && newer &&
        now - t <= wg_rules_expect_interval_s(&p->expect[i], st) && out &&
        (v = rules__next_verdict(out, &n, max)) != NULL) {
      e->active = false;
      rules__verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_MISSED_OBS, WG_SEV_LOW,
                         p->expect[i].name);
      snprintf(v->summary, sizeof(v->summary), "%s observed again", r->name);
      wg_rules_evidence(&v->evidence, r);
    }
  }
  for (size_t i = 0; i < p->nintake && (r->flags & WG_READING_HAS_VALUE); i++) {
    wg_intake_state_t *in = &st->intake[i];
    if (strcmp(p->intake[i].name, r->name) != 0)
      continue;
    rules__intake_roll(in, now);
    /* The cup reports again: it was not in use, or is back. */
    if (in->nodata && out && (v = rules__next_verdict(out, &n, max)) != NULL) {
      in->nodata = false;
      rules__verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_MISSED_OBS, WG_SEV_MEDIUM,
                         r->name);
      snprintf(v->summary, sizeof(v->summary), "%s reported again (%g %s)",
               r->name, r->value, rules__unit_of(r->name));
      wg_rules_evidence(&v->evidence, r);
    }
    /* Counted on the local day of its time (a fast clock's: of its
     * receipt); a late reading from yesterday is yesterday's. */
    if (wg_rules_effective_t(r) < in->day_start ||
        wg_rules_effective_t(r) >= in->day_end)
      continue;
    in->total += r->value;
    in->readings++;
    if (in->active &&
        (in->carried ? in->total > 0 : in->total >= in->required) && out &&
        (v = rules__next_verdict(out, &n, max)) != NULL) {
      in->active = false;
      rules__verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_LOW_INTAKE, WG_SEV_MEDIUM,
                         r->name);
      if (in->carried)
        snprintf(v->summary, sizeof(v->summary), "%s: a new day, %.3g %s drunk",
                 r->name, in->total, rules__unit_of(r->name));
      else
        snprintf(v->summary, sizeof(v->summary),
                 "%s caught up: %.3g %s of %.3g %s due", r->name, in->total,
                 rules__unit_of(r->name), in->required,
                 rules__unit_of(r->name));
      in->carried = false;
      wg_rules_evidence(&v->evidence, r);
    }
  }
  return n;
}

static size_t rules_battery(const wg_reading_t *r, wg_rule_state_t *st, int d,
                            wg_verdict_t *out, size_t max) {
  wg_device_state_t *ds;
  wg_verdict_t *v;
  size_t n = 0;

  if (d < 0 || strcmp(r->name, "battery") != 0 ||
      !(r->flags & WG_READING_HAS_VALUE))
    return 0;
  ds = &st->devices[d];
  if (wg_rules_effective_t(r) < ds->battery_t)
    return 0; /* retrospective: the battery now is another reading's */
  ds->battery_t = wg_rules_effective_t(r);
  /* Raised once and cleared once: a battery reports often, and a repeat
   * every reading would be noise at the hub. */
  if (!ds->battery_low && r->value <= WG_BATTERY_LOW_PCT) {
    if ((v = rules__next_verdict(out, &n, max)) == NULL)
      return n;
    ds->battery_low = true;
    v->kind = WG_VERDICT_RAISE;
    snprintf(v->summary, sizeof(v->summary), "Battery of %s at %g %%",
             r->device_id, r->value);
  } else if (ds->battery_low && r->value > WG_BATTERY_OK_PCT) {
    if ((v = rules__next_verdict(out, &n, max)) == NULL)
      return n;
    ds->battery_low = false;
    v->kind = WG_VERDICT_CLEAR;
    snprintf(v->summary, sizeof(v->summary), "Battery of %s back at %g %%",
             r->device_id, r->value);
  } else {
    return 0;
  }
  v->rule = WG_RULE_BATTERY_LOW;
  v->severity = WG_SEV_LOW;
  wg_copy(v->key, sizeof(v->key), r->device_id);
  wg_rules_evidence(&v->evidence, r);
  return n;
}

size_t wg_rules_eval(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, int device, double now,
                     wg_verdict_t *out, size_t max) {
  size_t n = 0;

  if (device < 0)
    device = rules_device_index(p, r->device_id);
  if (max > n)
    n += rules_fall(r, st, device, now, &out[n]);
  if (r->flags & WG_READING_HAS_VALUE)
    for (size_t i = 0; i < p->nthresholds && n < max; i++)
      if (strcmp(p->thresholds[i].name, r->name) == 0)
        n += rules_threshold(&p->thresholds[i], &st->thresholds[i], r, &out[n]);
  n += rules_battery(r, st, device, out + n, max - n);
  n += rules_keep_state(p, st, r, device, now, out + n, max - n);
  for (size_t i = 0; i < n; i++)
    rules_mark_late(&out[i], r);
  return n;
}

void wg_rules_replay(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, int device, double now) {
  rules_keep_state(p, st, r,
                   device < 0 ? rules_device_index(p, r->device_id) : device,
                   now, NULL, 0);
}
