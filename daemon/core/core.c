/* SPDX-License-Identifier: MIT */
/*
 * The core wires the stages together and runs their life cycle; the work
 * is theirs. A reading goes one way:
 *
 *   input driver -> ingest (batch) -> commit -> clinic -> commit -> hub
 *
 * and an ack from the hub the same way, entering at the hub and joining
 * the batch. See docs/ARCHITECTURE.md.
 */
#include "core/core.h"
#include "core/core_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic.h"
#include "commit/commit.h"
#include "commit/store.h"
#include "common/json_scratch.h"
#include "core/clock.h"
#include "core/inputs.h"
#include "hub/hub.h"
#include "ingest/ingest.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

#define STOP_TIMEOUT_MS 5000
/* A tick this late: the loop was held up (SIGSTOP, a paused VM, no CPU);
 * deadlines wait as long again for what was sent meanwhile. */
#define STALL_MS 2000

/* ---- the stages' callbacks ----------------------------------------------- */

static void core_stop_step(wg_core_t *c);
static void core_finish_stop(wg_core_t *c);

static void core_committed(wg_commit_t *cm, uint64_t ticket,
                           bool alerts_changed) {
  wg_core_t *c = cm->data;

  for (size_t i = 0; i < c->ninputs; i++)
    if (c->input_open[i] && c->inputs[i].ops->committed != NULL)
      c->inputs[i].ops->committed(&c->inputs[i], ticket);
  wg_hub_committed(&c->hub, ticket, alerts_changed);
  wg_remote_committed(c); /* a boundary: the hub's patients may come in */
  core__arm_tick(c);
  if (c->stopping)
    core_stop_step(c);
}

static void core_commit_pause(wg_commit_t *cm, bool paused) {
  wg_core_t *c = cm->data;

  if (!c->stopping) /* a stop has paused the input for good */
    core__pause_inputs(c, paused);
}

static void core_unknown_ack(wg_commit_t *cm, const char *id) {
  wg_core_t *c = cm->data;
  wg_hub_report_unknown_ack(&c->hub, id);
}

static void core_audit_pruning(wg_commit_t *cm, int64_t rows, int days) {
  wg_core_t *c = cm->data;
  wg_hub_report_audit_pruning(&c->hub, rows, days);
}

static const wg_commit_cbs_t commit_cbs = {.committed = core_committed,
                                           .pause = core_commit_pause,
                                           .unknown_ack = core_unknown_ack,
                                           .audit_pruning = core_audit_pruning};

static void core_hub_ack(wg_hub_t *h, const wg_ack_t *ack) {
  wg_core_t *c = h->data;

  if (wg_ingest_ack(&c->ingest, ack) != 0)
    wg_log(LOG_ERR, "core: out of memory: ack of %s by %s not taken", ack->id,
           ack->by);
}

static void core_hub_input(wg_hub_t *h) {
  wg_core_t *c = h->data;
  wg_commit_take(&c->commit);
}

static void core_hub_progress(wg_hub_t *h) { core_stop_step(h->data); }

static void core_hub_offline(wg_hub_t *h) { core_finish_stop(h->data); }

static void core_hub_desired(wg_hub_t *h, const void *payload, size_t len) {
  wg_remote_desired(h->data, payload, len);
}

static int core_hub_gauges(const wg_hub_t *h, cJSON *counters) {
  wg_json_build_t b = wg_json_build_begin();
  const wg_core_t *c = h->data;
  bool up = false;

  for (size_t i = 0; i < c->ninputs; i++)
    if (c->input_open[i] && strcmp(c->inputs[i].ops->name, "mqtt") == 0)
      up = c->inputs[i].ops->is_connected(&c->inputs[i]);
  cJSON_AddNumberToObject(counters, "readings_pending",
                          (double)c->ingest.batch.readings.n);
  cJSON_AddBoolToObject(counters, "ingest_connected", up);
  return wg_json_build_failed(b) ? WG_ENOMEM : 0;
}

/* The local alarm's topic goes to the home's broker: the MQTT input. */
static int core_hub_home_publish(wg_hub_t *h, const char *topic,
                                 const char *payload, size_t len) {
  wg_core_t *c = h->data;

  for (size_t i = 0; i < c->ninputs; i++)
    if (c->input_open[i] && strcmp(c->inputs[i].ops->name, "mqtt") == 0)
      return c->inputs[i].ops->publish(&c->inputs[i], topic, payload, len, 1,
                                       true, NULL);
  return WG_ENOCONN;
}

/* The box's clock: its alert raised or cleared, committed and sent. */
static void core_hub_clock(wg_hub_t *h, bool unsynced, double unsynced_s,
                           bool since_start) {
  wg_core_t *c = h->data;
  double now = wg_commit_observe_clock(&c->commit);

  c->clinic.alerts.clock_unsynced = !wg_hub_clock_ever_synced(&c->hub);
  wg_clinic_clock(&c->clinic, unsynced, unsynced_s, since_start, now);
  if (c->clinic.nevents > 0)
    wg_commit_take(&c->commit);
}

