/* SPDX-License-Identifier: MIT */
/*
 * The rules on each reading: falls, thresholds (their limits, hysteresis
 * and confirm), NEWS2 through the rules, and the rules' names. The rules
 * on the clock (missed observations, silent devices, low batteries,
 * intake checkpoints over local days) are in test_rules_obs.c.
 */
#include "rules_fixture.h"

static void falls(void) {
  static const struct {
    wg_reading_t r;
    size_t verdicts;
  } cases[] = {
      {{.device_id = "fall-1",
        .name = "fall",
        .unit = "",
        .vb = true,
        .flags = WG_READING_HAS_VB,
        .ts = T0},
       1},
      {{.device_id = "fall-1",
        .name = "fall",
        .unit = "",
        .vb = false,
        .flags = WG_READING_HAS_VB,
        .ts = T0},
       0},
      /* Not a fall: another key with vb true, or fall without vb. */
      {{.device_id = "fall-1",
        .name = "o2",
        .unit = "",
        .vb = true,
        .flags = WG_READING_HAS_VB,
        .ts = T0},
       0},
      {{.device_id = "x",
        .name = "fall",
        .unit = "",
        .value = 1,
        .flags = WG_READING_HAS_VALUE,
        .ts = T0},
       0},
  };
  wg_patient_t p = {.id = "p-1"};
  wg_rule_state_t st;
  wg_verdict_t v[4];

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t n = wg_rules_eval(&p, &st, &cases[i].r, -1, T0, v, 4);
    if (n != cases[i].verdicts)
      FAIL_AT("case %zu: %zu verdicts, want %zu", i, n, cases[i].verdicts);
  }
  wg_reading_t r = flag("fall", true);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, T0, v, 4), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_RAISE);
  ASSERT_EQ(v[0].rule, WG_RULE_FALL);
  ASSERT_EQ(v[0].severity, WG_SEV_HIGH);
  ASSERT_STR_EQ(v[0].key, "fall");
  ASSERT_STR_EQ(v[0].summary, "Fall detected by fall-1");
  ASSERT_STR_EQ(v[0].evidence.n, "fall");
  ASSERT_EQ(v[0].evidence.vb, 1);
  ASSERT_STR_EQ(v[0].evidence.device, "fall-1");
  ASSERT_NEAR(v[0].evidence.t, T0, 0);
  /* Every fall is a verdict: the lifecycle turns a repeat into an update. */
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, T0, v, 4), 1);
  wg_rule_state_free(&st);
}

static void run_steps(wg_threshold_t *t, const step_t *steps, size_t n,
                      const char *what) {
  wg_patient_t p = {.id = "p-1", .thresholds = t, .nthresholds = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];

  if (wg_rule_state_init(&st, &p, T0) != 0)
    FAIL_AT("%s: init", what);
  for (size_t i = 0; i < n; i++) {
    wg_reading_t r = num(t->name, steps[i].value, "%");
    size_t got = wg_rules_eval(&p, &st, &r, -1, T0 + (double)i, v, 4);
    if (steps[i].expect < 0 && got != 0)
      FAIL_AT("%s step %zu (%g): unexpected verdict %d", what, i,
              steps[i].value, v[0].kind);
    if (steps[i].expect >= 0 && (got != 1 || (int)v[0].kind != steps[i].expect))
      FAIL_AT("%s step %zu (%g): %zu verdicts, kind %d, want %d", what, i,
              steps[i].value, got, got ? (int)v[0].kind : -1, steps[i].expect);
  }
  wg_rule_state_free(&st);
}

#define R WG_VERDICT_RAISE
#define C WG_VERDICT_CLEAR

static void threshold_below(void) {
  wg_threshold_t t = {.name = "spo2",
                      .below = 90,
                      .has_below = true,
                      .severity = WG_SEV_HIGH,
                      .confirm = 1};
  /* At the limit is inside; below raises; each reading beyond repeats; two
   * inside in a row clear; one inside between beyond ones does not. */
  static const step_t steps[] = {
      {91, -1}, {90, -1}, {89.9, R}, {85, R}, {90, -1}, {88, R},
      {90, -1}, {95, C},  {96, -1},  {89, R}, {92, -1}, {93, C},
  };
  run_steps(&t, steps, sizeof(steps) / sizeof(steps[0]), "below");
}

