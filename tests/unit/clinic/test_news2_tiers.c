/* SPDX-License-Identifier: MIT */
/*
 * The response tiers of RCP NEWS2 chart 4, tier by tier (DESIGN.md
 * section 8, revised 2026-12-06; issue #27): aggregate 0 nothing; 1-4 a
 * `low` prompt for a registered nurse's assessment (configurable: none);
 * a single parameter scoring 3 `medium` (configurable: low); 5-6
 * `medium`; 7 or more `emergency`. Boundaries included, with a fake clock.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/clinic.h"
#include "clinic/rules.h"
#include "test.h"
#include "testcfg.h"

#define T0 1763900000.0

/* A normal set: every parameter present, scoring 0. */
static wg_news2_obs_t normal_set(void) {
  wg_news2_obs_t o = {0};

  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    o.present[k] = true;
  o.rr = 16;
  o.spo2 = 97;
  o.sbp = 120;
  o.hr = 70;
  o.acvpu = 'A';
  o.temp = 37.0;
  return o;
}

/*
 * Each row of chart 4 at its edges: the score, the band, and the severity
 * each configuration raises for it (-1: none).
 */
static void tiers_by_chart(void) {
  static const struct {
    const char *what;
    double rr, spo2, hr, temp;
    int score;
    wg_news2_band_t band;
    int tier_default, tier_1_4_none, tier_single3_low;
  } cases[] = {
      {"aggregate 0", 16, 97, 70, 37.0, 0, WG_NEWS2_BAND_LOW, -1, -1, -1},
      {"aggregate 1 (hr 91)", 16, 97, 91, 37.0, 1, WG_NEWS2_BAND_LOW,
       WG_SEV_LOW, -1, WG_SEV_LOW},
      {"aggregate 4 without a 3", 16, 95, 111, 38.1, 4, WG_NEWS2_BAND_LOW,
       WG_SEV_LOW, -1, WG_SEV_LOW},
      {"a single 3 at aggregate 3 (rr 25)", 25, 97, 70, 37.0, 3,
       WG_NEWS2_BAND_LOW_MEDIUM, WG_SEV_MEDIUM, WG_SEV_MEDIUM, WG_SEV_LOW},
      {"a single 3 at aggregate 4", 25, 97, 91, 37.0, 4,
       WG_NEWS2_BAND_LOW_MEDIUM, WG_SEV_MEDIUM, WG_SEV_MEDIUM, WG_SEV_LOW},
      {"aggregate 5", 16, 93, 111, 38.1, 5, WG_NEWS2_BAND_MEDIUM, WG_SEV_MEDIUM,
       WG_SEV_MEDIUM, WG_SEV_MEDIUM},
      {"aggregate 6 with a 3", 25, 93, 70, 38.1, 6, WG_NEWS2_BAND_MEDIUM,
       WG_SEV_MEDIUM, WG_SEV_MEDIUM, WG_SEV_MEDIUM},
      {"aggregate 7 with a 3", 25, 93, 111, 37.0, 7, WG_NEWS2_BAND_HIGH,
       WG_SEV_EMERGENCY, WG_SEV_EMERGENCY, WG_SEV_EMERGENCY},
      {"aggregate 6 without a 3", 16, 93, 111, 39.1, 6, WG_NEWS2_BAND_MEDIUM,
       WG_SEV_MEDIUM, WG_SEV_MEDIUM, WG_SEV_MEDIUM},
      {"aggregate 7 without a 3", 22, 93, 111, 38.1, 7, WG_NEWS2_BAND_HIGH,
       WG_SEV_EMERGENCY, WG_SEV_EMERGENCY, WG_SEV_EMERGENCY},
      {"aggregate 8 without a 3", 22, 93, 111, 39.1, 8, WG_NEWS2_BAND_HIGH,
       WG_SEV_EMERGENCY, WG_SEV_EMERGENCY, WG_SEV_EMERGENCY},
  };
  wg_patient_t def = {.id = "p-1", .news2_scale = 1},
               none = {.id = "p-1", .news2_scale = 1, .news2_1_4_none = true},
               low3 = {
                   .id = "p-1", .news2_scale = 1, .news2_single3_low = true};

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_news2_obs_t o = normal_set();
    wg_news2_t s;
    int got[3];

    o.rr = cases[i].rr;
    o.spo2 = cases[i].spo2;
    o.hr = cases[i].hr;
    o.temp = cases[i].temp;
    wg_news2_score(&o, 1, &s);
    got[0] = wg_rules_news2_tier(&def, &s);
    got[1] = wg_rules_news2_tier(&none, &s);
    got[2] = wg_rules_news2_tier(&low3, &s);
    if (s.score != cases[i].score || s.band != cases[i].band ||
        got[0] != cases[i].tier_default || got[1] != cases[i].tier_1_4_none ||
        got[2] != cases[i].tier_single3_low)
      FAIL_AT("%s: score %d band %s tiers %d/%d/%d, want %d %s %d/%d/%d",
              cases[i].what, s.score, wg_news2_band_name(s.band), got[0],
              got[1], got[2], cases[i].score, wg_news2_band_name(cases[i].band),
              cases[i].tier_default, cases[i].tier_1_4_none,
              cases[i].tier_single3_low);
  }
}