static const wg_hub_cbs_t hub_cbs = {.ack = core_hub_ack,
                                     .input = core_hub_input,
                                     .progress = core_hub_progress,
                                     .offline = core_hub_offline,
                                     .gauges = core_hub_gauges,
                                     .desired = core_hub_desired,
                                     .home_publish = core_hub_home_publish,
                                     .clock = core_hub_clock};

/* ---- the clinic's clock -------------------------------------------------- */

static void core_tick_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;
  double now = wg_commit_observe_clock(&c->commit);
  uint64_t ms = uv_now(c->loop);

  /* Input first after a stall, once: the next tick acts however late. */
  if (ms > c->tick_due + STALL_MS && c->input_first == 0) {
    wg_log(LOG_WARNING, "core: the loop was held up %.1f s; input first",
           (double)(ms - c->tick_due) / 1000.0);
    c->input_first = ms + STALL_MS;
    core__arm_tick(c);
    return;
  }
  c->input_first = 0;
  c->clinic.alerts.clock_unsynced = !wg_hub_clock_ever_synced(&c->hub);
  wg_clinic_tick(&c->clinic, now);
  core__arm_tick(c); /* the events are committed before the loop sleeps */
}

/* The timer follows the clinic's earliest deadline; nothing polls. A step
 * of the wall clock is taken into the deadlines first: armed against a
 * clock already stepped back but not yet observed, an escalation due in
 * seconds would wait an hour. */
void core__arm_tick(wg_core_t *c) {
  double now = wg_commit_observe_clock(&c->commit), next, ms;

  next = wg_clinic_next_deadline(&c->clinic, now);

  if (!c->started)
    return; /* wg_core_start() arms it */
  if (next <= 0 || c->stopping) {
    uv_timer_stop(&c->tick_timer);
    return;
  }
  ms = fmax(ceil((next - now) * 1000.0), 0);
  if (c->input_first > uv_now(c->loop))
    ms = fmax(ms, (double)(c->input_first - uv_now(c->loop)));
  c->tick_due = uv_now(c->loop) + (uint64_t)ms;
  uv_timer_start(&c->tick_timer, core_tick_cb, (uint64_t)ms, 0);
}

/* ---- life cycle ---------------------------------------------------------- */

int wg_core_new(wg_core_t **out, uv_loop_t *loop, wg_config_t *cfg) {
  wg_device_map_t map;
  wg_commit_deps_t deps;
  wg_core_t *c;
  int64_t seq;
  int rc;

  *out = NULL;
  if ((c = calloc(1, sizeof(*c))) == NULL) {
    wg_config_free(cfg);
    return WG_ENOMEM;
  }
  c->loop = loop;
  c->cfg = c->live = cfg;
  while (wg_inputs[c->ninputs] != NULL)
    c->ninputs++;
  wg_ingest_init(&c->ingest);
  /* The patients: the file's, or the hub's last version (remote_config). */
  if ((rc = wg_store_open(&c->store, cfg->database, cfg->durability)) != 0 ||
      (rc = wg_remote_restore(c)) != 0 ||
      (rc = wg_ingest_build_map(c->live, &map)) != 0)
    goto fail;
  wg_ingest_set_map(&c->ingest, &map);
  /* Ids go on from the largest stored. */
  if ((seq = wg_store_alert_max_seq(c->store)) < 0) {
    rc = (int)seq;
    goto fail;
  }
  if ((rc = wg_clinic_init(&c->clinic, cfg->gateway_id, (uint64_t)seq + 1,
                           cfg->device_silent_h, &c->counters)) != 0 ||
      (rc = wg_hub_init(&c->hub, loop, cfg, c->store, &c->clinic.alerts,
                        &c->counters, &hub_cbs, c)) != 0)
    goto fail;
  deps = (wg_commit_deps_t){.store = c->store,
                            .ingest = &c->ingest,
                            .clinic = &c->clinic,
                            .outbox = &c->hub.outbox,
                            .topic_alerts = c->hub.topic_alerts,
                            .topic_news2 = c->hub.topic_news2,
                            .topic_log = c->hub.topic_log,
                            .fhir = cfg->fhir.enabled ? &cfg->fhir : NULL,
                            .topic_fhir = c->hub.topic_fhir,
                            .gateway = cfg->gateway_id,
                            .retention_days = cfg->retention_days,
                            .audit_retention_days = cfg->audit_retention_days,
                            .counters = &c->counters};
  wg_commit_init(&c->commit, loop, &deps, &commit_cbs, c);
  if (cfg->remote_config && (rc = wg_hub_set_patients(&c->hub, c->live)) != 0 &&
      rc != WG_ENOMEM)
    goto fail;
  if ((rc = wg_commit_restore(&c->commit, c->live, wg_wall_now())) != 0)
    goto fail;
  *out = c;
  return 0;

fail:
  wg_core_free(c);
  return rc;
}

