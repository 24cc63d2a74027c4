/* SPDX-License-Identifier: MIT */
/*
 * NEWS2, the Royal College of Physicians' National Early Warning Score 2
 * (2017). Pure: observations in, score out.
 */
#ifndef WG_NEWS2_H
#define WG_NEWS2_H

#include <stdbool.h>

/* The seven parameters, in the chart's order. */
typedef enum {
  WG_NEWS2_RR,
  WG_NEWS2_SPO2,
  WG_NEWS2_O2, /* air or oxygen */
  WG_NEWS2_SBP,
  WG_NEWS2_HR,
  WG_NEWS2_ACVPU,
  WG_NEWS2_TEMP,
  WG_NEWS2_NPARAMS
} wg_news2_param_t;

/* The reading key of a parameter ("rr", "spo2", ...), and back (-1). */
const char *wg_news2_key(wg_news2_param_t p);
int wg_news2_param(const char *key);

typedef enum {
  WG_NEWS2_BAND_LOW,        /* 0-4 */
  WG_NEWS2_BAND_LOW_MEDIUM, /* 0-4 with a 3 in one parameter */
  WG_NEWS2_BAND_MEDIUM,     /* 5-6 */
  WG_NEWS2_BAND_HIGH        /* 7 or more */
} wg_news2_band_t;

/* "low", "low-medium", "medium", "high". */
const char *wg_news2_band_name(wg_news2_band_t b);

/* One set of observations; a parameter without `present` is missing. */
typedef struct wg_news2_obs_s {
  bool present[WG_NEWS2_NPARAMS];
  double rr, spo2, sbp, hr, temp; /* canonical units */
  bool on_oxygen;
  char acvpu; /* 'A', 'C', 'V', 'P' or 'U' */
} wg_news2_obs_t;

typedef struct wg_news2_s {
  int score;                        /* of the parameters present */
  int components[WG_NEWS2_NPARAMS]; /* -1 where missing */
  bool complete;
  wg_news2_band_t band;
  /* DESIGN.md section 8 "Time": the set's newest component was received
   * after the NEWS2 fresh limit (late), or the whole set is older than the
   * newest readings of the patient (retrospective, scored on its own);
   * then measured_at is that component's measurement time. Not part of
   * the score: wg_news2_score() leaves them false, the caller sets them. */
  bool late;
  bool retrospective;
  double measured_at;
} wg_news2_t;

/*
 * Score @obs on SpO2 scale @scale (1, or 2 for a prescribed target of
 * 88-92 %). Each chart row is applied as its printed upper bounds: a value
 * scores in the first band whose upper bound it does not exceed, so a value
 * between two printed bands (rr 11.5, temperature 36.05) scores in the
 * higher one (rr 11.5 as 12-20). On scale 2 with the air/oxygen parameter
 * missing, SpO2 is scored as on air, and the set is incomplete.
 */
void wg_news2_score(const wg_news2_obs_t *obs, int scale, wg_news2_t *out);

/*
 * The JSON of score @s: its components ({"rr":3,...}) and missing keys
 * (["o2",...]) as the `scores` table keeps them, and the news2 message of
 * DESIGN.md section 7 for @patient at @ts on scale @scale; a late or
 * retrospective set's message ends with "late":true, "retrospective":true
 * (when it is) and "measured_at" (additive, 2026-12-06). Written
 * directly, without a JSON library: every key comes from a fixed set and
 * patient ids are plain ([A-Za-z0-9_.-]).
 */
typedef struct wg_news2_json_s {
  char components[160];
  char missing[96];
  char message[512];
} wg_news2_json_t;

/* Fills out->components and out->missing; out->message only if @message. */
void wg_news2_json(const wg_news2_t *s, const char *patient, double ts,
                   int scale, bool message, wg_news2_json_t *out);

/*
 * Score @score with @complete, band @band ("low" ... "high") and the
 * components JSON @components ({"rr":3,...}) as the `scores` table keeps
 * them, back into *@out; a parameter not in @components is missing.
 * Returns 0, or -1 for a band or a component it does not know (then *@out
 * is not to be used).
 */
int wg_news2_from_stored(int score, bool complete, const char *band,
                         const char *components, wg_news2_t *out);

/* Component scores, each for one parameter. */
int wg_news2_rr(double rr);
int wg_news2_spo2(double spo2, int scale, bool on_oxygen);
int wg_news2_sbp(double sbp);
int wg_news2_hr(double hr);
int wg_news2_temp(double temp);
int wg_news2_acvpu(char acvpu);

/*
 * The news2 messages of one patient (DESIGN.md section 8): a score goes out
 * at once when the band or the completeness changes or a parameter newly
 * scores 3; any other change waits, so that at most one message per
 * interval carries the latest score. An unchanged score is not sent again.
 */
typedef struct wg_news2_pub_s {
  bool any; /* a score was published: @last at @at */
  wg_news2_t last;
  double at;
  bool held; /* @pending, computed at @pending_ts, waits */
  wg_news2_t pending;
  double pending_ts;
} wg_news2_pub_t;

/*
 * Offer score @s, computed at @now. Returns true when it is to be published
 * now (it becomes the last published); otherwise a change is held, and
 * wg_news2_pub_deadline() says when it is due. @interval_s 0 sends every
 * change at once.
 */
bool wg_news2_pub_offer(wg_news2_pub_t *pub, const wg_news2_t *s, double now,
                        double interval_s);

/* When the held score is due, or 0 when none is held. */
double wg_news2_pub_deadline(const wg_news2_pub_t *pub, double interval_s);

/* Take the held score, published at @now: *s and the time it was computed
 * in *ts. */
void wg_news2_pub_take(wg_news2_pub_t *pub, double now, wg_news2_t *s,
                       double *ts);

#endif
