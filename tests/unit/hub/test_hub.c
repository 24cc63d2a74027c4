/* SPDX-License-Identifier: MIT */
/*
 * The hub over a fake uplink driver that records what is published: status
 * and will, the snapshot and the outbox on (re)connect, acks checked and
 * handed on, error reports and their rate limit, the stop's drain and
 * offline status.
 */
#include <unistd.h>

#include "clinic/clinic.h"
#include "failalloc.h"
#include "hub/ack.h"
#include "hub/hub.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define NPUB 64

typedef struct pub_s {
  char topic[96];
  char payload[2048];
  int qos;
  bool retain;
} pub_t;

static struct fake_s {
  bool connected;
  pub_t pub[NPUB];
  int npub;
  int next_mid;
  uint64_t committed;
  bool clean_session;
  char will[512];
  char subscription[96];
} fake;

static int fake_start(wg_driver_t *drv, uv_loop_t *loop) {
  (void)drv;
  (void)loop;
  return 0;
}

static int fake_publish(wg_driver_t *drv, const char *topic,
                        const void *payload, size_t len, int qos, bool retain,
                        int *mid) {
  pub_t *p;

  (void)drv;
  if (!fake.connected && qos == 0)
    return WG_ENOCONN;
  if (fake.npub == NPUB)
    return WG_ENOMEM;
  p = &fake.pub[fake.npub++];
  snprintf(p->topic, sizeof(p->topic), "%s", topic);
  snprintf(p->payload, sizeof(p->payload), "%.*s", (int)len,
           (const char *)payload);
  p->qos = qos;
  p->retain = retain;
  if (mid != NULL)
    *mid = ++fake.next_mid;
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

static void fake_committed(wg_driver_t *drv, uint64_t ticket) {
  (void)drv;
  fake.committed = ticket;
}

static const wg_driver_ops_t fake_ops = {.abi_version = WG_DRIVER_ABI,
                                         .name = "mqtt",
                                         .start = fake_start,
                                         .publish = fake_publish,
                                         .pause = fake_pause,
                                         .is_connected = fake_is_connected,
                                         .close = fake_close,
                                         .committed = fake_committed};

static int fake_init(wg_driver_t *drv, const char *label,
                     const wg_mqtt_opts_t *o, const wg_driver_cbs_t *cbs,
                     void *data) {
  memset(&fake, 0, sizeof(fake));
  fake.clean_session = o->clean_session;
  snprintf(fake.will, sizeof(fake.will), "%s", o->will_payload);
  if (o->nsubscriptions == 1)
    snprintf(fake.subscription, sizeof(fake.subscription), "%s",
             o->subscriptions[0]);
  drv->ops = &fake_ops;
  drv->cbs = cbs;
  drv->label = label;
  drv->data = data;
  return 0;
}

/* The publishes on @topic so far. */
static int published(const char *topic) {
  int n = 0;
  for (int i = 0; i < fake.npub; i++)
    n += strcmp(fake.pub[i].topic, topic) == 0;
  return n;
}

static const pub_t *last(const char *topic) {
  for (int i = fake.npub; i-- > 0;)
    if (strcmp(fake.pub[i].topic, topic) == 0)
      return &fake.pub[i];
  return NULL;
}

typedef struct fixture_s {
  char path[64];
  wg_config_t *cfg;
  uv_loop_t loop;
  wg_store_t *store;
  wg_counters_t counters;
  wg_clinic_t clinic;
  wg_hub_t hub;
  wg_ack_t ack;
  int nacks, ninput, nprogress, noffline, nclosed;
} fixture_t;

static void on_ack(wg_hub_t *h, const wg_ack_t *ack) {
  fixture_t *f = h->data;
  f->ack = *ack;
  f->nacks++;
}
static void on_input(wg_hub_t *h) { ((fixture_t *)h->data)->ninput++; }
static void on_progress(wg_hub_t *h) { ((fixture_t *)h->data)->nprogress++; }
static void on_offline(wg_hub_t *h) { ((fixture_t *)h->data)->noffline++; }
static int on_gauges(const wg_hub_t *h, cJSON *counters) {
  (void)h;
  return cJSON_AddNumberToObject(counters, "readings_pending", 5) != NULL
             ? 0
             : WG_ENOMEM;
}
static void on_closed(wg_hub_t *h) { ((fixture_t *)h->data)->nclosed++; }

static const wg_hub_cbs_t cbs = {.ack = on_ack,
                                 .input = on_input,
                                 .progress = on_progress,
                                 .offline = on_offline,
                                 .gauges = on_gauges};

static int setup(fixture_t *f) {
  memset(f, 0, sizeof(*f));
  snprintf(f->path, sizeof(f->path), "/tmp/wg-test-hub-%d.db", (int)getpid());
  unlink(f->path);
  if ((f->cfg = test_config(TESTCFG_HEAD
                            "\"patients\":[{\"id\":\"p-1\",\"devices\":["
                            "\"fall-1\"]}]}")) == NULL ||
      uv_loop_init(&f->loop) != 0 ||
      wg_store_open(&f->store, f->path, WG_DURABILITY_PROCESS) != 0 ||
      wg_clinic_init(&f->clinic, "gw-1", 1, 24, &f->counters) != 0 ||
      wg_clinic_set_patients(&f->clinic, f->cfg, 1763900000.0) != 0 ||
      wg_hub_init(&f->hub, &f->loop, f->cfg, f->store, &f->clinic.alerts,
                  &f->counters, &cbs, f) != 0)
    return -1;
  f->hub.uplink_init = fake_init;
  f->hub.uplink_peer = NULL;
  return wg_hub_start(&f->hub);
}

static int teardown(fixture_t *f) {
  wg_hub_close(&f->hub, on_closed);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  wg_hub_free(&f->hub);
  wg_clinic_free(&f->clinic);
  wg_store_close(f->store);
  wg_config_free(f->cfg);
  test_remove_db(f->path);
  return f->nclosed == 1 && uv_loop_close(&f->loop) == 0 ? 0 : -1;
}

static void deliver(fixture_t *f, const char *topic, const char *payload) {
  f->hub.uplink.cbs->message(&f->hub.uplink, topic, payload, strlen(payload));
}

/* A fall at @ts. */
static void fall_at(fixture_t *f, double ts) {
  wg_reading_t r = {.device_id = "fall-1",
                    .patient_id = "p-1",
                    .name = "fall",
                    .unit = "",
                    .vb = true,
                    .flags = WG_READING_HAS_VB,
                    .ts = ts};
  wg_clinic_reading(&f->clinic, 0, 0, &r, r.ts);
}

/* A fall, so that one alert is open. */
static void open_fall(fixture_t *f) { fall_at(f, 1763900000.0); }

/* Two messages for the hub, committed in the outbox. */
static int queue_two(fixture_t *f) {
  if (wg_store_begin(f->store) != 0 ||
      wg_outbox_add(&f->hub.outbox, f->hub.topic_alerts, "{\"n\":1}", "a-1",
                    "raised", 1.0) != 0 ||
      wg_outbox_add(&f->hub.outbox, f->hub.topic_news2, "{\"n\":2}", NULL, NULL,
                    2.0) != 0 ||
      wg_store_commit(f->store) != 0)
    return -1;
  wg_outbox_committed(&f->hub.outbox);
  return 0;
}

/* The will is the offline status without counters; the live status has
 * them, the owner's gauges among them. The session is persistent and
 * subscribes to the acks. */
static void status_and_will(void) {
  fixture_t f;
  char *s;

  ASSERT_EQ(setup(&f), 0);
  ASSERT(!fake.clean_session);
  ASSERT_STR_EQ(fake.subscription, "wardgate/gw-1/alerts/ack");
  ASSERT_CONTAINS(fake.will, "{\"state\":\"offline\",\"gateway\":\"gw-1\"");
  ASSERT(strstr(fake.will, "counters") == NULL);
  open_fall(&f);
  s = wg_hub_status_json(&f.hub, true, true);
  ASSERT_CONTAINS(s, "{\"state\":\"online\",\"gateway\":\"gw-1\"");
  ASSERT_CONTAINS(s, "\"alerts_raised\":1");
  ASSERT_CONTAINS(s, "\"readings_pending\":5");
  ASSERT_CONTAINS(s, "\"alerts_open\":1");
  ASSERT_CONTAINS(s, "\"outbox_depth\":0");
  free(s);
  ASSERT_EQ(teardown(&f), 0);
}

/* On connect: status, the snapshot, then the outbox in order. A PUBACK
 * frees its row for the next commit; the commit's word acknowledges the
 * hub's messages and republishes the snapshot only when it changed. */
static void connect_snapshot_outbox(void) {
  fixture_t f;
  const pub_t *p;

  ASSERT_EQ(setup(&f), 0);
  open_fall(&f);
  ASSERT_EQ(queue_two(&f), 0);
  ASSERT(!wg_hub_connected(&f.hub));
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  /* The outbox at the next turn of the loop, after what libmosquitto
   * sends again at the CONNACK. */
  ASSERT_EQ(fake.npub, 2);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  ASSERT_EQ(fake.npub, 5);
  ASSERT_STR_EQ(fake.pub[4].topic, "wardgate/gw-1/news2/latest");
  ASSERT_STR_EQ(fake.pub[0].topic, "wardgate/gw-1/status");
  ASSERT(fake.pub[0].retain && fake.pub[0].qos == 1);
  ASSERT_CONTAINS(fake.pub[0].payload, "\"state\":\"online\"");
  ASSERT_STR_EQ(fake.pub[1].topic, "wardgate/gw-1/alerts/active");
  ASSERT(fake.pub[1].retain);
  ASSERT_CONTAINS(fake.pub[1].payload, "\"alerts\":[{\"id\":\"gw-1-000001\"");
  ASSERT_STR_EQ(fake.pub[2].payload, "{\"n\":1}");
  ASSERT(!fake.pub[2].retain && fake.pub[2].qos == 1);
  ASSERT_STR_EQ(fake.pub[3].payload, "{\"n\":2}");
  ASSERT_EQ(f.nprogress, 0); /* not stopping */

  /* The outbox's messages are the ones with a message id. */
  f.hub.uplink.cbs->published(&f.hub.uplink, 1);
  ASSERT(wg_outbox_has_acked(&f.hub.outbox));
  wg_hub_committed(&f.hub, 7, false);
  ASSERT_EQ(fake.committed, 7);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 1);
  /* A change within a second of the last snapshot waits for the second. */
  wg_hub_committed(&f.hub, 8, true);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 1);
  uv_run(&f.loop, UV_RUN_ONCE);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 2);

  /* A lost connection: what was in flight is libmosquitto's to send
   * again at the reconnect, not the outbox's (each event once), and its
   * PUBACK, under the same message id, still frees its row. */
  f.hub.uplink.cbs->disconnected(&f.hub.uplink);
  fake.connected = false;
  wg_hub_committed(&f.hub, 9, true);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 2);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 3);
  p = last("wardgate/gw-1/news2");
  ASSERT(p != NULL);
  ASSERT_STR_EQ(p->payload, "{\"n\":2}");
  ASSERT_EQ(published("wardgate/gw-1/news2"), 1);
  f.hub.uplink.cbs->published(&f.hub.uplink, 2);
  ASSERT(wg_outbox_has_acked(&f.hub.outbox));
  ASSERT_EQ(f.hub.outbox.ninflight, 0);
  ASSERT_EQ(teardown(&f), 0);
}

