/* SPDX-License-Identifier: MIT */
/*
 * DESIGN.md section 8 "Time" (2026-12-06), rule by rule, with a fake clock:
 * the measurement time t and the receipt time rt of each reading, late
 * readings (rt - t beyond the rule's fresh limit), retrospective ones
 * (older than the newest already seen) and future ones.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/rules.h"
#include "test.h"

/* 2025-11-23 12:13:20 UTC */
#define T0 1763900000.0

static wg_reading_t at(const char *device, const char *name, double v, double t,
                       double rt) {
  wg_reading_t r = {0};
  r.device_id = device;
  r.name = name;
  r.unit = "";
  if (strcmp(name, "fall") == 0 || strcmp(name, "o2") == 0) {
    r.vb = v != 0;
    r.flags = WG_READING_HAS_VB;
  } else if (strcmp(name, "acvpu") == 0) {
    r.vs = "A";
  } else {
    r.value = v;
    r.flags = WG_READING_HAS_VALUE;
  }
  r.ts = t;
  r.received = rt;
  return r;
}

/*
 * Late is rt - t beyond the rule's fresh limit (fall 5 min, threshold
 * 10 min), boundaries included; a late verdict's summary says when it was
 * measured, when reported and how late; both times reach the evidence.
 */
static void late_marked(void) {
  static const struct {
    const char *name;
    double v;
    double age; /* rt - t */
    bool late;
    const char *summary;
  } cases[] = {
      {"fall", 1, 0, false, "Fall detected by dev-1"},
      {"fall", 1, 300, false, "Fall detected by dev-1"},
      {"fall", 1, 301, true,
       "Fall at 12:08, reported 12:13 — 5 min late (dev-1; possible long "
       "lie)"},
      {"fall", 1, 4 * 3600 + 28 * 60, true,
       "Fall at 07:45, reported 12:13 — 4 h 28 min late (dev-1; possible "
       "long lie)"},
      {"fall", 1, 3 * 86400 + 60, true,
       "Fall at 12:12 on 2025-11-20, reported 12:13 — 3 d 0 h 1 min late "
       "(dev-1; possible long lie)"},
      {"spo2", 85, 600, false, "spo2 85 % below the limit of 90"},
      {"spo2", 85, 601, true,
       "spo2 85 % below the limit of 90; measured at 12:03, reported 12:13 "
       "— 10 min late"},
  };
  wg_threshold_t th = {.name = "spo2",
                       .below = 90,
                       .has_below = true,
                       .severity = WG_SEV_HIGH,
                       .confirm = 1};
  const char *devs[] = {"dev-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 1,
                    .thresholds = &th,
                    .nthresholds = 1};
  wg_verdict_t v[4];

  setenv("TZ", "UTC", 1);
  tzset();
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_rule_state_t st;
    wg_reading_t r =
        at("dev-1", cases[i].name, cases[i].v, T0 - cases[i].age, T0);
    size_t n;

    ASSERT_EQ(wg_rule_state_init(&st, &p, T0 - 5 * 86400), 0);
    r.unit = cases[i].name[0] == 's' ? "%" : "";
    n = wg_rules_eval(&p, &st, &r, 0, T0, v, 4);
    if (n != 1 || v[0].late != cases[i].late ||
        strcmp(v[0].summary, cases[i].summary) != 0)
      FAIL_AT("case %zu: %zu verdicts, late %d, \"%s\"; want late %d, \"%s\"",
              i, n, n ? v[0].late : -1, n ? v[0].summary : "", cases[i].late,
              cases[i].summary);
    ASSERT(!v[0].retrospective);
    ASSERT_NEAR(v[0].evidence.t, T0 - cases[i].age, 0);
    ASSERT_NEAR(v[0].evidence.rt, T0, 0);
    wg_rule_state_free(&st);
  }
}

/* A step: a reading of @name at t, received at rt, and what it must do. */
typedef struct step_s {
  double t, rt, v;
  int expect; /* -1 no verdict, WG_VERDICT_RAISE or WG_VERDICT_CLEAR */
} step_t;

