/* SPDX-License-Identifier: MIT */
#include "clinic/news2.h"
#include "common/arena.h"
#include "ingest/senml.h"
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

/* Every boundary of the RCP chart, on both sides. A rate is charted in
 * whole breaths: 24.1 is 24 (2), 24.5 is 25 (3). */
static void respiration_rate(void) {
  static const row_t r[] = {{0, 3},  {8, 3},    {8.5, 1},  {9, 1},  {11, 1},
                            {12, 0}, {20, 0},   {20.5, 2}, {21, 2}, {24, 2},
                            {25, 3}, {24.1, 2}, {24.5, 3}, {60, 3}};
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

/* A device's value in one of the units SenML accepts for it, and the score
 * of its parameter once converted. */
typedef struct unit_row_s {
  const char *key, *unit, *v;
  int score;
} unit_row_t;

/* The value of @key in @unit (text @v) through the SenML parser, in the
 * canonical unit; NAN when the pack is refused. */
static double through_senml(const char *key, const char *unit, const char *v) {
  static wg_arena_t arena;
  wg_readings_t out = {0};
  char pack[128], err[128];
  double value = NAN;

  snprintf(pack, sizeof(pack), "[{\"n\":\"%s\",\"u\":\"%s\",\"v\":%s}]", key,
           unit, v);
  if (wg_senml_parse(pack, strlen(pack), 1763900000.0, &arena, &out, err,
                     sizeof(err)) == 0 &&
      out.n == 1)
    value = out.v[0].value;
  wg_senml_readings_free(&out);
  wg_arena_free(&arena);
  return value;
}

static int score_of(const char *key, double v) {
  return strcmp(key, "rr") == 0     ? wg_news2_rr(v)
         : strcmp(key, "sbp") == 0  ? wg_news2_sbp(v)
         : strcmp(key, "hr") == 0   ? wg_news2_hr(v)
         : strcmp(key, "temp") == 0 ? wg_news2_temp(v)
                                    : wg_news2_spo2(v, 1, false);
}

/*
 * Every printed edge of the RCP chart in every unit SenML accepts, read at
 * the chart's own precision after conversion (whole breaths, %, mmHg and
 * beats, 0.1 degrees C; half up): 12 kPa is 90.007 mmHg, charted 90 and
 * scored 3; 100.4 degF is 38.0 C and scores 0.
 */
static void chart_in_every_unit(void) {
  static const unit_row_t rows[] = {
      /* Respiration: 8 | 9-11 | 12-20 | 21-24 | 25. */
      {"rr", "1/min", "8", 3},
      {"rr", "1/min", "8.4", 3},
      {"rr", "1/min", "8.5", 1},
      {"rr", "1/min", "11.4", 1},
      {"rr", "1/min", "11.5", 0},
      {"rr", "1/min", "20.4", 0},
      {"rr", "1/min", "20.5", 2},
      {"rr", "1/min", "24.4", 2},
      {"rr", "1/min", "24.5", 3},
      {"rr", "breath/min", "8", 3},
      {"rr", "breath/min", "9", 1},
      {"rr", "breath/min", "11", 1},
      {"rr", "breath/min", "12", 0},
      {"rr", "breath/min", "20", 0},
      {"rr", "breath/min", "21", 2},
      {"rr", "breath/min", "24", 2},
      {"rr", "breath/min", "25", 3},
      /* SpO2, scale 1: 91 | 92-93 | 94-95 | 96. */
      {"spo2", "%", "91", 3},
      {"spo2", "%", "91.4", 3},
      {"spo2", "%", "91.5", 2},
      {"spo2", "%", "93.4", 2},
      {"spo2", "%", "93.5", 1},
      {"spo2", "%", "95.4", 1},
      {"spo2", "%", "95.5", 0},
      /* Systolic: 90 | 91-100 | 101-110 | 111-219 | 220. */
      {"sbp", "mmHg", "90.4", 3},
      {"sbp", "mmHg", "90.5", 2},
      {"sbp", "mmHg", "100.4", 2},
      {"sbp", "mmHg", "100.5", 1},
      {"sbp", "mmHg", "110.4", 1},
      {"sbp", "mmHg", "110.5", 0},
      {"sbp", "mmHg", "219.4", 0},
      {"sbp", "mmHg", "219.5", 3},
      {"sbp", "kPa", "12", 3},   /* 90.007 */
      {"sbp", "kPa", "12.1", 2}, /* 90.757 */
      {"sbp", "kPa", "13.3", 2}, /* 99.758 */
      {"sbp", "kPa", "13.4", 1}, /* 100.508 */
      {"sbp", "kPa", "14.7", 1}, /* 110.259 */
      {"sbp", "kPa", "14.8", 0}, /* 111.009 */
      {"sbp", "kPa", "29.2", 0}, /* 219.018 */
      {"sbp", "kPa", "29.3", 3}, /* 219.768 */
      {"sbp", "Pa", "12065", 3}, /* 90.495 */
      {"sbp", "Pa", "12067", 2}, /* 90.510 */
      {"sbp", "Pa", "13398", 2}, /* 100.493 */
      {"sbp", "Pa", "13400", 1}, /* 100.508 */
      {"sbp", "Pa", "14731", 1}, /* 110.492 */
      {"sbp", "Pa", "14733", 0}, /* 110.507 */
      {"sbp", "Pa", "29264", 0}, /* 219.498 */
      {"sbp", "Pa", "29266", 3}, /* 219.513 */
      /* Pulse: 40 | 41-50 | 51-90 | 91-110 | 111-130 | 131. */
      {"hr", "beat/min", "40.4", 3},
      {"hr", "beat/min", "40.5", 1},
      {"hr", "beat/min", "50.4", 1},
      {"hr", "beat/min", "50.5", 0},
      {"hr", "beat/min", "90.4", 0},
      {"hr", "beat/min", "90.5", 1},
      {"hr", "beat/min", "110.4", 1},
      {"hr", "beat/min", "110.5", 2},
      {"hr", "beat/min", "130.4", 2},
      {"hr", "beat/min", "130.5", 3},
      {"hr", "1/min", "40", 3},
      {"hr", "1/min", "41", 1},
      {"hr", "1/min", "50", 1},
      {"hr", "1/min", "51", 0},
      {"hr", "1/min", "90", 0},
      {"hr", "1/min", "91", 1},
      {"hr", "1/min", "110", 1},
      {"hr", "1/min", "111", 2},
      {"hr", "1/min", "130", 2},
      {"hr", "1/min", "131", 3},
      /* Temperature: 35.0 | 35.1-36.0 | 36.1-38.0 | 38.1-39.0 | 39.1. */
      {"temp", "Cel", "35.04", 3},
      {"temp", "Cel", "35.05", 1},
      {"temp", "Cel", "36.04", 1},
      {"temp", "Cel", "36.05", 0},
      {"temp", "Cel", "38.04", 0},
      {"temp", "Cel", "38.05", 1},
      {"temp", "Cel", "39.04", 1},
      {"temp", "Cel", "39.05", 2},
      {"temp", "K", "308.15", 3},   /* 35.0 */
      {"temp", "K", "308.25", 1},   /* 35.1 */
      {"temp", "K", "309.15", 1},   /* 36.0 */
      {"temp", "K", "309.25", 0},   /* 36.1 */
      {"temp", "K", "311.15", 0},   /* 38.0 */
      {"temp", "K", "311.25", 1},   /* 38.1 */
      {"temp", "K", "312.15", 1},   /* 39.0 */
      {"temp", "K", "312.25", 2},   /* 39.1 */
      {"temp", "degF", "95", 3},    /* 35.0 */
      {"temp", "degF", "95.08", 3}, /* 35.044 */
      {"temp", "degF", "95.1", 1},  /* 35.056 */
      {"temp", "degF", "96.8", 1},  /* 36.0 */
      {"temp", "degF", "97", 0},    /* 36.111 */
      {"temp", "degF", "100.4", 0}, /* 38.0 */
      {"temp", "degF", "100.6", 1}, /* 38.111 */
      {"temp", "degF", "102.2", 1}, /* 39.0 */
      {"temp", "degF", "102.4", 2}, /* 39.111 */
  };

  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    double v = through_senml(rows[i].key, rows[i].unit, rows[i].v);
    int got = isnan(v) ? -1 : score_of(rows[i].key, v);
    if (got != rows[i].score)
      FAIL_AT("%s %s %s (%.6f canonical): score %d, want %d", rows[i].key,
              rows[i].v, rows[i].unit, v, got, rows[i].score);
  }
}