static void stop_loop_cb(uv_timer_t *t) { uv_stop(t->loop); }

/* The status timer, made to fire every millisecond, for @ms of the loop. */
static void run_status_timer(fixture_t *f, uint64_t ms) {
  uv_timer_t stop;

  uv_timer_init(&f->loop, &stop);
  uv_timer_start(&stop, stop_loop_cb, ms, 0);
  uv_timer_set_repeat(&f->hub.status_timer, 1);
  ASSERT_EQ(uv_timer_again(&f->hub.status_timer), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&stop, NULL);
  uv_run(&f->loop, UV_RUN_NOWAIT);
}

/* While the hub is away no status is queued (libmosquitto would send every
 * one of them at the reconnect, each stale): on connect, one fresh status;
 * while connected, the timer's. */
static void status_not_queued_while_away(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  run_status_timer(&f, 30);
  ASSERT_EQ(published("wardgate/gw-1/status"), 0);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published("wardgate/gw-1/status"), 1);
  run_status_timer(&f, 20);
  ASSERT(published("wardgate/gw-1/status") > 1);
  f.hub.uplink.cbs->disconnected(&f.hub.uplink);
  fake.connected = false;
  fake.npub = 0;
  run_status_timer(&f, 30);
  ASSERT_EQ(published("wardgate/gw-1/status"), 0);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published("wardgate/gw-1/status"), 1);
  ASSERT_EQ(teardown(&f), 0);
}

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