/* One NEWS2 computation after a pulse of @hr at @t; the verdict's kind or
 * -1, its severity in *@sev. */
/* A heart rate of @hr from oxi-1, measured and received at @t. */
static wg_reading_t hr_reading(double hr, double t) {
  wg_reading_t r = {0};

  r.device_id = "oxi-1";
  r.name = "hr";
  r.unit = "beat/min";
  r.value = hr;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = r.received = t;
  return r;
}

/* The same through the clinic, and the patient's set scored. */
static void clinic_hr(wg_clinic_t *cl, double hr, double t) {
  wg_reading_t r = hr_reading(hr, t);

  wg_clinic_reading(cl, 0, 0, &r, t);
  wg_clinic_news2(cl, 0, "oxi-1", t);
}

static int hr_set(const wg_patient_t *p, wg_rule_state_t *st, double hr,
                  double t, int *sev) {
  wg_reading_t r = hr_reading(hr, t);
  wg_verdict_t v[4], nv;
  wg_news2_t s;
  bool has;

  wg_rules_eval(p, st, &r, -1, t, v, 4);
  wg_rules_news2(p, st, t, &s, &nv, &has);
  *sev = has ? (int)nv.severity : -1;
  return has ? (int)nv.kind : -1;
}

/*
 * The 1-4 tier's alert through the rule: raised `low` at 1, `medium` at a
 * single 3, back to `low` at 2 (the alert follows the tier), cleared by
 * fresh sets at 0 that span 4 h (a score hovering at 0/1 is one episode);
 * with score_1_4 "none" the same pulse raises nothing until the single 3,
 * and two sets below it clear it.
 */
static void low_tier_lifecycle(void) {
  static const struct {
    double hr;
    int kind_default, sev_default; /* -1: no verdict */
    int kind_none, sev_none;
  } steps[] = {
      {70, -1, -1, -1, -1},
      {91, WG_VERDICT_RAISE, WG_SEV_LOW, -1, -1}, /* 1: the edge */
      {90, -1, -1, -1, -1},                       /* 0: one set below */
      {91, WG_VERDICT_RAISE, WG_SEV_LOW, -1, -1}, /* the count restarts */
      {131, WG_VERDICT_RAISE, WG_SEV_MEDIUM, WG_VERDICT_RAISE,
       WG_SEV_MEDIUM},                             /* a single 3 */
      {130, WG_VERDICT_RAISE, WG_SEV_LOW, -1, -1}, /* 2: 1-4 again */
      {70, -1, -1, WG_VERDICT_CLEAR, -1},          /* none: two below */
      {70, -1, -1, -1, -1}, /* default: two at 0, not yet 4 h */
  };
  wg_patient_t def = {.id = "p-1", .news2_scale = 1, .news2_window_min = 60},
               none = def;
  wg_rule_state_t a, b;

  none.news2_1_4_none = true;
  ASSERT_EQ(wg_rule_state_init(&a, &def, T0), 0);
  ASSERT_EQ(wg_rule_state_init(&b, &none, T0), 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    double t = T0 + 60.0 * (double)i;
    int sa, sb, ka = hr_set(&def, &a, steps[i].hr, t, &sa),
                kb = hr_set(&none, &b, steps[i].hr, t, &sb);

    if (ka != steps[i].kind_default ||
        (ka == WG_VERDICT_RAISE && sa != steps[i].sev_default))
      FAIL_AT("step %zu (hr %g), default: kind %d sev %d, want %d %d", i,
              steps[i].hr, ka, sa, steps[i].kind_default, steps[i].sev_default);
    if (kb != steps[i].kind_none ||
        (kb == WG_VERDICT_RAISE && sb != steps[i].sev_none))
      FAIL_AT("step %zu (hr %g), score_1_4 none: kind %d sev %d, want %d %d", i,
              steps[i].hr, kb, sb, steps[i].kind_none, steps[i].sev_none);
  }
  /* The 1-4 tier's alert clears when its sets at 0 span 4 h (the tier's
   * monitoring interval): not a second before, with sets in between. */
  {
    double from = T0 + 60.0 * 6; /* the first set at 0 of the run */
    int sa;
    ASSERT(a.news2_alert);
    ASSERT_EQ(hr_set(&def, &a, 72, from + 3600, &sa), -1);
    ASSERT_EQ(hr_set(&def, &a, 70, from + WG_RULES_NEWS2_LOW_CLEAR_S - 1, &sa),
              -1);
    ASSERT(a.news2_alert);
    ASSERT_EQ(hr_set(&def, &a, 71, from + WG_RULES_NEWS2_LOW_CLEAR_S, &sa),
              WG_VERDICT_CLEAR);
  }
  ASSERT(!a.news2_alert);
  ASSERT(!b.news2_alert);
  wg_rule_state_free(&a);
  wg_rule_state_free(&b);
}

