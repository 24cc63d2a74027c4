/* SPDX-License-Identifier: MIT */
#include "core/inputs.h"

#include "core/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/coap.h"
#include "wardgate/error.h"
#include "wardgate/log.h"
#include "wardgate/mqtt.h"

/* ---- MQTT: the devices' broker ------------------------------------------- */

/* A persistent session under a fixed client id, so that the broker queues
 * what devices publish while the daemon restarts; one it lost meanwhile is
 * reported at the first connect (@data is the core). */
static int mqtt_init(wg_driver_t *drv, const void *opts, const wg_config_t *cfg,
                     const wg_ingest_t *in, const wg_driver_cbs_t *cbs,
                     void *data) {
  wg_mqtt_opts_t o = *(const wg_mqtt_opts_t *)opts;
  wg_core_t *c = data;
  char client_id[96];

  (void)in;
  snprintf(client_id, sizeof(client_id), "wardgate-%s-ingest", cfg->gateway_id);
  if (o.client_id == NULL)
    o.client_id = client_id;
  o.clean_session = false;
  wg_hub_session_expect(&c->hub, "ingest", &o);
  return wg_mqtt_driver_init(drv, "ingest", &o, cbs, data);
}

/* The topic filter has one '+' level: the device id. */
static int mqtt_device_of(const void *opts, const char *topic, char *device,
                          size_t size) {
  const wg_mqtt_opts_t *o = opts;

  return wg_ingest_device_from_topic(o->subscriptions[0], topic, device, size);
}

static const wg_input_t mqtt_input = {&wg_mqtt_ingest_conf, mqtt_init, NULL,
                                      mqtt_device_of};

/* ---- CoAP ---------------------------------------------------------------- */

/* The first configured device that may use any transport, or NULL. */
static const char *coap_any_transport(const wg_config_t *cfg) {
  for (size_t i = 0; i < cfg->npatients; i++)
    for (size_t d = 0; d < cfg->patients[i].ndevices; d++)
      if (cfg->patients[i].device_conf == NULL ||
          cfg->patients[i].device_conf[d].via == NULL)
        return cfg->patients[i].devices[d];
  return NULL;
}

static int coap_init(wg_driver_t *drv, const void *opts, const wg_config_t *cfg,
                     const wg_ingest_t *in, const wg_driver_cbs_t *cbs,
                     void *data) {
  const char **devices = wg_ingest_device_ids(in);
  wg_coap_opts_t o = *(const wg_coap_opts_t *)opts;
  const char *open;
  int rc;

  /* Plain CoAP takes any device's word for who it is: a device that may
   * use any transport can be impersonated there, though it speaks MQTT
   * with a password. */
  if (o.npsks == 0 && (open = coap_any_transport(cfg)) != NULL)
    wg_log(LOG_WARNING,
           "coap: plain CoAP is on and device %s (maybe others) may use any "
           "transport: anyone who reaches the CoAP port can post as it; "
           "give its \"via\" in the configuration, or a psk_file",
           open);
  if (devices == NULL)
    return WG_ENOMEM;
  o.devices = devices;
  o.ndevices = in->map.n;
  o.max_pack = WG_SENML_MAX_BYTES;
  rc = wg_coap_driver_init(drv, "coap", &o, cbs, data);
  free(devices);
  return rc;
}

/* Discovery lists the devices added by a reload. */
static int coap_devices_changed(wg_driver_t *drv, const wg_ingest_t *in) {
  const char **ids = wg_ingest_device_ids(in);
  int rc = ids ? wg_coap_driver_list_devices(drv, ids, in->map.n) : WG_ENOMEM;

  free(ids);
  return rc;
}

static const wg_input_t coap_input = {&wg_coap_ingest_conf, coap_init,
                                      coap_devices_changed, NULL};

const wg_input_t *const wg_inputs[] = {&mqtt_input, &coap_input, NULL};

_Static_assert(sizeof(wg_inputs) / sizeof(wg_inputs[0]) - 1 <=
                   WG_CONFIG_INPUTS_MAX,
               "wg_config_t.ingest holds every input");

const wg_conf_block_t *const wg_uplink_conf = &wg_mqtt_uplink_conf;
