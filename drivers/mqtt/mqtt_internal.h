/* SPDX-License-Identifier: MIT */
/* Between the MQTT driver's files. */
#ifndef WG_MQTT_INTERNAL_H
#define WG_MQTT_INTERNAL_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "wardgate/log.h"
#include "wardgate/mqtt.h"

/* One MQTT connection: the driver's state (wg_driver_t::impl). */
typedef struct mqtt_s {
  wg_driver_t *drv;
  uv_loop_t *loop;
  struct mosquitto *mosq;
  uv_poll_t *poll; /* one per socket; NULL while there is none */
  uv_timer_t misc_timer;
  uv_timer_t retry_timer;
  uv_work_t connect_req;
  wg_close_cb close_cb;
  int connect_rc;
  int connect_errno; /* the worker thread's, with MOSQ_ERR_ERRNO */
  int handles_open;  /* timers still to be closed */
  int events;        /* what poll is armed for */
  unsigned backoff_ms;
  bool started;
  bool connecting; /* connect_req owns mosq */
  bool connected;
  bool paused;
  bool closing;
  bool held;        /* messages taken that no commit covers yet: send nothing */
  bool persistent;  /* clean session off: the broker keeps a session */
  bool had_session; /* a CONNACK accepted before, in this run */
  bool expect_session;      /* the broker held one when the daemon last ran */
  unsigned long delivered;  /* messages and PUBACKs passed on */
  wg_complaint_t complaint; /* connection failures */
  wg_complaint_t lib_complaint; /* libmosquitto's own log */
  /* Copies of the options: the brokers, and the one tried or in use. */
  wg_mqtt_host_t *hosts;
  size_t nhosts;
  size_t cur;
  char peer[300]; /* "host:port" while connected, else "" */
  int keepalive_s;
  /* MQTT 5: the CONNECT's properties (the session's expiry), else NULL. */
  mosquitto_property *connect_props;
  bool v5;
  /* A persistent session over a cluster (hosts): the clean client to fall
   * back on, the connections dropped in a row right after the CONNACK,
   * when the last began (loop ms), and whether the fallback is due. */
  struct mosquitto *clean_mosq;
  size_t quick_drops;
  uint64_t connected_at;
  bool fall_back;
  char **subs;
  size_t nsubs;
} mqtt_t;

/* The options of the clean session to fall back on: @o's, with the
 * client id "<client id>-clean". */
typedef struct mqtt_clean_opts_s {
  wg_mqtt_opts_t opts;
  char client_id[256];
} mqtt_clean_opts_t;
const wg_mqtt_opts_t *mqtt__clean_opts(const wg_mqtt_opts_t *o,
                                       mqtt_clean_opts_t *out);

/* A connection of @m ended (in libmosquitto's callback): count a drop
 * right after the CONNACK; enough rounds of them set m->fall_back. */
void mqtt__count_drop(mqtt_t *m);

/* Outside libmosquitto's callbacks, before the next attempt: the clean
 * client takes over from the persistent one, logged and reported as a
 * lost session. */
void mqtt__fall_back(mqtt_t *m);

/*
 * What a CONNACK says (pure): a @persistent session the broker should hold
 * and does not (@present false) is lost. It should when a CONNACK was
 * accepted before in this run (@had_session), or, at the first connect,
 * when the daemon expects the session from its last run (@expected). A
 * clean session, and the first session of a client, lose nothing.
 */
bool mqtt__connack_lost(bool persistent, bool had_session, bool expected,
                        bool present);

/*
 * A libmosquitto client for @o (client.c) with a @clean session or not,
 * @obj its callbacks' data: protocol version, threaded mode, TCP_NODELAY,
 * credentials, the will (QoS 1; over MQTT 5 with its delay) and TLS; the
 * callbacks are the caller's to set. MOSQ_ERR_SUCCESS with *@out set, or
 * a MOSQ_ERR_* code (MOSQ_ERR_INVAL for an unknown protocol version).
 */
int mqtt__client_new(const wg_mqtt_opts_t *o, bool clean, void *obj,
                     struct mosquitto **out);

#endif
