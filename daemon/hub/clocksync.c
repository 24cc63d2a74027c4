/* SPDX-License-Identifier: MIT */
#include "hub/clocksync.h"

#include <string.h>
#include <sys/timex.h>

bool wg_clock_judge(int state, int status, long maxerror_us) {
  return state >= 0 && state != TIME_ERROR && (status & STA_UNSYNC) == 0 &&
         maxerror_us >= 0 && maxerror_us < WG_CLOCK_MAXERROR_US;
}

void wg_clock_watch_init(wg_clock_watch_t *w, double grace_s, double now) {
  memset(w, 0, sizeof(*w));
  w->grace_s = grace_s;
  w->started = now;
  w->unsynced_since = now;
}

wg_clock_event_t wg_clock_watch_step(wg_clock_watch_t *w, double now,
                                     bool synced) {
  bool was_known = w->known, was_synced = w->synced;

  w->known = true;
  w->synced = synced;
  if (synced) {
    w->reported = false;
    w->ever_synced = true;
    /* Found synchronised at the first look: nothing to say. */
    return was_known && !was_synced ? WG_CLOCK_SYNCED : WG_CLOCK_NOTHING;
  }
  if (was_known && was_synced) {
    w->unsynced_since = now;
    return WG_CLOCK_LOST;
  }
  /* Unsynchronised since the start or the loss: said once after the
   * grace. */
  if (!w->reported && now - w->unsynced_since >= w->grace_s) {
    w->reported = true;
    return WG_CLOCK_REPORT;
  }
  return WG_CLOCK_NOTHING;
}

wg_clock_alert_t wg_clock_watch_alert(const wg_clock_watch_t *w) {
  if (!w->known)
    return WG_CLOCK_ALERT_KEEP;
  if (w->synced)
    return WG_CLOCK_ALERT_CLEAR;
  return w->reported ? WG_CLOCK_ALERT_RAISE : WG_CLOCK_ALERT_KEEP;
}

bool wg_clock_read(void) {
  struct timex tx;
  int state;

  memset(&tx, 0, sizeof(tx)); /* modes 0: read only, no privilege */
  state = adjtimex(&tx);
  return wg_clock_judge(state, tx.status, tx.maxerror);
}