/* A burst of alert changes costs one snapshot a second, however many
 * there are, and the one that follows the burst holds the last change;
 * the events themselves are not held back (they are the outbox's). */
static void snapshot_coalesced(void) {
  fixture_t f;
  char want[64];
  int i;

  ASSERT_EQ(setup(&f), 0);
  open_fall(&f);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 1);
  ASSERT_CONTAINS(last("wardgate/gw-1/alerts/active")->payload,
                  "\"repeats\":0");
  for (i = 1; i <= 40; i++) {
    /* A repeat a minute later (repeats within the minute are coalesced
     * into the alert's next event): the open alert changes. */
    fall_at(&f, 1763900000.0 + 60.0 * i);
    wg_clinic_committed(&f.clinic);
    wg_hub_committed(&f.hub, (uint64_t)i, true);
  }
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 1);
  uv_run(&f.loop, UV_RUN_ONCE); /* the timer, a second after the first */
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 2);
  snprintf(want, sizeof(want), "\"repeats\":%d", i - 1);
  ASSERT_CONTAINS(last("wardgate/gw-1/alerts/active")->payload, want);
  ASSERT(last("wardgate/gw-1/alerts/active")->retain);
  /* Nothing changed since: no timer, no snapshot. */
  wg_hub_committed(&f.hub, 99, false);
  ASSERT(!uv_is_active((uv_handle_t *)&f.hub.active_timer));
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 2);
  /* A reconnect publishes at once, whenever the last one went. */
  f.hub.uplink.cbs->disconnected(&f.hub.uplink);
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 3);
  /* A stop sends the snapshot still waiting before the offline status. */
  open_fall(&f);
  wg_hub_committed(&f.hub, 100, true);
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 3);
  wg_hub_drain(&f.hub);
  ASSERT(wg_hub_go_offline(&f.hub));
  ASSERT_EQ(published("wardgate/gw-1/alerts/active"), 4);
  ASSERT_STR_EQ(fake.pub[fake.npub - 1].topic, "wardgate/gw-1/status");
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
/* The stop: no more status; the outbox drains as PUBACKs come; then the
 * offline status, whose PUBACK is reported. */
