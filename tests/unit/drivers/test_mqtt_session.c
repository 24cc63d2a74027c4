/* SPDX-License-Identifier: MIT */
/*
 * The MQTT driver's word on a persistent session (drivers/mqtt/client.c):
 * what a CONNACK's session-present flag means, at the first connect and
 * after, with or without a session expected from the daemon's last run;
 * and the key that names a session (its brokers and client id).
 */
#include "mqtt_internal.h"
#include "test.h"
#include "wardgate/error.h"

/* Every combination: lost only for a persistent session the broker should
 * hold (a CONNACK before in this run, or expected from the last run) and
 * does not. */
static void connack_decision(void) {
  static const struct {
    bool persistent, had, expected, present, lost;
  } cases[] = {
      /* The first connect, nothing expected (the first start ever). */
      {true, false, false, false, false},
      {true, false, false, true, false},
      /* The first connect after a restart, the session expected. */
      {true, false, true, false, true},
      {true, false, true, true, false},
      /* A reconnect. */
      {true, true, false, false, true},
      {true, true, false, true, false},
      {true, true, true, false, true},
      {true, true, true, true, false},
      /* A clean session (configured, or the fallback) loses nothing. */
      {false, false, false, false, false},
      {false, false, true, false, false},
      {false, true, false, false, false},
      {false, true, true, false, false},
      {false, true, true, true, false},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    bool lost = mqtt__connack_lost(cases[i].persistent, cases[i].had,
                                   cases[i].expected, cases[i].present);
    if (lost != cases[i].lost)
      FAIL_AT("case %zu: lost %d, want %d", i, lost, cases[i].lost);
  }
}

static void session_key(void) {
  const wg_mqtt_host_t nodes[] = {{"hub-a", 8883}, {"hub-b", 8884}};
  wg_mqtt_opts_t o = {
      .host = "127.0.0.1", .port = 1883, .client_id = "wardgate-gw-1-ingest"};
  char key[WG_MQTT_SESSION_KEY_MAX], small[24];

  ASSERT_EQ(wg_mqtt_session_key(&o, key, sizeof(key)), 0);
  ASSERT_STR_EQ(key, "127.0.0.1:1883 wardgate-gw-1-ingest");
  /* Another port, another broker: another session. */
  o.port = 1884;
  ASSERT_EQ(wg_mqtt_session_key(&o, key, sizeof(key)), 0);
  ASSERT_STR_EQ(key, "127.0.0.1:1884 wardgate-gw-1-ingest");
  /* A cluster: every node, in order, in place of host and port. */
  o.hosts = nodes;
  o.nhosts = 2;
  o.client_id = "gw 1 uplink"; /* any text, spaces and all, goes last */
  ASSERT_EQ(wg_mqtt_session_key(&o, key, sizeof(key)), 0);
  ASSERT_STR_EQ(key, "hub-a:8883,hub-b:8884 gw 1 uplink");
  /* What does not fit is refused, never cut short (two keys cut to the
   * same text would name one session). */
  ASSERT_EQ(wg_mqtt_session_key(&o, small, sizeof(small)), WG_ETOOBIG);
  ASSERT_EQ(wg_mqtt_session_key(&o, small, 10), WG_ETOOBIG);
  ASSERT_EQ(wg_mqtt_session_key(&o, key, 0), WG_EINVAL);
  /* No client id: no session to name. */
  o.client_id = NULL;
  ASSERT_EQ(wg_mqtt_session_key(&o, key, sizeof(key)), WG_EINVAL);
}

TEST_MAIN(T(connack_decision), T(session_key))
