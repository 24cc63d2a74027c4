/* SPDX-License-Identifier: MIT */
/*
 * A patient's NEWS2 response (DESIGN.md section 8, 2026-12-06): which
 * alert each tier of RCP chart 4 raises. The two lower tiers are the
 * deploying organisation's choice; the upper two are fixed.
 *
 *   "news2": {"response": {"score_1_4": "low" | "none",
 *                          "single_3": "medium" | "low"}}
 *
 * Aggregate 5-6 is always `medium` and 7 or more `emergency`; aggregate 0
 * raises nothing. The defaults and why they are what they are:
 * docs/clinical-safety.md section 2.3.
 */
#include <string.h>

#include "core/config_internal.h"

void config__news2_response(wg_conf_t *c, const char *path, const cJSON *news2,
                            wg_patient_t *p) {
  static const char *const keys[] = {"score_1_4", "single_3", NULL};
  /* The choices are the chart's: 1-4 asks a registered nurse to assess
   * (a prompt, or nothing where the ward's round does it); a single 3
   * asks for an urgent ward-based response, never for nothing. */
  static const char *const low[] = {"low", "none", NULL};
  static const char *const single3[] = {"medium", "low", NULL};
  const cJSON *r;
  char sub[WG_CONF_PATH_MAX];

  p->news2_1_4_none = false;
  p->news2_single3_low = false;
  if (news2 == NULL ||
      (r = cJSON_GetObjectItemCaseSensitive(news2, "response")) == NULL)
    return;
  wg_conf_join(sub, path, "response");
  if (!wg_conf_object(c, sub, r, keys))
    return;
  p->news2_1_4_none =
      wg_conf_choice(c, sub, r, "score_1_4", 0, low, false) == 1;
  p->news2_single3_low =
      wg_conf_choice(c, sub, r, "single_3", 0, single3, false) == 1;
}
