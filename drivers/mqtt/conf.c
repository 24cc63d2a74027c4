/* SPDX-License-Identifier: MIT */
/*
 * The MQTT driver's configuration blocks: ingest.mqtt (the devices' broker)
 * and uplink.mqtt (the hub's), read into the driver's options. What the
 * daemon decides itself (the default client id, the session, the will, the
 * uplink's subscription) it adds when it starts the driver.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <syslog.h>

#include "wardgate/log.h"
#include "wardgate/mqtt.h"

/* One level is '+' (the device id); no '#', nothing after the device. */
static bool topic_filter_ok(const char *t) {
  int plus = 0;
  const char *level = t;

  for (const char *p = t;; p++) {
    if (*p == '/' || *p == '\0') {
      size_t n = (size_t)(p - level);
      if (memchr(level, '+', n) && n != 1)
        return false;
      if (memchr(level, '#', n))
        return false; /* the device id must be one level, nothing after */
      if (n == 1 && level[0] == '+')
        plus++;
      if (*p == '\0')
        break;
      level = p + 1;
    }
  }
  return plus == 1;
}

static void read_tls(wg_conf_t *c, const char *path, const cJSON *obj,
                     wg_mqtt_opts_t *o) {
  static const char *const keys[] = {"ca_file", "cert_file", "key_file", NULL};
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "tls");
  char sub[WG_CONF_PATH_MAX], leaf[WG_CONF_PATH_MAX];

  if (t == NULL || cJSON_IsNull(t))
    return;
  wg_conf_join(sub, path, "tls");
  if (!wg_conf_object(c, sub, t, keys))
    return;
  o->ca_file = wg_conf_string(c, sub, t, "ca_file", NULL, true, false);
  o->cert_file = wg_conf_string(c, sub, t, "cert_file", NULL, false, true);
  o->key_file = wg_conf_string(c, sub, t, "key_file", NULL, false, true);
  if ((o->cert_file == NULL) != (o->key_file == NULL))
    wg_conf_problem(c, sub, "cert_file and key_file go together");
  wg_conf_join(leaf, sub, "ca_file");
  wg_conf_readable(c, leaf, o->ca_file);
  wg_conf_join(leaf, sub, "cert_file");
  wg_conf_readable(c, leaf, o->cert_file);
  wg_conf_join(leaf, sub, "key_file");
  wg_conf_readable(c, leaf, o->key_file);
}

/*
 * uplink.mqtt.hosts: a list of {"host", "port"} brokers of one cluster,
 * tried in order; in place of "host" and "port".
 */
static void read_hosts(wg_conf_t *c, const char *path, const cJSON *obj,
                       wg_mqtt_opts_t *o) {
  static const char *const keys[] = {"host", "port", NULL};
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, "hosts"), *h;
  char sub[WG_CONF_PATH_MAX], at[WG_CONF_PATH_MAX];
  wg_mqtt_host_t *v;
  int i = 0;

  if (list == NULL || cJSON_IsNull(list))
    return;
  wg_conf_join(sub, path, "hosts");
  if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
    wg_conf_problem(c, sub,
                    "must be a non-empty array of {\"host\", \"port\"}");
    return;
  }
  if (cJSON_GetObjectItemCaseSensitive(obj, "host") != NULL ||
      cJSON_GetObjectItemCaseSensitive(obj, "port") != NULL)
    wg_conf_problem(c, sub, "in place of \"host\" and \"port\", not with them");
  if ((v = wg_conf_alloc(c, (size_t)cJSON_GetArraySize(list), sizeof(*v))) ==
      NULL)
    return;
  cJSON_ArrayForEach(h, list) {
    wg_conf_join_index(at, sub, i);
    if (wg_conf_object(c, at, h, keys)) {
      v[i].host = wg_conf_string(c, at, h, "host", NULL, true, false);
      v[i].port =
          (int)wg_conf_number(c, at, h, "port", 1883, 1, 65535, true, false);
    }
    i++;
  }
  o->hosts = v;
  o->nhosts = (size_t)i;
}

