/* SPDX-License-Identifier: MIT */
#include "clinic/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/text.h"
#include "ingest/senml.h"
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

void wg_rules_evidence(wg_evidence_t *e, const wg_reading_t *r) {
  memset(e, 0, sizeof(*e));
  wg_copy(e->n, sizeof(e->n), r->name);
  wg_copy(e->u, sizeof(e->u), r->unit ? r->unit : "");
  wg_copy(e->device, sizeof(e->device), r->device_id ? r->device_id : "");
  e->v = r->value;
  e->vb = r->vb;
  e->t = r->ts;
  e->flags = r->flags & (WG_READING_HAS_VALUE | WG_READING_HAS_VB);
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
static void rules_verdict_set(wg_verdict_t *v, wg_verdict_kind_t kind,
                              wg_rule_t rule, wg_severity_t severity,
                              const char *key) {
  v->kind = kind;
  v->rule = rule;
  v->severity = severity;
  wg_copy(v->key, sizeof(v->key), key);
}

static size_t rules_fall(const wg_reading_t *r, wg_verdict_t *v) {
  if (strcmp(r->name, "fall") != 0 || !(r->flags & WG_READING_HAS_VB) || !r->vb)
    return 0;
  memset(v, 0, sizeof(*v));
  rules_verdict_set(v, WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  snprintf(v->summary, sizeof(v->summary), "Fall detected by %s",
           r->device_id ? r->device_id : "a device");
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

/* ---- local time -------------------------------------------------------- */

double wg_rules_local_midnight(double t) {
  time_t tt = (time_t)floor(t);
  struct tm tm;

  localtime_r(&tt, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return (double)mktime(&tm);
}

double wg_rules_next_local_midnight(double t) {
  time_t tt = (time_t)floor(t);
  struct tm tm;

  localtime_r(&tt, &tm);
  tm.tm_mday++; /* mktime normalises the month; days may be 23 or 25 h */
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return (double)mktime(&tm);
}

/* Checkpoint @sec (seconds of the local day) on the day starting at @day. */
static double rules_local_time_of_day(double day, int sec) {
  time_t tt = (time_t)day;
  struct tm tm;

  localtime_r(&tt, &tm);
  tm.tm_hour = sec / 3600;
  tm.tm_min = sec / 60 % 60;
  tm.tm_sec = sec % 60;
  tm.tm_isdst = -1; /* a time in a DST gap moves forward by the gap */
  return (double)mktime(&tm);
}

/* ---- per-reading rules -------------------------------------------------- */

static wg_verdict_t *rules_next_verdict(wg_verdict_t *out, size_t *n,
                                        size_t max) {
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

static void rules_keep_news2(wg_rule_state_t *st, const wg_reading_t *r) {
  int k = wg_news2_param(r->name);
  wg_news2_latest_t *l;

  if (k < 0)
    return;
  l = &st->news2[k];
  if (l->present && r->ts < l->ts)
    return; /* an older measurement arriving late */
  l->present = true;
  l->ts = r->ts;
  l->value = r->value;
  l->vb = r->vb;
  l->vs = r->vs ? r->vs[0] : 'A';
  wg_copy(l->device, sizeof(l->device), r->device_id ? r->device_id : "");
}

static const char *rules_unit_of(const char *key) {
  const char *u = wg_senml_canonical_unit(key);
  return u ? u : "";
}

/*
 * A new local day for @in at @now: today's total starts again. An alert
 * about an earlier day's shortfall stays open, carried: the clock is no
 * evidence that the patient drank, and an alert nobody has answered must
 * not close itself at midnight. Today's first drink closes it, today's
 * first missed checkpoint renews it.
 */
static void rules_intake_roll(wg_intake_state_t *in, double now) {
  if (in->day_start > 0 && now < in->day_end)
    return;
  in->carried = in->active;
  in->day_start = wg_rules_local_midnight(now);
  in->day_end = wg_rules_next_local_midnight(now);
  in->total = 0;
  in->checked = 0;
  in->required = 0;
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
    if (now > ds->last)
      ds->last = now;
    if (ds->silent && out && (v = rules_next_verdict(out, &n, max)) != NULL) {
      ds->silent = false;
      rules_verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_DEVICE_SILENT, WG_SEV_LOW,
                        r->device_id);
      snprintf(v->summary, sizeof(v->summary), "%s is sending again",
               r->device_id);
      wg_rules_evidence(&v->evidence, r);
    }
  }
  for (size_t i = 0; i < p->nexpect; i++) {
    wg_expect_state_t *e = &st->expect[i];
    if (strcmp(p->expect[i].name, r->name) != 0)
      continue;
    if (r->ts > e->last)
      e->last = r->ts > now ? now : r->ts;
    if (e->active && out && (v = rules_next_verdict(out, &n, max)) != NULL) {
      e->active = false;
      rules_verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_MISSED_OBS, WG_SEV_LOW,
                        r->name);
      snprintf(v->summary, sizeof(v->summary), "%s observed again", r->name);
      wg_rules_evidence(&v->evidence, r);
    }
  }
  for (size_t i = 0; i < p->nintake && (r->flags & WG_READING_HAS_VALUE); i++) {
    wg_intake_state_t *in = &st->intake[i];
    if (strcmp(p->intake[i].name, r->name) != 0)
      continue;
    rules_intake_roll(in, now);
    /* Today's intake only: a late reading from yesterday is yesterday's. */
    if (r->ts < in->day_start || r->ts >= in->day_end)
      continue;
    in->total += r->value;
    if (in->active &&
        (in->carried ? in->total > 0 : in->total >= in->required) && out &&
        (v = rules_next_verdict(out, &n, max)) != NULL) {
      in->active = false;
      rules_verdict_set(v, WG_VERDICT_CLEAR, WG_RULE_LOW_INTAKE, WG_SEV_MEDIUM,
                        r->name);
      if (in->carried)
        snprintf(v->summary, sizeof(v->summary), "%s: a new day, %.3g %s drunk",
                 r->name, in->total, rules_unit_of(r->name));
      else
        snprintf(v->summary, sizeof(v->summary),
                 "%s caught up: %.3g %s of %.3g %s due", r->name, in->total,
                 rules_unit_of(r->name), in->required, rules_unit_of(r->name));
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
  /* Raised once and cleared once: a battery reports often, and a repeat
   * every reading would be noise at the hub. */
  if (!ds->battery_low && r->value <= WG_BATTERY_LOW_PCT) {
    if ((v = rules_next_verdict(out, &n, max)) == NULL)
      return n;
    ds->battery_low = true;
    v->kind = WG_VERDICT_RAISE;
    snprintf(v->summary, sizeof(v->summary), "Battery of %s at %g %%",
             r->device_id, r->value);
  } else if (ds->battery_low && r->value > WG_BATTERY_OK_PCT) {
    if ((v = rules_next_verdict(out, &n, max)) == NULL)
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
    n += rules_fall(r, &out[n]);
  if (r->flags & WG_READING_HAS_VALUE)
    for (size_t i = 0; i < p->nthresholds && n < max; i++)
      if (strcmp(p->thresholds[i].name, r->name) == 0)
        n += rules_threshold(&p->thresholds[i], &st->thresholds[i], r, &out[n]);
  n += rules_battery(r, st, device, out + n, max - n);
  n += rules_keep_state(p, st, r, device, now, out + n, max - n);
  return n;
}

void wg_rules_replay(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, int device, double now) {
  rules_keep_state(p, st, r,
                   device < 0 ? rules_device_index(p, r->device_id) : device,
                   now, NULL, 0);
}

/* ---- NEWS2 ----------------------------------------------------------------
 */

bool wg_rules_news2(const wg_patient_t *p, wg_rule_state_t *st, double now,
                    wg_news2_t *score, wg_verdict_t *v, bool *has_verdict) {
  double oldest = now - p->news2_window_min * 60.0;
  wg_news2_obs_t obs;
  bool changed, alert;
  char parts[128] = "";

  memset(&obs, 0, sizeof(obs));
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    const wg_news2_latest_t *l = &st->news2[k];
    if (!l->present || l->ts < oldest)
      continue;
    obs.present[k] = true;
    switch ((wg_news2_param_t)k) {
    case WG_NEWS2_RR:
      obs.rr = l->value;
      break;
    case WG_NEWS2_SPO2:
      obs.spo2 = l->value;
      break;
    case WG_NEWS2_O2:
      obs.on_oxygen = l->vb;
      break;
    case WG_NEWS2_SBP:
      obs.sbp = l->value;
      break;
    case WG_NEWS2_HR:
      obs.hr = l->value;
      break;
    case WG_NEWS2_ACVPU:
      obs.acvpu = l->vs;
      break;
    default:
      obs.temp = l->value;
      break;
    }
  }
  wg_news2_score(&obs, p->news2_scale, score);
  changed = !st->news2_scored || score->score != st->news2_last.score ||
            score->complete != st->news2_last.complete ||
            memcmp(score->components, st->news2_last.components,
                   sizeof(score->components)) != 0;
  st->news2_scored = true;
  st->news2_last = *score;
  *has_verdict = false;
  if (!changed)
    return false;

  alert = score->band != WG_NEWS2_BAND_LOW;
  if (!alert && !st->news2_alert)
    return true;
  memset(v, 0, sizeof(*v));
  v->rule = WG_RULE_NEWS2;
  snprintf(v->key, sizeof(v->key), "news2");
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (score->components[k] > 0) {
      size_t len = strlen(parts);
      snprintf(parts + len, sizeof(parts) - len, "%s%s %d", len ? ", " : "",
               wg_news2_key((wg_news2_param_t)k), score->components[k]);
    }
  if (alert) {
    v->kind = WG_VERDICT_RAISE;
    v->graded = true;
    v->grade = score->score;
    v->severity =
        score->band == WG_NEWS2_BAND_HIGH ? WG_SEV_EMERGENCY : WG_SEV_MEDIUM;
    snprintf(v->summary, sizeof(v->summary), "NEWS2 %d (%s%s): %s",
             score->score, wg_news2_band_name(score->band),
             score->complete ? "" : ", incomplete", parts);
  } else {
    v->kind = WG_VERDICT_CLEAR;
    v->severity = WG_SEV_MEDIUM;
    snprintf(v->summary, sizeof(v->summary), "NEWS2 %d (%s)", score->score,
             wg_news2_band_name(score->band));
  }
  st->news2_alert = alert;
  snprintf(v->evidence.n, sizeof(v->evidence.n), "news2");
  v->evidence.v = score->score;
  v->evidence.t = now;
  v->evidence.flags = WG_READING_HAS_VALUE;
  *has_verdict = true;
  return true;
}

/* ---- time-based rules --------------------------------------------------- */

double wg_rules_expect_interval_s(const wg_expect_t *e,
                                  const wg_rule_state_t *st) {
  if (!e->follow_news2)
    return e->every_min * 60.0;
  /* The RCP chart's minimum monitoring frequency for the last band; with no
   * score yet, four-hourly (that of a score of 1-4). */
  if (!st->news2_scored)
    return 4 * 3600.0;
  switch (st->news2_last.band) {
  case WG_NEWS2_BAND_HIGH:
    return 15 * 60.0;
  case WG_NEWS2_BAND_MEDIUM:
  case WG_NEWS2_BAND_LOW_MEDIUM:
    return 3600.0;
  default:
    return st->news2_last.score == 0 ? 12 * 3600.0 : 4 * 3600.0;
  }
}

size_t wg_rules_tick(const wg_patient_t *p, wg_rule_state_t *st, double now,
                     double silent_s, wg_verdict_t *out, size_t max) {
  wg_verdict_t *v;
  size_t n = 0;

  for (size_t i = 0; i < p->nexpect; i++) {
    wg_expect_state_t *e = &st->expect[i];
    double every = wg_rules_expect_interval_s(&p->expect[i], st);
    if (e->active || now < e->last + every ||
        (v = rules_next_verdict(out, &n, max)) == NULL)
      continue;
    e->active = true;
    rules_verdict_set(v, WG_VERDICT_RAISE, WG_RULE_MISSED_OBS, WG_SEV_LOW,
                      p->expect[i].name);
    snprintf(v->summary, sizeof(v->summary),
             "No %s reading for %g min (expected every %g min)",
             p->expect[i].name, floor((now - e->last) / 60.0 * 10) / 10,
             every / 60.0);
    wg_copy(v->evidence.n, sizeof(v->evidence.n), p->expect[i].name);
    v->evidence.t = e->last;
  }
  for (size_t i = 0; i < p->ndevices; i++) {
    wg_device_state_t *d = &st->devices[i];
    if (d->silent || now < d->last + silent_s ||
        (v = rules_next_verdict(out, &n, max)) == NULL)
      continue;
    d->silent = true;
    rules_verdict_set(v, WG_VERDICT_RAISE, WG_RULE_DEVICE_SILENT, WG_SEV_LOW,
                      p->devices[i]);
    snprintf(v->summary, sizeof(v->summary), "No reading from %s for %g h",
             p->devices[i], floor((now - d->last) / 360.0) / 10);
    wg_copy(v->evidence.device, sizeof(v->evidence.device), p->devices[i]);
    v->evidence.t = d->last;
  }
  for (size_t i = 0; i < p->nintake; i++) {
    const wg_intake_t *cfg = &p->intake[i];
    wg_intake_state_t *in = &st->intake[i];
    const char *unit;

    rules_intake_roll(in, now);
    unit = rules_unit_of(cfg->name);
    while (in->checked < cfg->ncheckpoints &&
           rules_local_time_of_day(
               in->day_start, cfg->checkpoints[in->checked].second_of_day) <=
               now) {
      const wg_checkpoint_t *cp = &cfg->checkpoints[in->checked++];
      double required = cp->fraction * cfg->daily_target;
      if (in->total >= required ||
          (v = rules_next_verdict(out, &n, max)) == NULL)
        continue;
      in->required = required;
      in->active = true;
      rules_verdict_set(v, WG_VERDICT_RAISE, WG_RULE_LOW_INTAKE, WG_SEV_MEDIUM,
                        cfg->name);
      v->renews = in->carried;
      in->carried = false;
      snprintf(v->summary, sizeof(v->summary),
               "%s %.3g %s by %02d:%02d, below %.3g %s (%g %% of the daily "
               "target of %.3g %s)",
               cfg->name, in->total, unit, cp->second_of_day / 3600,
               cp->second_of_day / 60 % 60, required, unit, cp->fraction * 100,
               cfg->daily_target, unit);
      wg_copy(v->evidence.n, sizeof(v->evidence.n), cfg->name);
      wg_copy(v->evidence.u, sizeof(v->evidence.u), unit);
      v->evidence.v = in->total;
      v->evidence.flags = WG_READING_HAS_VALUE;
      v->evidence.t = now;
    }
  }
  return n;
}

static void rules_earliest(double *next, double t, double now) {
  if (t <= now)
    t = now; /* due already */
  if (*next == 0 || t < *next)
    *next = t;
}

double wg_rules_next_deadline(const wg_patient_t *p, const wg_rule_state_t *st,
                              double now, double silent_s) {
  double next = 0;

  for (size_t i = 0; i < p->nexpect; i++)
    if (!st->expect[i].active)
      rules_earliest(&next,
                     st->expect[i].last +
                         wg_rules_expect_interval_s(&p->expect[i], st),
                     now);
  for (size_t i = 0; i < p->ndevices; i++)
    if (!st->devices[i].silent)
      rules_earliest(&next, st->devices[i].last + silent_s, now);
  for (size_t i = 0; i < p->nintake; i++) {
    const wg_intake_state_t *in = &st->intake[i];
    const wg_intake_t *cfg = &p->intake[i];
    if (in->day_start == 0 || now >= in->day_end) {
      rules_earliest(&next, now, now); /* roll the day now */
      continue;
    }
    if (in->checked < cfg->ncheckpoints)
      rules_earliest(
          &next,
          rules_local_time_of_day(in->day_start,
                                  cfg->checkpoints[in->checked].second_of_day),
          now);
    rules_earliest(&next, in->day_end, now);
  }
  return next;
}

/* The amount required by the last checkpoint of @in passed at @now. */
static double rules_intake_required(const wg_intake_t *in, double now) {
  double day = wg_rules_local_midnight(now), required = 0;

  for (size_t k = 0; k < in->ncheckpoints; k++) {
    double at = rules_local_time_of_day(day, in->checkpoints[k].second_of_day);
    if (at <= now || required == 0)
      required = in->checkpoints[k].fraction * in->daily_target;
  }
  return required;
}

void wg_rules_restore_open(const wg_patient_t *p, wg_rule_state_t *st,
                           wg_rule_t rule, const char *key, double raised,
                           double last, double now) {
  char k[96];

  switch (rule) {
  case WG_RULE_THRESHOLD:
    for (size_t t = 0; t < p->nthresholds; t++) {
      wg_rules_threshold_key(&p->thresholds[t], k, sizeof(k));
      if (strcmp(k, key) == 0)
        st->thresholds[t].active = true;
    }
    break;
  case WG_RULE_NEWS2:
    st->news2_alert = true;
    break;
  case WG_RULE_LOW_INTAKE:
    for (size_t i = 0; i < p->nintake; i++)
      if (strcmp(p->intake[i].name, key) == 0 && !st->intake[i].active) {
        wg_intake_state_t *in = &st->intake[i];
        in->active = true;
        in->required = rules_intake_required(&p->intake[i], now);
        /* Raised today with nothing drunk since the restart: today is its
         * day, so that the next drink is weighed against it instead of
         * starting a new day that clears it. */
        if (in->day_start == 0 && raised >= wg_rules_local_midnight(now)) {
          in->day_start = wg_rules_local_midnight(now);
          in->day_end = wg_rules_next_local_midnight(now);
        }
        /* Today's checkpoints up to its last event are in the alert: a
         * restart must not report them again. */
        if (in->day_start > 0 && raised >= in->day_start)
          while (in->checked < p->intake[i].ncheckpoints &&
                 rules_local_time_of_day(
                     in->day_start,
                     p->intake[i].checkpoints[in->checked].second_of_day) <=
                     last)
            in->checked++;
      }
    break;
  case WG_RULE_MISSED_OBS:
    for (size_t i = 0; i < p->nexpect; i++)
      if (strcmp(p->expect[i].name, key) == 0)
        st->expect[i].active = true;
    break;
  case WG_RULE_DEVICE_SILENT:
  case WG_RULE_BATTERY_LOW:
    for (size_t i = 0; i < p->ndevices; i++)
      if (strcmp(p->devices[i], key) == 0) {
        if (rule == WG_RULE_DEVICE_SILENT)
          st->devices[i].silent = true;
        else
          st->devices[i].battery_low = true;
      }
    break;
  case WG_RULE_FALL:
  case WG_RULE_COUNT:
    break; /* an event rule holds no condition */
  }
}
