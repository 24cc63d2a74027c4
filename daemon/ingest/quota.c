/* SPDX-License-Identifier: MIT */
#include "ingest/quota.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"

/* An insertion that cannot allocate its bucket leaves the entry out and
 * says so on the entry, instead of calling exit(). */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(e) ((e)->index_oom = true)
#include <uthash.h>

typedef struct wg_quota_entry_s {
  int64_t minute; /* the newest minute counted (Unix time / 60) */
  long packs;     /* in it */
  int64_t day;    /* the newest UTC day counted (Unix time / 86400) */
  long records;   /* records under other keys in it */
  double seen;    /* the last receipt */
  double refused; /* the last refusal's receipt; 0: none */
  bool alerted;   /* WG_QUOTA_CLEARED is due after WG_QUOTA_CLEAR_S */
  bool index_oom;
  UT_hash_handle hh;
  char device[]; /* the key */
} wg_quota_entry_t;

void wg_quota_init(wg_quota_t *q) { memset(q, 0, sizeof(*q)); }

static void quota_drop(wg_quota_t *q, wg_quota_entry_t *e) {
  HASH_DEL(q->by_device, e);
  q->n--;
  free(e);
}

void wg_quota_free(wg_quota_t *q) {
  wg_quota_entry_t *e, *tmp;

  HASH_ITER(hh, q->by_device, e, tmp) quota_drop(q, e);
  q->by_device = NULL;
  q->n = 0;
}

/* The entry of @device, made if need be; NULL when out of memory. */
static wg_quota_entry_t *quota_entry(wg_quota_t *q, const char *device,
                                     double now) {
  size_t n = strlen(device);
  wg_quota_entry_t *e, *tmp, *idle = NULL;

  HASH_FIND(hh, q->by_device, device, n, e);
  if (e != NULL)
    return e;
  if (q->n >= WG_QUOTA_DEVICES_MAX) {
    HASH_ITER(hh, q->by_device, e, tmp)
    if (idle == NULL || e->seen < idle->seen)
      idle = e;
    quota_drop(q, idle);
  }
  if ((e = calloc(1, sizeof(*e) + n + 1)) == NULL)
    return NULL;
  memcpy(e->device, device, n + 1);
  e->minute = e->day = INT64_MIN;
  /* Whether an alert of the device is open from before a restart is the
   * clinic's to know: an hour of good behaviour clears any. */
  e->alerted = true;
  e->refused = e->seen = now;
  HASH_ADD_KEYPTR(hh, q->by_device, e->device, n, e);
  if (e->index_oom) {
    free(e);
    return NULL;
  }
  q->n++;
  return e;
}

int wg_quota_check(wg_quota_t *q, const char *device, double newest,
                   size_t others, double now, wg_quota_event_t *event,
                   char *err, size_t errlen) {
  wg_quota_entry_t *e;
  int64_t minute, day;
  long packs, records;
  double t = newest > now || !isfinite(newest) ? now : newest;

  *event = WG_QUOTA_NONE;
  if (q->packs_per_min <= 0 && q->records_per_day <= 0)
    return 0;
  if ((e = quota_entry(q, device, now)) == NULL)
    return 0;
  e->seen = now;
  minute = (int64_t)floor(t / 60.0);
  day = (int64_t)floor(t / 86400.0);
  /* Only forward: a pack dated before the current minute counts in it. */
  packs = minute > e->minute ? 1 : e->packs + 1;
  records = day > e->day ? (long)others : e->records + (long)others;
  if (q->packs_per_min > 0 && packs > q->packs_per_min) {
    snprintf(err, errlen,
             "over quota: more than %ld packs a minute from device %.64s",
             q->packs_per_min, device);
  } else if (q->records_per_day > 0 && others > 0 &&
             records > q->records_per_day) {
    snprintf(err, errlen,
             "over quota: more than %ld records under other keys a day from "
             "device %.64s",
             q->records_per_day, device);
  } else {
    if (minute > e->minute)
      e->minute = minute;
    if (day > e->day)
      e->day = day;
    e->packs = packs;
    e->records = records;
    if (e->alerted && now - e->refused >= WG_QUOTA_CLEAR_S) {
      e->alerted = false;
      *event = WG_QUOTA_CLEARED;
    }
    return 0;
  }
  e->refused = now;
  e->alerted = true;
  *event = WG_QUOTA_EXCEEDED;
  return WG_EBUSY;
}
