/* SPDX-License-Identifier: MIT */
#include "ingest/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"

void wg_ingest_init(wg_ingest_t *in) {
  memset(in, 0, sizeof(*in));
  in->batch.arena.block_size = 256 * 1024;
  wg_quota_init(&in->quota);
}

void wg_ingest_free(wg_ingest_t *in) {
  wg_senml_readings_free(&in->batch.readings);
  wg_arena_free(&in->batch.arena);
  free(in->batch.packs);
  free(in->batch.acks);
  free(in->map.v);
  wg_quota_free(&in->quota);
  memset(in, 0, sizeof(*in));
}

static int cmp_device(const void *a, const void *b) {
  return strcmp(((const wg_device_t *)a)->id, ((const wg_device_t *)b)->id);
}

static const wg_device_t *ingest_find(const wg_device_map_t *map,
                                      const char *id) {
  wg_device_t key = {id, NULL, 0, 0, NULL};
  return bsearch(&key, map->v, map->n, sizeof(key), cmp_device);
}

const wg_device_t *wg_ingest_find(const wg_ingest_t *in, const char *id) {
  return ingest_find(&in->map, id);
}

int wg_ingest_build_map(const wg_config_t *cfg, wg_device_map_t *out) {
  size_t total = 0, k = 0;
  wg_device_t *v;

  for (size_t i = 0; i < cfg->npatients; i++)
    total += cfg->patients[i].ndevices;
  if ((v = malloc((total ? total : 1) * sizeof(*v))) == NULL)
    return WG_ENOMEM;
  for (size_t i = 0; i < cfg->npatients; i++)
    for (size_t d = 0; d < cfg->patients[i].ndevices; d++) {
      v[k].id = cfg->patients[i].devices[d];
      v[k].patient = &cfg->patients[i];
      v[k].patient_index = i;
      v[k].conf = cfg->patients[i].device_conf
                      ? &cfg->patients[i].device_conf[d]
                      : NULL;
      v[k++].device_index = (int)d;
    }
  qsort(v, total, sizeof(*v), cmp_device);
  out->v = v;
  out->n = total;
  out->accept_unknown = cfg->accept_unknown_devices;
  out->retention_days = cfg->retention_days;
  out->quota_packs_per_min = cfg->quota_packs_per_min;
  out->quota_records_per_day = cfg->quota_records_per_day;
  return 0;
}

void wg_ingest_set_map(wg_ingest_t *in, wg_device_map_t *map) {
  wg_batch_t *b = &in->batch;

  /* A pack that waits for a commit meets the patients of the new map:
   * its readings hold copies of their ids, not pointers into the old
   * configuration. */
  for (size_t p = 0, first = 0; p < b->npacks; p++) {
    if (b->packs[p].end > first)
      b->packs[p].device = ingest_find(map, b->readings.v[first].device_id);
    first = b->packs[p].end;
  }
  free(in->map.v);
  in->map = *map;
  map->v = NULL;
  in->quota.packs_per_min = in->map.quota_packs_per_min;
  in->quota.records_per_day = in->map.quota_records_per_day;
}

const char **wg_ingest_device_ids(const wg_ingest_t *in) {
  const char **v = calloc(in->map.n ? in->map.n : 1, sizeof(*v));

  for (size_t i = 0; v != NULL && i < in->map.n; i++)
    v[i] = in->map.v[i].id;
  return v;
}

bool wg_ingest_device_id_ok(const char *s, size_t n) {
  return wg_conf_id_ok(s, n, WG_DEVICE_ID_EXTRA);
}

int wg_ingest_device_from_topic(const char *filter, const char *topic,
                                char *out, size_t outlen) {
  const char *f = filter, *t = topic;
  bool found = false;

  for (;;) {
    const char *fe = strchr(f, '/'), *te = strchr(t, '/');
    size_t fl = fe ? (size_t)(fe - f) : strlen(f);
    size_t tl = te ? (size_t)(te - t) : strlen(t);

    if (fl == 1 && f[0] == '+') {
      if (!wg_ingest_device_id_ok(t, tl) || tl >= outlen)
        return WG_EINVAL;
      memcpy(out, t, tl);
      out[tl] = '\0';
      found = true;
    } else if (fl != tl || memcmp(f, t, fl) != 0) {
      return WG_EINVAL;
    }
    if ((fe == NULL) != (te == NULL))
      return WG_EINVAL;
    if (fe == NULL)
      return found ? 0 : WG_EINVAL;
    f = fe + 1;
    t = te + 1;
  }
}

