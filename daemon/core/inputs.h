/* SPDX-License-Identifier: MIT */
/*
 * The transports, in one table: each input's configuration block (read by
 * its driver) and how its driver is set up; and the uplink's block. The
 * core starts every configured input and talks to all of them through the
 * driver interface; a new transport is its driver's directory and one
 * entry here. No libuv here: the configuration reads this table.
 */
#ifndef WG_INPUTS_H
#define WG_INPUTS_H

#include <stddef.h>

#include "core/config.h"
#include "ingest/ingest.h"
#include "wardgate/conf.h"

struct wg_driver_s;
struct wg_driver_cbs_s;

typedef struct wg_input_s {
  /* Its block under "ingest"; conf->name names the input. */
  const wg_conf_block_t *conf;
  /*
   * Set up @drv with @opts (what conf->read returned) for gateway @cfg,
   * with the configured devices of @in (for discovery). Returns 0 or a
   * WG_E* code; on error @drv needs no close.
   */
  int (*init)(struct wg_driver_s *drv, const void *opts, const wg_config_t *cfg,
              const wg_ingest_t *in, const struct wg_driver_cbs_s *cbs,
              void *data);
  /* The devices of @in changed (a reload); NULL when it does not care.
   * 0 or WG_ENOMEM. */
  int (*devices_changed)(struct wg_driver_s *drv, const wg_ingest_t *in);
  /* For an input that delivers messages on topics: the device @topic
   * names, as wg_ingest_device_from_topic(). */
  int (*device_of)(const void *opts, const char *topic, char *device,
                   size_t size);
} wg_input_t;

/* Every input transport, NULL-terminated; at most WG_CONFIG_INPUTS_MAX. */
extern const wg_input_t *const wg_inputs[];

/* The block under "uplink": its driver's options are the hub's. */
extern const wg_conf_block_t *const wg_uplink_conf;

#endif
