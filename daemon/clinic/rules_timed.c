/* SPDX-License-Identifier: MIT */
/*
 * The rules that time drives: missed observations, silent devices, intake
 * checkpoints and the local day they count in, their deadlines, and how an
 * open alert found at start marks its condition. The per-reading rules
 * are in rules.c.
 */
#include "clinic/rules.h"
#include "clinic/rules_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/text.h"

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
static double rules_timed_local_time_of_day(double day, int sec) {
  time_t tt = (time_t)day;
  struct tm tm;

  localtime_r(&tt, &tm);
  tm.tm_hour = sec / 3600;
  tm.tm_min = sec / 60 % 60;
  tm.tm_sec = sec % 60;
  tm.tm_isdst = -1; /* a time in a DST gap moves forward by the gap */
  return (double)mktime(&tm);
}

/*
 * Where in its window of @spread_min after a checkpoint patient @id's
 * checkpoints are weighed: FNV-1a of the id, mixed by MurmurHash3's
 * finaliser (FNV's low bits alone cluster for ids that differ in one
 * character), modulo the window's whole seconds. Fixed per patient, the
 * same on any gateway, so one patient's alert comes at the same time every
 * day and a ward's patients sharing "12:00" do not all reach the hub in the
 * same second.
 */
double wg_rules_intake_offset_s(const char *id, double spread_min) {
  unsigned window = (unsigned)floor(spread_min * 60.0);
  uint32_t h = 2166136261u;

  if (window < 2 || id == NULL)
    return 0;
  for (const unsigned char *c = (const unsigned char *)id; *c; c++)
    h = (h ^ *c) * 16777619u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return (double)(h % window);
}

/* When checkpoint @k of @in is weighed for @p on the day starting @day:
 * its offset later, but within its own day (a 23:55 checkpoint is weighed
 * by 23:59:59, not in the next day that starts counting again). */
static double rules_timed_checkpoint_at(const wg_patient_t *p,
                                        const wg_intake_t *in, size_t k,
                                        double day) {
  double at =
      rules_timed_local_time_of_day(day, in->checkpoints[k].second_of_day);
  double off = wg_rules_intake_offset_s(p->id, in->spread_min), end;

  if (off == 0)
    return at;
  end = wg_rules_next_local_midnight(day);
  return at + off < end ? at + off : (at > end - 1 ? at : end - 1);
}

/* " by HH:MM" of checkpoint @cp, weighed at @at: with the time weighed
 * when it is a later minute (the total counts what was drunk until then). */
static void rules_timed_by(const wg_checkpoint_t *cp, double at, char *out,
                           size_t size) {
  time_t tt = (time_t)floor(at);
  struct tm tm;
  int h = cp->second_of_day / 3600, m = cp->second_of_day / 60 % 60;

  localtime_r(&tt, &tm);
  if (tm.tm_hour == h && tm.tm_min == m)
    snprintf(out, size, "by %02d:%02d", h, m);
  else
    snprintf(out, size, "by %02d:%02d (the %02d:%02d checkpoint)", tm.tm_hour,
             tm.tm_min, h, m);
}

/*
 * A new local day for @in at @now: today's total starts again. An alert
 * about an earlier day's shortfall stays open, carried: the clock is no
 * evidence that the patient drank, and an alert nobody has answered must
 * not close itself at midnight. Today's first drink closes it, today's
 * first missed checkpoint renews it.
 */
void rules__intake_roll(wg_intake_state_t *in, double now) {
  if (in->day_start > 0 && now < in->day_end)
    return;
  in->carried = in->active;
  in->day_start = wg_rules_local_midnight(now);
  in->day_end = wg_rules_next_local_midnight(now);
  in->total = 0;
  in->readings = 0;
  in->checked = 0;
  in->required = 0;
}

/* ---- time-based rules --------------------------------------------------- */

bool rules__expect_matches(const wg_expect_t *e, const char *name) {
  if (strcmp(e->name, "news2") == 0)
    return wg_news2_param(name) >= 0;
  return strcmp(e->name, name) == 0;
}

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

/*
 * A missed observation is as urgent as the patient's last NEWS2 band
 * (DESIGN.md section 8, revised 2026-12-06): low before any score and at
 * 0-4, medium at a single 3 or 5-6, high at 7 or more. One step below the
 * NEWS2 alert itself (emergency at 7+): the gap is a prompt to observe a
 * patient already known to be at risk, not a deterioration seen.
 */