/* The first reading from @first measured before @oldest, or -1. */
static long ingest_too_old(const wg_batch_t *b, size_t first, double oldest) {
  for (size_t i = first; i < b->readings.n; i++)
    if (b->readings.v[i].ts < oldest)
      return (long)i;
  return -1;
}

/* Room for one more pack, before anything of it is taken. */
static int reserve_pack(wg_batch_t *b) {
  size_t cap = b->packs_cap ? b->packs_cap * 2 : 256;
  wg_pack_t *v;

  if (b->npacks < b->packs_cap)
    return 0;
  if ((v = realloc(b->packs, cap * sizeof(*v))) == NULL)
    return WG_ENOMEM;
  b->packs = v;
  b->packs_cap = cap;
  return 0;
}

/* Whether @list (of @n; NULL: anything) holds @s. */
static bool ingest_allows(const char *const *list, size_t n, const char *s) {
  if (list == NULL)
    return true;
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0)
      return true;
  return false;
}

/* The first reading from @first on whose key @dc does not allow, or -1. */
static long ingest_forbidden_key(const wg_batch_t *b, size_t first,
                                 const wg_device_conf_t *dc) {
  for (size_t i = first; dc != NULL && i < b->readings.n; i++)
    if (!ingest_allows(dc->keys, dc->nkeys, b->readings.v[i].name))
      return (long)i;
  return -1;
}

/* The pack from @first against @device's quota (quota.h), counted by
 * its newest reading and its records under other keys. */
static int ingest_quota(wg_ingest_t *in, const char *device, size_t first,
                        double now, char *err, size_t errlen) {
  const wg_batch_t *b = &in->batch;
  double newest = now;
  size_t others = 0;

  for (size_t i = first; i < b->readings.n; i++) {
    if (i == first || b->readings.v[i].ts > newest)
      newest = b->readings.v[i].ts;
    if (wg_senml_canonical_unit(b->readings.v[i].name) == NULL)
      others++;
  }
  return wg_quota_check(&in->quota, device, newest, others, now,
                        &in->quota_event, err, errlen);
}

/*
 * The falls of @payload, refused with @reason, into the batch as a pack of
 * their own (wg_ingest_pack_via()). Best effort: out of memory, the
 * refusal stands as it is, reported like any other.
 */
static void ingest_keep_falls(wg_ingest_t *in, const wg_device_t *dm,
                              const void *payload, size_t len, double now,
                              const char *reason) {
  wg_batch_t *b = &in->batch;
  wg_arena_mark_t mark = wg_arena_mark(&b->arena);
  size_t first = b->readings.n;
  double oldest = in->map.retention_days > 0
                      ? now - in->map.retention_days * 86400.0
                      : WG_INGEST_MIN_TIME;
  const char *dev, *pat, *why;

  if (dm->conf != NULL &&
      !ingest_allows(dm->conf->keys, dm->conf->nkeys, "fall"))
    return;
  if (wg_senml_falls(payload, len, now, &b->arena, &b->readings) == 0)
    return;
  dev = wg_arena_strdup(&b->arena, dm->id);
  pat = wg_arena_strdup(&b->arena, dm->patient->id);
  why = wg_arena_strdup(&b->arena, reason);
  if (dev == NULL || pat == NULL || why == NULL) {
    b->readings.n = first;
    wg_arena_rollback(&b->arena, mark);
    return;
  }
  for (size_t i = first; i < b->readings.n; i++) {
    wg_reading_t *r = &b->readings.v[i];
    /* A time that is no time (a reset clock) or one the retention would
     * delete: the fall is dated by its receipt, and the refusal says why. */
    if (r->ts < WG_INGEST_MIN_TIME || r->ts < oldest)
      r->ts = now;
    r->device_id = dev;
    r->patient_id = pat;
    r->received = now;
    if (in->clock_suspect)
      r->flags |= WG_READING_CLOCK_SUSPECT;
  }
  b->packs[b->npacks++] =
      (wg_pack_t){b->readings.n, dm, false, false, why, false};
}

int wg_ingest_pack(wg_ingest_t *in, const char *device, const void *payload,
                   size_t len, double now, char *err, size_t errlen) {
  return wg_ingest_pack_via(in, NULL, device, payload, len, now, err, errlen);
}

