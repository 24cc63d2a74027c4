/* SPDX-License-Identifier: MIT */
/*
 * A back-filled burst through the group commit, against a real database:
 * a cuff's memory relayed one reading a pack (a phone syncing it) yields
 * one alert per rule and key whose summary gives the range, as the same
 * readings in one pack do; not an event a reading, nor an alert raised and
 * cleared again and again (DESIGN.md section 8 "Time", issue 26).
 */
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "commit/commit.h"
#include "core/clock.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

static const char cfg_json[] =
    "{\"gateway_id\":\"gw-1\",\"database\":\"unused\",\"retention_days\":30,"
    "\"ingest\":{\"mqtt\":{}},\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":"
    "\"p-1\",\"devices\":[\"oxi-1\",\"fall-1\"],"
    "\"thresholds\":[{\"name\":\"spo2\",\"below\":90,\"severity\":"
    "\"high\"}]}]}";

typedef struct fixture_s {
  char path[64];
  wg_config_t *cfg;
  uv_loop_t loop;
  wg_store_t *store;
  sqlite3 *db;
  wg_counters_t counters;
  wg_ingest_t ingest;
  wg_clinic_t clinic;
  wg_outbox_t outbox;
  wg_commit_t commit;
} fixture_t;

static const wg_commit_cbs_t cbs = {0};

static int setup(fixture_t *f) {
  wg_device_map_t map;
  wg_commit_deps_t deps;

  memset(f, 0, sizeof(*f));
  snprintf(f->path, sizeof(f->path), "/tmp/wg-test-burst-%d.db", (int)getpid());
  test_remove_db(f->path);
  if ((f->cfg = test_config(cfg_json)) == NULL || uv_loop_init(&f->loop) != 0 ||
      wg_store_open(&f->store, f->path, WG_DURABILITY_PROCESS) != 0 ||
      sqlite3_open(f->path, &f->db) != SQLITE_OK)
    return -1;
  wg_ingest_init(&f->ingest);
  if (wg_ingest_build_map(f->cfg, &map) != 0)
    return -1;
  wg_ingest_set_map(&f->ingest, &map);
  if (wg_clinic_init(&f->clinic, "gw-1", 1, 24, &f->counters) != 0 ||
      wg_clinic_set_patients(&f->clinic, f->cfg, wg_wall_now()) != 0 ||
      wg_outbox_init(&f->outbox, f->store, 100000) != 0)
    return -1;
  deps = (wg_commit_deps_t){.store = f->store,
                            .ingest = &f->ingest,
                            .clinic = &f->clinic,
                            .outbox = &f->outbox,
                            .topic_alerts = "wardgate/gw-1/alerts",
                            .topic_news2 = "wardgate/gw-1/news2",
                            .topic_log = "wardgate/gw-1/log/daily",
                            .gateway = "gw-1",
                            .retention_days = 30,
                            .counters = &f->counters};
  wg_commit_init(&f->commit, &f->loop, &deps, &cbs, f);
  wg_commit_start(&f->commit);
  return 0;
}

static void closed(wg_commit_t *cm) { (void)cm; }

static int teardown(fixture_t *f) {
  wg_commit_close(&f->commit, closed);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  wg_outbox_free(&f->outbox);
  wg_clinic_free(&f->clinic);
  wg_ingest_free(&f->ingest);
  sqlite3_close(f->db);
  wg_store_close(f->store);
  wg_config_free(f->cfg);
  test_remove_db(f->path);
  return uv_loop_close(&f->loop) == 0 ? 0 : -1;
}

static long long count(fixture_t *f, const char *sql) {
  sqlite3_stmt *st;
  long long n = -1;

  if (sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) != SQLITE_OK)
    return -2;
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

static void text(fixture_t *f, const char *sql, char *out, size_t size) {
  sqlite3_stmt *st;

  out[0] = '\0';
  if (sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) != SQLITE_OK)
    return;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

#define BURST 90

/*
 * Three hours of an oximeter's memory, a reading a minute, synced now: a
 * third of them below the limit, in and out (each dip would raise, and
 * the two readings after it clear), the last one below. In one pack or
 * in BURST packs of one reading, taken in one group: one alert, raised
 * once, its summary giving the count and the range, and its evidence the
 * worst reading; and with the two falls of a fall sensor's memory among
 * the packs, one fall alert too.
 */
