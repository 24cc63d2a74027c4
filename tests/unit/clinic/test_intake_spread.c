/* SPDX-License-Identifier: MIT */
/*
 * An intake checkpoint is weighed, and its alert raised, at an offset fixed
 * per patient within intake[].spread_min after it (issue #27, the alert
 * load): a ward whose patients share "12:00" is no storm of alerts at the
 * hub's same second. The offset is the patient's alone, the same every day;
 * spread_min 0 weighs at the checkpoint. With a fake clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clinic/rules.h"
#include "core/config.h"
#include "test.h"

/* 2026-10-26 00:00 UTC, a Monday */
#define DAY 1792972800.0
#define NOON (DAY + 12 * 3600)

static wg_checkpoint_t cps[] = {{12 * 3600, 0.25}, {16 * 3600, 0.5}};
static wg_checkpoint_t late_cp[] = {{23 * 3600 + 59 * 60, 0.5}};

static wg_patient_t patient(const char *id, wg_intake_t *in) {
  static const char *devs[] = {"cup-1"};
  wg_patient_t p = {
      .id = id, .devices = devs, .ndevices = 1, .intake = in, .nintake = 1};
  return p;
}

static wg_reading_t drink(double l, double t) {
  wg_reading_t r = {0};

  r.device_id = "cup-1";
  r.name = "fluid_intake";
  r.unit = "l";
  r.value = l;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = r.received = t;
  return r;
}

static void utc(void) {
  setenv("TZ", "UTC", 1);
  tzset();
}

/*
 * The offset: FNV-1a of the id mixed by MurmurHash3's finaliser, modulo
 * the window's whole seconds (pinned, so that a hub can tell when a
 * patient's alert is due); 0 with no window, or one under 2 s.
 */
static void offset_table(void) {
  static const struct {
    const char *id;
    double spread_min;
    double offset;
  } cases[] = {
      {"p-1", 10, 462},  {"p-2", 10, 187},
      {"p-3", 10, 1},    {"p-001", 10, 455},
      {"p-1", 30, 1662}, {"bed-7", 30, 215},
      {"p-1", 0, 0},     {"p-1", 1.0 / 60, 0}, /* a 1 s window: none */
      {"p-2", 0.05, 1},  /* 3 s: 0, 1 or 2 */ {NULL, 10, 0},
      {"", 10, -1}, /* any, in its window */
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double o = wg_rules_intake_offset_s(cases[i].id, cases[i].spread_min);
    if (o < 0 ||
        (cases[i].spread_min > 0 && o >= cases[i].spread_min * 60 && o != 0))
      FAIL_AT("case %zu: offset %g out of its window", i, o);
    if (cases[i].offset >= 0 && o != cases[i].offset)
      FAIL_AT("case %zu (%s, %g min): offset %g, want %g", i,
              cases[i].id ? cases[i].id : "NULL", cases[i].spread_min, o,
              cases[i].offset);
    /* The same every time it is asked. */
    ASSERT_EQ(o, wg_rules_intake_offset_s(cases[i].id, cases[i].spread_min));
  }
}

/*
 * 200 patients p-0..p-199 sharing a checkpoint, a 10 min window: every
 * minute of it holds some of them and none more than twice its share (a
 * shared checkpoint is spread, not moved as one).
 */
static void offset_spreads_a_ward(void) {
  int per_minute[10] = {0};

  for (int i = 0; i < 200; i++) {
    char id[16];
    snprintf(id, sizeof(id), "p-%d", i);
    per_minute[(int)(wg_rules_intake_offset_s(id, 10) / 60)]++;
  }
  for (int m = 0; m < 10; m++)
    if (per_minute[m] == 0 || per_minute[m] > 40)
      FAIL_AT("minute %d of the window holds %d of 200", m, per_minute[m]);
}

/*
 * The boundaries of one patient's day (p-1: 462 s, 12:07:42 with the 10
 * min default; p-3: 1 s), and spread 0 as before: nothing before its
 * moment, the alert at it, the deadline the loop is woken for is it, and
 * the summary names both the time weighed and the checkpoint.
 */
