/* SPDX-License-Identifier: MIT */
/*
 * The input transports, in one table: which of them the configuration
 * turns on, and how each one's driver is set up from it. The core starts
 * every configured input and talks to all of them through the driver
 * interface; a new transport is its driver's directory, its configuration
 * block, and one entry here.
 */
#ifndef WG_INPUTS_H
#define WG_INPUTS_H

#include <stdbool.h>

#include "config.h"
#include "ingest.h"
#include "wardgate/driver.h"
#include "wardgate/mqtt.h"

typedef struct wg_input_s {
  const char *name; /* the key under "ingest" */
  bool (*configured)(const wg_config_t *cfg);
  /*
   * Set up @drv for @cfg, with the configured devices of @in (for
   * discovery). Returns 0 or a WG_E* code; on error @drv needs no close.
   */
  int (*init)(wg_driver_t *drv, const wg_config_t *cfg, const wg_ingest_t *in,
              const wg_driver_cbs_t *cbs, void *data);
  /* The devices of @in changed (a reload); NULL when it does not care.
   * 0 or WG_ENOMEM. */
  int (*devices_changed)(wg_driver_t *drv, const wg_ingest_t *in);
} wg_input_t;

/*
 * The driver options of MQTT connection @m (an input's or the uplink's),
 * with @client_id where the configuration names none. Subscriptions, the
 * will and the session are the caller's to set; the strings are borrowed
 * from @m.
 */
void wg_inputs_mqtt_opts(const wg_mqtt_conf_t *m, const char *client_id,
                         wg_mqtt_opts_t *o);

/* Every input transport, NULL-terminated. */
extern const wg_input_t *const wg_inputs[];

#endif
