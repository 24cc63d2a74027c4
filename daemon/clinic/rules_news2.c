/* SPDX-License-Identifier: MIT */
/*
 * The NEWS2 rule: the set of the latest observations scored, the response
 * tier of RCP chart 4 it falls in, and the one NEWS2 alert it raises,
 * updates and clears (DESIGN.md section 8). The per-reading rules are in
 * rules.c, the timed ones in rules_timed.c.
 */
#include "clinic/rules.h"
#include "clinic/rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/text.h"

/*
 * A NEWS2 set is anchored on its newest component (DESIGN.md section 8
 * "Time"). When that component came late (received more than the NEWS2
 * fresh limit after it was measured) the set is scored at its own time,
 * with the window before it, and marked late: a complete set measured two
 * hours ago and synced now is its score, not "all missing".
 */
static double rules_news2_anchor(const wg_rule_state_t *st, double *rt) {
  double anchor = 0;

  *rt = 0;
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (st->news2[k].present && st->news2[k].ts > anchor) {
      anchor = st->news2[k].ts;
      *rt = st->news2[k].rt;
    }
  return anchor;
}

/* The keys of the parameters in @mask, ", "-separated, into @out. */
static void rules_news2_keys(unsigned mask, char *out, size_t size) {
  out[0] = '\0';
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (mask & (1u << k)) {
      size_t len = strlen(out);
      snprintf(out + len, size - len, "%s%s", len ? ", " : "",
               wg_news2_key((wg_news2_param_t)k));
    }
}

/* The observations of @st measured at or after @oldest into @obs; the
 * parameters present in *@present, those older in *@aged. */
static void rules_news2_obs(const wg_rule_state_t *st, double oldest,
                            wg_news2_obs_t *obs, unsigned *present,
                            unsigned *aged) {
  memset(obs, 0, sizeof(*obs));
  *present = *aged = 0;
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    const wg_news2_latest_t *l = &st->news2[k];
    if (!l->present)
      continue;
    if (l->ts < oldest) {
      *aged |= 1u << k;
      continue;
    }
    *present |= 1u << k;
    obs->present[k] = true;
    switch ((wg_news2_param_t)k) {
    case WG_NEWS2_RR:
      obs->rr = l->value;
      break;
    case WG_NEWS2_SPO2:
      obs->spo2 = l->value;
      break;
    case WG_NEWS2_O2:
      obs->on_oxygen = l->vb;
      break;
    case WG_NEWS2_SBP:
      obs->sbp = l->value;
      break;
    case WG_NEWS2_HR:
      obs->hr = l->value;
      break;
    case WG_NEWS2_ACVPU:
      obs->acvpu = l->vs;
      break;
    default:
      obs->temp = l->value;
      break;
    }
  }
}

/* The summary of verdict @v on @score (@below the tiers that raise), whose
 * parameters in @lost aged out of the window: "NEWS2 5 (medium,
 * incomplete: o2 aged out): spo2 3, o2 2". */
static void rules_news2_summary(wg_verdict_t *v, const wg_news2_t *score,
                                unsigned lost, bool below) {
  char parts[128] = "", why[96] = "", keys[64], text[320];

  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (score->components[k] > 0) {
      size_t len = strlen(parts);
      snprintf(parts + len, sizeof(parts) - len, "%s%s %d", len ? ", " : "",
               wg_news2_key((wg_news2_param_t)k), score->components[k]);
    }
  if (lost) {
    rules_news2_keys(lost, keys, sizeof(keys));
    snprintf(why, sizeof(why), ", incomplete: %s aged out", keys);
  } else if (!score->complete) {
    snprintf(why, sizeof(why), ", incomplete");
  }
  /* Printed whole, then cut to fit, as every summary is. */
  if (v->kind == WG_VERDICT_CLEAR)
    snprintf(text, sizeof(text), "NEWS2 %d (%s): two fresh sets below the band",
             score->score, wg_news2_band_name(score->band));
  else if (v->keeps_severity && below)
    snprintf(text, sizeof(text),
             "NEWS2 %d (%s%s): not cleared until fresh sets hold them",
             score->score, wg_news2_band_name(score->band), why);
  else
    snprintf(text, sizeof(text), "NEWS2 %d (%s%s): %s", score->score,
             wg_news2_band_name(score->band), why, parts);
  wg_copy(v->summary, sizeof(v->summary), text);
}

int wg_rules_news2_tier(const wg_patient_t *p, const wg_news2_t *s) {
  switch (s->band) {
  case WG_NEWS2_BAND_HIGH:
    return WG_SEV_EMERGENCY;
  case WG_NEWS2_BAND_MEDIUM:
    return WG_SEV_MEDIUM;
  case WG_NEWS2_BAND_LOW_MEDIUM:
    return p->news2_single3_low ? WG_SEV_LOW : WG_SEV_MEDIUM;
  default:
    return s->score > 0 && !p->news2_1_4_none ? WG_SEV_LOW : -1;
  }
}

