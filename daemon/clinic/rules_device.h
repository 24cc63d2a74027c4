/* SPDX-License-Identifier: MIT */
/*
 * device_refused: a configured device whose packs keep being refused (its
 * clock reset to before 2020 or running ahead, a record out of range, a
 * key or transport it may not use) is sending data that never reaches the
 * patient's record. The error report on the errors topic is rate-limited
 * and no clinician watches it, so the rule raises a technical alert to the
 * hub (DESIGN.md section 7 rule list, extended; issue 26 "Build it" 4).
 * Pure: a pack's outcome and the time in, a verdict out.
 */
#ifndef WG_RULES_DEVICE_H
#define WG_RULES_DEVICE_H

#include <stdbool.h>

#include "clinic/rules.h"
#include "core/config.h"

/* Raised at this many packs in a row refused; cleared at this many in a
 * row taken (hysteresis: a device that alternates does not flap). */
#define WG_DEVICE_REFUSED_AFTER 3
#define WG_DEVICE_REFUSED_CLEAR 2

/* One device's run of refused or taken packs. */
typedef struct wg_device_refusals_s {
  char device[WG_ID_MAX + 1];
  unsigned refused;  /* packs in a row refused */
  unsigned accepted; /* packs in a row taken since the last refusal */
  bool active;       /* its alert is open */
} wg_device_refusals_t;

/*
 * One pack of @st's device at @now: refused for @refusal, or taken (NULL).
 * Returns true with *@v to apply: RAISE (low) at the WG_DEVICE_REFUSED_AFTER
 * refusal in a row, its summary naming the last reason (and a clock that
 * looks wrong); CLEAR at the WG_DEVICE_REFUSED_CLEAR pack in a row taken
 * while it is open. Nothing in between: a device refused at 1 Hz raises
 * one alert, not an update a second.
 */
bool wg_rules_device_pack(wg_device_refusals_t *st, const char *refusal,
                          double now, wg_verdict_t *v);

/* After a restart: its alert is open (so taken packs clear it). */
void wg_rules_device_restore_open(wg_device_refusals_t *st);

#endif
