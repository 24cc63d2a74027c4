/* SPDX-License-Identifier: MIT */
/*
 * Per-device quotas (ingest/quota.c), with a fake clock: packs a minute and
 * records under other keys a day, counted by the newest reading's time so
 * that a backlog is never refused; the alert's raise and clear.
 */
#include "clinic/clinic.h"
#include "ingest/ingest.h"
#include "ingest/quota.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define T0 1763900040.0   /* the start of a minute */
#define DAY0 1763856000.0 /* the start of T0's UTC day */

/* One pack: its device, the newest reading, records under other keys,
 * the receipt, and what the check must say. */
typedef struct step_s {
  const char *device;
  double newest, now;
  size_t others;
  int rc;
  wg_quota_event_t event;
} step_t;

#define OK WG_QUOTA_NONE
#define OVER WG_QUOTA_EXCEEDED
#define CLEAR WG_QUOTA_CLEARED

static void run_steps(const char *name, long ppm, long rpd, const step_t *s,
                      size_t n) {
  wg_quota_t q;
  char err[256];

  wg_quota_init(&q);
  q.packs_per_min = ppm;
  q.records_per_day = rpd;
  for (size_t i = 0; i < n; i++) {
    wg_quota_event_t ev = (wg_quota_event_t)-1;
    int rc;

    err[0] = '\0';
    rc = wg_quota_check(&q, s[i].device, s[i].newest, s[i].others, s[i].now,
                        &ev, err, sizeof(err));
    if (rc != s[i].rc || ev != s[i].event) {
      wg_quota_free(&q);
      FAIL_AT("%s, step %zu: rc %d event %d, want %d %d (%s)", name, i, rc,
              (int)ev, s[i].rc, (int)s[i].event, err);
    }
    if (rc == WG_EBUSY && strstr(err, "over quota: more than") == NULL) {
      wg_quota_free(&q);
      FAIL_AT("%s, step %zu: reason \"%s\"", name, i, err);
    }
  }
  wg_quota_free(&q);
}

#define STEPS(name, ppm, rpd, ...)                                             \
  do {                                                                         \
    static const step_t s_[] = {__VA_ARGS__};                                  \
    run_steps(name, ppm, rpd, s_, sizeof(s_) / sizeof(s_[0]));                 \
    if (test_failed_now)                                                       \
      return;                                                                  \
  } while (0)