int wg_ingest_pack_via(wg_ingest_t *in, const char *transport,
                       const char *device, const void *payload, size_t len,
                       double now, char *err, size_t errlen) {
  wg_batch_t *b = &in->batch;
  const wg_device_t *dm = wg_ingest_find(in, device);
  const wg_device_conf_t *dc = dm ? dm->conf : NULL;
  wg_arena_mark_t mark;
  const char *dev, *pat = NULL;
  size_t first = b->readings.n;
  long bad;
  int rc;

  in->quota_event = WG_QUOTA_NONE;
  if (dm == NULL && !in->map.accept_unknown) {
    snprintf(err, errlen, "unknown device");
    return WG_ENODEV;
  }
  if (dc != NULL && transport != NULL &&
      !ingest_allows(dc->via, dc->nvia, transport)) {
    snprintf(err, errlen, "device %s may not send over %s", device, transport);
    return WG_EAUTH;
  }
  if (reserve_pack(b) != 0) {
    snprintf(err, errlen, "out of memory");
    return WG_ENOMEM;
  }
  mark = wg_arena_mark(&b->arena);
  rc = wg_senml_parse(payload, len, now, &b->arena, &b->readings, err, errlen);
  if (rc == 0 && (bad = ingest_forbidden_key(b, first, dc)) >= 0) {
    snprintf(err, errlen, "device %s may not report %.64s", device,
             b->readings.v[bad].name);
    b->readings.n = first;
    rc = WG_EINVAL;
  }
  if (rc == 0 && (bad = ingest_too_old(b, first, WG_INGEST_MIN_TIME)) >= 0) {
    snprintf(err, errlen,
             "%.64s measured before 2020-01-01: the device's clock was reset?",
             b->readings.v[bad].name);
    b->readings.n = first;
    rc = WG_EINVAL;
  }
  if (rc == 0 && in->map.retention_days > 0 &&
      (bad = ingest_too_old(b, first,
                            now - in->map.retention_days * 86400.0)) >= 0) {
    snprintf(err, errlen,
             "%.64s measured %.1f days ago: older than the retention of %d "
             "days",
             b->readings.v[bad].name, (now - b->readings.v[bad].ts) / 86400.0,
             in->map.retention_days);
    b->readings.n = first;
    rc = WG_EINVAL;
  }
  if (rc == 0 && (rc = ingest_quota(in, device, first, now, err, errlen)) != 0)
    b->readings.n = first;
  if (rc == 0) {
    dev = wg_arena_strdup(&b->arena, device);
    if (dm != NULL)
      pat = wg_arena_strdup(&b->arena, dm->patient->id);
    if (dev == NULL || (dm != NULL && pat == NULL)) {
      b->readings.n = first;
      snprintf(err, errlen, "out of memory");
      rc = WG_ENOMEM;
    }
  }
  if (rc != 0) {
    wg_arena_rollback(&b->arena, mark);
    if (dm != NULL && (rc == WG_EINVAL || rc == WG_ETOOBIG || rc == WG_EBUSY))
      ingest_keep_falls(in, dm, payload, len, now, err);
    return rc;
  }
  for (size_t i = first; i < b->readings.n; i++) {
    b->readings.v[i].device_id = dev;
    b->readings.v[i].patient_id = pat;
    b->readings.v[i].received = now;
    if (in->clock_suspect)
      b->readings.v[i].flags |= WG_READING_CLOCK_SUSPECT;
  }
  b->packs[b->npacks++] =
      (wg_pack_t){b->readings.n, dm, false, false, NULL, false};
  return 0;
}

int wg_ingest_ack(wg_ingest_t *in, const wg_ack_t *ack) {
  wg_batch_t *b = &in->batch;

  if (b->nacks == b->acks_cap) {
    size_t cap = b->acks_cap ? b->acks_cap * 2 : 16;
    wg_ack_t *v = realloc(b->acks, cap * sizeof(*v));
    if (v == NULL)
      return WG_ENOMEM;
    b->acks = v;
    b->acks_cap = cap;
  }
  b->acks[b->nacks++] = *ack;
  return 0;
}

void wg_ingest_reset(wg_ingest_t *in) {
  in->batch.readings.n = 0;
  in->batch.npacks = 0;
  in->batch.nacks = 0;
  wg_arena_reset(&in->batch.arena);
}