static wg_severity_t rules_timed_missed_severity(const wg_rule_state_t *st) {
  if (!st->news2_scored)
    return WG_SEV_LOW;
  switch (st->news2_last.band) {
  case WG_NEWS2_BAND_HIGH:
    return WG_SEV_HIGH;
  case WG_NEWS2_BAND_MEDIUM:
  case WG_NEWS2_BAND_LOW_MEDIUM:
    return WG_SEV_MEDIUM;
  default:
    return WG_SEV_LOW;
  }
}

double wg_rules_device_silent_s(const wg_patient_t *p, size_t i,
                                double silent_s, wg_severity_t *sev) {
  const wg_device_conf_t *dc =
      p->device_conf != NULL && i < p->ndevices ? &p->device_conf[i] : NULL;

  *sev = dc != NULL && dc->fall_sensor ? WG_SEV_MEDIUM : WG_SEV_LOW;
  if (dc != NULL && dc->silent_min > 0)
    return dc->silent_min * 60.0;
  return dc != NULL && dc->fall_sensor ? 3600.0 : silent_s;
}

/* @s seconds as "24 h", "1.5 h" or "45 min" (minutes under an hour). */
static void rules_timed_duration(double s, char *out, size_t size) {
  if (s < 3600)
    snprintf(out, size, "%g min", floor(s / 6.0) / 10);
  else
    snprintf(out, size, "%g h", floor(s / 360.0) / 10);
}

size_t wg_rules_tick(const wg_patient_t *p, wg_rule_state_t *st, double now,
                     double silent_s, wg_verdict_t *out, size_t max) {
  wg_verdict_t *v;
  size_t n = 0;

  for (size_t i = 0; i < p->nexpect; i++) {
    wg_expect_state_t *e = &st->expect[i];
    double every = wg_rules_expect_interval_s(&p->expect[i], st);
    if (e->active || now < e->last + every ||
        (v = rules__next_verdict(out, &n, max)) == NULL)
      continue;
    e->active = true;
    rules__verdict_set(v, WG_VERDICT_RAISE, WG_RULE_MISSED_OBS,
                       rules_timed_missed_severity(st), p->expect[i].name);
    /* The observation set "news2" is named as such, a key as a reading. */
    bool set = strcmp(p->expect[i].name, "news2") == 0;
    snprintf(v->summary, sizeof(v->summary),
             "No %s %s for %g min (expected every %g min)",
             set ? "NEWS2" : p->expect[i].name, set ? "observation" : "reading",
             floor((now - e->last) / 60.0 * 10) / 10, every / 60.0);
    wg_copy(v->evidence.n, sizeof(v->evidence.n), p->expect[i].name);
    v->evidence.t = e->last;
  }
  for (size_t i = 0; i < p->ndevices; i++) {
    wg_device_state_t *d = &st->devices[i];
    wg_severity_t sev;
    double after = wg_rules_device_silent_s(p, i, silent_s, &sev);
    bool fall = sev != WG_SEV_LOW;
    char took[64] = "";

    if (d->silent || now < d->last + after ||
        (v = rules__next_verdict(out, &n, max)) == NULL)
      continue;
    d->silent = true;
    rules__verdict_set(v, WG_VERDICT_RAISE, WG_RULE_DEVICE_SILENT, sev,
                       p->devices[i]);
    rules_timed_duration(now - d->last, took, sizeof(took));
    snprintf(v->summary, sizeof(v->summary), "No reading from %s for %s%s%s",
             p->devices[i], took,
             d->heard > d->last ? " (battery level only)" : "",
             fall ? ": falls are not being watched" : "");
    wg_copy(v->evidence.device, sizeof(v->evidence.device), p->devices[i]);
    v->evidence.t = d->last;
  }
  for (size_t i = 0; i < p->nintake; i++) {
    const wg_intake_t *cfg = &p->intake[i];
    wg_intake_state_t *in = &st->intake[i];
    const char *unit;

    rules__intake_roll(in, now);
    unit = rules__unit_of(cfg->name);
    while (in->checked < cfg->ncheckpoints &&
           rules_timed_checkpoint_at(p, cfg, in->checked, in->day_start) <=
               now) {
      double at = rules_timed_checkpoint_at(p, cfg, in->checked, in->day_start);
      const wg_checkpoint_t *cp = &cfg->checkpoints[in->checked++];
      double required = cp->fraction * cfg->daily_target;
      char by[48];
      if (in->total >= required || in->nodata ||
          (v = rules__next_verdict(out, &n, max)) == NULL)
        continue;
      rules_timed_by(cp, at, by, sizeof(by));
      if (in->readings == 0) {
        /* Nothing from the cup today: a technical alert, as urgent as the
         * shortfall it may hide, not "recorded intake low" (issue #27).
         * An earlier day's shortfall still open stays as it is: nothing
         * says how much was drunk today (a cup reporting 0 l does, and
         * renews it, H-I4). */
        in->nodata = true;
        rules__verdict_set(v, WG_VERDICT_RAISE, WG_RULE_MISSED_OBS,
                           WG_SEV_MEDIUM, cfg->name);
        snprintf(v->summary, sizeof(v->summary),
                 "No %s reading today %s: the cup is not in use or "
                 "not reporting; intake unknown (%.3g %s due)",
                 cfg->name, by, required, unit);
        wg_copy(v->evidence.n, sizeof(v->evidence.n), cfg->name);
        v->evidence.t = in->day_start;
        continue;
      }
      in->required = required;
      in->active = true;
      rules__verdict_set(v, WG_VERDICT_RAISE, WG_RULE_LOW_INTAKE, WG_SEV_MEDIUM,
                         cfg->name);
      v->renews = in->carried;
      in->carried = false;
      snprintf(v->summary, sizeof(v->summary),
               "%s %.3g %s %s, below %.3g %s (%g %% of the daily target of "
               "%.3g %s)",
               cfg->name, in->total, unit, by, required, unit,
               cp->fraction * 100, cfg->daily_target, unit);

      wg_copy(v->evidence.n, sizeof(v->evidence.n), cfg->name);
      wg_copy(v->evidence.u, sizeof(v->evidence.u), unit);
      v->evidence.v = in->total;
      v->evidence.flags = WG_READING_HAS_VALUE;
      v->evidence.t = now;
    }
  }
  return n;
}

