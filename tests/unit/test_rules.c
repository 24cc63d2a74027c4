/* SPDX-License-Identifier: MIT */
#include "rules.h"
#include "test.h"

#define T0 1763900000.0

static wg_reading_t num(const char *name, double v, const char *unit) {
  wg_reading_t r = {0};
  r.device_id = "oxi-1";
  r.name = name;
  r.unit = unit;
  r.value = v;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = T0;
  return r;
}

static wg_reading_t flag(const char *name, bool vb) {
  wg_reading_t r = {0};
  r.device_id = "fall-1";
  r.name = name;
  r.unit = "";
  r.vb = vb;
  r.flags = WG_READING_HAS_VB;
  r.ts = T0;
  return r;
}

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
    size_t n = wg_rules_eval(&p, &st, &cases[i].r, T0, v, 4);
    if (n != cases[i].verdicts)
      FAIL_AT("case %zu: %zu verdicts, want %zu", i, n, cases[i].verdicts);
  }
  wg_reading_t r = flag("fall", true);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, T0, v, 4), 1);
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
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, T0, v, 4), 1);
  wg_rule_state_free(&st);
}

/* A step of a threshold sequence: the value, then the verdict expected. */
typedef struct step_s {
  double value;
  int expect; /* -1 none, WG_VERDICT_RAISE or WG_VERDICT_CLEAR */
} step_t;

static void run_steps(wg_threshold_t *t, const step_t *steps, size_t n,
                      const char *what) {
  wg_patient_t p = {.id = "p-1", .thresholds = t, .nthresholds = 1};
  wg_rule_state_t st;
  wg_verdict_t v[4];

  if (wg_rule_state_init(&st, &p, T0) != 0)
    FAIL_AT("%s: init", what);
  for (size_t i = 0; i < n; i++) {
    wg_reading_t r = num(t->name, steps[i].value, "%");
    size_t got = wg_rules_eval(&p, &st, &r, T0 + (double)i, v, 4);
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
  ASSERT_EQ(wg_rules_eval(&p, &st, &other, T0, v, 2), 0);
  ASSERT_EQ(wg_rules_eval(&p, &st, &r, T0, v, 2), 1);
  ASSERT_EQ(v[0].rule, WG_RULE_THRESHOLD);
  ASSERT_EQ(v[0].severity, WG_SEV_HIGH);
  ASSERT_STR_EQ(v[0].key, "spo2<90");
  ASSERT_STR_EQ(v[0].summary, "spo2 88 % below the limit of 90");
  ASSERT_NEAR(v[0].evidence.v, 88, 0);
  ASSERT_STR_EQ(v[0].evidence.u, "%");
  /* A reading without a number (a string) never trips a threshold. */
  wg_reading_t s = flag("spo2", true);
  ASSERT_EQ(wg_rules_eval(&p, &st, &s, T0, v, 2), 0);
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
          T(threshold_verdict_fields), T(rule_names))