/*
 * uplink.mqtt.protocol: "3.1.1" (the default, while hubs run RabbitMQ
 * before 3.13) or "5", whose PUBACK reason codes say when the hub's broker
 * refused a message (DESIGN.md section 4).
 */
static void read_protocol(wg_conf_t *c, const char *path, const cJSON *obj,
                          wg_mqtt_opts_t *o) {
  const char *v =
      wg_conf_string(c, path, obj, "protocol", "3.1.1", false, false);
  char sub[WG_CONF_PATH_MAX];

  if (v == NULL || strcmp(v, "3.1.1") == 0) {
    o->protocol_version = 4;
  } else if (strcmp(v, "5") == 0) {
    o->protocol_version = 5;
  } else {
    wg_conf_join(sub, path, "protocol");
    wg_conf_problem(c, sub, "must be \"3.1.1\" or \"5\"");
  }
  /* MQTT 5's: how long the hub's broker keeps the session while the
   * gateway is away (absent: for ever), and how long it holds the will
   * back (a reconnect within it publishes none). */
  o->session_expiry_s = (unsigned long)wg_conf_number(
      c, path, obj, "session_expiry_s", 0, 1, 4294967295.0, true, false);
  o->will_delay_s = (unsigned long)wg_conf_number(c, path, obj, "will_delay_s",
                                                  0, 0, 86400, true, false);
  for (int k = 0; k < 2 && o->protocol_version != 5; k++) {
    const char *key = k == 0 ? "session_expiry_s" : "will_delay_s";
    if (cJSON_GetObjectItemCaseSensitive(obj, key) == NULL)
      continue;
    wg_conf_join(sub, path, key);
    wg_conf_problem(c, sub, "needs \"protocol\": \"5\" (MQTT 3.1.1 has none)");
  }
}

/* Whether @host names this box only: 127.0.0.0/8, ::1 (or a v4-mapped
 * 127/8), "localhost". A host name may resolve to anything, so it is not. */
static bool conf_host_is_loopback(const char *host) {
  struct in6_addr a6;
  struct in_addr a4;

  if (strcmp(host, "localhost") == 0)
    return true;
  if (inet_pton(AF_INET, host, &a4) == 1)
    return (ntohl(a4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, host, &a6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&a6) ||
           (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
  return false;
}

/* @host, at key path @at, is off the loopback and the uplink has no TLS. */
static void plaintext_problem(wg_conf_t *c, const char *at, const char *host) {
  wg_conf_problem(c, at,
                  "%s is not a loopback address: without TLS the hub's "
                  "password, alerts and acks cross the network in the clear; "
                  "give \"tls\": {\"ca_file\": ...}, or "
                  "\"insecure_plaintext\": true to accept the risk",
                  host);
}

/*
 * uplink.mqtt without TLS: the hub's password, every alert and every ack
 * would cross the network in the clear, readable and forgeable by anyone on
 * the path. Off the box's own loopback that takes TLS or an explicit
 * "insecure_plaintext": true, which is warned about at every reading (each
 * start, each reload and --check-config).
 */
static void read_plaintext(wg_conf_t *c, const char *path, const cJSON *obj,
                           wg_mqtt_opts_t *o) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "insecure_plaintext");
  char sub[WG_CONF_PATH_MAX], at[WG_CONF_PATH_MAX], leaf[WG_CONF_PATH_MAX];
  const char *remote = NULL;

  wg_conf_join(sub, path, "insecure_plaintext");
  if (v != NULL && !cJSON_IsBool(v))
    wg_conf_problem(c, sub, "must be true or false");
  o->insecure_plaintext = cJSON_IsTrue(v);
  if (o->ca_file || o->cert_file || o->key_file) {
    if (o->insecure_plaintext)
      wg_log(LOG_WARNING, "%s: %s: has no effect: TLS is on", c->file, sub);
    return;
  }
  if (o->hosts == NULL && o->host != NULL && !conf_host_is_loopback(o->host)) {
    remote = o->host;
    wg_conf_join(at, path, "host");
    if (!o->insecure_plaintext)
      plaintext_problem(c, at, remote);
  }
  for (size_t i = 0; i < o->nhosts; i++) {
    if (o->hosts[i].host == NULL || conf_host_is_loopback(o->hosts[i].host))
      continue;
    if (remote == NULL)
      remote = o->hosts[i].host;
    wg_conf_join(at, path, "hosts");
    wg_conf_join_index(leaf, at, (int)i);
    wg_conf_join(at, leaf, "host");
    if (!o->insecure_plaintext)
      plaintext_problem(c, at, o->hosts[i].host);
  }
  if (remote != NULL && o->insecure_plaintext)
    wg_log(LOG_WARNING,
           "%s: %s: the uplink to %s is plain MQTT: the hub's password, "
           "every alert and every ack cross the network in the clear, and "
           "anyone on the path can read or forge them; give \"tls\"",
           c->file, sub, remote);
}

