/* SPDX-License-Identifier: MIT */
/*
 * The broker sessions remembered across restarts (hub/session.c), over a
 * fake uplink driver and a real store, the daemon "restarted" by a new hub
 * on the same database: nothing expected at the first start; the session
 * the broker held expected at the next, and its loss then reported as
 * found at start, as a reconnect's is (sessions_lost, errors, the
 * journal); another broker or client id expects nothing; a session given
 * up for a clean one (the fallback) is not found lost again.
 */
#include <unistd.h>

#include "clinic/clinic.h"
#include "hub/hub.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define NPUB 32

static struct fake_s {
  bool connected;
  bool expect_session;
  char errors[NPUB][512];
  int nerrors;
} fake;

static int fake_start(wg_driver_t *drv, uv_loop_t *loop) {
  (void)drv;
  (void)loop;
  return 0;
}

static int fake_publish(wg_driver_t *drv, const char *topic,
                        const void *payload, size_t len, int qos, bool retain,
                        int *mid) {
  (void)drv;
  (void)retain;
  if (!fake.connected && qos == 0)
    return WG_ENOCONN;
  if (strstr(topic, "/errors") != NULL && fake.nerrors < NPUB)
    snprintf(fake.errors[fake.nerrors++], sizeof(fake.errors[0]), "%.*s",
             (int)len, (const char *)payload);
  if (mid != NULL)
    *mid = 1;
  return 0;
}

static void fake_pause(wg_driver_t *drv, bool paused) {
  (void)drv;
  (void)paused;
}

static bool fake_is_connected(const wg_driver_t *drv) {
  (void)drv;
  return fake.connected;
}

static void fake_close(wg_driver_t *drv, wg_close_cb cb) { cb(drv); }

static const wg_driver_ops_t fake_ops = {.abi_version = WG_DRIVER_ABI,
                                         .name = "mqtt",
                                         .start = fake_start,
                                         .publish = fake_publish,
                                         .pause = fake_pause,
                                         .is_connected = fake_is_connected,
                                         .close = fake_close};

static int fake_init(wg_driver_t *drv, const char *label,
                     const wg_mqtt_opts_t *o, const wg_driver_cbs_t *cbs,
                     void *data) {
  memset(&fake, 0, sizeof(fake));
  fake.expect_session = o->expect_session;
  drv->ops = &fake_ops;
  drv->cbs = cbs;
  drv->label = label;
  drv->data = data;
  return 0;
}

typedef struct fixture_s {
  wg_config_t *cfg;
  uv_loop_t loop;
  wg_store_t *store;
  wg_counters_t counters;
  wg_clinic_t clinic;
  wg_hub_t hub;
} fixture_t;

static char db[64];
static const wg_hub_cbs_t cbs = {0};

/* A start of the daemon on the database @db, with @uplink as the uplink's
 * block; the uplink not yet connected. */
static int start(fixture_t *f, const char *uplink) {
  char json[512];

  memset(f, 0, sizeof(*f));
  snprintf(json, sizeof(json),
           "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{"
           "\"mqtt\":{}},\"uplink\":{\"mqtt\":%s},\"patients\":[]}",
           uplink);
  if ((f->cfg = test_config(json)) == NULL || uv_loop_init(&f->loop) != 0 ||
      wg_store_open(&f->store, db, WG_DURABILITY_PROCESS) != 0 ||
      wg_clinic_init(&f->clinic, "gw-1", 1, 24, &f->counters) != 0 ||
      wg_hub_init(&f->hub, &f->loop, f->cfg, f->store, &f->clinic.alerts,
                  &f->counters, &cbs, f) != 0)
    return -1;
  f->hub.uplink_init = fake_init;
  f->hub.uplink_peer = NULL;
  return wg_hub_start(&f->hub);
}

static void stop(fixture_t *f) {
  wg_hub_close(&f->hub, NULL);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  wg_hub_free(&f->hub);
  wg_clinic_free(&f->clinic);
  wg_store_close(f->store);
  wg_config_free(f->cfg);
  uv_loop_close(&f->loop);
}

/* The uplink's CONNACK: the session lost (@present false and expected) or
 * not, then held. */
static void connack(fixture_t *f, bool lost) {
  wg_driver_t *u = &f->hub.uplink;
  fake.connected = true;
  if (lost)
    u->cbs->session_lost(u);
  u->cbs->session_held(u, true);
}

static int record(const char *which, char *v, size_t size) {
  char name[32];
  wg_store_t *s;
  int rc;

  snprintf(name, sizeof(name), "session/%s", which);
  if (wg_store_open_readonly(&s, db) != 0)
    return -1;
  rc = wg_store_meta_get(s, name, v, size);
  wg_store_close(s);
  return rc;
}