static void raise_boundaries(void) {
  static const struct {
    const char *id;
    double spread_min;
    double drink_l, drink_at; /* litres at NOON + drink_at s; 0: none */
    double moment;            /* NOON + s: when the checkpoint is weighed */
    double quiet_until;       /* NOON + s: the last tick with no verdict */
    double raise_at;          /* NOON + s; < 0: none that day */
    wg_rule_t rule;
    const char *says;
  } cases[] = {
      /* No reading from the cup: the technical alert, spread. */
      {"p-1", 10, 0, 0, 462, 461, 462, WG_RULE_MISSED_OBS,
       "No fluid_intake reading today by 12:07 (the 12:00 checkpoint): the "
       "cup is not in use or not reporting"},
      {"p-3", 10, 0, 0, 1, 0, 1, WG_RULE_MISSED_OBS,
       "No fluid_intake reading today by 12:00: the cup"},
      /* Spread 0: at the checkpoint's second, as before. */
      {"p-1", 0, 0, 0, 0, -1, 0, WG_RULE_MISSED_OBS,
       "No fluid_intake reading today by 12:00: the cup"},
      /* A short intake: low_intake at its moment, with what it weighed. */
      {"p-1", 10, 0.1, -3600, 462, 461, 462, WG_RULE_LOW_INTAKE,
       "fluid_intake 0.1 l by 12:07 (the 12:00 checkpoint), below 0.375 l"},
      {"p-1", 0, 0.1, -3600, 0, -1, 0, WG_RULE_LOW_INTAKE,
       "fluid_intake 0.1 l by 12:00, below 0.375 l"},
      /* Caught up inside the window, before its moment: nothing to say. */
      {"p-1", 10, 0.4, 461, 462, 1800, -1, WG_RULE_LOW_INTAKE, NULL},
  };

  utc();
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_intake_t in = {.name = "fluid_intake",
                      .daily_target = 1.5,
                      .checkpoints = cps,
                      .ncheckpoints = 2,
                      .spread_min = cases[i].spread_min};
    wg_patient_t p = patient(cases[i].id, &in);
    wg_rule_state_t st;
    wg_verdict_t v[4];
    size_t n;

    ASSERT_EQ(wg_rule_state_init(&st, &p, DAY), 0);
    ASSERT_EQ(wg_rules_tick(&p, &st, NOON - 7200, 1e9, v, 4), 0);
    /* The loop is woken at the moment, never later. */
    ASSERT_EQ(wg_rules_next_deadline(&p, &st, NOON - 7200, 1e9),
              NOON + cases[i].moment);
    if (cases[i].drink_l > 0) {
      wg_reading_t r = drink(cases[i].drink_l, NOON + cases[i].drink_at);
      ASSERT_EQ(wg_rules_tick(&p, &st, r.ts, 1e9, v, 4), 0);
      ASSERT_EQ(wg_rules_eval(&p, &st, &r, 0, r.ts, v, 4), 0);
    }
    if (cases[i].quiet_until >= 0 &&
        (n = wg_rules_tick(&p, &st, NOON + cases[i].quiet_until, 1e9, v, 4)) !=
            0)
      FAIL_AT("case %zu: %zu verdicts before its moment (%s)", i, n,
              v[0].summary);
    if (cases[i].raise_at < 0) {
      ASSERT_EQ(wg_rules_tick(&p, &st, NOON + 3599, 1e9, v, 4), 0);
      wg_rule_state_free(&st);
      continue;
    }
    n = wg_rules_tick(&p, &st, NOON + cases[i].raise_at, 1e9, v, 4);
    if (n != 1)
      FAIL_AT("case %zu: %zu verdicts at its moment", i, n);
    ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
    ASSERT_EQ(v[0].rule, cases[i].rule);
    ASSERT_EQ(v[0].severity, WG_SEV_MEDIUM);
    ASSERT_CONTAINS(v[0].summary, cases[i].says);
    /* Once: the next second says nothing more. */
    ASSERT_EQ(wg_rules_tick(&p, &st, NOON + cases[i].raise_at + 1, 1e9, v, 4),
              0);
    wg_rule_state_free(&st);
  }
}

/*
 * A checkpoint near midnight is weighed within its own day: 23:59 with
 * p-1's 7:42 offset is weighed at 23:59:59, before the new day's total
 * starts, not lost to it.
 */