bool wg_rules_news2(const wg_patient_t *p, wg_rule_state_t *st, double now,
                    wg_news2_t *score, wg_verdict_t *v, bool *has_verdict) {
  double anchor_rt, anchor = rules_news2_anchor(st, &anchor_rt);
  bool late =
      anchor > 0 && anchor_rt - anchor > wg_rules_fresh_limit_s(WG_RULE_NEWS2);
  double at = late ? anchor : now;
  bool fresh = !late && anchor > st->news2_anchor;
  wg_news2_obs_t obs;
  wg_news2_t prev;
  unsigned present, aged, lost = 0;
  bool changed, alert;
  int tier;

  *has_verdict = false;
  /* A late set never replaces a newer one. */
  if (late && st->news2_scored && anchor < st->news2_anchor)
    return false;
  rules_news2_obs(st, at - p->news2_window_min * 60.0, &obs, &present, &aged);
  wg_news2_score(&obs, p->news2_scale, score);
  changed = !st->news2_scored || score->score != st->news2_last.score ||
            score->complete != st->news2_last.complete ||
            memcmp(score->components, st->news2_last.components,
                   sizeof(score->components)) != 0;
  prev = st->news2_last;
  st->news2_scored = true;
  st->news2_last = *score;
  st->news2_anchor = anchor;

  /* The tier of RCP chart 4 the set falls in; below the lowest that
   * raises is "below the band", which two fresh sets clear. */
  tier = wg_rules_news2_tier(p, score);
  alert = tier >= 0;
  memset(v, 0, sizeof(*v));
  if (!st->news2_alert) {
    if (!alert)
      return changed;
    st->news2_keys = present;
    st->news2_below = 0;
  } else {
    /* Restored at start: what the replayed window holds. */
    if (st->news2_keys == 0)
      st->news2_keys = present | aged;
    lost = st->news2_keys & aged;
    if (alert) {
      st->news2_keys |= present;
      st->news2_below = 0;
      if (!changed)
        return false;
      /* A set that lacks a parameter the alert's sets held can show a
       * deterioration, never a recovery: the severity may rise, not fall
       * (a 7 whose other parameters aged out is not a 2). */
      v->keeps_severity = lost != 0;
    } else if (late) {
      /* A late set describes the past: it never clears a current alert,
       * and the next fresh set is weighed against the one that raised it. */
      st->news2_last = prev;
      return true;
    } else if (lost) {
      /* Ageing is no recovery: the alert stands, and says why its set is
       * incomplete, at once when that is new. */
      st->news2_below = 0;
      if (!changed)
        return false;
      v->kind = WG_VERDICT_RAISE;
      v->keeps_severity = true;
      v->graded = lost == st->news2_lost;
      v->grade = score->score;
    } else if (!fresh) {
      return changed;
    } else {
      if (st->news2_below++ == 0)
        st->news2_below_from = at;
      /* Two fresh sets in a row below the tiers that raise; for an alert
       * last in the 1-4 tier, spanning its 4-hourly interval. */
      if (st->news2_below < 2 ||
          (st->news2_tier == WG_SEV_LOW &&
           at - st->news2_below_from < WG_RULES_NEWS2_LOW_CLEAR_S))
        return changed;
      v->kind = WG_VERDICT_CLEAR;
    }
  }
  st->news2_lost = lost;
  v->rule = WG_RULE_NEWS2;
  snprintf(v->key, sizeof(v->key), "news2");
  v->severity = alert ? (wg_severity_t)tier : WG_SEV_LOW;
  if (alert) {
    st->news2_tier = tier;
    v->kind = WG_VERDICT_RAISE;
    v->graded = true;
    v->grade = score->score;
  }
  rules_news2_summary(v, score, lost, !alert);
  if (v->kind == WG_VERDICT_CLEAR) {
    st->news2_alert = false;
    st->news2_keys = st->news2_lost = st->news2_below = 0;
  } else {
    st->news2_alert = true;
  }
  if (late) {
    char when[sizeof(v->summary)];
    time_t tt = (time_t)floor(anchor);
    struct tm tm;

    localtime_r(&tt, &tm);
    strftime(when, sizeof(when), "%H:%M", &tm);
    size_t len = strlen(v->summary);
    snprintf(v->summary + len, sizeof(v->summary) - len,
             "; set measured at %s, reported %g min late", when,
             floor((anchor_rt - anchor) / 60.0));
  }
  v->late = late;
  snprintf(v->evidence.n, sizeof(v->evidence.n), "news2");
  v->evidence.v = score->score;
  v->evidence.t = at;
  v->evidence.rt = late ? anchor_rt : now;
  v->evidence.flags = WG_READING_HAS_VALUE;
  *has_verdict = true;
  return changed;
}