static void drain_then_offline(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(queue_two(&f), 0);
  wg_hub_drain(&f.hub);
  ASSERT(!uv_is_active((uv_handle_t *)&f.hub.status_timer));
  ASSERT(wg_hub_drained(&f.hub)); /* down: nothing more to wait for */
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  ASSERT_EQ(published("wardgate/gw-1/status"), 0);
  ASSERT_EQ(f.nprogress, 1);
  ASSERT(!wg_hub_drained(&f.hub));
  f.hub.uplink.cbs->published(&f.hub.uplink, 1);
  f.hub.uplink.cbs->published(&f.hub.uplink, 2);
  ASSERT(!wg_hub_drained(&f.hub)); /* acknowledged, not yet deleted */
  ASSERT_EQ(wg_store_begin(f.store), 0);
  ASSERT_EQ(wg_outbox_delete_acked(&f.hub.outbox), 0);
  ASSERT_EQ(wg_store_commit(f.store), 0);
  wg_outbox_committed(&f.hub.outbox);
  ASSERT(wg_hub_drained(&f.hub));
  ASSERT(wg_hub_go_offline(&f.hub));
  ASSERT_CONTAINS(last("wardgate/gw-1/status")->payload,
                  "\"state\":\"offline\"");
  ASSERT(last("wardgate/gw-1/status")->retain);
  f.hub.uplink.cbs->published(&f.hub.uplink, 99); /* not ours */
  ASSERT_EQ(f.noffline, 0);
  f.hub.uplink.cbs->published(&f.hub.uplink, fake.next_mid);
  ASSERT_EQ(f.noffline, 1);
  ASSERT_EQ(teardown(&f), 0);
}

/* ---- news2/latest ---------------------------------------------------------
 */