static void burst_one_alert(void) {
  for (int packs = 0; packs < 2; packs++) {
    double t0 = floor(wg_wall_now()) - 3 * 3600;
    char json[BURST * 64 + 64], summary[512], err[256];
    size_t len = 0;
    fixture_t f;

    ASSERT_EQ(setup(&f), 0);
    len += (size_t)snprintf(json + len, sizeof(json) - len, "[");
    for (int k = 0; k < BURST; k++) {
      double v = k % 3 == 2 ? 86 - k / 10 : 97;
      char one[96];
      snprintf(one, sizeof(one),
               "{\"n\":\"spo2\",\"u\":\"%%\",\"v\":%g,\"t\":%.0f}", v,
               t0 + 60.0 * k);
      if (packs == 1) {
        char pack[128];
        snprintf(pack, sizeof(pack), "[%s]", one);
        ASSERT_EQ(wg_ingest_pack(&f.ingest, "oxi-1", pack, strlen(pack),
                                 wg_wall_now(), err, sizeof(err)),
                  0);
        if (k == 10 || k == 50) {
          snprintf(pack, sizeof(pack),
                   "[{\"n\":\"fall\",\"vb\":true,\"t\":%.0f}]", t0 + 60.0 * k);
          ASSERT_EQ(wg_ingest_pack(&f.ingest, "fall-1", pack, strlen(pack),
                                   wg_wall_now(), err, sizeof(err)),
                    0);
        }
      } else {
        len += (size_t)snprintf(json + len, sizeof(json) - len, "%s%s",
                                k ? "," : "", one);
      }
    }
    if (packs == 0) {
      snprintf(json + len, sizeof(json) - len, "]");
      ASSERT_EQ(wg_ingest_pack(&f.ingest, "oxi-1", json, strlen(json),
                               wg_wall_now(), err, sizeof(err)),
                0);
    }
    ASSERT_EQ(wg_commit_now(&f.commit), 0);
    ASSERT_EQ(count(&f, "SELECT count(*) FROM readings WHERE name = 'spo2'"),
              BURST);
    if (count(&f, "SELECT count(*) FROM alerts WHERE rule = 'threshold'") !=
            1 ||
        count(&f, "SELECT count(*) FROM alert_events e JOIN alerts a ON "
                  "a.id = e.alert_id WHERE a.rule = 'threshold'") != 1)
      FAIL_AT("%s: %lld threshold alerts, %lld events",
              packs ? "one-reading packs" : "one pack",
              count(&f, "SELECT count(*) FROM alerts WHERE rule = "
                        "'threshold'"),
              count(&f, "SELECT count(*) FROM alert_events"));
    text(&f,
         "SELECT json_extract(payload, '$.summary') FROM alerts WHERE "
         "rule = 'threshold'",
         summary, sizeof(summary));
    ASSERT_CONTAINS(summary, "; 30 readings from ");
    ASSERT_EQ(count(&f, "SELECT count(*) FROM alerts WHERE rule = 'threshold' "
                        "AND json_extract(payload, '$.evidence[0].v') = 78"),
              1);
    ASSERT_EQ(count(&f, "SELECT count(*) FROM alerts WHERE rule = 'threshold' "
                        "AND state = 'raised' AND "
                        "json_extract(payload, '$.late') = 1"),
              1);
    if (packs == 1) {
      ASSERT_EQ(count(&f, "SELECT count(*) FROM alerts WHERE rule = 'fall'"),
                1);
      ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events e JOIN alerts a "
                          "ON a.id = e.alert_id WHERE a.rule = 'fall'"),
                1);
      text(&f,
           "SELECT json_extract(payload, '$.summary') FROM alerts WHERE "
           "rule = 'fall'",
           summary, sizeof(summary));
      ASSERT_CONTAINS(summary, "; 2 readings from ");
    }
    /* NEWS2, scored once a pack: one alert, its events at most a raise
     * and the clear of the burst's end (fresh sets below the band). */
    if (count(&f, "SELECT count(*) FROM alerts WHERE rule = 'news2'") > 1 ||
        count(&f, "SELECT count(*) FROM alert_events e JOIN alerts a ON "
                  "a.id = e.alert_id WHERE a.rule = 'news2'") > 2)
      FAIL_AT("%s: %lld news2 alerts, %lld events",
              packs ? "one-reading packs" : "one pack",
              count(&f, "SELECT count(*) FROM alerts WHERE rule = 'news2'"),
              count(&f, "SELECT count(*) FROM alert_events e JOIN alerts a ON "
                        "a.id = e.alert_id WHERE a.rule = 'news2'"));
    ASSERT_EQ(teardown(&f), 0);
  }
}

TEST_MAIN(T(burst_one_alert))
