/* SPDX-License-Identifier: MIT */
/*
 * The rules that watch what keeps arriving, with a fake clock: missed
 * observations (a fixed interval, or the NEWS2 band's, and the severity
 * that follows the band), silent devices, low batteries, local days
 * across the clock changes and fluid intake by its checkpoints.
 */
#include <stdlib.h>
#include <time.h>

#include "rules_fixture.h"

static void missed_observation(void) {
  wg_expect_t e[] = {{.name = "spo2", .every_min = 0.05}};
  const char *devs[] = {"oxi-1"};
  wg_patient_t p = {
      .id = "p-1", .devices = devs, .ndevices = 1, .expect = e, .nexpect = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t r = num("spo2", 97, "%");

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  /* Counted from the start: due at exactly T0 + 3 s. */
  ASSERT_NEAR(wg_rules_next_deadline(&p, &st, T0, 86400), T0 + 3, 1e-9);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 2.999, 86400, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 3, 86400, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  ASSERT_EQ(v[0].severity, WG_SEV_LOW);
  ASSERT_STR_EQ(v[0].key, "spo2");
  ASSERT_CONTAINS(v[0].summary, "No spo2 reading for");
  /* Raised once, not again on every tick. */
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 10, 86400, v, 4), 0);
  /* The next reading clears it and starts the interval again. */
  r.ts = T0 + 11;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, T0 + 11, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  ASSERT_NEAR(wg_rules_next_deadline(&p, &st, T0 + 11, 86400), T0 + 14, 1e-9);
  /* Another key is not the expected one. */
  wg_reading_t hr = num("hr", 70, "beat/min");
  hr.ts = T0 + 12;
  ASSERT_EQ(wg_rules_eval(&p, &st, &hr, -1, T0 + 12, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 14, 86400, v, 4), 1);
  wg_rule_state_free(&st);
}

static void missed_observation_follows_news2(void) {
  wg_expect_t e = {.name = "spo2", .follow_news2 = true};
  wg_rule_state_t st;
  wg_patient_t p = {.id = "p-1", .expect = &e, .nexpect = 1};

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  ASSERT_NEAR(wg_rules_expect_interval_s(&e, &st), 4 * 3600, 0); /* no score */
  st.news2_scored = true;
  st.news2_last.score = 0;
  st.news2_last.band = WG_NEWS2_BAND_LOW;
  ASSERT_NEAR(wg_rules_expect_interval_s(&e, &st), 12 * 3600, 0);
  st.news2_last.score = 3;
  ASSERT_NEAR(wg_rules_expect_interval_s(&e, &st), 4 * 3600, 0);
  st.news2_last.band = WG_NEWS2_BAND_LOW_MEDIUM;
  ASSERT_NEAR(wg_rules_expect_interval_s(&e, &st), 3600, 0);
  st.news2_last.band = WG_NEWS2_BAND_MEDIUM;
  ASSERT_NEAR(wg_rules_expect_interval_s(&e, &st), 3600, 0);
  st.news2_last.band = WG_NEWS2_BAND_HIGH;
  ASSERT_NEAR(wg_rules_expect_interval_s(&e, &st), 900, 0);
  wg_rule_state_free(&st);
}

/*
 * DESIGN.md section 8 (revised 2026-12-06): a missed observation's severity
 * follows the patient's last NEWS2 band, for a fixed interval as for
 * "news2": low before any score and at 0-4, medium at a single 3 or 5-6,
 * high at 7 or more. Each case ticks one interval after the start.
 */