static void limits_table(void) {
  STEPS("three packs a minute, the fourth refused, the next minute fresh", 3, 0,
        {"oxi-1", T0, T0, 0, 0, OK}, {"oxi-1", T0 + 10, T0 + 10, 0, 0, OK},
        {"oxi-1", T0 + 20, T0 + 20, 0, 0, OK},
        {"oxi-1", T0 + 30, T0 + 30, 0, WG_EBUSY, OVER},
        {"oxi-1", T0 + 40, T0 + 40, 0, WG_EBUSY, OVER},
        {"oxi-1", T0 + 60, T0 + 60, 0, 0, OK});
  STEPS("devices apart", 1, 0, {"oxi-1", T0, T0, 0, 0, OK},
        {"oxi-1", T0 + 1, T0 + 1, 0, WG_EBUSY, OVER},
        {"oxi-2", T0 + 1, T0 + 1, 0, 0, OK});
  STEPS("a backlog newest first: each minute counted apart", 2, 0,
        {"oxi-1", T0 + 179, T0 + 999, 0, 0, OK},
        {"oxi-1", T0 + 120, T0 + 999, 0, 0, OK},
        {"oxi-1", T0 + 119, T0 + 999, 0, 0, OK},
        {"oxi-1", T0 + 60, T0 + 999, 0, 0, OK},
        {"oxi-1", T0 + 59, T0 + 999, 0, 0, OK},
        {"oxi-1", T0, T0 + 999, 0, 0, OK},
        {"oxi-1", T0 + 1, T0 + 999, 0, WG_EBUSY, OVER});
  STEPS("a backlog and live packs interleaved", 2, 0,
        {"oxi-1", T0 + 600, T0 + 600, 0, 0, OK},
        {"oxi-1", T0, T0 + 600, 0, 0, OK},
        {"oxi-1", T0 + 601, T0 + 601, 0, 0, OK},
        {"oxi-1", T0 + 1, T0 + 601, 0, 0, OK},
        {"oxi-1", T0 + 602, T0 + 602, 0, WG_EBUSY, OVER},
        {"oxi-1", T0 + 2, T0 + 602, 0, WG_EBUSY, OVER});
  STEPS("dated ahead: counted at the receipt", 2, 0,
        {"oxi-1", T0 + 240, T0, 0, 0, OK},
        {"oxi-1", T0 + 120, T0 + 1, 0, 0, OK},
        {"oxi-1", T0 + 180, T0 + 2, 0, WG_EBUSY, OVER});
  STEPS("records under other keys a day; vitals alone pass", 300, 10,
        {"oxi-1", T0, T0, 4, 0, OK}, {"oxi-1", T0 + 60, T0 + 60, 4, 0, OK},
        {"oxi-1", T0 + 120, T0 + 120, 4, WG_EBUSY, OVER},
        {"oxi-1", T0 + 180, T0 + 180, 0, 0, OK},
        {"oxi-1", T0 + 240, T0 + 240, 2, 0, OK},
        {"oxi-1", T0 + 300, T0 + 300, 1, WG_EBUSY, OVER},
        {"oxi-1", DAY0 + 86400, DAY0 + 86400, 10, 0, CLEAR});
  STEPS("the alert clears an hour after the last refusal, once", 1, 0,
        {"oxi-1", T0, T0, 0, 0, OK}, {"oxi-1", T0, T0, 0, WG_EBUSY, OVER},
        {"oxi-1", T0 + 60, T0 + 60, 0, 0, OK},
        {"oxi-1", T0 + 600, T0 + 600, 0, 0, OK},
        {"oxi-1", T0 + 601, T0 + 601, 0, WG_EBUSY, OVER},
        {"oxi-1", T0 + 4199, T0 + 4199, 0, 0, OK},
        {"oxi-1", T0 + 4201, T0 + 4201, 0, 0, CLEAR},
        {"oxi-1", T0 + 9000, T0 + 9000, 0, 0, OK});
  STEPS("first seen: an alert from before a restart clears after an hour", 5, 0,
        {"oxi-1", T0, T0, 0, 0, OK},
        {"oxi-1", T0 + 3600, T0 + 3600, 0, 0, CLEAR},
        {"oxi-1", T0 + 7200, T0 + 7200, 0, 0, OK});
  STEPS("no limits: nothing counted, nothing refused", 0, 0,
        {"oxi-1", T0, T0, 1000, 0, OK}, {"oxi-1", T0, T0, 1000, 0, OK});
}

/* Dates are the device's word: one that dates each pack in another minute
 * (or each record in another day) is held to twice a day's quota per UTC
 * day of receipt; the next day it may send again. */
static void receipt_day_bounds_dates(void) {
  wg_quota_t q;
  wg_quota_event_t ev;
  char err[256];
  long i;

  wg_quota_init(&q);
  q.packs_per_min = 1;
  q.records_per_day = 10;
  for (i = 0; i < 1440 * WG_QUOTA_RECEIPT_DAYS; i++)
    if (wg_quota_check(&q, "oxi-1", T0 - 60.0 * (double)i, 0, T0, &ev, err,
                       sizeof(err)) != 0)
      FAIL_AT("pack %ld refused: %s", i, err);
  ASSERT_EQ(wg_quota_check(&q, "oxi-1", T0 - 60.0 * (double)i, 0, T0, &ev, err,
                           sizeof(err)),
            WG_EBUSY);
  ASSERT_CONTAINS(err, "more than 2880 packs received today");
  ASSERT_EQ(wg_quota_check(&q, "oxi-1", T0 - 60.0 * (double)i, 0, DAY0 + 86400,
                           &ev, err, sizeof(err)),
            0);
  /* Records: ten a day, dated on three days, twenty a day received. */
  ASSERT_EQ(wg_quota_check(&q, "cup-1", T0, 10, T0, &ev, err, sizeof(err)), 0);
  ASSERT_EQ(
      wg_quota_check(&q, "cup-1", T0 - 86400, 10, T0, &ev, err, sizeof(err)),
      0);
  ASSERT_EQ(wg_quota_check(&q, "cup-1", T0 - 2 * 86400, 10, T0, &ev, err,
                           sizeof(err)),
            WG_EBUSY);
  ASSERT_CONTAINS(err, "more than 20 records under other keys received today");
  wg_quota_free(&q);
}

/* The defaults never throttle a real device: a pulse oximeter at one pack
 * a second with two records under other keys each, live for a day, and
 * the same day as a backlog delivered at once after a restart, oldest or
 * newest first. */
