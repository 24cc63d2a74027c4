/* SPDX-License-Identifier: MIT */
/*
 * Ingest: the entrance. It owns the device map (which patient a device
 * belongs to) and the batch: the readings of every pack taken from any
 * transport, and the acknowledgements from the hub, since the last group
 * commit. Packs are validated here (senml) and are plain readings from
 * then on. No libuv, no SQLite: the commit consumes the batch.
 */
#ifndef WG_INGEST_H
#define WG_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "clinic/alerts.h"
#include "common/arena.h"
#include "core/config.h"
#include "ingest/quota.h"
#include "ingest/senml.h"

/* No reading is older than 2020-01-01T00:00:00Z: before it, the device's
 * clock was reset (a battery change), and its time is no time at all. */
#define WG_INGEST_MIN_TIME 1577836800.0

/* A configured device: its patient, by pointer and by index. */
typedef struct wg_device_s {
  const char *id;
  const wg_patient_t *patient;
  size_t patient_index;         /* into cfg->patients */
  int device_index;             /* into the patient's devices */
  const wg_device_conf_t *conf; /* the keys and transports it may use */
} wg_device_t;

/*
 * One pack of the batch: its readings end before readings.v[end]. The
 * flags are the commit's progress through it, kept across a retry.
 */
typedef struct wg_pack_s {
  size_t end;
  const wg_device_t *device; /* NULL for an accepted unknown device */
  bool news2;                /* a new NEWS2 parameter was evaluated */
  bool scored;               /* and its NEWS2 computed */
  /* NULL, or the pack was refused for this reason and these are its falls,
   * kept so that a fall is never lost with the rest of its pack. */
  const char *refused;
  bool counted; /* the commit's: its device's run of refusals has seen it */
} wg_pack_t;

/* An acknowledgement from the hub, as the batch holds it. */
typedef struct wg_ack_s {
  char id[sizeof(((wg_alert_t *)0)->id)];
  char by[sizeof(((wg_alert_t *)0)->acked_by)];
  char outcome[sizeof(((wg_alert_event_t *)0)->outcome)]; /* "" when none */
  char note[WG_NOTE_MAX_BYTES + 1];                       /* "" when none */
  double ts;
  bool local;    /* at the home, through the control socket */
  bool late;     /* the commit's: for a closed alert, to the audit trail */
  bool verified; /* signed with uplink.ack_key_file and checked */
  /* "": taken. Otherwise refused (unsigned, badly signed, stale,
   * replayed) for this reason: it changes nothing and leaves an audit row. */
  char refused[160];
} wg_ack_t;

typedef struct wg_batch_s {
  wg_readings_t readings;
  wg_arena_t arena; /* the readings' strings */
  wg_pack_t *packs;
  size_t npacks;
  size_t packs_cap;
  wg_ack_t *acks;
  size_t nacks;
  size_t acks_cap;
} wg_batch_t;

/* The configured devices, sorted by id, pointing into a configuration. */
typedef struct wg_device_map_s {
  wg_device_t *v;
  size_t n;
  bool accept_unknown; /* unknown_devices: "accept" */
  int retention_days;  /* older readings are refused, never stored */
  long quota_packs_per_min, quota_records_per_day; /* quota.h; 0: none */
} wg_device_map_t;

typedef struct wg_ingest_s {
  wg_device_map_t map;
  wg_batch_t batch;
  wg_quota_t quota; /* per device, across reloads */
  /* What the last wg_ingest_pack_via() means for its device's quota
   * alert: WG_QUOTA_EXCEEDED with WG_EBUSY, WG_QUOTA_CLEARED with 0. */
  wg_quota_event_t quota_event;
  /* The box's clock has not been synchronised since the start: readings
   * taken now are marked WG_READING_CLOCK_SUSPECT (the owner says). */
  bool clock_suspect;
} wg_ingest_t;

void wg_ingest_init(wg_ingest_t *in);
void wg_ingest_free(wg_ingest_t *in);

/*
 * The device map of @cfg, which it points into. Returns 0 or WG_ENOMEM
 * (nothing to free). Apart from wg_ingest_set_map() so that a reload can
 * make everything it needs before it changes anything.
 */
int wg_ingest_build_map(const wg_config_t *cfg, wg_device_map_t *out);

/*
 * Use @map from now on (taken over; the old one is freed). The packs
 * waiting in the batch are matched to it.
 */
void wg_ingest_set_map(wg_ingest_t *in, wg_device_map_t *map);

/* The device @id, or NULL when it is not configured. */
const wg_device_t *wg_ingest_find(const wg_ingest_t *in, const char *id);

/* The configured device ids, sorted; free() the array (not the ids). */
const char **wg_ingest_device_ids(const wg_ingest_t *in);

/* True when the @n bytes at @s are a valid device id. */
bool wg_ingest_device_id_ok(const char *s, size_t n);

/*
 * The device id in @topic, matched against the ingest filter @filter (one
 * '+' level). Writes it to @out and returns 0, or WG_EINVAL when the topic
 * does not match or the id is not a valid device id.
 */
int wg_ingest_device_from_topic(const char *filter, const char *topic,
                                char *out, size_t outlen);

/*
 * Take the SenML pack @payload from @device received at @now into the
 * batch, all or nothing. Returns 0, or WG_ENODEV (not configured, and
 * unknown devices are refused), WG_ETOOBIG, WG_EINVAL or WG_ENOMEM with
 * the reason in @err. A reading measured before WG_INGEST_MIN_TIME or more
 * than retention_days before @now refuses the pack with WG_EINVAL, that
 * reason given: it must not be acknowledged and then deleted by retention
 * (DESIGN.md section 5). The SenML checks (the 5-minute future limit among
 * them) are wg_senml_parse()'s.
 *
 * A pack of a configured device refused with WG_EINVAL or WG_ETOOBIG still
 * leaves its falls (vb true, a key the device may report) in the batch, as
 * a pack of their own whose `refused` is @err's reason: nothing else of it
 * is taken. A fall counts at its own time, or at @now when its time is
 * what was refused (before 2020, older than the retention, ahead of the
 * tolerance) (DESIGN.md section 5, 2026-12-06).
 */
int wg_ingest_pack(wg_ingest_t *in, const char *device, const void *payload,
                   size_t len, double now, char *err, size_t errlen);

/*
 * wg_ingest_pack() for a pack that came over @transport (an input's name,
 * "mqtt" or "coap"; NULL: not checked). A configured device that may not
 * use @transport is refused with WG_EAUTH; a pack with a record whose key
 * the device may not report, whole, with WG_EINVAL; both with the reason
 * in @err. A valid pack over the device's quota (quota.h) is refused with
 * WG_EBUSY, its falls kept as for WG_EINVAL, and in->quota_event set.
 */
int wg_ingest_pack_via(wg_ingest_t *in, const char *transport,
                       const char *device, const void *payload, size_t len,
                       double now, char *err, size_t errlen);

/* Take an acknowledgement into the batch. 0 or WG_ENOMEM. */
int wg_ingest_ack(wg_ingest_t *in, const wg_ack_t *ack);

/* The batch is committed: empty it, keeping its memory. */
void wg_ingest_reset(wg_ingest_t *in);

#endif