#define LOCAL "{\"host\":\"127.0.0.1\",\"port\":1883}"

static void first_start_expects_nothing(void) {
  fixture_t f;
  char v[256];

  test_remove_db(db);
  ASSERT_EQ(start(&f, LOCAL), 0);
  ASSERT(!fake.expect_session);
  ASSERT_EQ(record("uplink", v, sizeof(v)), 0); /* not before a CONNACK */
  connack(&f, false);
  ASSERT_EQ(f.counters.sessions_lost, 0);
  ASSERT_EQ(fake.nerrors, 0);
  ASSERT_EQ(record("uplink", v, sizeof(v)), 1);
  ASSERT_STR_EQ(v, "127.0.0.1:1883 wardgate-gw-1-uplink");
  stop(&f);
}

/* After the first start: the broker that kept the session reports nothing,
 * one that lost it is reported as found at start, once. */
static void restart_expects_the_session(void) {
  fixture_t f;

  ASSERT_EQ(start(&f, LOCAL), 0);
  ASSERT(fake.expect_session);
  connack(&f, false); /* session-present 1: kept */
  ASSERT_EQ(f.counters.sessions_lost, 0);
  ASSERT_EQ(fake.nerrors, 0);
  stop(&f);

  ASSERT_EQ(start(&f, LOCAL), 0);
  ASSERT(fake.expect_session);
  connack(&f, true); /* the broker restarted without its store */
  ASSERT_EQ(f.counters.sessions_lost, 1);
  ASSERT_EQ(fake.nerrors, 1);
  ASSERT_CONTAINS(fake.errors[0], "\"source\":\"uplink\"");
  ASSERT_CONTAINS(fake.errors[0], "\"transport\":\"mqtt\"");
  ASSERT_CONTAINS(fake.errors[0],
                  "\"reason\":\"session lost at start: the uplink broker had "
                  "no session for the gateway at its first connect since the "
                  "daemon started");
  /* A loss after that CONNACK is a reconnect's (here, within 30 s of the
   * first: a suspected takeover). */
  f.hub.uplink.cbs->session_lost(&f.hub.uplink);
  ASSERT_EQ(f.counters.sessions_lost, 2);
  ASSERT_EQ(fake.nerrors, 2);
  ASSERT_CONTAINS(fake.errors[1], "suspected takeover: the uplink broker");
  stop(&f);
}

/* A session kept at the first connect, whose record was already there
 * (not written again), lost later in the run: a reconnect's loss, not
 * one "at start". */
static void kept_then_lost_later(void) {
  fixture_t f;

  ASSERT_EQ(start(&f, LOCAL), 0);
  connack(&f, false);
  stop(&f);
  ASSERT_EQ(start(&f, LOCAL), 0);
  ASSERT(fake.expect_session);
  connack(&f, false); /* kept */
  ASSERT_EQ(fake.nerrors, 0);
  f.hub.uplink.cbs->session_lost(&f.hub.uplink);
  ASSERT_EQ(f.counters.sessions_lost, 1);
  ASSERT_EQ(fake.nerrors, 1);
  ASSERT(strstr(fake.errors[0], "at start") == NULL);
  ASSERT_CONTAINS(fake.errors[0], "\"reason\":\"session lost: the uplink");
  stop(&f);
}

/* A session of another broker or client id was never this broker's. */
static void another_broker_expects_nothing(void) {
  fixture_t f;
  char v[256];

  ASSERT_EQ(start(&f, "{\"host\":\"127.0.0.1\",\"port\":1884}"), 0);
  ASSERT(!fake.expect_session);
  connack(&f, false);
  stop(&f);
  ASSERT_EQ(record("uplink", v, sizeof(v)), 1);
  ASSERT_STR_EQ(v, "127.0.0.1:1884 wardgate-gw-1-uplink");
  ASSERT_EQ(start(&f, "{\"host\":\"127.0.0.1\",\"port\":1884,\"client_id\":"
                      "\"other\"}"),
            0);
  ASSERT(!fake.expect_session);
  stop(&f);
  ASSERT_EQ(start(&f, "{\"host\":\"127.0.0.1\",\"port\":1884}"), 0);
  ASSERT(fake.expect_session); /* nothing held as "other": kept */
  stop(&f);
}

/* The clean-session fallback reports the loss when it happens; the record
 * goes with it, so the next start expects nothing. */
