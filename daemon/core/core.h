/* SPDX-License-Identifier: MIT */
/*
 * The gateway: the stages of the data's path (ingest, commit, clinic, hub)
 * and the input drivers, wired together on one libuv loop, with their life
 * cycle: start, reload on SIGHUP, the stop of DESIGN.md section 3.
 */
#ifndef WG_CORE_H
#define WG_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/counters.h"
#include "core/config.h"

typedef struct wg_core_s wg_core_t;

/* Called once when a stop has finished; @status is the exit status. */
typedef void (*wg_core_stopped_cb)(wg_core_t *core, int status);

/*
 * Create the core on @loop. It takes @cfg over (also on error). Returns 0,
 * WG_ENOMEM, or WG_EIO when the database cannot be opened.
 */
int wg_core_new(wg_core_t **out, uv_loop_t *loop, wg_config_t *cfg);

/* Connect the drivers and start the timers. Returns 0 or a WG_E* code. */
int wg_core_start(wg_core_t *core);

/*
 * Stop as DESIGN.md section 3 says: stop taking input, commit, publish the
 * offline status and wait up to 5 s for the broker to acknowledge it, close
 * everything. @cb runs at the end; then wg_core_free() may be called.
 */
void wg_core_stop(wg_core_t *core, wg_core_stopped_cb cb);

/*
 * Take the patients of @cfg (SIGHUP). Connections stay up; keys other than
 * the patients and unknown_devices need a restart and are logged if changed.
 * Takes @cfg over.
 */
void wg_core_reload(wg_core_t *core, wg_config_t *cfg);

/* After a stop has finished (or before start). */
void wg_core_free(wg_core_t *core);

/*
 * Take a pack from @device over @transport ("mqtt", "coap") received now.
 * Its readings are committed with the current loop iteration's group.
 * Returns 0, or WG_ENODEV, WG_ETOOBIG, WG_EINVAL with the reason in @err;
 * a rejected pack has been counted, logged and reported.
 */
int wg_core_ingest(wg_core_t *core, const char *transport, const char *device,
                   const void *payload, size_t len, char *err, size_t errlen);

/*
 * The status JSON (DESIGN.md section 7); free() it. NULL when out of memory.
 * Without @with_counters it is the will's form: no counters, no ts.
 */
char *wg_core_status_json(const wg_core_t *core, bool online,
                          bool with_counters);

/* The loop the core runs on. */
uv_loop_t *wg_core_loop(const wg_core_t *core);

const wg_counters_t *wg_core_counters(const wg_core_t *core);

#endif
