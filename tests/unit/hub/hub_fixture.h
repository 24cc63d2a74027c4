/* SPDX-License-Identifier: MIT */
/*
 * The hub's test fixture, shared by test_hub.c and test_hub_acks.c: a fake
 * uplink driver that records what is published, a hub over a real store,
 * and helpers to raise and queue alerts.
 */
#ifndef WG_TEST_HUB_FIXTURE_H
#define WG_TEST_HUB_FIXTURE_H

#include <unistd.h>

#include "clinic/clinic.h"
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

static inline int fake_start(wg_driver_t *drv, uv_loop_t *loop) {
  (void)drv;
  (void)loop;
  return 0;
}

static inline int fake_publish(wg_driver_t *drv, const char *topic,
                               const void *payload, size_t len, int qos,
                               bool retain, int *mid) {
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

static inline void fake_pause(wg_driver_t *drv, bool paused) {
  (void)drv;
  (void)paused;
}

static inline bool fake_is_connected(const wg_driver_t *drv) {
  (void)drv;
  return fake.connected;
}

static inline void fake_close(wg_driver_t *drv, wg_close_cb cb) { cb(drv); }

static inline void fake_committed(wg_driver_t *drv, uint64_t ticket) {
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

static inline int fake_init(wg_driver_t *drv, const char *label,
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
static inline int published(const char *topic) {
  int n = 0;
  for (int i = 0; i < fake.npub; i++)
    n += strcmp(fake.pub[i].topic, topic) == 0;
  return n;
}

static inline const pub_t *last(const char *topic) {
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

static inline void on_ack(wg_hub_t *h, const wg_ack_t *ack) {
  fixture_t *f = h->data;
  f->ack = *ack;
  f->nacks++;
}
static inline void on_input(wg_hub_t *h) { ((fixture_t *)h->data)->ninput++; }
static inline void on_progress(wg_hub_t *h) {
  ((fixture_t *)h->data)->nprogress++;
}
static inline void on_offline(wg_hub_t *h) {
  ((fixture_t *)h->data)->noffline++;
}
static inline int on_gauges(const wg_hub_t *h, cJSON *counters) {
  (void)h;
  return cJSON_AddNumberToObject(counters, "readings_pending", 5) != NULL
             ? 0
             : WG_ENOMEM;
}
static inline void on_closed(wg_hub_t *h) { ((fixture_t *)h->data)->nclosed++; }

static const wg_hub_cbs_t cbs = {.ack = on_ack,
                                 .input = on_input,
                                 .progress = on_progress,
                                 .offline = on_offline,
                                 .gauges = on_gauges};

static inline int setup(fixture_t *f) {
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

static inline int teardown(fixture_t *f) {
  wg_hub_close(&f->hub, on_closed);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  wg_hub_free(&f->hub);
  wg_clinic_free(&f->clinic);
  wg_store_close(f->store);
  wg_config_free(f->cfg);
  test_remove_db(f->path);
  return f->nclosed == 1 && uv_loop_close(&f->loop) == 0 ? 0 : -1;
}

static inline void deliver(fixture_t *f, const char *topic,
                           const char *payload) {
  f->hub.uplink.cbs->message(&f->hub.uplink, topic, payload, strlen(payload));
}

/* A fall at @ts. */
static inline void fall_at(fixture_t *f, double ts) {
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
static inline void open_fall(fixture_t *f) { fall_at(f, 1763900000.0); }

/* Two messages for the hub, committed in the outbox. */
static inline int queue_two(fixture_t *f) {
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

static inline void stop_loop_cb(uv_timer_t *t) { uv_stop(t->loop); }

/* The status timer, made to fire every millisecond, for @ms of the loop. */
static inline void run_status_timer(fixture_t *f, uint64_t ms) {
  uv_timer_t stop;

  uv_timer_init(&f->loop, &stop);
  uv_timer_start(&stop, stop_loop_cb, ms, 0);
  uv_timer_set_repeat(&f->hub.status_timer, 1);
  ASSERT_EQ(uv_timer_again(&f->hub.status_timer), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&stop, NULL);
  uv_run(&f->loop, UV_RUN_NOWAIT);
}

#endif