static void missed_observation_severity_follows_band(void) {
  static const struct {
    bool scored;
    int score;
    wg_news2_band_t band;
    wg_severity_t want;
  } cases[] = {
      {false, 0, WG_NEWS2_BAND_LOW, WG_SEV_LOW},
      {true, 0, WG_NEWS2_BAND_LOW, WG_SEV_LOW},
      {true, 4, WG_NEWS2_BAND_LOW, WG_SEV_LOW},
      {true, 3, WG_NEWS2_BAND_LOW_MEDIUM, WG_SEV_MEDIUM},
      {true, 5, WG_NEWS2_BAND_MEDIUM, WG_SEV_MEDIUM},
      {true, 6, WG_NEWS2_BAND_MEDIUM, WG_SEV_MEDIUM},
      {true, 7, WG_NEWS2_BAND_HIGH, WG_SEV_HIGH},
      {true, 20, WG_NEWS2_BAND_HIGH, WG_SEV_HIGH},
  };

  for (int follow = 0; follow < 2; follow++)
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      wg_expect_t e = {
          .name = "spo2", .every_min = 30, .follow_news2 = follow != 0};
      wg_patient_t p = {.id = "p-1", .expect = &e, .nexpect = 1};
      wg_rule_state_t st;
      wg_verdict_t v[2];
      double every;

      ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
      st.news2_scored = cases[i].scored;
      st.news2_last.score = cases[i].score;
      st.news2_last.band = cases[i].band;
      every = wg_rules_expect_interval_s(&e, &st);
      ASSERT_EQ(wg_rules_tick(&p, &st, T0 + every - 1, 86400, v, 2), 0);
      ASSERT_EQ(wg_rules_tick(&p, &st, T0 + every, 86400, v, 2), 1);
      ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
      if (v[0].severity != cases[i].want)
        FAIL_AT("follow %d, score %d: %s, want %s", follow, cases[i].score,
                wg_severity_name(v[0].severity),
                wg_severity_name(cases[i].want));
      wg_rule_state_free(&st);
    }
}

/*
 * The observation set "news2", implied for a patient with NEWS2 on and no
 * "expect" (DESIGN.md section 8): renewed and cleared by a reading of any
 * NEWS2 parameter, not by another key; its interval and severity follow
 * the band (4 h and low before any score, 15 min and high at 7+).
 */