#define CFG(response)                                                          \
  TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"],"        \
               "\"news2\":{\"response\":" response "}}]}"

/* news2.response read from the configuration; bad values refused. */
static void response_configured(void) {
  static const struct {
    const char *json;
    bool ok, none, single3_low;
  } cases[] = {
      {CFG("{}"), true, false, false},
      {CFG("{\"score_1_4\":\"none\"}"), true, true, false},
      {CFG("{\"score_1_4\":\"low\",\"single_3\":\"low\"}"), true, false, true},
      {CFG("{\"single_3\":\"medium\"}"), true, false, false},
      /* A single 3 asks for an urgent response: never for nothing. */
      {CFG("{\"single_3\":\"none\"}"), false, false, false},
      {CFG("{\"single_3\":\"high\"}"), false, false, false},
      {CFG("{\"score_1_4\":\"medium\"}"), false, false, false},
      {CFG("{\"score_1_4\":1}"), false, false, false},
      {CFG("{\"single3\":\"low\"}"), false, false, false},
      {CFG("\"none\""), false, false, false},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_config_t *cfg = test_config(cases[i].json);
    if ((cfg != NULL) != cases[i].ok) {
      wg_config_free(cfg);
      FAIL_AT("case %zu: loaded %d, want %d", i, cfg != NULL, cases[i].ok);
    }
    if (cfg == NULL)
      continue;
    ASSERT_EQ(cfg->patients[0].news2_1_4_none, cases[i].none);
    ASSERT_EQ(cfg->patients[0].news2_single3_low, cases[i].single3_low);
    wg_config_free(cfg);
  }
  /* No news2 object, or no response: the defaults. */
  wg_config_t *cfg =
      test_config(TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":["
                               "\"oxi-1\"]}]}");
  ASSERT(cfg != NULL);
  ASSERT(!cfg->patients[0].news2_1_4_none);
  ASSERT(!cfg->patients[0].news2_single3_low);
  wg_config_free(cfg);
}

/*
 * Through the clinic: a 1-4 alert acknowledged, then a single 3: the ack
 * no longer stands (it answered a prompt to assess, not an urgent
 * response) and it escalates on the medium timeout.
 */
static void low_tier_acked_then_single3(void) {
  wg_config_t *cfg = test_config(CFG("{}"));
  wg_counters_t counters = {0};
  wg_clinic_t cl;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  clinic_hr(&cl, 95, T0);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_RAISED);
  ASSERT_EQ(cl.events[0].alert.severity, WG_SEV_LOW);
  ASSERT_CONTAINS(cl.events[0].alert.summary, "NEWS2 1 (low, incomplete)");
  ASSERT_NEAR(cl.events[0].alert.respond_by, T0 + 120 * 60, 1e-6);
  ASSERT_EQ(wg_clinic_ack(&cl, cl.events[0].alert.id, "nurse", NULL, NULL,
                          false, false, T0 + 60),
            1);
  wg_clinic_committed(&cl);
  clinic_hr(&cl, 135, T0 + 120);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_UPDATED);
  ASSERT_EQ(cl.events[0].alert.severity, WG_SEV_MEDIUM);
  ASSERT(!cl.events[0].alert.acknowledged);
  ASSERT_CONTAINS(cl.events[0].alert.summary, "low-medium");
  ASSERT_NEAR(cl.events[0].alert.next_escalation, T0 + 120 + 30 * 60, 1e-6);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

/* After a restart a 1-4 alert still clears only over 4 h: its tier is
 * read back from the stored alert. */
static void low_tier_restored(void) {
  wg_config_t *cfg = test_config(CFG("{}"));
  wg_counters_t counters = {0};
  wg_clinic_t cl, back;
  char *json;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  clinic_hr(&cl, 95, T0);
  ASSERT_EQ(cl.nevents, 1);
  json = wg_alert_event_to_json(&cl.events[0]);
  ASSERT(json != NULL);
  ASSERT_EQ(wg_clinic_init(&back, "gw-1", 2, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&back, cfg, T0 + 60), 0);
  ASSERT_EQ(wg_clinic_restore_alert(&back, json, T0 + 60), 0);
  free(json);
  for (int k = 0; k < 3; k++) /* three sets at 0 within the hour */
    clinic_hr(&back, 70, T0 + 120 + 600 * k);
  ASSERT(wg_alerts_find(&back.alerts, "p-1", WG_RULE_NEWS2, "news2") != NULL);
  clinic_hr(&back, 70, T0 + 120 + WG_RULES_NEWS2_LOW_CLEAR_S);
  ASSERT(wg_alerts_find(&back.alerts, "p-1", WG_RULE_NEWS2, "news2") == NULL);
  wg_clinic_free(&back);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

TEST_MAIN(T(tiers_by_chart), T(low_tier_lifecycle), T(response_configured),
          T(low_tier_acked_then_single3), T(low_tier_restored))
