/* SPDX-License-Identifier: MIT */
#include "clinic/news2.h"
#include "test.h"

typedef struct row_s {
  double value;
  int score;
} row_t;

#define ROWS(r) r, sizeof(r) / sizeof(r[0])

static void check_rows(const char *what, int (*fn)(double), const row_t *r,
                       size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fn(r[i].value) != r[i].score)
      FAIL_AT("%s %g: score %d, want %d", what, r[i].value, fn(r[i].value),
              r[i].score);
}

/* Every boundary of the RCP chart, on both sides. */
static void respiration_rate(void) {
  static const row_t r[] = {{0, 3},  {8, 3},    {8.5, 1},  {9, 1},  {11, 1},
                            {12, 0}, {20, 0},   {20.5, 2}, {21, 2}, {24, 2},
                            {25, 3}, {24.1, 3}, {60, 3}};
  check_rows("rr", wg_news2_rr, ROWS(r));
}

static void systolic_bp(void) {
  static const row_t r[] = {{40, 3},  {90, 3},  {91, 2},  {100, 2}, {101, 1},
                            {110, 1}, {111, 0}, {219, 0}, {220, 3}, {300, 3}};
  check_rows("sbp", wg_news2_sbp, ROWS(r));
}

static void pulse(void) {
  static const row_t r[] = {{20, 3},  {40, 3},  {41, 1},  {50, 1},
                            {51, 0},  {90, 0},  {91, 1},  {110, 1},
                            {111, 2}, {130, 2}, {131, 3}, {250, 3}};
  check_rows("hr", wg_news2_hr, ROWS(r));
}

static void temperature(void) {
  static const row_t r[] = {{30, 3},   {35.0, 3}, {35.1, 1}, {36.0, 1},
                            {36.1, 0}, {38.0, 0}, {38.1, 1}, {39.0, 1},
                            {39.1, 2}, {42, 2}};
  check_rows("temp", wg_news2_temp, ROWS(r));
}

static int spo2_s1(double v) { return wg_news2_spo2(v, 1, false); }
static int spo2_s1_oxygen(double v) { return wg_news2_spo2(v, 1, true); }
static int spo2_s2_air(double v) { return wg_news2_spo2(v, 2, false); }
static int spo2_s2_oxygen(double v) { return wg_news2_spo2(v, 2, true); }

static void spo2_scale1(void) {
  static const row_t r[] = {{80, 3}, {91, 3}, {92, 2}, {93, 2},
                            {94, 1}, {95, 1}, {96, 0}, {100, 0}};
  check_rows("spo2 scale 1", spo2_s1, ROWS(r));
  /* On scale 1 oxygen does not change the SpO2 score. */
  check_rows("spo2 scale 1 on oxygen", spo2_s1_oxygen, ROWS(r));
}

static void spo2_scale2(void) {
  static const row_t air[] = {{80, 3}, {83, 3}, {84, 2}, {85, 2},
                              {86, 1}, {87, 1}, {88, 0}, {92, 0},
                              {93, 0}, {96, 0}, {97, 0}, {100, 0}};
  static const row_t oxygen[] = {{80, 3}, {83, 3}, {84, 2}, {85, 2}, {86, 1},
                                 {87, 1}, {88, 0}, {92, 0}, {93, 1}, {94, 1},
                                 {95, 2}, {96, 2}, {97, 3}, {100, 3}};
  check_rows("spo2 scale 2 on air", spo2_s2_air, ROWS(air));
  check_rows("spo2 scale 2 on oxygen", spo2_s2_oxygen, ROWS(oxygen));
}

static void consciousness(void) {
  ASSERT_EQ(wg_news2_acvpu('A'), 0);
  ASSERT_EQ(wg_news2_acvpu('C'), 3);
  ASSERT_EQ(wg_news2_acvpu('V'), 3);
  ASSERT_EQ(wg_news2_acvpu('P'), 3);
  ASSERT_EQ(wg_news2_acvpu('U'), 3);
}

static wg_news2_obs_t normal(void) {
  wg_news2_obs_t o;
  memset(&o, 0, sizeof(o));
  for (int i = 0; i < WG_NEWS2_NPARAMS; i++)
    o.present[i] = true;
  o.rr = 16;
  o.spo2 = 97;
  o.on_oxygen = false;
  o.sbp = 120;
  o.hr = 70;
  o.acvpu = 'A';
  o.temp = 37;
  return o;
}