#define R WG_VERDICT_RAISE
#define C WG_VERDICT_CLEAR

static void run(const wg_patient_t *p, const char *name, const step_t *steps,
                size_t n, const char *what) {
  wg_rule_state_t st;
  wg_verdict_t v[4];

  ASSERT_EQ(wg_rule_state_init(&st, p, T0 - 86400), 0);
  for (size_t i = 0; i < n; i++) {
    wg_reading_t r = at("dev-1", name, steps[i].v, steps[i].t, steps[i].rt);
    size_t got = wg_rules_eval(p, &st, &r, 0, steps[i].rt, v, 4);
    if (steps[i].expect < 0 ? got != 0
                            : got != 1 || (int)v[0].kind != steps[i].expect)
      FAIL_AT("%s step %zu: %zu verdicts, kind %d, want %d", what, i, got,
              got ? (int)v[0].kind : -1, steps[i].expect);
  }
  wg_rule_state_free(&st);
}

/*
 * A retrospective reading (older than the newest seen for the key) never
 * raises, clears, confirms or counts toward hysteresis: two SpO2 97 of
 * yesterday do not clear the alert a reading of a minute ago raised. A
 * late reading that is the newest counts, and a confirm count needs its
 * readings within 10 minutes of the first.
 */
static void threshold_retrospective_and_confirm_window(void) {
  wg_threshold_t th = {.name = "spo2",
                       .below = 90,
                       .has_below = true,
                       .severity = WG_SEV_HIGH,
                       .confirm = 1};
  const char *devs[] = {"dev-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 1,
                    .thresholds = &th,
                    .nthresholds = 1};
  static const step_t past[] = {
      {T0 - 60, T0, 85, R},
      {T0 - 86400, T0 + 10, 97, -1}, /* yesterday's: no clear */
      {T0 - 86399, T0 + 11, 97, -1},
      {T0 - 120, T0 + 12, 80, -1}, /* older than the newest: no repeat */
      {T0 + 20, T0 + 20, 97, -1},  /* one fresh inside */
      {T0 - 30, T0 + 21, 97, -1},  /* a past one does not make it two */
      {T0 + 22, T0 + 22, 97, C},
      {T0 - 100, T0 + 30, 80, -1},       /* retrospective: no raise */
      {T0 + 40 - 7200, T0 + 40, 97, -1}, /* late and past: nothing */
      {T0 + 50 - 3600, T0 + 50, 97, -1}, /* idem */
      {T0 + 60 - 1200, T0 + 60, 80, -1}, /* idem, beyond */
  };
  static const step_t late_newest[] = {
      {T0 - 7200, T0, 85, R}, /* late, yet the newest: it raises */
      {T0 - 7100, T0 + 1, 97, -1},
      {T0 - 7000, T0 + 2, 97, C},
  };
  static const step_t window[] = {
      {T0, T0, 85, -1},
      {T0 + 601, T0 + 601, 85, -1}, /* 10 min and a second: a new count */
      {T0 + 1201, T0 + 1201, 85, R},
      {T0 + 1300, T0 + 1300, 97, -1},
      {T0 + 1301, T0 + 1301, 97, C},
      {T0 + 1400, T0 + 1400, 85, -1},
      {T0 + 2000, T0 + 2000, 85, R}, /* 10 min exactly: still the count */
  };

  run(&p, "spo2", past, sizeof(past) / sizeof(past[0]), "past");
  run(&p, "spo2", late_newest, sizeof(late_newest) / sizeof(late_newest[0]),
      "late newest");
  th.confirm = 2;
  run(&p, "spo2", window, sizeof(window) / sizeof(window[0]), "window");
}

/* A fall is an event: late or retrospective, it raises at full severity,
 * marked. */
