/* SPDX-License-Identifier: MIT */
/*
 * Per-device quotas (issue #29): packs a minute and records under other
 * keys (not in DESIGN.md section 5's table, stored as they come, never
 * scored) a day, so that one device, or whoever holds its credentials,
 * cannot fill the box's disk or hold up the loop.
 *
 * A pack counts in the minute (and its other records in the UTC day) of
 * its newest reading, not of its receipt: a backlog the home broker kept
 * while the daemon restarted arrives at once, but was measured at the
 * device's normal rate, and must never be refused for arriving together,
 * in whichever order the device sends it (oldest or newest first). The
 * last WG_QUOTA_SLOTS minutes and days a device used are counted apart; a
 * pack dated ahead of its receipt counts at its receipt.
 *
 * Dates are the device's word, so they alone bound nothing: a device that
 * dates each pack in another minute of the retention window would never
 * fill one. What it may send in one UTC day of receipt is bounded too:
 * twice a day at the full quota (a day's backlog and the live day), so
 * that the dates buy at most that.
 *
 * Pure: the time is a parameter (a fake clock in the tests).
 */
#ifndef WG_QUOTA_H
#define WG_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Devices remembered at once; past it the one idle longest is forgotten
 * (only unknown_devices "accept" can bring so many). */
#define WG_QUOTA_DEVICES_MAX 4096

/* Minutes (and days) counted apart per device: a backlog and the live
 * readings interleave in two, a backlog over midnight in three. */
#define WG_QUOTA_SLOTS 4

/* Days at the full quota a device may send in one UTC day of receipt. */
#define WG_QUOTA_RECEIPT_DAYS 2

/* A device over its quota is reported as back within it once it has sent
 * an accepted pack this long after its last refused one: an alert that
 * clears and comes back every minute would be noise at the hub. */
#define WG_QUOTA_CLEAR_S 3600.0

/* What a check means for the device's technical alert (raised once while
 * open: the clinic keeps it to one alert). */
typedef enum {
  WG_QUOTA_NONE,     /* nothing new */
  WG_QUOTA_EXCEEDED, /* refused */
  /* Accepted WG_QUOTA_CLEAR_S after the last refusal, or after the device
   * was first seen in this run (an alert open from before a restart). */
  WG_QUOTA_CLEARED
} wg_quota_event_t;

typedef struct wg_quota_s {
  long packs_per_min;   /* 0: no limit */
  long records_per_day; /* records under other keys; 0: no limit */
  struct wg_quota_entry_s *by_device; /* uthash */
  size_t n;
} wg_quota_t;

/* @q with no device seen; the limits are the caller's to set. */
void wg_quota_init(wg_quota_t *q);
void wg_quota_free(wg_quota_t *q);

/*
 * A pack of @device received at @now whose newest reading was measured at
 * @newest, holding @others records under other keys. Within both limits
 * it is counted and 0 is returned; over either it is not counted, and
 * WG_EBUSY is returned with the reason in @err. Out of memory for a
 * device not seen yet, the pack is taken uncounted (0): a quota must not
 * refuse readings for want of memory. *@event says whether the device's
 * alert is due or may clear.
 */
int wg_quota_check(wg_quota_t *q, const char *device, double newest,
                   size_t others, double now, wg_quota_event_t *event,
                   char *err, size_t errlen);

#endif