int wg_core_start(wg_core_t *c) {
  const wg_config_t *cfg = c->cfg;
  int rc;

  uv_timer_init(c->loop, &c->tick_timer);
  uv_timer_init(c->loop, &c->stop_timer);
  c->tick_timer.data = c->stop_timer.data = c;
  c->started = true;
  wg_commit_start(&c->commit);
  /* The uplink first, so that the hub hears of the gateway before input. */
  if ((rc = wg_hub_start(&c->hub)) != 0)
    return rc;
  for (size_t i = 0; i < c->ninputs; i++) {
    if (cfg->ingest[i] == NULL)
      continue;
    if ((rc = wg_inputs[i]->init(&c->inputs[i], cfg->ingest[i], cfg, &c->ingest,
                                 &core__input_cbs, c)) != 0)
      return rc;
    c->input_open[i] = true;
  }
  for (size_t i = 0; rc == 0 && i < c->ninputs; i++)
    if (c->input_open[i])
      rc = c->inputs[i].ops->start(&c->inputs[i], c->loop);
  if (rc != 0)
    return rc;
  core__arm_tick(c);
  wg_log(LOG_INFO,
         "core: gateway %s started: %zu patients, %zu devices, "
         "database %s",
         cfg->gateway_id, c->live->npatients, c->ingest.map.n, cfg->database);
  return 0;
}

/* ---- stop ---------------------------------------------------------------- */

static void core_one_closed(wg_core_t *c) {
  if (--c->closing == 0 && c->finished && c->stopped_cb)
    c->stopped_cb(c, c->stop_status);
}

static void core_handle_closed(uv_handle_t *h) { core_one_closed(h->data); }
static void core_input_closed(wg_driver_t *drv) { core_one_closed(drv->data); }
static void core_hub_closed(wg_hub_t *h) { core_one_closed(h->data); }
static void core_commit_closed(wg_commit_t *cm) { core_one_closed(cm->data); }

static void core_finish_stop(wg_core_t *c) {
  if (c->finished)
    return;
  c->finished = true;
  /* Readings still unwritten now were acknowledged to their device and are
   * lost: say so loudly, and exit with failure. */
  if (c->ingest.batch.readings.n > 0 && wg_commit_now(&c->commit) != 0) {
    wg_log(LOG_ERR, "core: %zu readings could not be committed before exit",
           c->ingest.batch.readings.n);
    c->stop_status = 2;
  }
  uv_timer_stop(&c->stop_timer);
  c->closing += 4;
  wg_hub_close(&c->hub, core_hub_closed);
  wg_commit_close(&c->commit, core_commit_closed);
  uv_close((uv_handle_t *)&c->tick_timer, core_handle_closed);
  uv_close((uv_handle_t *)&c->stop_timer, core_handle_closed);
}

static void core_stop_timeout_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;

  if (c->hub.offline_mid >= 0)
    wg_log(LOG_WARNING, "core: the hub's broker did not acknowledge the "
                        "offline status in time");
  core_finish_stop(c);
}

/*
 * Stopping, after the last commit: first the outbox is flushed as far as
 * the hub's broker acknowledges it, then the offline status goes out; the
 * deadline timer cuts either wait short.
 */
static void core_stop_step(wg_core_t *c) {
  if (c->finished || !c->draining || !wg_hub_drained(&c->hub))
    return; /* the PUBACKs and their commit call again */
  c->draining = false;
  if (!wg_hub_go_offline(&c->hub) && c->ingest.batch.readings.n == 0)
    core_finish_stop(c);
}

void wg_core_stop(wg_core_t *c, wg_core_stopped_cb cb) {
  int rc;

  if (c->stopping)
    return;
  c->stopping = true;
  c->stopped_cb = cb;
  wg_log(LOG_INFO, "core: stopping");
  /* Stop taking input; what was taken is committed now. */
  core__pause_inputs(c, true);
  uv_timer_stop(&c->tick_timer);
  wg_hub_drain(&c->hub);
  uv_timer_start(&c->stop_timer, core_stop_timeout_cb, STOP_TIMEOUT_MS, 0);
  c->draining = true;
  rc = wg_commit_stop(&c->commit);
  /* After the commit, so that what it holds is answered on the way out. */
  for (size_t i = 0; i < c->ninputs; i++)
    if (c->input_open[i]) {
      c->input_open[i] = false;
      c->closing++;
      c->inputs[i].ops->close(&c->inputs[i], core_input_closed);
    }
  if (rc == 0)
    core_stop_step(c); /* else the retry timer commits, then steps */
}

void wg_core_free(wg_core_t *c) {
  if (c == NULL)
    return;
  wg_hub_free(&c->hub);
  wg_clinic_free(&c->clinic);
  wg_ingest_free(&c->ingest);
  wg_store_close(c->store);
  wg_remote_free(&c->remote);
  if (c->live != c->cfg)
    wg_config_free(c->live);
  wg_config_free(c->cfg);
  free(c);
}

char *wg_core_status_json(const wg_core_t *c, bool online, bool with_counters) {
  return wg_hub_status_json(&c->hub, online, with_counters);
}

const wg_counters_t *wg_core_counters(const wg_core_t *c) {
  return &c->counters;
}

uv_loop_t *wg_core_loop(const wg_core_t *c) { return c->loop; }