/* SpO2 on scale 2 at its precision too: 96.5 % on oxygen is charted 97. */
static void spo2_scale2_at_precision(void) {
  static const row_t air[] = {{83.4, 3}, {83.5, 2}, {85.4, 2},
                              {85.5, 1}, {87.4, 1}, {87.5, 0}};
  static const row_t oxygen[] = {{87.4, 1}, {87.5, 0}, {92.4, 0}, {92.5, 1},
                                 {94.4, 1}, {94.5, 2}, {96.4, 2}, {96.5, 3}};
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

/* A score as the scores table keeps it reads back as it was (H-CR5: the
 * band restored at start); an unknown band or component is refused. */
static void stored_score_reads_back(void) {
  wg_news2_obs_t o;
  wg_news2_t s, back;
  wg_news2_json_t j;

  memset(&o, 0, sizeof(o));
  o.present[WG_NEWS2_HR] = o.present[WG_NEWS2_SPO2] = true;
  o.hr = 135;
  o.spo2 = 91;
  wg_news2_score(&o, 1, &s);
  wg_news2_json(&s, "p-1", 0, 1, false, &j);
  ASSERT_EQ(wg_news2_from_stored(s.score, s.complete,
                                 wg_news2_band_name(s.band), j.components,
                                 &back),
            0);
  ASSERT_EQ(back.score, 6);
  ASSERT_EQ(back.band, WG_NEWS2_BAND_MEDIUM);
  ASSERT(!back.complete);
  ASSERT(memcmp(back.components, s.components, sizeof(s.components)) == 0);
  ASSERT_EQ(back.components[WG_NEWS2_O2], -1);
  ASSERT_EQ(wg_news2_from_stored(7, true, "high", "{\"rr\":3}", &back), 0);
  ASSERT_EQ(back.band, WG_NEWS2_BAND_HIGH);
  ASSERT_EQ(back.components[WG_NEWS2_RR], 3);
  ASSERT_EQ(wg_news2_from_stored(2, false, "purple", "{}", &back), -1);
  ASSERT_EQ(wg_news2_from_stored(2, false, "low", "{\"hr\":9}", &back), -1);
}

TEST_MAIN(T(respiration_rate), T(systolic_bp), T(pulse), T(temperature),
          T(spo2_scale1), T(spo2_scale2), T(chart_in_every_unit),
          T(spo2_scale2_at_precision), T(consciousness), T(aggregate_and_bands),
          T(every_parameter_at_worst), T(scale2_uses_oxygen),
          T(incomplete_sets), T(keys_and_names), T(stored_score_reads_back))
