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

/* A count in one minute or day (its key), and when it was last used. */
typedef struct quota_slot_s {
  int64_t key;
  long n;
  uint64_t used;
} quota_slot_t;

typedef struct wg_quota_entry_s {
  quota_slot_t minutes[WG_QUOTA_SLOTS]; /* packs, by measured minute */
  quota_slot_t days[WG_QUOTA_SLOTS];    /* other records, by measured day */
  int64_t rday;                         /* the UTC day of the last receipt */
  long rpacks;                          /* packs received in it */
  long rrecords;                        /* and records under other keys */
  uint64_t uses;                        /* the slots' clock */
  double seen;                          /* the last receipt */
  double refused;                       /* the last refusal's receipt */
  bool alerted; /* WG_QUOTA_CLEARED is due after WG_QUOTA_CLEAR_S */
  bool index_oom;
  UT_hash_handle hh;
  char device[]; /* the key */
} wg_quota_entry_t;

/* The slot of @key in @v: its own, or the one used longest ago, emptied. */
static quota_slot_t *quota_slot(quota_slot_t *v, int64_t key) {
  quota_slot_t *old = &v[0];

  for (int i = 0; i < WG_QUOTA_SLOTS; i++) {
    if (v[i].used != 0 && v[i].key == key)
      return &v[i];
    if (v[i].used < old->used)
      old = &v[i];
  }
  old->key = key;
  old->n = 0;
  old->used = 0;
  return old;
}

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
  double t = newest > now || !isfinite(newest) ? now : newest;
  long ppm = q->packs_per_min, rpd = q->records_per_day;
  int64_t rday = (int64_t)floor(now / 86400.0);
  quota_slot_t *minute, *day;
  wg_quota_entry_t *e;

  *event = WG_QUOTA_NONE;
  if (ppm <= 0 && rpd <= 0)
    return 0;
  if ((e = quota_entry(q, device, now)) == NULL)
    return 0;
  e->seen = now;
  if (rday != e->rday) {
    e->rday = rday;
    e->rpacks = e->rrecords = 0;
  }
  minute = quota_slot(e->minutes, (int64_t)floor(t / 60.0));
  /* A pack with no other records takes no day's slot. */
  day = others > 0 ? quota_slot(e->days, (int64_t)floor(t / 86400.0)) : NULL;
  if (ppm > 0 && minute->n + 1 > ppm) {
    snprintf(err, errlen,
             "over quota: more than %ld packs a minute from device %.64s", ppm,
             device);
  } else if (ppm > 0 && e->rpacks + 1 > ppm * 1440 * WG_QUOTA_RECEIPT_DAYS) {
    snprintf(err, errlen,
             "over quota: more than %ld packs received today from device "
             "%.64s",
             ppm * 1440 * WG_QUOTA_RECEIPT_DAYS, device);
  } else if (rpd > 0 && others > 0 && day->n + (long)others > rpd) {
    snprintf(err, errlen,
             "over quota: more than %ld records under other keys a day from "
             "device %.64s",
             rpd, device);
  } else if (rpd > 0 && others > 0 &&
             e->rrecords + (long)others > rpd * WG_QUOTA_RECEIPT_DAYS) {
    snprintf(err, errlen,
             "over quota: more than %ld records under other keys received "
             "today from device %.64s",
             rpd * WG_QUOTA_RECEIPT_DAYS, device);
  } else {
    minute->n++;
    minute->used = ++e->uses;
    if (day != NULL) {
      day->n += (long)others;
      day->used = ++e->uses;
    }
    e->rpacks++;
    e->rrecords += (long)others;
    if (e->alerted && now - e->refused >= WG_QUOTA_CLEAR_S) {
      e->alerted = false;
      *event = WG_QUOTA_CLEARED;
    }
    return 0;
  }
  /* Nothing of a refused pack counts; a slot it took stays empty. */
  e->refused = now;
  e->alerted = true;
  *event = WG_QUOTA_EXCEEDED;
  return WG_EBUSY;
}