static void threshold_above(void) {
  wg_threshold_t t = {.name = "hr",
                      .above = 130,
                      .has_above = true,
                      .severity = WG_SEV_MEDIUM,
                      .confirm = 1};
  static const step_t steps[] = {
      {129, -1}, {130, -1}, {130.5, R}, {131, R}, {130, -1}, {120, C},
  };
  run_steps(&t, steps, sizeof(steps) / sizeof(steps[0]), "above");
}

static void threshold_both_sides(void) {
  wg_threshold_t t = {.name = "temp",
                      .below = 35,
                      .above = 38.5,
                      .has_below = true,
                      .has_above = true,
                      .severity = WG_SEV_MEDIUM,
                      .confirm = 1};
  static const step_t steps[] = {
      {35, -1}, {38.5, -1}, {34.9, R}, {39, R}, {37, -1}, {37, C},
  };
  run_steps(&t, steps, sizeof(steps) / sizeof(steps[0]), "both");
}

static void threshold_confirm(void) {
  wg_threshold_t t = {.name = "spo2",
                      .below = 90,
                      .has_below = true,
                      .severity = WG_SEV_HIGH,
                      .confirm = 3};
  /* Three in a row beyond before notifying; a reading inside restarts the
   * count; once raised every reading beyond repeats. */
  static const step_t steps[] = {
      {85, -1}, {86, -1}, {95, -1}, {85, -1}, {85, -1},
      {85, R},  {84, R},  {95, -1}, {95, C},
  };
  run_steps(&t, steps, sizeof(steps) / sizeof(steps[0]), "confirm");
}

static void threshold_verdict_fields(void) {
  wg_threshold_t t = {.name = "spo2",
                      .below = 90,
                      .has_below = true,
                      .severity = WG_SEV_HIGH,
                      .confirm = 1};
  wg_patient_t p = {.id = "p-1", .thresholds = &t, .nthresholds = 1};
  wg_rule_state_t st;
  wg_verdict_t v[2];
  wg_reading_t r = num("spo2", 88, "%");
  wg_reading_t other = num("hr", 10, "beat/min");

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  ASSERT_EQ(wg_rules_eval(&p, &st, &other, -1, T0, v, 2), 0);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, -1, T0, v, 2), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_THRESHOLD);
  ASSERT_EQ(v[0].severity, WG_SEV_HIGH);
  ASSERT_STR_EQ(v[0].key, "spo2<90");
  ASSERT_STR_EQ(v[0].summary, "spo2 88 % below the limit of 90");
  ASSERT_NEAR(v[0].evidence.v, 88, 0);
  ASSERT_STR_EQ(v[0].evidence.u, "%");
  /* A reading without a number (a string) never trips a threshold. */
  wg_reading_t s = flag("spo2", true);
  ASSERT_EQ(wg_rules_eval(&p, &st, &s, -1, T0, v, 2), 0);
  wg_rule_state_free(&st);
}

