/* SPDX-License-Identifier: MIT */
/*
 * The core's side of the input drivers: what a message or a pack goes
 * through before the ingest stage has it (its device, a retained message,
 * the device's quota and refusals), and the drivers paused together.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clinic/clinic.h"
#include "commit/commit.h"
#include "core/clock.h"
#include "core/core.h"
#include "core/core_internal.h"
#include "core/inputs.h"
#include "hub/hub.h"
#include "ingest/ingest.h"
#include "wardgate/driver.h"
#include "wardgate/error.h"

/* A device's quota alert, raised or cleared (ingest/quota.h). */
static void core_quota(wg_core_t *c, const char *device, const char *err,
                       double now) {
  const wg_device_t *dm = wg_ingest_find(&c->ingest, device);
  wg_quota_event_t ev = c->ingest.quota_event;

  if (ev == WG_QUOTA_EXCEEDED)
    c->counters.packs_over_quota++;
  if (dm != NULL && ev != WG_QUOTA_NONE)
    wg_clinic_device_quota(&c->clinic, dm->patient_index, dm->device_index,
                           device, ev == WG_QUOTA_EXCEEDED ? err : NULL, now);
}

int wg_core_ingest(wg_core_t *c, const char *transport, const char *device,
                   const void *payload, size_t len, char *err, size_t errlen) {
  double now = wg_wall_now();
  int rc;

  if (c->stopping) {
    snprintf(err, errlen, "shutting down");
    return WG_ECLOSING;
  }
  c->counters.packs_received++;
  /* Until NTP has set the clock, the times taken now are suspect. */
  c->ingest.clock_suspect = c->clinic.alerts.clock_unsynced =
      !wg_hub_clock_ever_synced(&c->hub);
  rc = wg_ingest_pack_via(&c->ingest, transport, device, payload, len, now, err,
                          errlen);
  core_quota(c, device, err, now);
  if (rc != 0) {
    const wg_device_t *dm = wg_ingest_find(&c->ingest, device);
    wg_hub_report_rejection(&c->hub, transport, device, err);
    /* The device's own fault, not the gateway's: counted toward
     * device_refused, so that someone learns its data is not arriving. */
    if (dm != NULL && (rc == WG_EINVAL || rc == WG_ETOOBIG || rc == WG_EAUTH))
      wg_clinic_device_pack(&c->clinic, dm->patient_index, device, err, now);
    return rc;
  }
  wg_commit_maybe_now(&c->commit);
  return 0;
}

/* A pack refused before wg_core_ingest() saw it: counted and reported. */
static void core_reject_unread(wg_core_t *c, const char *transport,
                               const char *device, const char *reason) {
  c->counters.packs_received++;
  wg_hub_report_rejection(&c->hub, transport, device, reason);
}

/* Whether this retained message was reported before in this run: the
 * broker sends it again at every subscribe, and once is enough. */
static bool core_retained_seen(wg_core_t *c, const char *topic,
                               const void *payload, size_t len) {
  uint64_t h = 14695981039346656037u; /* FNV-1a */
  const unsigned char *p = (const unsigned char *)topic;

  for (size_t k = 0; k <= strlen(topic); k++)
    h = (h ^ p[k]) * 1099511628211u;
  p = payload;
  for (size_t k = 0; k < len; k++)
    h = (h ^ p[k]) * 1099511628211u;
  for (size_t k = 0; k < WG_CORE_RETAINED_SEEN; k++)
    if (c->retained_seen[k] == h)
      return true;
  c->retained_seen[c->retained_next++ % WG_CORE_RETAINED_SEEN] = h;
  return false;
}

/* A message on a topic the ingest filter names the device in. A retained
 * one is a pack the broker kept from before the subscription, never a new
 * reading (DESIGN.md section 5): counted each time, reported once. */
static void core_input_message_info(wg_driver_t *drv, const char *topic,
                                    const void *payload, size_t len,
                                    const wg_message_info_t *info) {
  wg_core_t *c = drv->data;
  size_t i = (size_t)(drv - c->inputs);
  char device[WG_ID_MAX + 1], err[256];

  wg_commit_take(&c->commit); /* its PUBACK waits for the next commit */
  if (wg_inputs[i]->device_of(c->cfg->ingest[i], topic, device,
                              sizeof(device)) != 0) {
    snprintf(err, sizeof(err), "topic %.128s does not name a valid device id",
             topic);
    core_reject_unread(c, drv->ops->name, "", err);
    return;
  }
  if (info->retained) {
    c->counters.packs_retained++;
    if (core_retained_seen(c, topic, payload, len)) {
      c->counters.packs_received++;
      return;
    }
    snprintf(err, sizeof(err),
             "retained message on %.128s: kept by the broker from before, "
             "not a new reading; ignored",
             topic);
    core_reject_unread(c, drv->ops->name, device, err);
    return;
  }
  wg_core_ingest(c, drv->ops->name, device, payload, len, err, sizeof(err));
}

static void core_input_message(wg_driver_t *drv, const char *topic,
                               const void *payload, size_t len) {
  const wg_message_info_t info = {.retained = false};
  core_input_message_info(drv, topic, payload, len, &info);
}

/* A pack from a request-response driver, answered after its commit. */
static int core_input_pack(wg_driver_t *drv, const char *device,
                           const void *payload, size_t len, uint64_t *ticket,
                           char *err, size_t errlen) {
  wg_core_t *c = drv->data;
  /* Taken before the pack: if it commits the group itself, it is this. */
  uint64_t next = wg_commit_take(&c->commit);
  size_t kept = c->ingest.batch.readings.n;
  int rc;

  if (!wg_ingest_device_id_ok(device, strlen(device))) {
    snprintf(err, errlen, "not a valid device id");
    core_reject_unread(c, drv->ops->name, "", err);
    return WG_EINVAL;
  }
  rc = wg_core_ingest(c, drv->ops->name, device, payload, len, err, errlen);
  /* A refused pack whose falls were kept: its refusal, too, is answered
   * after they are committed (DESIGN.md section 5). */
  if (rc == 0 || c->ingest.batch.readings.n > kept)
    *ticket = next;
  return rc;
}

static void core_input_rejected(wg_driver_t *drv, const char *device,
                                const char *reason) {
  core_reject_unread(drv->data, drv->ops->name, device, reason);
}

static void core_input_session_lost(wg_driver_t *drv) {
  wg_core_t *c = drv->data;
  wg_hub_report_session_lost(&c->hub, drv->label);
}

static void core_input_session_held(wg_driver_t *drv, bool held) {
  wg_core_t *c = drv->data;
  wg_hub_session_held(&c->hub, drv->label, held);
}

static char *core_input_status(wg_driver_t *drv) {
  return wg_core_status_json(drv->data, true, true);
}

/* One table for every input: each driver calls what its protocol needs. */
const wg_driver_cbs_t core__input_cbs = {
    .message = core_input_message,
    .message_info = core_input_message_info,
    .pack = core_input_pack,
    .rejected = core_input_rejected,
    .status = core_input_status,
    .session_lost = core_input_session_lost,
    .session_held = core_input_session_held};

void core__pause_inputs(wg_core_t *c, bool paused) {
  for (size_t i = 0; i < c->ninputs; i++)
    if (c->input_open[i])
      c->inputs[i].ops->pause(&c->inputs[i], paused);
}