static wg_mqtt_opts_t *read_block(wg_conf_t *c, const char *path,
                                  const cJSON *obj, bool ingest) {
  static const char *const ingest_keys[] = {
      "host",          "port", "topic",       "client_id", "username",
      "password_file", "tls",  "keepalive_s", NULL};
  /* protocol: "3.1.1" or "5"; session_expiry_s and will_delay_s: MQTT 5 */
  static const char *const uplink_keys[] = {"host",
                                            "port",
                                            "hosts",
                                            "client_id",
                                            "username",
                                            "password_file",
                                            "tls",
                                            "keepalive_s",
                                            "insecure_plaintext",
                                            "protocol",
                                            "session_expiry_s",
                                            "will_delay_s",
                                            NULL};
  char sub[WG_CONF_PATH_MAX];
  const char *password_file;
  wg_mqtt_opts_t *o;

  if (!wg_conf_object(c, path, obj, ingest ? ingest_keys : uplink_keys))
    return NULL;
  if ((o = wg_conf_alloc(c, 1, sizeof(*o))) == NULL)
    return NULL;
  o->host = wg_conf_string(c, path, obj, "host", "127.0.0.1", false, false);
  o->port =
      (int)wg_conf_number(c, path, obj, "port", 1883, 1, 65535, true, false);
  if (ingest) {
    const char **filter = wg_conf_alloc(c, 1, sizeof(*filter));
    if (filter == NULL)
      return NULL;
    *filter = wg_conf_string(c, path, obj, "topic", "wardgate/dev/+/senml",
                             false, false);
    if (*filter && !topic_filter_ok(*filter)) {
      wg_conf_join(sub, path, "topic");
      wg_conf_problem(
          c, sub, "must have exactly one '+' level (the device id) and no '#'");
    }
    o->subscriptions = filter;
    o->nsubscriptions = 1;
  }
  o->client_id = wg_conf_string(c, path, obj, "client_id", NULL, false, true);
  o->username = wg_conf_string(c, path, obj, "username", NULL, false, true);
  password_file =
      wg_conf_string(c, path, obj, "password_file", NULL, false, true);
  o->keepalive_s = (int)wg_conf_number(c, path, obj, "keepalive_s", 30, 5,
                                       65535, true, false);
  if (password_file) {
    wg_conf_join(sub, path, "password_file");
    if (o->username == NULL)
      wg_conf_problem(c, sub, "needs a username");
    o->password = wg_conf_secret(c, sub, password_file);
  }
  read_tls(c, path, obj, o);
  if (!ingest) {
    read_hosts(c, path, obj, o);
    read_plaintext(c, path, obj, o);
    read_protocol(c, path, obj, o);
  }
  return o;
}

static void *read_ingest(wg_conf_t *c, const char *path, const cJSON *obj) {
  return read_block(c, path, obj, true);
}

static void *read_uplink(wg_conf_t *c, const char *path, const cJSON *obj) {
  return read_block(c, path, obj, false);
}

const wg_conf_block_t wg_mqtt_ingest_conf = {"mqtt", read_ingest};
const wg_conf_block_t wg_mqtt_uplink_conf = {"mqtt", read_uplink};
