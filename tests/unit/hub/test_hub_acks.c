/* SPDX-License-Identifier: MIT */
/*
 * The hub's side of acks and error reports, over the fake uplink
 * (hub_fixture.h): acks checked and handed on, the hold of the uplink
 * while an ack waits for its commit, the audit budget of acks that change
 * nothing, error reports rate-limited and held until the uplink connects.
 */
#include "hub_fixture.h"

/* An ack holds the uplink until its commit; with no commit (the store
 * failing) a third of the keepalive at most, then the uplink is let go;
 * a commit in time ends the hold. */
static void hold_bounded(void) {
  fixture_t f;
  uv_timer_t stop;

  ASSERT_EQ(setup(&f), 0);
  ((wg_mqtt_opts_t *)f.cfg->uplink)->keepalive_s = 5; /* a hold of 1.67 s */
  open_fall(&f);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  fake.committed = 99;
  deliver(&f, "wardgate/gw-1/alerts/ack",
          "{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\"}");
  ASSERT_EQ(f.nacks, 1);
  uv_timer_init(&f.loop, &stop);
  uv_timer_start(&stop, stop_loop_cb, 1000, 0);
  uv_run(&f.loop, UV_RUN_DEFAULT);
  ASSERT_EQ(fake.committed, 99); /* still held at 1 s */
  uv_timer_start(&stop, stop_loop_cb, 1500, 0);
  uv_run(&f.loop, UV_RUN_DEFAULT);
  ASSERT_EQ(fake.committed, 0); /* let go */
  /* A commit in time: its word, and no release after it. */
  deliver(&f, "wardgate/gw-1/alerts/ack",
          "{\"id\":\"gw-1-000001\",\"by\":\"Dr No\"}");
  wg_hub_committed(&f.hub, 7, false);
  ASSERT_EQ(fake.committed, 7);
  uv_timer_start(&stop, stop_loop_cb, 2000, 0);
  uv_run(&f.loop, UV_RUN_DEFAULT);
  ASSERT_EQ(fake.committed, 7);
  uv_close((uv_handle_t *)&stop, NULL);
  ASSERT_EQ(teardown(&f), 0);
}

/* Acks that change nothing (their alert is not open) are handed on within
 * the audit budget: 300 of the same once, 300 others up to the burst; an
 * ack for an open alert always. */
static void late_acks_bounded(void) {
  char json[200];
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  fake.connected = true;
  for (int i = 0; i < 300; i++)
    deliver(&f, "wardgate/gw-1/alerts/ack",
            "{\"id\":\"gw-1-000042\",\"by\":\"Dr Who\"}");
  ASSERT_EQ(f.nacks, 1);
  ASSERT_EQ(f.counters.acks_unaudited, 299);
  for (int i = 0; i < 300; i++) {
    snprintf(json, sizeof(json), "{\"id\":\"gw-1-000042\",\"by\":\"n%d\"}", i);
    deliver(&f, "wardgate/gw-1/alerts/ack", json);
  }
  ASSERT_EQ(f.nacks, WG_ACK_AUDIT_BURST);
  ASSERT_EQ(f.counters.acks_unaudited, 299 + 300 - (WG_ACK_AUDIT_BURST - 1));
  open_fall(&f);
  for (int i = 0; i < 5; i++) {
    snprintf(json, sizeof(json), "{\"id\":\"gw-1-000001\",\"by\":\"n%d\"}", i);
    deliver(&f, "wardgate/gw-1/alerts/ack", json);
  }
  ASSERT_EQ(f.nacks, WG_ACK_AUDIT_BURST + 5);
  ASSERT_EQ(teardown(&f), 0);
}

/* Acks: a good one is handed on; every bad one is counted and reported
 * with its reason; each message is input the commit owes a word to. */