static void defaults_pass_an_oximeter(void) {
  wg_config_t *cfg = test_config(TESTCFG_HEAD "\"patients\":[]}");
  wg_quota_t q;
  wg_quota_event_t ev;
  char err[256];
  int refused = 0;

  ASSERT(cfg != NULL);
  ASSERT_EQ(cfg->quota_packs_per_min, 300);
  ASSERT_EQ(cfg->quota_records_per_day, 200000);
  /* Live; a backlog oldest first; newest first. */
  for (int backlog = 0; backlog <= 2; backlog++) {
    wg_quota_init(&q);
    q.packs_per_min = cfg->quota_packs_per_min;
    q.records_per_day = cfg->quota_records_per_day;
    for (int s = 0; s < 86400; s++) {
      double t = backlog == 2 ? DAY0 + 86399 - s : DAY0 + s;
      double now = backlog ? DAY0 + 86400 + 5 : t;
      refused +=
          wg_quota_check(&q, "oxi-1", t, 2, now, &ev, err, sizeof(err)) != 0;
    }
    wg_quota_free(&q);
  }
  wg_config_free(cfg);
  ASSERT_EQ(refused, 0);
}

/* Devices beyond WG_QUOTA_DEVICES_MAX: the idlest forgotten, memory bounded. */
static void devices_bounded(void) {
  wg_quota_t q;
  wg_quota_event_t ev;
  char id[32], err[256];

  wg_quota_init(&q);
  q.packs_per_min = 1;
  for (int i = 0; i < WG_QUOTA_DEVICES_MAX + 10; i++) {
    snprintf(id, sizeof(id), "dev-%d", i);
    ASSERT_EQ(wg_quota_check(&q, id, T0, 0, T0 + i, &ev, err, sizeof(err)), 0);
  }
  ASSERT_EQ(q.n, WG_QUOTA_DEVICES_MAX);
  /* The newest is remembered: its second pack this minute is refused. */
  ASSERT_EQ(wg_quota_check(&q, id, T0, 0, T0 + 99999, &ev, err, sizeof(err)),
            WG_EBUSY);
  wg_quota_free(&q);
}

/* Through the ingest: a pack over the quota is refused whole with
 * WG_EBUSY, counted nowhere, its fall kept with the reason; the event says
 * the alert is due. A bad pack does not count. */
