/* SPDX-License-Identifier: MIT */
/*
 * The core's state, for its own files only (core.c: wiring, start and
 * stop; core_input.c: the input drivers' callbacks; reload.c: what SIGHUP
 * changes). Other modules see wg_core_t by name (core.h).
 */
#ifndef WG_CORE_INTERNAL_H
#define WG_CORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "clinic/clinic.h"
#include "commit/commit.h"
#include "commit/store.h"
#include "core/core.h"
#include "core/inputs.h"
#include "core/remote.h"
#include "hub/hub.h"
#include "ingest/ingest.h"
#include "wardgate/driver.h"

/* Retained ingest messages remembered as reported (a hash each). */
#define WG_CORE_RETAINED_SEEN 64

struct wg_core_s {
  uv_loop_t *loop;
  wg_config_t *cfg;  /* as started: connections, database, topics */
  wg_config_t *live; /* patients and unknown_devices; replaced on SIGHUP */
  wg_store_t *store;
  wg_counters_t counters;

  /* The stages, in the order the data flows. */
  wg_ingest_t ingest;
  wg_commit_t commit;
  wg_clinic_t clinic;
  wg_hub_t hub;
  wg_remote_t remote; /* the hub's desired configuration (remote_config) */

  /* The input drivers, by their place in wg_inputs[] (inputs.h); inputs[i]
   * is open from its init until its close is asked for. */
  wg_driver_t inputs[WG_CONFIG_INPUTS_MAX];
  bool input_open[WG_CONFIG_INPUTS_MAX];
  size_t ninputs; /* entries of wg_inputs[] */

  uint64_t retained_seen[WG_CORE_RETAINED_SEEN];
  size_t retained_next;

  uv_timer_t tick_timer; /* the clinic's next deadline */
  uint64_t tick_due;     /* loop ms it was armed for */
  uint64_t input_first;  /* after a stall: no tick before this loop ms */
  uv_timer_t stop_timer;

  bool started; /* the timers exist */
  bool stopping;
  bool draining; /* stopping: the outbox is being flushed */
  bool finished;
  int stop_status;
  int closing; /* stages, drivers and handles still closing */
  wg_core_stopped_cb stopped_cb;
};

/*
 * Take the patients (and routes, unknown_devices) of @cfg now, between
 * two commits: the device map, the clinic's patients (the open alerts of
 * those who left are closed), news2/latest and the inputs' devices
 * (reload.c). 0, taking @cfg over; or WG_ENOMEM with nothing changed and
 * @cfg still the caller's.
 */
int core__take_patients(wg_core_t *c, wg_config_t *cfg);

/* The clinic's timer, armed for its earliest deadline (core.c). */
void core__arm_tick(wg_core_t *c);

/* The callbacks of every input driver (core_input.c). */
extern const wg_driver_cbs_t core__input_cbs;

/* Pause or resume every open input driver (core_input.c). */
void core__pause_inputs(wg_core_t *c, bool paused);

#endif