static void news2_through_the_rules(void) {
  const char *devs[] = {"obs-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 1,
                    .news2_scale = 1,
                    .news2_window_min = 60};
  wg_rule_state_t st;
  wg_verdict_t v[4], nv;
  wg_news2_t s;
  bool has;
  struct {
    const char *n;
    double v;
  } set[] = {
      {"rr", 22}, {"spo2", 95}, {"sbp", 105}, {"hr", 95}, {"temp", 38.5}};

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  for (size_t i = 0; i < 5; i++) {
    wg_reading_t r = num(set[i].n, set[i].v, "");
    r.device_id = "obs-1";
    wg_rules_eval(&p, &st, &r, -1, T0, v, 4);
  }
  wg_reading_t o2 = flag("o2", false);
  wg_reading_t acvpu = flag("acvpu", false);
  acvpu.flags = 0;
  acvpu.vs = "A";
  wg_rules_eval(&p, &st, &o2, -1, T0, v, 4);
  wg_rules_eval(&p, &st, &acvpu, -1, T0, v, 4);
  /* rr 2, spo2 1, sbp 1, hr 1, temp 1: 6, medium. */
  ASSERT(wg_rules_news2(&p, &st, T0, &s, &nv, &has));
  ASSERT_EQ(s.score, 6);
  ASSERT(s.complete);
  ASSERT(has);
  ASSERT_EQ(nv.kind, WG_VERDICT_RAISE);
  ASSERT_EQ(nv.severity, WG_SEV_MEDIUM);
  ASSERT_STR_EQ(nv.key, "news2");
  ASSERT_STR_EQ(nv.summary,
                "NEWS2 6 (medium): rr 2, spo2 1, sbp 1, hr 1, temp 1");
  /* Unchanged: nothing to publish, no verdict. */
  ASSERT(!wg_rules_news2(&p, &st, T0 + 1, &s, &nv, &has));
  ASSERT(!has);
  /* Deteriorating: 7, emergency. */
  wg_reading_t hr = num("hr", 115, "beat/min");
  hr.ts = T0 + 2;
  wg_rules_eval(&p, &st, &hr, -1, T0 + 2, v, 4);
  ASSERT(wg_rules_news2(&p, &st, T0 + 2, &s, &nv, &has));
  ASSERT_EQ(s.score, 7);
  ASSERT_EQ(nv.severity, WG_SEV_EMERGENCY);
  /* An older measurement arriving late does not replace the latest. */
  wg_reading_t old = num("hr", 60, "beat/min");
  old.ts = T0 - 100;
  wg_rules_eval(&p, &st, &old, -1, T0 + 3, v, 4);
  ASSERT(!wg_rules_news2(&p, &st, T0 + 3, &s, &nv, &has));
  /* The window: an hour later everything from T0 is too old; the hr from
   * T0 + 2 is still there at T0 + 3601, gone at T0 + 3603. The set is
   * incomplete, and says why; ageing out never clears the alert (DESIGN.md
   * section 8, revised 2026-12-06): it stands at its severity. */
  ASSERT(wg_rules_news2(&p, &st, T0 + 3601, &s, &nv, &has));
  ASSERT(!s.complete);
  ASSERT_EQ(s.score, 2);
  ASSERT_EQ(s.components[WG_NEWS2_HR], 2);
  ASSERT_EQ(s.components[WG_NEWS2_RR], -1);
  ASSERT(has);
  ASSERT_EQ(nv.kind, WG_VERDICT_RAISE);
  ASSERT(nv.keeps_severity);
  ASSERT_CONTAINS(nv.summary, "rr, spo2, o2, sbp, acvpu, temp aged out");
  ASSERT(wg_rules_news2(&p, &st, T0 + 3603, &s, &nv, &has));
  ASSERT_EQ(s.score, 0);
  ASSERT(has);
  ASSERT_EQ(nv.kind, WG_VERDICT_RAISE); /* still not cleared */
  ASSERT_CONTAINS(nv.summary, "hr, acvpu");
  wg_rule_state_free(&st);
}

/* One NEWS2 computation for @p after reading @r at @t (the clinic's order:
 * the reading, then the score of its pack); the verdict's kind, or -1. */
static int news2_after(const wg_patient_t *p, wg_rule_state_t *st,
                       wg_reading_t r, double t, wg_verdict_t *nv) {
  wg_verdict_t v[4];
  wg_news2_t s;
  bool has;

  r.ts = r.received = t;
  wg_rules_eval(p, st, &r, -1, t, v, 4);
  wg_rules_news2(p, st, t, &s, nv, &has);
  return has ? (int)nv->kind : -1;
}

/*
 * Issue #27: a scale-2 patient on oxygen scoring 5 (o2 2, SpO2 97 on
 * oxygen 3) was cleared 17 s after the raise by a repeat SpO2 97, because
 * the o2 reading, measured an hour earlier, had left the window and SpO2
 * was scored as on air. Ageing out makes the set incomplete, said on the
 * alert, and never clears it; two fresh complete sets below the band do.
 */