static void late_checkpoint_stays_in_its_day(void) {
  wg_intake_t in = {.name = "fluid_intake",
                    .daily_target = 1.0,
                    .checkpoints = late_cp,
                    .ncheckpoints = 1,
                    .spread_min = 10};
  wg_patient_t p = patient("p-1", &in);
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t r = drink(0.1, DAY + 8 * 3600);
  double end = DAY + 86400;

  utc();
  ASSERT_EQ(wg_rule_state_init(&st, &p, DAY), 0);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, 0, r.ts, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, end - 2, 1e9, v, 4), 0);
  ASSERT_EQ(wg_rules_next_deadline(&p, &st, end - 2, 1e9), end - 1);
  ASSERT_EQ(wg_rules_tick(&p, &st, end - 1, 1e9, v, 4), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_LOW_INTAKE);
  ASSERT_CONTAINS(v[0].summary, "fluid_intake 0.1 l by 23:59, below 0.5 l");
  wg_rule_state_free(&st);
}

/*
 * After a restart, an open intake alert raised at its spread moment stands
 * for that checkpoint: not raised again; the next checkpoint is weighed at
 * the same offset after it (with nothing recorded since: the cup's
 * technical alert).
 */
static void restore_counts_the_spread(void) {
  wg_intake_t in = {.name = "fluid_intake",
                    .daily_target = 1.5,
                    .checkpoints = cps,
                    .ncheckpoints = 2,
                    .spread_min = 10};
  wg_patient_t p = patient("p-1", &in);
  wg_rule_state_t st;
  wg_verdict_t v[4];

  utc();
  ASSERT_EQ(wg_rule_state_init(&st, &p, NOON + 1800), 0);
  wg_rules_restore_open(&p, &st, WG_RULE_LOW_INTAKE, "fluid_intake", NOON + 462,
                        NOON + 462, NOON + 1800);
  ASSERT_EQ(wg_rules_tick(&p, &st, NOON + 1800, 1e9, v, 4), 0);
  ASSERT_EQ(wg_rules_next_deadline(&p, &st, NOON + 1800, 1e9),
            NOON + 4 * 3600 + 462);
  ASSERT_EQ(wg_rules_tick(&p, &st, NOON + 4 * 3600 + 461, 1e9, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, NOON + 4 * 3600 + 462, 1e9, v, 4), 1);
  /* Nothing recorded since the restart: the cup's technical alert. */
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  ASSERT_CONTAINS(v[0].summary, "by 16:07 (the 16:00 checkpoint)");
  wg_rule_state_free(&st);
}

static void config_quiet(void *ud, const char *line) {
  (void)ud;
  (void)line;
}

/* intake[].spread_min: 10 by default, 0 to 30 minutes, a number. */
static void config_spread_min(void) {
  static const struct {
    const char *member; /* added to the intake entry */
    int rc;
    double spread_min;
  } cases[] = {
      {"", 0, 10},
      {",\"spread_min\":0", 0, 0},
      {",\"spread_min\":30", 0, 30},
      {",\"spread_min\":0.05", 0, 0.05},
      {",\"spread_min\":30.5", -1, 0},
      {",\"spread_min\":-1", -1, 0},
      {",\"spread_min\":\"10\"", -1, 0},
      {",\"spread_min\":null", -1, 0},
      {",\"spread\":10", -1, 0}, /* unknown key: refused */
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char path[64];
    wg_config_t *cfg = NULL;
    FILE *f;
    int rc;

    snprintf(path, sizeof(path), "/tmp/test_intake_spread-%d.json",
             (int)getpid());
    f = fopen(path, "w");
    ASSERT_EQ(f != NULL, true);
    fprintf(f,
            "{\"gateway_id\":\"gw\",\"database\":\":memory:\","
            "\"ingest\":{\"mqtt\":{}},\"uplink\":{\"mqtt\":{}},"
            "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"cup-1\"],"
            "\"intake\":[{\"name\":\"fluid_intake\",\"daily_target\":1.5,"
            "\"checkpoints\":{\"12:00\":0.25}%s}]}]}",
            cases[i].member);
    fclose(f);
    rc = wg_config_load(path, &cfg, config_quiet, NULL);
    unlink(path);
    if ((rc == 0) != (cases[i].rc == 0))
      FAIL_AT("case %zu (%s): rc %d", i, cases[i].member, rc);
    if (rc == 0) {
      ASSERT_NEAR(cfg->patients[0].intake[0].spread_min, cases[i].spread_min,
                  1e-9);
      wg_config_free(cfg);
    }
  }
}

TEST_MAIN(T(offset_table), T(offset_spreads_a_ward), T(raise_boundaries),
          T(late_checkpoint_stays_in_its_day), T(restore_counts_the_spread),
          T(config_spread_min))