static void fall_retrospective_still_raises(void) {
  const char *devs[] = {"dev-1"};
  wg_patient_t p = {.id = "p-1", .devices = devs, .ndevices = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t now = at("dev-1", "fall", 1, T0, T0);
  wg_reading_t past = at("dev-1", "fall", 1, T0 - 3 * 86400, T0 + 5);

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0 - 86400), 0);
  ASSERT_EQ(wg_rules_eval(&p, &st, &now, 0, T0, v, 4), 1);
  ASSERT(!v[0].retrospective);
  ASSERT_EQ(wg_rules_eval(&p, &st, &past, 0, T0 + 5, v, 4), 1);
  ASSERT_EQ(v[0].severity, WG_SEV_HIGH);
  ASSERT(v[0].retrospective);
  ASSERT(v[0].late);
  wg_rule_state_free(&st);
}

/*
 * For "the latest value" a time in the future counts as its receipt time:
 * a cup whose clock is 295 s fast does not shadow the oximeter's next
 * readings, nor does its battery.
 */
static void future_counts_as_received(void) {
  const char *devs[] = {"cup-1", "oxi-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 2,
                    .news2_scale = 1,
                    .news2_window_min = 60};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t cup = at("cup-1", "spo2", 99, T0 + 295, T0);
  wg_reading_t oxi = at("oxi-1", "spo2", 91, T0 + 10, T0 + 10);

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0 - 86400), 0);
  wg_rules_eval(&p, &st, &cup, 0, T0, v, 4);
  wg_rules_eval(&p, &st, &oxi, 1, T0 + 10, v, 4);
  ASSERT_NEAR(st.news2[WG_NEWS2_SPO2].value, 91, 0);
  ASSERT_STR_EQ(st.news2[WG_NEWS2_SPO2].device, "oxi-1");
  wg_rule_state_free(&st);
}

/* A NEWS2 set measured at @t, received at @rt, into @st. */
static void news2_set(const wg_patient_t *p, wg_rule_state_t *st, double t,
                      double rt, bool sick) {
  static const char *names[] = {"rr", "spo2", "o2",   "sbp",
                                "hr", "temp", "acvpu"};
  const double well[] = {16, 97, 0, 124, 72, 37.1, 0};
  const double ill[] = {28, 85, 0, 85, 135, 34.5, 0};
  wg_verdict_t v[4];

  for (size_t k = 0; k < 7; k++) {
    wg_reading_t r =
        at("obs-1", names[k], sick ? ill[k] : well[k], t + (double)k, rt);
    wg_rules_eval(p, st, &r, 0, rt, v, 4);
  }
}

/*
 * A NEWS2 set is anchored on its newest component: a complete set
 * measured two hours ago and synced now is scored at its own time (not
 * "all missing"), marked late; a late set never clears a current alert.
 */
static void news2_late_set(void) {
  const char *devs[] = {"obs-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 1,
                    .news2_scale = 1,
                    .news2_window_min = 60};
  wg_rule_state_t st;
  wg_verdict_t v;
  wg_news2_t s;
  bool has;

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0 - 86400), 0);
  news2_set(&p, &st, T0 - 7200, T0, true);
  ASSERT(wg_rules_news2(&p, &st, T0, &s, &v, &has));
  ASSERT(s.complete);
  ASSERT(s.score >= 7);
  ASSERT(has);
  ASSERT_EQ(v.kind, WG_VERDICT_RAISE);
  ASSERT_EQ(v.severity, WG_SEV_EMERGENCY);
  ASSERT(v.late);
  ASSERT_NEAR(v.evidence.t, T0 - 7200 + 6, 0);
  ASSERT_NEAR(v.evidence.rt, T0, 0);
  ASSERT_CONTAINS(v.summary, "late");
  wg_rule_state_free(&st);

  /* Raised by a fresh set; a well set measured later but synced late
   * does not clear it. */
  ASSERT_EQ(wg_rule_state_init(&st, &p, T0 - 86400), 0);
  news2_set(&p, &st, T0, T0, true);
  ASSERT(wg_rules_news2(&p, &st, T0 + 7, &s, &v, &has));
  ASSERT(has && v.kind == WG_VERDICT_RAISE && !v.late);
  news2_set(&p, &st, T0 + 600, T0 + 600 + 3700, false);
  wg_rules_news2(&p, &st, T0 + 600 + 3700, &s, &v, &has);
  ASSERT(!has || v.kind != WG_VERDICT_CLEAR);
  ASSERT(st.news2_alert);
  /* Two fresh well sets in a row clear it (the first alone does not:
   * DESIGN.md section 8, revised 2026-12-06). */
  news2_set(&p, &st, T0 + 4400, T0 + 4407, false);
  ASSERT(wg_rules_news2(&p, &st, T0 + 4407, &s, &v, &has) || true);
  ASSERT(!has);
  news2_set(&p, &st, T0 + 4500, T0 + 4507, false);
  ASSERT(wg_rules_news2(&p, &st, T0 + 4507, &s, &v, &has) || true);
  ASSERT(has && v.kind == WG_VERDICT_CLEAR);
  wg_rule_state_free(&st);
}