static void rules_timed_earliest(double *next, double t, double now) {
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
      rules_timed_earliest(&next,
                           st->expect[i].last +
                               wg_rules_expect_interval_s(&p->expect[i], st),
                           now);
  for (size_t i = 0; i < p->ndevices; i++) {
    wg_severity_t sev;
    if (!st->devices[i].silent)
      rules_timed_earliest(&next,
                           st->devices[i].last +
                               wg_rules_device_silent_s(p, i, silent_s, &sev),
                           now);
  }
  for (size_t i = 0; i < p->nintake; i++) {
    const wg_intake_state_t *in = &st->intake[i];
    const wg_intake_t *cfg = &p->intake[i];
    if (in->day_start == 0 || now >= in->day_end) {
      rules_timed_earliest(&next, now, now); /* roll the day now */
      continue;
    }
    if (in->checked < cfg->ncheckpoints)
      rules_timed_earliest(
          &next, rules_timed_checkpoint_at(p, cfg, in->checked, in->day_start),
          now);
    rules_timed_earliest(&next, in->day_end, now);
  }
  return next;
}

/* The amount required by the last checkpoint of @in weighed at @now. */
static double rules_timed_intake_required(const wg_patient_t *p,
                                          const wg_intake_t *in, double now) {
  double day = wg_rules_local_midnight(now), required = 0;

  for (size_t k = 0; k < in->ncheckpoints; k++) {
    double at = rules_timed_checkpoint_at(p, in, k, day);
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
        in->required = rules_timed_intake_required(p, &p->intake[i], now);
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
                 rules_timed_checkpoint_at(p, &p->intake[i], in->checked,
                                           in->day_start) <= last)
            in->checked++;
      }
    break;
  case WG_RULE_MISSED_OBS:
    for (size_t i = 0; i < p->nexpect; i++)
      if (strcmp(p->expect[i].name, key) == 0)
        st->expect[i].active = true;
    for (size_t i = 0; i < p->nintake; i++)
      if (strcmp(p->intake[i].name, key) == 0)
        st->intake[i].nodata = true;
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
  case WG_RULE_DEVICE_REFUSED: /* the clinic's (rules_device.h) */
  case WG_RULE_DEVICE_QUOTA:   /* the ingest's quota clears it */
  case WG_RULE_FALL:
  case WG_RULE_CLOCK_UNSYNCHRONIZED: /* the clock's watch (clinic.h) */
  case WG_RULE_COUNT:
    break; /* an event rule holds no condition */
  }
}