static void fallback_forgets_the_session(void) {
  wg_driver_t *u;
  fixture_t f;
  char v[256];

  ASSERT_EQ(start(&f, "{\"hosts\":[{\"host\":\"127.0.0.1\",\"port\":1883},"
                      "{\"host\":\"127.0.0.2\",\"port\":1883}]}"),
            0);
  u = &f.hub.uplink;
  connack(&f, false);
  ASSERT_EQ(record("uplink", v, sizeof(v)), 1);
  ASSERT_STR_EQ(v, "127.0.0.1:1883,127.0.0.2:1883 wardgate-gw-1-uplink");
  u->cbs->session_lost(u); /* the fallback, as mqtt__fall_back() says it */
  u->cbs->session_held(u, false);
  ASSERT_EQ(f.counters.sessions_lost, 1);
  ASSERT_CONTAINS(fake.errors[0], "session lost: the uplink broker");
  ASSERT_EQ(record("uplink", v, sizeof(v)), 0);
  stop(&f);
  ASSERT_EQ(start(&f, "{\"hosts\":[{\"host\":\"127.0.0.1\",\"port\":1883},"
                      "{\"host\":\"127.0.0.2\",\"port\":1883}]}"),
            0);
  ASSERT(!fake.expect_session);
  connack(&f, false);
  ASSERT_EQ(f.counters.sessions_lost, 0);
  ASSERT_EQ(record("uplink", v, sizeof(v)), 1); /* held again: remembered */
  stop(&f);
}

/* The ingest's session has a record of its own, and its loss at start
 * goes out once the uplink is up (errors is QoS 0). */
static void ingest_session(void) {
  wg_mqtt_opts_t o = {
      .host = "127.0.0.1", .port = 1883, .client_id = "wardgate-gw-1-ingest"};
  fixture_t f;
  char v[256];

  test_remove_db(db);
  ASSERT_EQ(start(&f, LOCAL), 0);
  wg_hub_session_expect(&f.hub, "ingest", &o);
  ASSERT(!o.expect_session);
  wg_hub_session_held(&f.hub, "ingest", true);
  stop(&f);
  ASSERT_EQ(record("ingest", v, sizeof(v)), 1);
  ASSERT_STR_EQ(v, "127.0.0.1:1883 wardgate-gw-1-ingest");
  ASSERT_EQ(record("uplink", v, sizeof(v)), 0);

  ASSERT_EQ(start(&f, LOCAL), 0);
  ASSERT(!fake.expect_session);
  wg_hub_session_expect(&f.hub, "ingest", &o);
  ASSERT(o.expect_session);
  wg_hub_report_session_lost(&f.hub, "ingest");
  ASSERT_EQ(f.counters.sessions_lost, 1);
  ASSERT_EQ(fake.nerrors, 0); /* held until the uplink is up */
  connack(&f, false);
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(fake.nerrors, 1);
  ASSERT_CONTAINS(fake.errors[0], "\"source\":\"ingest\"");
  ASSERT_CONTAINS(fake.errors[0], "session lost at start: the ingest broker");
  stop(&f);

  /* A clean session is never expected nor remembered. */
  ASSERT_EQ(start(&f, LOCAL), 0);
  o.clean_session = true;
  wg_hub_session_expect(&f.hub, "ingest", &o);
  ASSERT(!o.expect_session);
  stop(&f);
}

/* A record the hub cannot use (too long for a key) expects nothing. */
static void unusable_record(void) {
  char big[WG_MQTT_SESSION_KEY_MAX + 100];
  wg_store_t *s;
  fixture_t f;

  test_remove_db(db);
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_meta_put(s, "session/uplink", big, 1.0), 0);
  wg_store_close(s);
  ASSERT_EQ(start(&f, LOCAL), 0);
  ASSERT(!fake.expect_session);
  connack(&f, false);
  ASSERT_EQ(f.counters.sessions_lost, 0);
  stop(&f);
}

static void expected_by_record(void) {
  ASSERT(wg_hub_session_expected("h:1 id", "h:1 id"));
  ASSERT(!wg_hub_session_expected(NULL, "h:1 id"));
  ASSERT(!wg_hub_session_expected("h:1 id", NULL));
  ASSERT(!wg_hub_session_expected("", ""));
  ASSERT(!wg_hub_session_expected("h:1 id", "h:2 id"));
  ASSERT(!wg_hub_session_expected("h:1 id", "h:1 id-clean"));
}

static void setup(void) {
  snprintf(db, sizeof(db), "/tmp/wg-test-session-%d.db", (int)getpid());
}

static void cleanup(void) { test_remove_db(db); }

TEST_MAIN(T(setup), T(first_start_expects_nothing),
          T(restart_expects_the_session), T(kept_then_lost_later),
          T(another_broker_expects_nothing), T(fallback_forgets_the_session),
          T(ingest_session), T(unusable_record), T(expected_by_record),
          T(cleanup))
