/* SPDX-License-Identifier: MIT */
/*
 * A back-filled NEWS2 set (DESIGN.md section 8 "Time"): components older
 * than the newest the patient already has (a cuff and an oximeter syncing
 * the morning's round in the afternoon) never replace the current set,
 * and the current set's rule never sees them. They are gathered here, per
 * patient, over a group commit, and scored on their own at their own
 * time: a score marked retrospective (and late when it came after the
 * NEWS2 fresh limit), with no alert verdict, so that it never clears or
 * raises the patient's current NEWS2 alert. Pure.
 */
#ifndef WG_NEWS2_PAST_H
#define WG_NEWS2_PAST_H

#include <stdbool.h>

#include "clinic/news2.h"
#include "clinic/rules.h"
#include "core/config.h"
#include "wardgate/reading.h"

/* One patient's retrospective components, the newest of each. */
typedef struct wg_news2_past_s {
  char patient[WG_ID_MAX + 1];
  wg_news2_latest_t v[WG_NEWS2_NPARAMS];
} wg_news2_past_t;

/*
 * Whether @r, a reading of a NEWS2 parameter whose newest value the
 * patient's rule state holds in @newest, is retrospective: measured
 * before it (a future time counting as its receipt, as for the latest
 * value).
 */
bool wg_news2_past_is(const wg_news2_latest_t *newest, const wg_reading_t *r);

/* Keep @r, of parameter @param, in @past if it is the newest of its kind
 * there. */
void wg_news2_past_add(wg_news2_past_t *past, int param, const wg_reading_t *r);

/*
 * The set held in @past scored into @out on SpO2 scale @scale, anchored on
 * its newest component, with the components measured within @window_s
 * before it: retrospective, late when that component was received more
 * than the NEWS2 fresh limit after it was measured, measured_at its time.
 * Returns false when @past holds nothing. @past is emptied.
 */
bool wg_news2_past_score(wg_news2_past_t *past, int scale, double window_s,
                         wg_news2_t *out);

#endif