static void missed_observation_set_by_band(void) {
  wg_expect_t e = {.name = "news2", .follow_news2 = true};
  const char *devs[] = {"oxi-1"};
  wg_patient_t p = {
      .id = "p-1", .devices = devs, .ndevices = 1, .expect = &e, .nexpect = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t hr = num("hr", 70, "beat/min");
  wg_reading_t cup = num("fluid_intake", 0.2, "l");

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  hr.ts = T0 + 100;
  ASSERT_EQ(wg_rules_eval(&p, &st, &hr, -1, T0 + 100, v, 4), 0);
  ASSERT_NEAR(wg_rules_next_deadline(&p, &st, T0 + 100, 86400),
              T0 + 100 + 4 * 3600, 1e-9);
  cup.ts = T0 + 200; /* not a NEWS2 parameter: renews nothing */
  ASSERT_EQ(wg_rules_eval(&p, &st, &cup, -1, T0 + 200, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 100 + 4 * 3600 - 1, 86400, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 100 + 4 * 3600, 86400, v, 4), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  ASSERT_EQ(v[0].severity, WG_SEV_LOW);
  ASSERT_STR_EQ(v[0].key, "news2");
  ASSERT_STR_EQ(v[0].summary,
                "No NEWS2 observation for 240 min (expected every 240 min)");
  cup.ts = T0 + 20000;
  ASSERT_EQ(wg_rules_eval(&p, &st, &cup, -1, T0 + 20000, v, 4), 0);
  /* Any parameter of the set clears it, under the set's key. */
  wg_reading_t acvpu = {0};
  acvpu.device_id = "oxi-1";
  acvpu.name = "acvpu";
  acvpu.vs = "A";
  acvpu.ts = T0 + 20001;
  ASSERT_EQ(wg_rules_eval(&p, &st, &acvpu, -1, T0 + 20001, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_STR_EQ(v[0].key, "news2");

  /* At 7 or more: every 15 min, high. */
  st.news2_scored = true;
  st.news2_last.score = 7;
  st.news2_last.band = WG_NEWS2_BAND_HIGH;
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 20001 + 899, 86400, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 20001 + 900, 86400, v, 4), 1);
  ASSERT_EQ(v[0].severity, WG_SEV_HIGH);
  ASSERT_CONTAINS(v[0].summary, "(expected every 15 min)");
  wg_rule_state_free(&st);
}

static void silent_device(void) {
  const char *devs[] = {"oxi-1", "bp-1"};
  wg_patient_t p = {.id = "p-1", .devices = devs, .ndevices = 2};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t r = num("spo2", 97, "%");

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  r.ts = T0 + 100;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, T0 + 100, v, 4), 0);
  /* bp-1 has said nothing since the start; oxi-1 since T0 + 100. */
  ASSERT_NEAR(wg_rules_next_deadline(&p, &st, T0 + 100, 86400), T0 + 86400,
              1e-9);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 86399, 86400, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 86400, 86400, v, 4), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_DEVICE_SILENT);
  ASSERT_STR_EQ(v[0].key, "bp-1");
  ASSERT_STR_EQ(v[0].summary, "No reading from bp-1 for 24 h");
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 86500, 86400, v, 4), 1);
  ASSERT_STR_EQ(v[0].key, "oxi-1");
  /* A battery level from bp-1 is no measurement (issue #27): its alert
   * stands; a measurement clears it. */
  wg_reading_t b = num("battery", 80, "%EL");
  b.device_id = "bp-1";
  ASSERT_EQ(wg_rules_eval(&p, &st, &b, -1, T0 + 90000, v, 4), 0);
  b = num("sbp", 120, "mmHg");
  b.device_id = "bp-1";
  ASSERT_EQ(wg_rules_eval(&p, &st, &b, -1, T0 + 90001, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_EQ(v[0].rule, WG_RULE_DEVICE_SILENT);
  ASSERT_STR_EQ(v[0].key, "bp-1");
  wg_rule_state_free(&st);
}

static void low_battery(void) {
  const char *devs[] = {"oxi-1"};
  wg_patient_t p = {.id = "p-1", .devices = devs, .ndevices = 1};
  static const step_t steps[] = {
      {16, -1}, {15, WG_VERDICT_RAISE}, {10, -1},   {18, -1},
      {20, -1}, {21, WG_VERDICT_CLEAR}, {15.5, -1}, {14, WG_VERDICT_RAISE},
  };
  wg_rule_state_t st;
  wg_verdict_t v[4];

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    wg_reading_t r = num("battery", steps[i].value, "%EL");
    size_t n = wg_rules_eval(&p, &st, &r, -1, T0, v, 4);
    if ((steps[i].expect < 0) != (n == 0) ||
        (n && ((int)v[0].kind != steps[i].expect ||
               v[0].rule != WG_RULE_BATTERY_LOW)))
      FAIL_AT("battery %g: %zu verdicts", steps[i].value, n);
  }
  ASSERT_STR_EQ(v[0].key, "oxi-1");
  ASSERT_EQ(v[0].severity, WG_SEV_LOW);
  wg_rule_state_free(&st);
}

/* Local midnight in Europe/London: 2026-03-29 has 23 hours (BST starts at
 * 01:00 UTC), 2026-10-25 has 25. */
static void local_days_and_dst(void) {
  setenv("TZ", "Europe/London", 1);
  tzset();
  /* 2026-03-29 12:00 BST = 11:00 UTC */
  double noon = 1774782000.0;
  ASSERT_NEAR(wg_rules_local_midnight(noon), 1774742400.0, 0); /* 00:00 GMT */
  ASSERT_NEAR(wg_rules_next_local_midnight(noon) -
                  wg_rules_local_midnight(noon),
              23 * 3600, 0);
  /* 2026-10-25 12:00 GMT */
  noon = 1792929600.0;
  ASSERT_NEAR(wg_rules_next_local_midnight(noon) -
                  wg_rules_local_midnight(noon),
              25 * 3600, 0);
}

