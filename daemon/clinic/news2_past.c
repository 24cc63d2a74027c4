/* SPDX-License-Identifier: MIT */
#include "clinic/news2_past.h"

#include <string.h>

bool wg_news2_past_is(const wg_news2_latest_t *newest, const wg_reading_t *r) {
  /* The rule keeps a reading of the same time as the newest (it replaces
   * it): only an older one is the past. */
  return newest->present && wg_rules_effective_t(r) < newest->ts;
}

void wg_news2_past_add(wg_news2_past_t *past, int param,
                       const wg_reading_t *r) {
  if (param >= 0 && param < WG_NEWS2_NPARAMS)
    wg_rules_news2_keep(&past->v[param], r);
}

bool wg_news2_past_score(wg_news2_past_t *past, int scale, double window_s,
                         wg_news2_t *out) {
  double anchor = 0, rt = 0;
  wg_news2_obs_t obs;

  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    if (past->v[k].present && past->v[k].ts > anchor) {
      anchor = past->v[k].ts;
      rt = past->v[k].rt;
    }
  if (anchor == 0)
    return false;
  memset(&obs, 0, sizeof(obs));
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    const wg_news2_latest_t *l = &past->v[k];
    if (!l->present || l->ts < anchor - window_s)
      continue;
    obs.present[k] = true;
    switch ((wg_news2_param_t)k) {
    case WG_NEWS2_RR:
      obs.rr = l->value;
      break;
    case WG_NEWS2_SPO2:
      obs.spo2 = l->value;
      break;
    case WG_NEWS2_O2:
      obs.on_oxygen = l->vb;
      break;
    case WG_NEWS2_SBP:
      obs.sbp = l->value;
      break;
    case WG_NEWS2_HR:
      obs.hr = l->value;
      break;
    case WG_NEWS2_ACVPU:
      obs.acvpu = l->vs;
      break;
    default:
      obs.temp = l->value;
      break;
    }
  }
  wg_news2_score(&obs, scale, out);
  out->retrospective = true;
  out->late = rt - anchor > wg_rules_fresh_limit_s(WG_RULE_NEWS2);
  out->measured_at = anchor;
  memset(past->v, 0, sizeof(past->v));
  return true;
}
