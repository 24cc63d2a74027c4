/* SPDX-License-Identifier: MIT */
/*
 * The hub over a fake uplink driver that records what is published: status
 * and will, the snapshot and the outbox on (re)connect, the stop's drain and
 * offline status, the latest scores. Acks and error reports are
 * test_hub_acks.c's.
 */
#include "failalloc.h"
#include "hub_fixture.h"

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
          T(status_not_queued_while_away), T(snapshot_coalesced),
          T(drain_then_offline), T(latest_coalesced), T(latest_restored),
          T(messages_whole_or_none))