static void intake_checkpoints(void) {
  wg_checkpoint_t cps[] = {{12 * 3600, 0.25}, {16 * 3600, 0.5}};
  wg_intake_t in = {.name = "fluid_intake",
                    .daily_target = 1.5,
                    .checkpoints = cps,
                    .ncheckpoints = 2};
  const char *devs[] = {"cup-1"};
  wg_patient_t p = {
      .id = "p-1", .devices = devs, .ndevices = 1, .intake = &in, .nintake = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  double day, t;

  setenv("TZ", "Europe/London", 1);
  tzset();
  /* 2026-10-25, the 25-hour day: midnight is 00:00 BST = 23:00 UTC on the
   * 24th; noon is 12:00 GMT. */
  day = 1792882800.0;
  ASSERT_EQ(wg_rule_state_init(&st, &p, day + 60), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, day + 60, 86400, v, 4), 0);
  ASSERT_NEAR(st.intake[0].day_start, day, 0);
  ASSERT_NEAR(wg_rules_next_deadline(&p, &st, day + 60, 1e9), 1792929600.0,
              0); /* 12:00 GMT, 13 h after midnight */

  /* 0.3 l by noon: 0.25 x 1.5 = 0.375 needed. */
  wg_reading_t r = num("fluid_intake", 0.3, "l");
  r.device_id = "cup-1";
  r.ts = day + 8 * 3600;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, day + 8 * 3600, v, 4), 0);
  /* A reading measured yesterday does not count for today. */
  wg_reading_t late = r;
  late.ts = day - 60;
  ASSERT_EQ(wg_rules_eval(&p, &st, &late, -1, day + 9 * 3600, v, 4), 0);
  ASSERT_NEAR(st.intake[0].total, 0.3, 1e-9);
  t = 1792929600.0;
  ASSERT_EQ(wg_rules_tick(&p, &st, t - 1, 86400 * 10, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, t, 86400 * 10, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
  ASSERT_EQ(v[0].rule, WG_RULE_LOW_INTAKE);
  ASSERT_EQ(v[0].severity, WG_SEV_MEDIUM);
  ASSERT_STR_EQ(v[0].summary, "fluid_intake 0.3 l by 12:00, below 0.375 l "
                              "(25 % of the daily target of 1.5 l)");
  /* Catching up clears it. */
  r.value = 0.1;
  r.ts = t + 60;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, t + 60, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  /* 16:00: 0.4 of 0.75 needed: raised again. */
  ASSERT_EQ(wg_rules_tick(&p, &st, t + 4 * 3600, 86400 * 10, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
  /* Midnight (after the 25-hour day) starts a new total but leaves the
   * alert open: it closes on intake, not on the clock. */
  t = wg_rules_next_local_midnight(t);
  ASSERT_NEAR(t - day, 25 * 3600, 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, t, 86400 * 10, v, 4), 0);
  ASSERT_NEAR(st.intake[0].total, 0, 0);
  ASSERT(st.intake[0].active);
  /* Nothing drunk by the new day's noon, as the cup recorded (a reading of
   * 0 l; a cup that reports nothing raises its own technical alert,
   * test_intake_cup.c): the open alert is raised again as a new shortfall
   * (an ack of yesterday's does not stand for it). */
  r.value = 0;
  r.ts = t + 3600;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, t + 3600, v, 4), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, t + 12 * 3600, 86400 * 10, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
  ASSERT(v[0].renews);
  ASSERT_STR_EQ(v[0].evidence.n, "fluid_intake");
  ASSERT_CONTAINS(v[0].summary, "fluid_intake 0 l by 12:00");
  /* A second shortfall the same day is a repeat, not a new one. */
  ASSERT_EQ(wg_rules_tick(&p, &st, t + 16 * 3600, 86400 * 10, v, 4), 1);
  ASSERT(!v[0].renews);
  wg_rule_state_free(&st);
}

/*
 * An intake alert still open at midnight closes with the first drink of
 * the new day, quoting it as the evidence: never at midnight itself, and
 * never with an empty evidence entry.
 */
static void intake_alert_over_midnight(void) {
  wg_checkpoint_t cps[] = {{12 * 3600, 0.25}};
  wg_intake_t in = {.name = "fluid_intake",
                    .daily_target = 1.5,
                    .checkpoints = cps,
                    .ncheckpoints = 1};
  const char *devs[] = {"cup-1"};
  wg_patient_t p = {
      .id = "p-1", .devices = devs, .ndevices = 1, .intake = &in, .nintake = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t r = num("fluid_intake", 0, "l");
  double day = 1792882800.0, next; /* 2026-10-25 00:00 BST */

  setenv("TZ", "Europe/London", 1);
  tzset();
  ASSERT_EQ(wg_rule_state_init(&st, &p, day + 60), 0);
  /* A sip recorded: the cup reports (one that reports nothing raises a
   * technical alert instead, test_intake_cup.c). */
  r.device_id = "cup-1";
  r.value = 0.05;
  r.ts = day + 600;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, day + 600, v, 4), 0);
  r.value = 0;
  ASSERT_EQ(wg_rules_tick(&p, &st, day + 13 * 3600, 1e9, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
  ASSERT_EQ(v[0].rule, WG_RULE_LOW_INTAKE);
  next = wg_rules_next_local_midnight(day + 13 * 3600);
  /* Every tick across midnight: no verdict. */
  for (double t = next - 2; t <= next + 2; t += 1)
    if (wg_rules_tick(&p, &st, t, 1e9, v, 4) != 0)
      FAIL_AT("a verdict at midnight%+g s: %s", t - next, v[0].summary);
  /* A reading of nothing is no drink. */
  r.device_id = "cup-1";
  r.ts = next + 3600;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, next + 3600, v, 4), 0);
  r.value = 0.2;
  r.ts = next + 7200;
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, next + 7200, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_CONTAINS(v[0].summary, "a new day");
  ASSERT_STR_EQ(v[0].evidence.n, "fluid_intake");
  ASSERT_STR_EQ(v[0].evidence.device, "cup-1");
  ASSERT_NEAR(v[0].evidence.t, next + 7200, 0);
  ASSERT(!st.intake[0].active);
  wg_rule_state_free(&st);
}