static void ingest_refuses_over_quota(void) {
  wg_config_t *cfg = test_config(
      TESTCFG_HEAD "\"quota\":{\"packs_per_min\":2,\"records_per_day\":3},"
                   "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"fall-1\","
                   "{\"id\":\"cup-1\",\"keys\":[\"fluid_intake\"]}]}]}");
  static const char ok[] = "[{\"bt\":1763900040,\"n\":\"hr\",\"v\":70}]";
  static const char bad[] = "[{\"bt\":1763900040,\"n\":\"hr\",\"v\":700}]";
  static const char fall[] = "[{\"bt\":1763900041,\"n\":\"fall\",\"vb\":true},"
                             "{\"n\":\"hr\",\"v\":71}]";
  static const char others[] =
      "[{\"bt\":1763900100,\"n\":\"pi\",\"v\":1},{\"n\":\"sq\",\"v\":2},"
      "{\"n\":\"hr\",\"v\":72}]";
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  ASSERT_EQ(in.quota.packs_per_min, 2);
  ASSERT_EQ(wg_ingest_pack(&in, "fall-1", bad, strlen(bad), T0, err, 256),
            WG_EINVAL);
  ASSERT_EQ(wg_ingest_pack(&in, "fall-1", ok, strlen(ok), T0, err, 256), 0);
  ASSERT_EQ(wg_ingest_pack(&in, "fall-1", ok, strlen(ok), T0, err, 256), 0);
  ASSERT_EQ(in.quota_event, WG_QUOTA_NONE);
  ASSERT_EQ(in.batch.npacks, 2);
  ASSERT_EQ(wg_ingest_pack(&in, "fall-1", fall, strlen(fall), T0 + 1, err, 256),
            WG_EBUSY);
  ASSERT_EQ(in.quota_event, WG_QUOTA_EXCEEDED);
  ASSERT_CONTAINS(err, "over quota: more than 2 packs a minute");
  /* The fall alone, as a refused pack of its own. */
  ASSERT_EQ(in.batch.npacks, 3);
  ASSERT_EQ(in.batch.readings.n, 3);
  ASSERT_STR_EQ(in.batch.readings.v[2].name, "fall");
  ASSERT(in.batch.packs[2].refused != NULL);
  ASSERT_CONTAINS(in.batch.packs[2].refused, "over quota");
  /* Records under other keys: two fit the day's three, two more do not. */
  ASSERT_EQ(
      wg_ingest_pack(&in, "fall-1", others, strlen(others), T0 + 60, err, 256),
      0);
  ASSERT_EQ(
      wg_ingest_pack(&in, "fall-1", others, strlen(others), T0 + 61, err, 256),
      WG_EBUSY);
  ASSERT_CONTAINS(err, "more than 3 records under other keys a day");
  wg_config_free(cfg);
  /* A reload takes the new limits; 0: none. */
  cfg = test_config(
      TESTCFG_HEAD "\"quota\":{\"packs_per_min\":0,\"records_per_day\":0},"
                   "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"fall-1\"]}]}");
  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  ASSERT_EQ(
      wg_ingest_pack(&in, "fall-1", others, strlen(others), T0 + 62, err, 256),
      0);
  ASSERT_EQ(wg_ingest_pack(&in, "fall-1", ok, strlen(ok), T0 + 62, err, 256),
            0);
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

/* The "quota" block: defaults, off with 0, and bad values refused. */
static void quota_config(void) {
  static const struct {
    const char *block;
    long ppm, rpd; /* -1: the file is refused */
  } cases[] = {
      {"", 300, 200000},
      {"\"quota\":{},", 300, 200000},
      {"\"quota\":{\"packs_per_min\":0,\"records_per_day\":0},", 0, 0},
      {"\"quota\":{\"packs_per_min\":20},", 20, 200000},
      {"\"quota\":{\"packs_per_min\":-1},", -1, -1},
      {"\"quota\":{\"packs_per_min\":1.5},", -1, -1},
      {"\"quota\":{\"records_per_day\":\"many\"},", -1, -1},
      {"\"quota\":{\"packs\":1},", -1, -1},
      {"\"quota\":7,", -1, -1},
  };
  char json[512];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_config_t *cfg;

    snprintf(json, sizeof(json), TESTCFG_HEAD "%s\"patients\":[]}",
             cases[i].block);
    cfg = test_config(json);
    if (cases[i].ppm < 0) {
      if (cfg != NULL)
        FAIL_AT("case %zu accepted", i);
      continue;
    }
    if (cfg == NULL)
      FAIL_AT("case %zu refused", i);
    ASSERT_EQ(cfg->quota_packs_per_min, cases[i].ppm);
    ASSERT_EQ(cfg->quota_records_per_day, cases[i].rpd);
    wg_config_free(cfg);
  }
}

/* The clinic's side: a device_quota alert (low) raised once however many
 * packs are refused, cleared when the quota says so; a clear without an
 * open alert is nothing. */
static void quota_alert_raised_once(void) {
  wg_config_t *cfg = test_config(
      TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"]}]}");
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  const wg_alert_t *al;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  wg_clinic_device_quota(&cl, 0, 0, "oxi-1", NULL, T0);
  ASSERT_EQ(cl.nevents, 0);
  for (int i = 0; i < 5; i++)
    wg_clinic_device_quota(&cl, 0, 0, "oxi-1",
                           "over quota: more than 3 packs a minute from device "
                           "oxi-1",
                           T0 + i);
  ASSERT_EQ(cl.nevents, 1);
  al = &cl.events[0].alert;
  ASSERT_EQ(al->state, WG_ALERT_RAISED);
  ASSERT_EQ(al->rule, WG_RULE_DEVICE_QUOTA);
  ASSERT_EQ(al->severity, WG_SEV_LOW);
  ASSERT_STR_EQ(al->device, "oxi-1");
  ASSERT_CONTAINS(al->summary, "more than 3 packs a minute");
  ASSERT_CONTAINS(al->summary, "a fall still raises");
  wg_clinic_committed(&cl);
  wg_clinic_device_quota(&cl, 0, 0, "oxi-1", NULL, T0 + 3600);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_CLEARED);
  ASSERT_EQ(counters.alerts_raised, 1);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

TEST_MAIN(T(limits_table), T(receipt_day_bounds_dates),
          T(defaults_pass_an_oximeter), T(devices_bounded),
          T(ingest_refuses_over_quota), T(quota_config),
          T(quota_alert_raised_once))
