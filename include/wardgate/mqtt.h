/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief The MQTT driver: libmosquitto on the daemon's libuv loop.
 *
 * The driver calls wg_driver_cbs_t::connected, wg_driver_cbs_t::disconnected,
 * wg_driver_cbs_t::message and wg_driver_cbs_t::published. A lost session
 * is retried by itself, with backoff; messages received are acknowledged
 * only after wg_driver_ops_t::committed covers them.
 */
#ifndef WARDGATE_MQTT_H
#define WARDGATE_MQTT_H

#include "wardgate/conf.h"
#include "wardgate/driver.h"

/** @brief One broker of a cluster. */
typedef struct wg_mqtt_host_s {
  const char *host; /**< @brief its name or address */
  int port;         /**< @brief its TCP port */
} wg_mqtt_host_t;

/**
 * @brief The MQTT connection's options; wg_mqtt_driver_init() copies what
 * it keeps, so the caller keeps ownership.
 */
typedef struct wg_mqtt_opts_s {
  const char *host; /**< @brief the broker, unless @c hosts are given */
  int port;         /**< @brief the port of @c host */
  /** @brief Brokers tried in order, the next one after each failed
   * attempt; a round of them all failed backs off as one attempt does. */
  const wg_mqtt_host_t *hosts;
  size_t nhosts;         /**< @brief the number of @c hosts; 0: @c host */
  const char *client_id; /**< @brief required: sessions are persistent */
  const char *username;  /**< @brief NULL: anonymous */
  const char *password;  /**< @brief with @c username; may be NULL */
  /** @brief The CA certificates; any of the three TLS files set: TLS on. */
  const char *ca_file;
  const char *cert_file; /**< @brief the client's certificate, or NULL */
  const char *key_file;  /**< @brief its private key, or NULL */
  int keepalive_s;       /**< @brief the MQTT keepalive, in seconds */
  /** @brief uplink.mqtt's "insecure_plaintext": true: plain MQTT to a
   * broker off the loopback was asked for (without it, such a
   * configuration is refused); false for ingest.mqtt. */
  bool insecure_plaintext;
  bool clean_session; /**< @brief false for a persistent session */
  /** @brief Topic filters, subscribed QoS 1 on each connect. */
  const char *const *subscriptions;
  size_t nsubscriptions;  /**< @brief the number of @c subscriptions */
  const char *will_topic; /**< @brief NULL: no will */
  /** @brief The will's text, published QoS 1; required with
   * @c will_topic. */
  const char *will_payload;
  bool will_retain; /**< @brief whether the broker retains the will */
  /**
   * @brief The MQTT version: 0 or 4 for 3.1.1, 5 for MQTT 5.
   *
   * With 5 a QoS 1 PUBACK carries a reason code: one of 0x80 or more
   * (the broker refused the message) goes to wg_driver_cbs_t::refused,
   * not wg_driver_cbs_t::published; a persistent session is asked never
   * to expire (Session Expiry Interval 0xFFFFFFFF) unless
   * @c session_expiry_s says otherwise.
   */
  int protocol_version;
  /** @brief MQTT 5, a persistent session: the Session Expiry Interval in
   * seconds; 0: 0xFFFFFFFF (never). */
  unsigned long session_expiry_s;
  /** @brief MQTT 5, with a will: the Will Delay Interval in seconds (a
   * reconnect within it publishes no will); 0: none. */
  unsigned long will_delay_s;
  /**
   * @brief A persistent session: the broker held one for this client when
   * the daemon last ran (the daemon remembers it, by the key of
   * wg_mqtt_session_key()). A first CONNACK without the session is then a
   * lost session too (wg_driver_cbs_t::session_lost), as a reconnect's
   * is: what the broker queued while the daemon was down is gone.
   */
  bool expect_session;
} wg_mqtt_opts_t;

/** @brief The size of a buffer for wg_mqtt_session_key(). */
#define WG_MQTT_SESSION_KEY_MAX 1024

/**
 * @brief What names a persistent session of @p o's: its brokers and its
 * client id, as "host:port[,host:port...] client-id".
 *
 * A daemon that remembers the key of the session its broker held compares
 * it at the next start: the same key, the same session expected
 * (wg_mqtt_opts_t::expect_session); another broker or client id never had
 * it.
 * @param o the options (@c client_id required)
 * @param[out] key the key, NUL-terminated
 * @param size the size of @p key
 * @return 0, or WG_EINVAL without a client id, or WG_ETOOBIG when the key
 *   does not fit
 */
int wg_mqtt_session_key(const wg_mqtt_opts_t *o, char *key, size_t size);

/**
 * @brief The broker of the session.
 * @param drv a driver set up by wg_mqtt_driver_init()
 * @return "host:port" of the broker of the session, owned by the driver
 *   and valid until the session ends; NULL while there is none
 */
const char *wg_mqtt_driver_peer(const wg_driver_t *drv);

/**
 * @brief Set up @p drv as an MQTT connection.
 *
 * Nothing connects before wg_driver_ops_t::start.
 * @param drv the driver, filled in; the caller's memory
 * @param label names it in log lines; kept, not copied
 * @param opts the options, copied
 * @param cbs the callbacks; kept, not copied
 * @param data stored in wg_driver_t::data
 * @return 0, or WG_ENOMEM, WG_EINVAL or WG_ETLS (the reason is logged); on
 *   error @p drv needs no close
 */
int wg_mqtt_driver_init(wg_driver_t *drv, const char *label,
                        const wg_mqtt_opts_t *opts, const wg_driver_cbs_t *cbs,
                        void *data);

/**
 * @brief The block ingest.mqtt (wardgate.json(5)), read into a
 * wg_mqtt_opts_t.
 *
 * Host and port, client_id (NULL when not given), username, the password
 * from password_file, the TLS files and keepalive_s; the one subscription
 * is the topic filter whose '+' level names the device.
 */
extern const wg_conf_block_t wg_mqtt_ingest_conf;
/**
 * @brief The block uplink.mqtt (wardgate.json(5)), read into a
 * wg_mqtt_opts_t.
 *
 * Host and port, or hosts, client_id (NULL when not given), username, the
 * password from password_file, the TLS files, keepalive_s,
 * insecure_plaintext and protocol ("3.1.1", the default, or "5":
 * wg_mqtt_opts_t::protocol_version). A broker off the loopback without TLS
 * is a problem unless insecure_plaintext is true, which is then logged as
 * a warning at every reading of the file.
 */
extern const wg_conf_block_t wg_mqtt_uplink_conf;

#endif
