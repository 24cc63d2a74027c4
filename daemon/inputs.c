/* SPDX-License-Identifier: MIT */
#include "inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/coap.h"
#include "wardgate/error.h"
#include "wardgate/mqtt.h"

void wg_inputs_mqtt_opts(const wg_mqtt_conf_t *m, const char *client_id,
                         wg_mqtt_opts_t *o) {
  memset(o, 0, sizeof(*o));
  o->host = m->host;
  o->port = m->port;
  o->client_id = m->client_id ? m->client_id : client_id;
  o->username = m->username;
  o->password = m->password;
  if (m->tls_on) {
    o->ca_file = m->tls.ca_file;
    o->cert_file = m->tls.cert_file;
    o->key_file = m->tls.key_file;
  }
  o->keepalive_s = m->keepalive_s;
}

/* ---- MQTT: the devices' broker ------------------------------------------- */

static bool mqtt_configured(const wg_config_t *cfg) {
  return cfg->ingest_mqtt_on;
}

/* A persistent session under a fixed client id, so that the broker queues
 * what devices publish while the daemon restarts. */
static int mqtt_init(wg_driver_t *drv, const wg_config_t *cfg,
                     const wg_ingest_t *in, const wg_driver_cbs_t *cbs,
                     void *data) {
  const char *subscription = cfg->ingest_mqtt.topic;
  char client_id[96];
  wg_mqtt_opts_t o;

  (void)in;
  snprintf(client_id, sizeof(client_id), "wardgate-%s-ingest", cfg->gateway_id);
  wg_inputs_mqtt_opts(&cfg->ingest_mqtt, client_id, &o);
  o.clean_session = false;
  o.subscriptions = &subscription; /* copied by the driver */
  o.nsubscriptions = 1;
  return wg_mqtt_driver_init(drv, "ingest", &o, cbs, data);
}

static const wg_input_t mqtt_input = {"mqtt", mqtt_configured, mqtt_init, NULL};

/* ---- CoAP ---------------------------------------------------------------- */

static bool coap_configured(const wg_config_t *cfg) {
  return cfg->ingest_coap_on;
}

static int coap_init(wg_driver_t *drv, const wg_config_t *cfg,
                     const wg_ingest_t *in, const wg_driver_cbs_t *cbs,
                     void *data) {
  const wg_coap_conf_t *co = &cfg->ingest_coap;
  const char **devices = wg_ingest_device_ids(in);
  wg_coap_opts_t o;
  int rc;

  if (devices == NULL)
    return WG_ENOMEM;
  memset(&o, 0, sizeof(o));
  o.bind = co->bind;
  o.port = co->port;
  o.psks = co->psks;
  o.npsks = co->npsks;
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

static const wg_input_t coap_input = {"coap", coap_configured, coap_init,
                                      coap_devices_changed};

const wg_input_t *const wg_inputs[] = {&mqtt_input, &coap_input, NULL};