/* A news2 message for p-1 scoring @score, committed in the outbox. */
static int queue_news2(fixture_t *f, int score, char *msg, size_t size) {
  snprintf(msg, size,
           "{\"patient\":\"p-1\",\"ts\":%d.000000,\"score\":%d,\"scale\":1,"
           "\"complete\":false,\"missing\":[],\"components\":{},\"band\":"
           "\"low\"}",
           1763900000 + score, score);
  if (wg_store_begin(f->store) != 0 ||
      wg_outbox_add(&f->hub.outbox, f->hub.topic_news2, msg, NULL, NULL, 1.0) !=
          0 ||
      wg_store_commit(f->store) != 0)
    return -1;
  wg_outbox_committed(&f->hub.outbox);
  return 0;
}

/* The hub learns each news2 message it sends: news2/latest follows, at
 * most one a second however many come, retained, and again on every
 * reconnect. */
static void latest_coalesced(void) {
  const char *topic = "wardgate/gw-1/news2/latest";
  char msg[256], want[320];
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(queue_news2(&f, 1, msg, sizeof(msg)), 0);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  ASSERT_EQ(published(topic), 0); /* at the loop's next turn */
  uv_run(&f.loop, UV_RUN_NOWAIT);
  ASSERT_EQ(published(topic), 1);
  snprintf(want, sizeof(want), "\"patients\":[%s]}", msg);
  ASSERT_CONTAINS(last(topic)->payload, want);
  ASSERT(last(topic)->retain && last(topic)->qos == 1);

  for (int score = 2; score <= 6; score++) {
    ASSERT_EQ(queue_news2(&f, score, msg, sizeof(msg)), 0);
    wg_hub_committed(&f.hub, (uint64_t)score, false);
  }
  ASSERT_EQ(published("wardgate/gw-1/news2"), 6);
  ASSERT_EQ(published(topic), 1);
  uv_run(&f.loop, UV_RUN_ONCE); /* a second after the last */
  ASSERT_EQ(published(topic), 2);
  snprintf(want, sizeof(want), "\"patients\":[%s]}", msg);
  ASSERT_CONTAINS(last(topic)->payload, want);
  wg_hub_committed(&f.hub, 99, false);
  ASSERT(!uv_is_active((uv_handle_t *)&f.hub.latest_timer));

  /* A reconnect sends it again, whenever the last one went. */
  f.hub.uplink.cbs->disconnected(&f.hub.uplink);
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  ASSERT_EQ(published(topic), 3);
  ASSERT_CONTAINS(last(topic)->payload, want);
  ASSERT_EQ(teardown(&f), 0);
}

/* For a patient a reload brings (and at start, by the same path) the
 * latest is the newest stored score, as the news2 message it went out as;
 * a reload without the patient takes it out. */
static void latest_restored(void) {
  const char *topic = "wardgate/gw-1/news2/latest";
  wg_news2_t s = {.score = 7,
                  .components = {3, 1, 0, 1, 2, 0, 0},
                  .complete = true,
                  .band = WG_NEWS2_BAND_HIGH};
  wg_news2_json_t j, old;
  wg_config_t *none;
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  fake.connected = true;
  f.hub.uplink.cbs->connected(&f.hub.uplink);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  ASSERT_CONTAINS(last(topic)->payload, "\"patients\":[]}");

  wg_news2_json(&s, "p-1", 1763900100.25, 1, true, &j);
  wg_news2_json(&s, "p-1", 1763900000.5, 1, true, &old);
  ASSERT_EQ(wg_store_begin(f.store), 0);
  ASSERT_EQ(wg_store_put_score(f.store, "p-1", 1763900100.25, 7, 1, true,
                               "high", j.components, j.missing),
            0);
  ASSERT_EQ(wg_store_put_score(f.store, "p-1", 1763900000.5, 7, 1, true, "high",
                               old.components, old.missing),
            0);
  ASSERT_EQ(wg_store_commit(f.store), 0);
  /* Out of the set, then back (a reload): the newest stored score. */
  none = test_config(TESTCFG_HEAD "\"patients\":[]}");
  ASSERT(none != NULL);
  ASSERT_EQ(wg_hub_set_patients(&f.hub, none), 0);
  ASSERT_EQ(wg_hub_set_patients(&f.hub, f.cfg), 0);
  uv_run(&f.loop, UV_RUN_ONCE);
  ASSERT_CONTAINS(last(topic)->payload, j.message);
  ASSERT(strstr(last(topic)->payload, old.message) == NULL);

  /* The patient removed: out of news2/latest. */
  ASSERT_EQ(wg_hub_set_patients(&f.hub, none), 0);
  uv_run(&f.loop, UV_RUN_ONCE);
  ASSERT_CONTAINS(last(topic)->payload, "\"patients\":[]}");
  wg_config_free(none);
  ASSERT_EQ(teardown(&f), 0);
}

