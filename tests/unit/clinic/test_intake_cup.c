/* SPDX-License-Identifier: MIT */
/*
 * "No reading from the cup today" is its own technical alert, distinct
 * from "recorded intake low" (issue #27): a cup not used or not reporting
 * is not a patient who drank nothing. With a fake clock.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/rules.h"
#include "test.h"

/* 2026-10-26 00:00 UTC, a Monday */
#define DAY 1792972800.0

static wg_checkpoint_t cps[] = {
    {12 * 3600, 0.25}, {16 * 3600, 0.5}, {20 * 3600, 0.75}};
static wg_intake_t in = {.name = "fluid_intake",
                         .daily_target = 1.5,
                         .checkpoints = cps,
                         .ncheckpoints = 3};
static const char *devs[] = {"cup-1"};
static wg_patient_t p = {
    .id = "p-1", .devices = devs, .ndevices = 1, .intake = &in, .nintake = 1};

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

/*
 * The day of a cup nobody used until the afternoon: at noon the technical
 * alert (missed_obs, medium, the key of the intake), not low_intake; at
 * 16:00 nothing more; the first reading clears it, and the 20:00
 * checkpoint, short on what was recorded, raises low_intake.
 */
static void cup_not_used(void) {
  static const struct {
    double at;    /* hours after midnight */
    double drink; /* litres, < 0: a tick */
    int kind;     /* -1: no verdict */
    wg_rule_t rule;
    const char *says;
  } steps[] = {
      {11.99, -1, -1, 0, NULL},
      {12.0, -1, WG_VERDICT_RAISE, WG_RULE_MISSED_OBS,
       "No fluid_intake reading today by 12:00: the cup is not in use or not "
       "reporting; intake unknown (0.375 l due)"},
      {16.0, -1, -1, 0, NULL}, /* still open: not raised again */
      {17.0, 0.2, WG_VERDICT_CLEAR, WG_RULE_MISSED_OBS,
       "fluid_intake reported again (0.2 l)"},
      {18.0, 0.1, -1, 0, NULL},
      {20.0, -1, WG_VERDICT_RAISE, WG_RULE_LOW_INTAKE,
       "fluid_intake 0.3 l by 20:00, below 1.12 l"},
  };
  wg_rule_state_t st;
  wg_verdict_t v[4];

  setenv("TZ", "UTC", 1);
  tzset();
  ASSERT_EQ(wg_rule_state_init(&st, &p, DAY), 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    double t = DAY + steps[i].at * 3600;
    wg_reading_t r = drink(steps[i].drink, t);
    size_t n = steps[i].drink < 0 ? wg_rules_tick(&p, &st, t, 1e9, v, 4)
                                  : wg_rules_eval(&p, &st, &r, 0, t, v, 4);
    if (n != (steps[i].kind < 0 ? 0u : 1u))
      FAIL_AT("step %zu: %zu verdicts (%s)", i, n, n ? v[0].summary : "");
    if (n == 0)
      continue;
    ASSERT_EQ(v[0].kind, steps[i].kind);
    ASSERT_EQ(v[0].rule, steps[i].rule);
    ASSERT_EQ(v[0].severity, WG_SEV_MEDIUM);
    ASSERT_STR_EQ(v[0].key, "fluid_intake");
    ASSERT_CONTAINS(v[0].summary, steps[i].says);
    /* Never an empty evidence entry. */
    ASSERT_STR_EQ(v[0].evidence.n, "fluid_intake");
  }
  wg_rule_state_free(&st);
}

/*
 * A cup that reports "nothing drunk" works: its reading of 0 l clears the
 * technical alert, and the next checkpoint raises low_intake on 0 l.
 * Midnight closes neither; after a restart the open technical alert is
 * marked, and the cup's next reading clears it.
 */
static void cup_reports_nothing_drunk(void) {
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t r;

  setenv("TZ", "UTC", 1);
  tzset();
  ASSERT_EQ(wg_rule_state_init(&st, &p, DAY), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, DAY + 12 * 3600, 1e9, v, 4), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  /* Midnight and the next day's checkpoints: still open, nothing new. */
  for (double t = DAY + 86400 - 2; t <= DAY + 86400 + 13 * 3600; t += 600)
    ASSERT_EQ(wg_rules_tick(&p, &st, t, 1e9, v, 4), 0);
  r = drink(0, DAY + 86400 + 14 * 3600);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, 0, r.ts, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  ASSERT_EQ(wg_rules_tick(&p, &st, DAY + 86400 + 16 * 3600, 1e9, v, 4), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_LOW_INTAKE);
  ASSERT_CONTAINS(v[0].summary, "fluid_intake 0 l by 16:00");
  wg_rule_state_free(&st);

  /* Restored at start: open, so not raised again; cleared by a reading. */
  ASSERT_EQ(wg_rule_state_init(&st, &p, DAY + 13 * 3600), 0);
  wg_rules_restore_open(&p, &st, WG_RULE_MISSED_OBS, "fluid_intake",
                        DAY + 12 * 3600, DAY + 12 * 3600, DAY + 13 * 3600);
  ASSERT_EQ(wg_rules_tick(&p, &st, DAY + 16 * 3600, 1e9, v, 4), 0);
  r = drink(0.1, DAY + 17 * 3600);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, 0, r.ts, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  wg_rule_state_free(&st);
}

TEST_MAIN(T(cup_not_used), T(cup_reports_nothing_drunk))
