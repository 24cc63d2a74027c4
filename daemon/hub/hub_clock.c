/* SPDX-License-Identifier: MIT */
/*
 * The hub's watch over the box's clock (hub/clocksync.h): read on a timer,
 * said in the journal, reported on the errors topic once it has stayed
 * unsynchronised for clock_sync_grace_min; the status shows it; the owner
 * is told whether the clock_unsynchronized alert is to be open.
 */
#include <stdio.h>

#include "hub/hub.h"
#include "hub/hub_internal.h"
#include "wardgate/log.h"

/* Read at least this often. */
#define HUB_CLOCK_PERIOD_MS 60000

static double hub_clock_now(const wg_hub_t *h) {
  return (double)uv_now(h->loop) / 1000.0;
}

static void hub_clock_check(wg_hub_t *h) {
  wg_clock_alert_t alert;
  char reason[256];

  switch (wg_clock_watch_step(&h->clock, hub_clock_now(h), wg_clock_read())) {
  case WG_CLOCK_SYNCED:
    wg_log(LOG_NOTICE, "hub: the system clock is synchronised");
    break;
  case WG_CLOCK_LOST:
    wg_log(LOG_WARNING, "hub: the system clock is no longer synchronised");
    break;
  case WG_CLOCK_REPORT:
    snprintf(reason, sizeof(reason),
             "the system clock has not been synchronised (NTP) for %.0f s%s: "
             "the times this gateway stamps may be wrong",
             hub_clock_now(h) - h->clock.unsynced_since,
             h->clock.ever_synced ? "" : " since the start");
    wg_log(LOG_ERR, "hub: %s", reason);
    hub__report_error(h, "mqtt", "", "clock", reason);
    break;
  case WG_CLOCK_NOTHING:
    break;
  }
  alert = wg_clock_watch_alert(&h->clock);
  if (alert != WG_CLOCK_ALERT_KEEP && h->cbs != NULL && h->cbs->clock != NULL)
    h->cbs->clock(h, alert == WG_CLOCK_ALERT_RAISE,
                  hub_clock_now(h) - h->clock.unsynced_since,
                  !h->clock.ever_synced);
}

static void hub_clock_cb(uv_timer_t *t) { hub_clock_check(t->data); }

void hub__clock_start(wg_hub_t *h) {
  double grace_ms = h->cfg->clock_sync_grace_min * 60000.0;
  uint64_t period = grace_ms < HUB_CLOCK_PERIOD_MS ? (uint64_t)grace_ms + 1
                                                   : HUB_CLOCK_PERIOD_MS;

  wg_clock_watch_init(&h->clock, grace_ms / 1000.0, hub_clock_now(h));
  uv_timer_init(h->loop, &h->clock_timer);
  h->clock_timer.data = h;
  hub_clock_check(h);
  uv_timer_start(&h->clock_timer, hub_clock_cb, period, period);
}

bool wg_hub_clock_synchronized(const wg_hub_t *h) {
  return h->clock.known && h->clock.synced;
}

bool wg_hub_clock_ever_synced(const wg_hub_t *h) {
  return h->clock.ever_synced;
}