static void news2_not_cleared_by_ageing(void) {
  const char *devs[] = {"obs-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 1,
                    .news2_scale = 2,
                    .news2_window_min = 60};
  wg_rule_state_t st;
  wg_verdict_t nv;
  wg_reading_t o2 = flag("o2", true), spo2 = num("spo2", 97, "%");
  static const struct {
    double at;      /* seconds after the raise */
    int reading;    /* 0: SpO2 97, 1: o2 on air */
    int verdict;    /* -1 none, else the kind */
    bool keeps;     /* the alert keeps its severity */
    const char *in; /* the summary says */
  } steps[] = {
      {17, 0, WG_VERDICT_RAISE, true, "o2 aged out"},
      {30, 0, -1, false, NULL},  /* the same, no news */
      {600, 0, -1, false, NULL}, /* still o2-less: never a clear */
      {610, 1, -1, false, NULL}, /* fresh o2 (air): one set below */
      {620, 0, WG_VERDICT_CLEAR, false, "NEWS2 0"}, /* the second */
  };

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  o2.device_id = spo2.device_id = "obs-1";
  o2.received = o2.ts = T0 - 3590;
  wg_rules_eval(&p, &st, &o2, -1, T0, &nv, 1);
  ASSERT_EQ(news2_after(&p, &st, spo2, T0, &nv), WG_VERDICT_RAISE);
  ASSERT_EQ(nv.severity, WG_SEV_MEDIUM);
  ASSERT_CONTAINS(nv.summary, "NEWS2 5");
  o2.vb = false;
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    int kind = news2_after(&p, &st, steps[i].reading ? o2 : spo2,
                           T0 + steps[i].at, &nv);
    ASSERT_EQ(kind, steps[i].verdict);
    if (kind < 0)
      continue;
    ASSERT_EQ(nv.keeps_severity, steps[i].keeps);
    ASSERT_CONTAINS(nv.summary, steps[i].in);
  }
  ASSERT(!st.news2_alert);
  wg_rule_state_free(&st);
}

/*
 * Hysteresis: SpO2 91/92/91 on scale 1 (a single 3, then 2) raised,
 * cleared and raised again, two alert ids in 10 ms. A clear needs two
 * fresh sets in a row below the band; one in the band starts the count
 * again; a recomputation without a new reading is no set.
 */
static void news2_hysteresis(void) {
  /* The edge of the single-3 tier, with aggregate 1-4 raising nothing
   * (news2.response.score_1_4 "none"); the 1-4 tier's own edges are in
   * test_news2_tiers.c. */
  wg_patient_t p = {.id = "p-1",
                    .news2_scale = 1,
                    .news2_window_min = 60,
                    .news2_1_4_none = true};
  wg_rule_state_t st;
  wg_verdict_t nv;
  wg_news2_t s;
  bool has;
  static const struct {
    double spo2;
    int verdict;
  } steps[] = {
      {91, WG_VERDICT_RAISE},
      {92, -1},
      {91, WG_VERDICT_RAISE},
      {92, -1},
      {92, WG_VERDICT_CLEAR}, /* two in a row */
      {93, -1},
      {91, WG_VERDICT_RAISE}, /* a new alert */
      {96, -1},
  };

  ASSERT_EQ(wg_rule_state_init(&st, &p, T0), 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    double t = T0 + 0.005 * (double)i;
    ASSERT_EQ(news2_after(&p, &st, num("spo2", steps[i].spo2, "%"), t, &nv),
              steps[i].verdict);
  }
  /* No new reading: the same set, not a second one below the band. */
  wg_rules_news2(&p, &st, T0 + 1, &s, &nv, &has);
  ASSERT(!has);
  ASSERT(st.news2_alert);
  ASSERT_EQ(news2_after(&p, &st, num("spo2", 97, "%"), T0 + 2, &nv),
            WG_VERDICT_CLEAR);
  wg_rule_state_free(&st);
}

static void rule_names(void) {
  for (int i = 0; i < WG_RULE_COUNT; i++)
    ASSERT_EQ(wg_rule_parse(wg_rule_name((wg_rule_t)i)), i);
  ASSERT_EQ(wg_rule_parse("nope"), -1);
  ASSERT(wg_rule_is_event(WG_RULE_FALL));
  ASSERT(!wg_rule_is_event(WG_RULE_THRESHOLD));
}

TEST_MAIN(T(falls), T(threshold_below), T(threshold_above),
          T(threshold_both_sides), T(threshold_confirm),
          T(threshold_verdict_fields), T(news2_through_the_rules),
          T(news2_not_cleared_by_ageing), T(news2_hysteresis), T(rule_names))
