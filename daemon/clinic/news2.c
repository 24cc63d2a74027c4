/* SPDX-License-Identifier: MIT */
#include "clinic/news2.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const keys[WG_NEWS2_NPARAMS] = {"rr", "spo2",  "o2",  "sbp",
                                                   "hr", "acvpu", "temp"};

const char *wg_news2_key(wg_news2_param_t p) {
  return (unsigned)p < WG_NEWS2_NPARAMS ? keys[p] : "unknown";
}

int wg_news2_param(const char *key) {
  for (int i = 0; i < WG_NEWS2_NPARAMS; i++)
    if (key[0] == keys[i][0] && strcmp(key, keys[i]) == 0)
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

static int news2_by_bands(double v, const band_t *b) {
  while (v > b->upto)
    b++;
  return b->score;
}

/*
 * @v as the chart records it: to the nearest 1/@per (whole breaths, %,
 * mmHg and beats; 0.1 degrees C), half up. A value converted from another
 * unit is scored as it would be charted: 12 kPa is 90.007 mmHg, charted 90,
 * not a hair above the band that ends at 90. The margin absorbs the binary
 * error of a decimal half (38.05 is 38.04999... as a double).
 */
static double news2_charted(double v, double per) {
  return floor(v * per + 0.5 + 1e-9) / per;
}

/* The RCP NEWS2 chart, row by row (values are the printed upper bounds). */
int wg_news2_rr(double rr) {
  static const band_t b[] = {{8, 3}, {11, 1}, {20, 0}, {24, 2}, {INF, 3}};
  return news2_by_bands(news2_charted(rr, 1), b);
}

int wg_news2_spo2(double spo2, int scale, bool on_oxygen) {
  static const band_t s1[] = {{91, 3}, {93, 2}, {95, 1}, {INF, 0}};
  static const band_t s2_air[] = {{83, 3}, {85, 2}, {87, 1}, {INF, 0}};
  static const band_t s2_o2[] = {{83, 3}, {85, 2}, {87, 1}, {92, 0},
                                 {94, 1}, {96, 2}, {INF, 3}};
  spo2 = news2_charted(spo2, 1);
  if (scale != 2)
    return news2_by_bands(spo2, s1);
  return news2_by_bands(spo2, on_oxygen ? s2_o2 : s2_air);
}

int wg_news2_sbp(double sbp) {
  static const band_t b[] = {{90, 3}, {100, 2}, {110, 1}, {219, 0}, {INF, 3}};
  return news2_by_bands(news2_charted(sbp, 1), b);
}

int wg_news2_hr(double hr) {
  static const band_t b[] = {{40, 3},  {50, 1},  {90, 0},
                             {110, 1}, {130, 2}, {INF, 3}};
  return news2_by_bands(news2_charted(hr, 1), b);
}

int wg_news2_temp(double temp) {
  static const band_t b[] = {
      {35.0, 3}, {36.0, 1}, {38.0, 0}, {39.0, 1}, {INF, 2}};
  return news2_by_bands(news2_charted(temp, 10), b);
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

static size_t news2_put_str(char *out, size_t at, const char *s) {
  size_t n = strlen(s);
  memcpy(out + at, s, n + 1);
  return at + n;
}

void wg_news2_json(const wg_news2_t *s, const char *patient, double ts,
                   int scale, bool message, wg_news2_json_t *out) {
  size_t c = news2_put_str(out->components, 0, "{");
  size_t m = news2_put_str(out->missing, 0, "[");
  char when[96] = "";

  /* Both buffers hold all seven keys with their quotes and digits. */
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    const char *key = keys[k];
    int v = s->components[k];
    if (v < 0) {
      m = news2_put_str(out->missing, m, m > 1 ? ",\"" : "\"");
      m = news2_put_str(out->missing, m, key);
      m = news2_put_str(out->missing, m, "\"");
    } else {
      char digit[4] = {'"', ':', (char)('0' + v), '\0'};
      c = news2_put_str(out->components, c, c > 1 ? ",\"" : "\"");
      c = news2_put_str(out->components, c, key);
      c = news2_put_str(out->components, c, digit);
    }
  }
  news2_put_str(out->components, c, "}");
  news2_put_str(out->missing, m, "]");
  if (!message)
    return;
  if (s->late || s->retrospective)
    snprintf(when, sizeof(when), ",\"late\":%s%s,\"measured_at\":%.6f",
             s->late ? "true" : "false",
             s->retrospective ? ",\"retrospective\":true" : "", s->measured_at);
  snprintf(out->message, sizeof(out->message),
           "{\"patient\":\"%s\",\"ts\":%.6f,\"score\":%d,\"scale\":%d,"
           "\"complete\":%s,\"missing\":%s,\"components\":%s,\"band\":"
           "\"%s\"%s}",
           patient, ts, s->score, scale, s->complete ? "true" : "false",
           out->missing, out->components, wg_news2_band_name(s->band), when);
}

int wg_news2_from_stored(int score, bool complete, const char *band,
                         const char *components, wg_news2_t *out) {
  int b = WG_NEWS2_BAND_LOW;

  memset(out, 0, sizeof(*out));
  while (b <= WG_NEWS2_BAND_HIGH &&
         strcmp(band, wg_news2_band_name((wg_news2_band_t)b)) != 0)
    b++;
  if (b > WG_NEWS2_BAND_HIGH || score < 0)
    return -1;
  out->score = score;
  out->complete = complete;
  out->band = (wg_news2_band_t)b;
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    char quoted[16];
    const char *at;

    snprintf(quoted, sizeof(quoted), "\"%s\":", keys[k]);
    out->components[k] = -1;
    if ((at = strstr(components, quoted)) == NULL)
      continue;
    at += strlen(quoted);
    if (*at < '0' || *at > '3')
      return -1;
    out->components[k] = *at - '0';
  }
  return 0;
}

static bool news2_same_score(const wg_news2_t *a, const wg_news2_t *b) {
  return a->score == b->score && a->complete == b->complete &&
         memcmp(a->components, b->components, sizeof(a->components)) == 0;
}

/* A change the hub must hear of at once. */
static bool news2_urgent_change(const wg_news2_t *last, const wg_news2_t *s) {
  if (s->band != last->band || s->complete != last->complete)
    return true;
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (s->components[k] == 3 && last->components[k] != 3)
      return true;
  return false;
}

bool wg_news2_pub_offer(wg_news2_pub_t *pub, const wg_news2_t *s, double now,
                        double interval_s) {
  if (pub->any && news2_same_score(&pub->last, s)) {
    pub->held = false; /* back to what the hub has: nothing to send */
    return false;
  }
  if (!pub->any || news2_urgent_change(&pub->last, s) ||
      now >= pub->at + interval_s) {
    pub->any = true;
    pub->last = *s;
    pub->at = now;
    pub->held = false;
    return true;
  }
  pub->held = true;
  pub->pending = *s;
  pub->pending_ts = now;
  return false;
}

double wg_news2_pub_deadline(const wg_news2_pub_t *pub, double interval_s) {
  return pub->held ? pub->at + interval_s : 0;
}

void wg_news2_pub_take(wg_news2_pub_t *pub, double now, wg_news2_t *s,
                       double *ts) {
  *s = pub->pending;
  *ts = pub->pending_ts;
  pub->last = pub->pending;
  pub->at = now;
  pub->held = false;
}