static void aggregate_and_bands(void) {
  wg_news2_obs_t o = normal();
  wg_news2_t s;

  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 0);
  ASSERT(s.complete);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_LOW);
  /* 4: low. */
  o.hr = 95;     /* 1 */
  o.spo2 = 95;   /* 1 */
  o.temp = 38.5; /* 1 */
  o.rr = 10;     /* 1 */
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 4);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_LOW);
  /* A single 3 with a total under 5: low-medium. */
  o = normal();
  o.acvpu = 'V';
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 3);
  ASSERT_EQ(s.components[WG_NEWS2_ACVPU], 3);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_LOW_MEDIUM);
  /* 5 and 6: medium. */
  o = normal();
  o.on_oxygen = true; /* 2 */
  o.hr = 115;         /* 2 */
  o.temp = 38.5;      /* 1 */
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 5);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_MEDIUM);
  o.rr = 22; /* +2 = 7: high */
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 7);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_HIGH);
  o.rr = 21 - 0.5; /* 20.5 scores 2 too */
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 7);
  o.rr = 16;
  o.temp = 39.1; /* 2: 6 */
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 6);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_MEDIUM);
}

static void every_parameter_at_worst(void) {
  wg_news2_obs_t o = normal();
  wg_news2_t s;

  o.rr = 30;
  o.spo2 = 85;
  o.on_oxygen = true;
  o.sbp = 85;
  o.hr = 140;
  o.acvpu = 'U';
  o.temp = 34;
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 3 + 3 + 2 + 3 + 3 + 3 + 3);
  ASSERT_EQ(s.components[WG_NEWS2_O2], 2);
}

static void scale2_uses_oxygen(void) {
  wg_news2_obs_t o = normal();
  wg_news2_t s;

  o.spo2 = 97;
  o.on_oxygen = true;
  wg_news2_score(&o, 2, &s);
  ASSERT_EQ(s.components[WG_NEWS2_SPO2], 3);
  ASSERT_EQ(s.score, 5); /* 3 for SpO2, 2 for oxygen */
  o.on_oxygen = false;
  wg_news2_score(&o, 2, &s);
  ASSERT_EQ(s.components[WG_NEWS2_SPO2], 0);
  /* Air/oxygen unknown: SpO2 scored as on air, set incomplete. */
  o.on_oxygen = true;
  o.present[WG_NEWS2_O2] = false;
  wg_news2_score(&o, 2, &s);
  ASSERT_EQ(s.components[WG_NEWS2_SPO2], 0);
  ASSERT_EQ(s.components[WG_NEWS2_O2], -1);
  ASSERT(!s.complete);
}

static void incomplete_sets(void) {
  wg_news2_obs_t o;
  wg_news2_t s;

  memset(&o, 0, sizeof(o));
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 0);
  ASSERT(!s.complete);
  for (int i = 0; i < WG_NEWS2_NPARAMS; i++)
    ASSERT_EQ(s.components[i], -1);
  /* What is present still counts: one 3 alone is low-medium. */
  o.present[WG_NEWS2_HR] = true;
  o.hr = 35;
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 3);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_LOW_MEDIUM);
  ASSERT(!s.complete);
  o.present[WG_NEWS2_SBP] = true;
  o.sbp = 85;
  o.present[WG_NEWS2_TEMP] = true;
  o.temp = 39.5;
  wg_news2_score(&o, 1, &s);
  ASSERT_EQ(s.score, 8);
  ASSERT_EQ(s.band, WG_NEWS2_BAND_HIGH);
}

static void keys_and_names(void) {
  for (int i = 0; i < WG_NEWS2_NPARAMS; i++)
    ASSERT_EQ(wg_news2_param(wg_news2_key((wg_news2_param_t)i)), i);
  ASSERT_EQ(wg_news2_param("battery"), -1);
  ASSERT_STR_EQ(wg_news2_band_name(WG_NEWS2_BAND_LOW_MEDIUM), "low-medium");
}

TEST_MAIN(T(respiration_rate), T(systolic_bp), T(pulse), T(temperature),
          T(spo2_scale1), T(spo2_scale2), T(consciousness),
          T(aggregate_and_bands), T(every_parameter_at_worst),
          T(scale2_uses_oxygen), T(incomplete_sets), T(keys_and_names))