/*
 * A missed observation is satisfied by a late reading only if it was
 * measured within the interval; a reading from before it does not close
 * the alert.
 */
static void missed_obs_late_reading(void) {
  wg_expect_t e[] = {{.name = "spo2", .every_min = 60}};
  const char *devs[] = {"dev-1"};
  wg_patient_t p = {
      .id = "p-1", .devices = devs, .ndevices = 1, .expect = e, .nexpect = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t old = at("dev-1", "spo2", 97, T0 + 50, T0 + 3700);
  wg_reading_t edge = at("dev-1", "spo2", 97, T0 + 100, T0 + 3700);

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, T0 + 3600, 86400, v, 4), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_MISSED_OBS);
  ASSERT_EQ(wg_rules_eval(&p, &st, &old, 0, T0 + 3700, v, 4), 0);
  ASSERT(st.expect[0].active);
  ASSERT_EQ(wg_rules_eval(&p, &st, &edge, 0, T0 + 3700, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  wg_rule_state_free(&st);
}

/*
 * Intake is counted on the local day of t: a drink of 23:50 synced after
 * midnight is not today's; one a fast clock dates 00:02 tomorrow,
 * received at 23:58, is today's.
 */
static void intake_day_of_t(void) {
  wg_checkpoint_t cp[] = {
      {.second_of_day = 23 * 3600 + 59 * 60 + 30, .fraction = 0.1}};
  wg_intake_t in[] = {{.name = "fluid_intake",
                       .daily_target = 1.5,
                       .checkpoints = cp,
                       .ncheckpoints = 1}};
  const char *devs[] = {"cup-1"};
  wg_patient_t p = {
      .id = "p-1", .devices = devs, .ndevices = 1, .intake = in, .nintake = 1};
  double midnight = 1763942400.0; /* 2025-11-24 00:00 UTC */
  wg_rule_state_t st;
  wg_verdict_t v[4];
  wg_reading_t fast =
      at("cup-1", "fluid_intake", 0.2, midnight + 120, midnight - 120);
  wg_reading_t past =
      at("cup-1", "fluid_intake", 0.3, midnight - 600, midnight + 600);

  setenv("TZ", "UTC", 1);
  tzset();
  ASSERT_EQ(wg_rule_state_init(&st, &p, midnight - 7200), 0);
  ASSERT_EQ(wg_rules_tick(&p, &st, midnight - 3600, 86400, v, 4), 0);
  wg_rules_eval(&p, &st, &fast, 0, midnight - 120, v, 4);
  ASSERT_NEAR(st.intake[0].total, 0.2, 1e-9);
  /* 23:59:30: 0.2 l of the 0.15 l due, no alert. */
  ASSERT_EQ(wg_rules_tick(&p, &st, midnight - 30, 86400, v, 4), 0);
  wg_rules_eval(&p, &st, &past, 0, midnight + 600, v, 4);
  ASSERT_NEAR(st.intake[0].total, 0, 1e-9);
  wg_rule_state_free(&st);
}

TEST_MAIN(T(late_marked), T(threshold_retrospective_and_confirm_window),
          T(fall_retrospective_still_raises), T(future_counts_as_received),
          T(news2_late_set), T(missed_obs_late_reading), T(intake_day_of_t))
