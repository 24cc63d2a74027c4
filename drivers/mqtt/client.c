/* SPDX-License-Identifier: MIT */
/*
 * A libmosquitto client set up from the options: the protocol version,
 * the threaded mode, TCP_NODELAY, the credentials, the will and TLS. The
 * driver (mqtt.c) makes one, and for a cluster's persistent session a
 * second with a clean session to fall back on. And what a CONNACK says of
 * a persistent session, and the key that names one.
 */
#include <mqtt_protocol.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_internal.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

/* A connection that ends sooner than this after its CONNACK was dropped
 * right after it; so many rounds of every node doing so: a clean session. */
#define QUICK_DROP_MS 5000
#define FALLBACK_ROUNDS 3

/* The will, held back over MQTT 5 (Will Delay Interval) so that a
 * connection lost and made again within the delay says nothing. */
static int client_will(struct mosquitto *mosq, bool v5,
                       const wg_mqtt_opts_t *o) {
  mosquitto_property *props = NULL;
  int rc = MOSQ_ERR_SUCCESS;

  if (v5 && o->will_delay_s > 0)
    rc = mosquitto_property_add_int32(&props, MQTT_PROP_WILL_DELAY_INTERVAL,
                                      (uint32_t)o->will_delay_s);
  if (rc == MOSQ_ERR_SUCCESS)
    rc =
        mosquitto_will_set_v5(mosq, o->will_topic, (int)strlen(o->will_payload),
                              o->will_payload, 1, o->will_retain, props);
  /* Taken by the client only on success. */
  if (rc != MOSQ_ERR_SUCCESS)
    mosquitto_property_free_all(&props);
  return rc;
}

int mqtt__client_new(const wg_mqtt_opts_t *o, bool clean, void *obj,
                     struct mosquitto **out) {
  bool v5 = o->protocol_version == 5;
  struct mosquitto *mosq;
  int rc = MOSQ_ERR_SUCCESS;

  *out = NULL;
  if (o->protocol_version != 0 && o->protocol_version != 4 && !v5)
    return MOSQ_ERR_INVAL;
  if ((mosq = mosquitto_new(o->client_id, clean, obj)) == NULL)
    return MOSQ_ERR_NOMEM;
  if (v5)
    rc =
        mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  /* Threaded, libmosquitto only queues what it sends (mqtt.c, the top). */
  mosquitto_threaded_set(mosq, true);
  /* An alert is a small packet that must not wait for Nagle's algorithm
   * and the peer's delayed ACK (40 ms on Linux). */
  mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
  if (rc == MOSQ_ERR_SUCCESS && o->username)
    rc = mosquitto_username_pw_set(mosq, o->username, o->password);
  if (rc == MOSQ_ERR_SUCCESS && o->will_topic)
    rc = client_will(mosq, v5, o);
  if (rc == MOSQ_ERR_SUCCESS && (o->ca_file || o->cert_file || o->key_file))
    rc = mosquitto_tls_set(mosq, o->ca_file, NULL, o->cert_file, o->key_file,
                           NULL);
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(mosq);
    return rc;
  }
  *out = mosq;
  return MOSQ_ERR_SUCCESS;
}

const wg_mqtt_opts_t *mqtt__clean_opts(const wg_mqtt_opts_t *o,
                                       mqtt_clean_opts_t *out) {
  out->opts = *o;
  out->opts.clean_session = true;
  snprintf(out->client_id, sizeof(out->client_id), "%.240s-clean",
           o->client_id ? o->client_id : "wardgate");
  out->opts.client_id = out->client_id;
  return &out->opts;
}

/*
 * A connection ended. Every node of a cluster dropping the persistent
 * session right after its CONNACK, FALLBACK_ROUNDS rounds in a row, is a
 * session the cluster cannot serve (RabbitMQ's classic queue on a node
 * that stopped): the next attempt falls back to a clean session.
 */
void mqtt__count_drop(mqtt_t *m) {
  if (m->clean_mosq == NULL)
    return;
  if (uv_now(m->loop) - m->connected_at >= QUICK_DROP_MS)
    m->quick_drops = 0;
  else if (++m->quick_drops >= m->nhosts * FALLBACK_ROUNDS)
    m->fall_back = true;
}

void mqtt__fall_back(mqtt_t *m) {
  wg_log(LOG_ERR,
         "mqtt: %s: every node dropped the persistent session right after "
         "connecting, %d rounds in a row: falling back to a clean session, "
         "its client id ending in -clean (what the broker kept for the "
         "persistent one is lost)",
         m->drv->label, FALLBACK_ROUNDS);
  mosquitto_destroy(m->mosq);
  m->mosq = m->clean_mosq;
  m->clean_mosq = NULL;
  mosquitto_property_free_all(&m->connect_props);
  m->persistent = m->fall_back = false;
  /* The old client's unacknowledged messages went with it. */
  if (m->drv->cbs->inflight_lost)
    m->drv->cbs->inflight_lost(m->drv);
  if (m->drv->cbs->session_lost)
    m->drv->cbs->session_lost(m->drv);
  /* Given up: the next run must not find it lost again. */
  if (m->drv->cbs->session_held)
    m->drv->cbs->session_held(m->drv, false);
}

bool mqtt__connack_lost(bool persistent, bool had_session, bool expected,
                        bool present) {
  return persistent && (had_session || expected) && !present;
}

int wg_mqtt_session_key(const wg_mqtt_opts_t *o, char *key, size_t size) {
  const wg_mqtt_host_t one = {o->host, o->port};
  const wg_mqtt_host_t *h = o->nhosts > 0 ? o->hosts : &one;
  size_t n = o->nhosts > 0 ? o->nhosts : 1, len = 0;
  int w;

  if (o->client_id == NULL || size == 0)
    return WG_EINVAL;
  for (size_t i = 0; i < n; i++) {
    w = snprintf(key + len, size - len, "%s%s:%d", i ? "," : "",
                 h[i].host ? h[i].host : "", h[i].port);
    if (w < 0 || (size_t)w >= size - len)
      return WG_ETOOBIG;
    len += (size_t)w;
  }
  w = snprintf(key + len, size - len, " %s", o->client_id);
  return w < 0 || (size_t)w >= size - len ? WG_ETOOBIG : 0;
}
