/* SPDX-License-Identifier: MIT */
#include "news2.h"

#include <string.h>

static const char *const keys[WG_NEWS2_NPARAMS] = {"rr", "spo2",  "o2",  "sbp",
                                                   "hr", "acvpu", "temp"};

const char *wg_news2_key(wg_news2_param_t p) {
  return (unsigned)p < WG_NEWS2_NPARAMS ? keys[p] : "unknown";
}

int wg_news2_param(const char *key) {
  for (int i = 0; i < WG_NEWS2_NPARAMS; i++)
    if (strcmp(key, keys[i]) == 0)
      return i;
  return -1;
}

const char *wg_news2_band_name(wg_news2_band_t b) {
  static const char *const names[] = {"low", "low-medium", "medium", "high"};
  return (unsigned)b <= WG_NEWS2_BAND_HIGH ? names[b] : "unknown";
}

/* A chart row: the score of the first band whose upper bound holds. */
typedef struct band_s {
  double upto;
  int score;
} band_t;

#define INF 1e300

static int by_bands(double v, const band_t *b) {
  while (v > b->upto)
    b++;
  return b->score;
}

/* The RCP NEWS2 chart, row by row (values are the printed upper bounds). */
int wg_news2_rr(double rr) {
  static const band_t b[] = {{8, 3}, {11, 1}, {20, 0}, {24, 2}, {INF, 3}};
  return by_bands(rr, b);
}

int wg_news2_spo2(double spo2, int scale, bool on_oxygen) {
  static const band_t s1[] = {{91, 3}, {93, 2}, {95, 1}, {INF, 0}};
  static const band_t s2_air[] = {{83, 3}, {85, 2}, {87, 1}, {INF, 0}};
  static const band_t s2_o2[] = {{83, 3}, {85, 2}, {87, 1}, {92, 0},
                                 {94, 1}, {96, 2}, {INF, 3}};
  if (scale != 2)
    return by_bands(spo2, s1);
  return by_bands(spo2, on_oxygen ? s2_o2 : s2_air);
}

int wg_news2_sbp(double sbp) {
  static const band_t b[] = {{90, 3}, {100, 2}, {110, 1}, {219, 0}, {INF, 3}};
  return by_bands(sbp, b);
}

int wg_news2_hr(double hr) {
  static const band_t b[] = {{40, 3},  {50, 1},  {90, 0},
                             {110, 1}, {130, 2}, {INF, 3}};
  return by_bands(hr, b);
}

int wg_news2_temp(double temp) {
  static const band_t b[] = {
      {35.0, 3}, {36.0, 1}, {38.0, 0}, {39.0, 1}, {INF, 2}};
  return by_bands(temp, b);
}

/* Alert scores 0; new confusion, voice, pain or unresponsive score 3. */
int wg_news2_acvpu(char acvpu) { return acvpu == 'A' ? 0 : 3; }

void wg_news2_score(const wg_news2_obs_t *obs, int scale, wg_news2_t *out) {
  bool single3 = false;

  memset(out, 0, sizeof(*out));
  out->complete = true;
  for (int p = 0; p < WG_NEWS2_NPARAMS; p++) {
    int c;
    if (!obs->present[p]) {
      out->components[p] = -1;
      out->complete = false;
      continue;
    }
    switch ((wg_news2_param_t)p) {
    case WG_NEWS2_RR:
      c = wg_news2_rr(obs->rr);
      break;
    case WG_NEWS2_SPO2:
      c = wg_news2_spo2(obs->spo2, scale,
                        obs->present[WG_NEWS2_O2] && obs->on_oxygen);
      break;
    case WG_NEWS2_O2:
      c = obs->on_oxygen ? 2 : 0;
      break;
    case WG_NEWS2_SBP:
      c = wg_news2_sbp(obs->sbp);
      break;
    case WG_NEWS2_HR:
      c = wg_news2_hr(obs->hr);
      break;
    case WG_NEWS2_ACVPU:
      c = wg_news2_acvpu(obs->acvpu);
      break;
    default:
      c = wg_news2_temp(obs->temp);
      break;
    }
    out->components[p] = c;
    out->score += c;
    single3 |= c == 3;
  }
  if (out->score >= 7)
    out->band = WG_NEWS2_BAND_HIGH;
  else if (out->score >= 5)
    out->band = WG_NEWS2_BAND_MEDIUM;
  else if (single3)
    out->band = WG_NEWS2_BAND_LOW_MEDIUM;
  else
    out->band = WG_NEWS2_BAND_LOW;
}