/* ---- out of memory: each message whole or not at all ----------------------
 */

/* @text with the number of each "ts" member made 0, in place: the wall
 * clock moves between two builds of the same message. */
static char *same_ts(char *text) {
  char *p = text;

  while (p != NULL && (p = strstr(p, "\"ts\":")) != NULL) {
    char *num = p += 5, *end = num;
    while (*end != '\0' && strchr("0123456789.e+-", *end) != NULL)
      end++;
    if (end > num) {
      *num = '0';
      memmove(num + 1, end, strlen(end) + 1);
    }
  }
  return text;
}

/* A copy of the last payload on @topic since fake.npub was reset, or NULL.
 * strdup() allocates inside the C library, past the wrappers, so the
 * copy cannot take the failure meant for the code under test. */
static char *sent(const char *topic) {
  const pub_t *p = last(topic);
  return p != NULL ? same_ts(strdup(p->payload)) : NULL;
}

typedef struct status_form_s {
  fixture_t *f;
  bool online, with_counters;
} status_form_t;

static char *build_status(void *data) {
  status_form_t *sf = data;
  return same_ts(
      wg_hub_status_json(&sf->f->hub, sf->online, sf->with_counters));
}

/* The status as published on a (re)connect. */
static char *build_status_sent(void *data) {
  fixture_t *f = data;

  fake.npub = 0;
  f->hub.uplink.cbs->disconnected(&f->hub.uplink);
  f->hub.uplink.cbs->connected(&f->hub.uplink);
  return sent("wardgate/gw-1/status");
}

/* The alerts/active snapshot as published on a (re)connect. */
static char *build_active_sent(void *data) {
  fixture_t *f = data;

  fake.npub = 0;
  f->hub.uplink.cbs->disconnected(&f->hub.uplink);
  f->hub.uplink.cbs->connected(&f->hub.uplink);
  return sent("wardgate/gw-1/alerts/active");
}

/* An error report: a rejected pack, and a rejected ack (with "source"). */
static char *build_rejection(void *data) {
  fixture_t *f = data;

  fake.npub = 0;
  f->hub.error_tokens = 10;
  wg_hub_report_rejection(&f->hub, "coap", "oxi-1", "bad pack");
  return sent("wardgate/gw-1/errors");
}

/* The report of an ack for no alert ever raised. (A rejected ack's report
 * is built the same way; its parser, ingest's, is left out here: a parse
 * that runs out of memory says "invalid JSON", a whole report of its own.) */
static char *build_unknown_ack(void *data) {
  fixture_t *f = data;

  fake.npub = 0;
  f->hub.error_tokens = 10;
  wg_hub_report_unknown_ack(&f->hub, "gw-1-000077");
  return sent("wardgate/gw-1/errors");
}

static void messages_whole_or_none(void) {
  fixture_t f;
  status_form_t forms[] = {
      {&f, true, true}, {&f, false, true}, {&f, false, false}};

  ASSERT_EQ(setup(&f), 0);
  open_fall(&f);
  fake.connected = true;
  for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
    if (failalloc_every(build_status, &forms[i]) < 5)
      FAIL_AT("status form %zu: too few allocations failed", i);
  ASSERT(failalloc_every(build_status, &forms[0]) >= 50);
  ASSERT(failalloc_every(build_status_sent, &f) >= 50);
  ASSERT(failalloc_every(build_active_sent, &f) >= 50);
  ASSERT(failalloc_every(build_rejection, &f) >= 12);
  ASSERT(failalloc_every(build_unknown_ack, &f) >= 15);
  ASSERT_EQ(teardown(&f), 0);
}

TEST_MAIN(T(status_and_will), T(connect_snapshot_outbox),
          T(status_not_queued_while_away), T(late_acks_bounded),
          T(hold_bounded), T(snapshot_coalesced), T(acks_checked),
          T(reports_rate_limited), T(reports_held_until_connected),
          T(drain_then_offline), T(latest_coalesced), T(latest_restored),
          T(messages_whole_or_none))