static void acks_checked(void) {
  static const struct {
    const char *payload;
    const char *reason; /* NULL: taken */
  } cases[] = {
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\"}", NULL},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"extra\":1}", NULL},
      {"{\"id\":\"gw-1-000001\"}", "needs \\\"id\\\" and \\\"by\\\""},
      {"{\"id\":\"\",\"by\":\"x\"}", "needs \\\"id\\\" and \\\"by\\\""},
      {"{\"id\":7,\"by\":\"x\"}", "needs \\\"id\\\" and \\\"by\\\""},
      {"[\"id\",\"by\"]", "needs \\\"id\\\" and \\\"by\\\""},
      {"{\"id\":\"a\",\"id\":\"b\",\"by\":\"x\"}", "malformed ack: "},
      {"{\"id\":\"a\",\"by\":\"x\"} trailing", "malformed ack: "},
      {"not json", "malformed ack: "},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"outcome\":\"home\"}",
       "\\\"outcome\\\" must be one of advice, visit, ambulance, admitted, "
       "no_action, other"},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"outcome\":3}",
       "\\\"outcome\\\" must be one of"},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"note\":\"a\\u0007b\"}",
       "\\\"note\\\" holds a control character"},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"note\":\"a\\tb\"}",
       "\\\"note\\\" holds a control character"},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"note\":\"\\u0085\"}",
       "\\\"note\\\" holds a control character"},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"note\":[]}",
       "\\\"note\\\" must be a string"},
      {"{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"outcome\":\"visit\","
       "\"note\":\"Seen at home; GP informed \\u00e9\"}",
       NULL},
  };
  char big[9000], note[1200], json[1400];
  fixture_t f;
  int taken = 0, rejected = 0;

  ASSERT_EQ(setup(&f), 0);
  open_fall(&f); /* gw-1-000001: acks for it are never limited */
  fake.connected = true;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int before = fake.npub;
    f.hub.error_tokens = 10; /* the rate limit has a test of its own */
    deliver(&f, "wardgate/gw-1/alerts/ack", cases[i].payload);
    if (cases[i].reason == NULL) {
      taken++;
      if (f.nacks != taken || fake.npub != before)
        FAIL_AT("case %zu: not taken", i);
      continue;
    }
    rejected++;
    if (f.nacks != taken || fake.npub != before + 1)
      FAIL_AT("case %zu: taken or not reported", i);
    ASSERT_STR_EQ(fake.pub[before].topic, "wardgate/gw-1/errors");
    ASSERT_EQ(fake.pub[before].qos, 0);
    ASSERT_CONTAINS(fake.pub[before].payload, "\"source\":\"alerts/ack\"");
    ASSERT_CONTAINS(fake.pub[before].payload, cases[i].reason);
  }
  ASSERT_STR_EQ(f.ack.id, "gw-1-000001");
  ASSERT_STR_EQ(f.ack.by, "Dr Who");
  ASSERT_STR_EQ(f.ack.outcome, "visit");
  ASSERT_STR_EQ(f.ack.note, "Seen at home; GP informed \xc3\xa9");
  ASSERT(f.ack.ts > 0);
  ASSERT_EQ(f.counters.acks_rejected, rejected);
  /* Each outcome of the list is taken as it is. */
  for (int k = 0; wg_ack_outcomes[k] != NULL; k++) {
    snprintf(json, sizeof(json),
             "{\"id\":\"gw-1-000009\",\"by\":\"x\",\"outcome\":\"%s\"}",
             wg_ack_outcomes[k]);
    deliver(&f, "wardgate/gw-1/alerts/ack", json);
    ASSERT_STR_EQ(f.ack.outcome, wg_ack_outcomes[k]);
    taken++;
  }
  ASSERT_EQ(f.nacks, taken);
  /* A note of 500 characters, two bytes each, is taken; 501 is not. */
  for (int i = 0; i < 500; i++)
    memcpy(note + 2 * i, "\xc3\xa9", 2);
  note[1000] = '\0';
  snprintf(json, sizeof(json),
           "{\"id\":\"gw-1-000002\",\"by\":\"x\",\"note\":\"%s\"}", note);
  deliver(&f, "wardgate/gw-1/alerts/ack", json);
  ASSERT_STR_EQ(f.ack.id, "gw-1-000002");
  ASSERT_EQ(strlen(f.ack.note), 1000);
  f.hub.error_tokens = 10;
  snprintf(json, sizeof(json),
           "{\"id\":\"gw-1-000003\",\"by\":\"x\",\"note\":\"%sz\"}", note);
  deliver(&f, "wardgate/gw-1/alerts/ack", json);
  ASSERT_STR_EQ(f.ack.id, "gw-1-000002");
  ASSERT_CONTAINS(last("wardgate/gw-1/errors")->payload,
                  "\\\"note\\\" is longer than 500 characters");
  taken++;
  rejected++;
  memset(big, ' ', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  f.hub.error_tokens = 10;
  deliver(&f, "wardgate/gw-1/alerts/ack", big);
  ASSERT_CONTAINS(last("wardgate/gw-1/errors")->payload,
                  "larger than 8192 bytes");
  /* Another topic: input all the same, nothing taken. */
  deliver(&f, "wardgate/gw-1/other", "{}");
  ASSERT_EQ(f.ninput, (int)(sizeof(cases) / sizeof(cases[0])) + 10);
  ASSERT_EQ(f.nacks, taken);
  wg_hub_report_unknown_ack(&f.hub, "gw-1-000077");
  ASSERT_CONTAINS(last("wardgate/gw-1/errors")->payload,
                  "ack for unknown alert id gw-1-000077");
  ASSERT_EQ(f.counters.acks_rejected, rejected + 2);
  ASSERT_EQ(teardown(&f), 0);
}