static void intake_checkpoint_in_dst_gap(void) {
  /* 01:30 does not exist on 2026-03-29 in London: checked at 02:30 BST. */
  wg_checkpoint_t cps[] = {{3600 + 1800, 0.1}};
  wg_intake_t in = {.name = "fluid_intake",
                    .daily_target = 1,
                    .checkpoints = cps,
                    .ncheckpoints = 1};
  wg_patient_t p = {.id = "p-1", .intake = &in, .nintake = 1};
  wg_rule_state_t st;
  wg_verdict_t v[2];
  double day = 1774742400.0; /* 00:00 GMT */

  setenv("TZ", "Europe/London", 1);
  tzset();
  ASSERT_EQ(wg_rule_state_init(&st, &p, day), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, day, 1e9, v, 2), 0);
  ASSERT_NEAR(wg_rules_next_deadline(&p, &st, day, 1e9), day + 5400, 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, day + 5400, 1e9, v, 2), 1);
  wg_rule_state_free(&st);
}

TEST_MAIN(T(missed_observation), T(missed_observation_follows_news2),
          T(missed_observation_severity_follows_band),
          T(missed_observation_set_by_band), T(silent_device), T(low_battery),
          T(local_days_and_dst), T(intake_checkpoints),
          T(intake_alert_over_midnight), T(intake_checkpoint_in_dst_gap))
