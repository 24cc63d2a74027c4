/* SPDX-License-Identifier: MIT */
/* The MQTT driver: libmosquitto on the daemon's libuv loop. */
#ifndef WARDGATE_MQTT_H
#define WARDGATE_MQTT_H

#include "wardgate/conf.h"
#include "wardgate/driver.h"

/* One broker of a cluster. */
typedef struct wg_mqtt_host_s {
  const char *host;
  int port;
} wg_mqtt_host_t;

typedef struct wg_mqtt_opts_s {
  const char *host; /* the broker, unless hosts are given */
  int port;
  /* Brokers tried in order, the next one after each failed attempt; a
   * round of them all failed backs off as one attempt does. */
  const wg_mqtt_host_t *hosts;
  size_t nhosts;
  const char *client_id; /* required: sessions are persistent */
  const char *username;  /* NULL: anonymous */
  const char *password;
  const char *ca_file; /* any of the three set: TLS on */
  const char *cert_file;
  const char *key_file;
  int keepalive_s;
  bool clean_session;
  const char *const *subscriptions; /* topic filters, subscribed QoS 1 */
  size_t nsubscriptions;
  const char *will_topic; /* NULL: no will */
  const char *will_payload;
  bool will_retain;
} wg_mqtt_opts_t;

/*
 * Set up @drv as an MQTT connection with @opts (copied). @label names it in
 * log lines. Returns 0, or WG_ENOMEM, WG_EINVAL or WG_ETLS (the reason is
 * logged); on error @drv needs no close.
 */
/* "host:port" of the broker of the session, or NULL while there is none. */
const char *wg_mqtt_driver_peer(const wg_driver_t *drv);

int wg_mqtt_driver_init(wg_driver_t *drv, const char *label,
                        const wg_mqtt_opts_t *opts, const wg_driver_cbs_t *cbs,
                        void *data);

/*
 * The blocks ingest.mqtt and uplink.mqtt (wardgate.json(5)), read into a
 * wg_mqtt_opts_t: host and port, or (uplink) hosts, client_id (NULL when
 * not given), username,
 * the password from password_file, the TLS files and keepalive_s; for
 * ingest, the one subscription is the topic filter whose '+' level names
 * the device.
 */
extern const wg_conf_block_t wg_mqtt_ingest_conf;
extern const wg_conf_block_t wg_mqtt_uplink_conf;

#endif