/* A broken device: a burst of ten reports, then the bucket is empty; all
 * are counted. */
static void reports_rate_limited(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  fake.connected = true;
  for (int i = 0; i < 12; i++)
    wg_hub_report_rejection(&f.hub, "coap", "oxi-1", "bad pack");
  ASSERT_EQ(published("wardgate/gw-1/errors"), 10);
  ASSERT_EQ(f.counters.packs_rejected, 12);
  ASSERT_EQ(f.counters.errors_suppressed, 2);
  ASSERT_CONTAINS(last("wardgate/gw-1/errors")->payload,
                  "{\"device\":\"oxi-1\",\"transport\":\"coap\",\"reason\":"
                  "\"bad pack\",\"ts\":");
  ASSERT_EQ(teardown(&f), 0);
}

/* Reports made before the uplink first connects (errors is QoS 0: no
 * broker holds them) are kept, the latest WG_HUB_ERRORS_HELD, and published
 * once it connects, oldest first, each once; so are those made between two
 * sessions. */
static void reports_held_until_connected(void) {
  char reason[32];
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT(!fake.connected);
  for (int i = 0; i < WG_HUB_ERRORS_HELD + 4; i++) {
    f.hub.error_tokens = 10; /* the rate limit has a test of its own */
    snprintf(reason, sizeof(reason), "bad pack %d", i);
    wg_hub_report_rejection(&f.hub, "coap", "oxi-1", reason);
  }
  ASSERT_EQ(published("wardgate/gw-1/errors"), 0);
  ASSERT_EQ(f.counters.errors_suppressed, 4);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published("wardgate/gw-1/errors"), WG_HUB_ERRORS_HELD);
  for (int i = 0, k = 4; i < fake.npub; i++)
    if (strcmp(fake.pub[i].topic, "wardgate/gw-1/errors") == 0) {
      snprintf(reason, sizeof(reason), "\"bad pack %d\"", k++);
      ASSERT_CONTAINS(fake.pub[i].payload, reason);
      ASSERT_EQ(fake.pub[i].qos, 0);
    }
  /* Connected: sent at once, and nothing held is sent again. */
  f.hub.error_tokens = 10;
  wg_hub_report_rejection(&f.hub, "coap", "oxi-1", "live");
  ASSERT_EQ(published("wardgate/gw-1/errors"), WG_HUB_ERRORS_HELD + 1);
  /* Between two sessions: held, and sent at the reconnect. */
  fake.connected = false;
  f.hub.uplink.cbs->disconnected(&f.hub.uplink);
  f.hub.error_tokens = 10;
  wg_hub_report_rejection(&f.hub, "coap", "oxi-1", "while down");
  ASSERT_EQ(published("wardgate/gw-1/errors"), WG_HUB_ERRORS_HELD + 1);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published("wardgate/gw-1/errors"), WG_HUB_ERRORS_HELD + 2);
  ASSERT_CONTAINS(last("wardgate/gw-1/errors")->payload, "while down");
  /* One held at the stop is freed with the hub (ASan checks). */
  fake.connected = false;
  f.hub.uplink.cbs->disconnected(&f.hub.uplink);
  f.hub.error_tokens = 10;
  wg_hub_report_rejection(&f.hub, "coap", "oxi-1", "at the stop");
  ASSERT_EQ(teardown(&f), 0);
}

TEST_MAIN(T(hold_bounded), T(late_acks_bounded), T(acks_checked),
          T(reports_rate_limited), T(reports_held_until_connected))
