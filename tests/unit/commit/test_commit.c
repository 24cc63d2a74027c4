/* SPDX-License-Identifier: MIT */
/*
 * The group commit against a real database, with failures injected by a
 * trigger from a second connection: the phases, what a failed commit keeps
 * and what its retry writes, the tickets and callbacks.
 */
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "commit/commit.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

/* The packs below carry fixed times of 2025 and are taken at the wall
 * clock's time: a retention of a century keeps them inside it. */
static const char cfg_json[] =
    "{\"gateway_id\":\"gw-1\",\"database\":\"unused\",\"retention_days\":36500,"
    "\"ingest\":{\"mqtt\":{}},"
    "\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":\"p-1\",\"devices\":["
    "\"oxi-1\",\"fall-1\"]}]}";

typedef struct fixture_s {
  char path[64];
  wg_config_t *cfg;
  uv_loop_t loop;
  wg_store_t *store;
  sqlite3 *db; /* the test's own connection, for triggers and counts */
  wg_counters_t counters;
  wg_ingest_t ingest;
  wg_clinic_t clinic;
  wg_outbox_t outbox;
  wg_commit_t commit;
  /* What the callbacks saw. */
  uint64_t ticket;
  int ncommitted;
  bool alerts_changed;
  int npause;
  bool paused;
  char unknown[96];
  int nunknown;
} fixture_t;

static void on_committed(wg_commit_t *cm, uint64_t ticket, bool changed) {
  fixture_t *f = cm->data;
  f->ticket = ticket;
  f->ncommitted++;
  f->alerts_changed = changed;
}

static void on_pause(wg_commit_t *cm, bool paused) {
  fixture_t *f = cm->data;
  f->npause++;
  f->paused = paused;
}

static void on_unknown_ack(wg_commit_t *cm, const char *id) {
  fixture_t *f = cm->data;
  snprintf(f->unknown, sizeof(f->unknown), "%s", id);
  f->nunknown++;
}

static const wg_commit_cbs_t cbs = {.committed = on_committed,
                                    .pause = on_pause,
                                    .unknown_ack = on_unknown_ack};

static int setup(fixture_t *f) {
  wg_device_map_t map;
  wg_commit_deps_t deps;

  memset(f, 0, sizeof(*f));
  snprintf(f->path, sizeof(f->path), "/tmp/wg-test-commit-%d.db",
           (int)getpid());
  test_remove_db(f->path);
  if ((f->cfg = test_config(cfg_json)) == NULL || uv_loop_init(&f->loop) != 0 ||
      wg_store_open(&f->store, f->path, WG_DURABILITY_PROCESS) != 0 ||
      sqlite3_open(f->path, &f->db) != SQLITE_OK)
    return -1;
  sqlite3_busy_timeout(f->db, 1000);
  wg_ingest_init(&f->ingest);
  if (wg_ingest_build_map(f->cfg, &map) != 0)
    return -1;
  wg_ingest_set_map(&f->ingest, &map);
  if (wg_clinic_init(&f->clinic, "gw-1", 1, 24, &f->counters) != 0 ||
      wg_clinic_set_patients(&f->clinic, f->cfg, 1763900000.0) != 0 ||
      wg_outbox_init(&f->outbox, f->store, 1000) != 0)
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

static int closed_count;
static void closed(wg_commit_t *cm) {
  (void)cm;
  closed_count++;
}

static int teardown(fixture_t *f) {
  closed_count = 0;
  wg_commit_close(&f->commit, closed);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  wg_outbox_free(&f->outbox);
  wg_clinic_free(&f->clinic);
  wg_ingest_free(&f->ingest);
  sqlite3_close(f->db);
  wg_store_close(f->store);
  wg_config_free(f->cfg);
  test_remove_db(f->path);
  return closed_count == 1 && uv_loop_close(&f->loop) == 0 ? 0 : -1;
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

static int exec(fixture_t *f, const char *sql) {
  return sqlite3_exec(f->db, sql, NULL, NULL, NULL);
}

static int take(fixture_t *f, const char *device, const char *json) {
  char err[256];
  int rc = wg_ingest_pack(&f->ingest, device, json, strlen(json),
                          (double)time(NULL), err, sizeof(err));
  if (rc != 0)
    fprintf(stderr, "pack refused: %s\n", err);
  return rc;
}

/* Readings stored once, the rules run on the new ones, their events and
 * outbox rows written in the same transaction; the ticket covers them. */
static void phases_in_one_transaction(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(wg_commit_take(&f.commit), 1);
  ASSERT_EQ(take(&f, "fall-1", "[{\"n\":\"fall\",\"vb\":true,\"t\":-1}]"), 0);
  ASSERT_EQ(take(&f, "oxi-1",
                 "[{\"bt\":1763899000,\"n\":\"spo2\",\"v\":97},"
                 "{\"n\":\"hr\",\"v\":70}]"),
            0);
  /* A retransmission in the same group: stored and counted once. */
  ASSERT_EQ(take(&f, "oxi-1", "[{\"bt\":1763899000,\"n\":\"spo2\",\"v\":97}]"),
            0);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(f.ncommitted, 1);
  ASSERT_EQ(f.ticket, 1);
  ASSERT(f.alerts_changed);
  ASSERT_EQ(f.counters.readings_stored, 3);
  ASSERT_EQ(f.counters.readings_duplicate, 1);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM readings"), 3);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events"), 1);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alerts WHERE rule = 'fall'"), 1);
  /* One NEWS2 for the oximeter's pack, published (the first). */
  ASSERT_EQ(count(&f, "SELECT count(*) FROM scores"), 1);
  ASSERT_EQ(f.outbox.depth, 2);
  ASSERT_EQ(f.ingest.batch.readings.n, 0);
  ASSERT_EQ(f.clinic.nevents, 0);

  /* Nothing taken, nothing to say; input without rows still gets its
   * commit, and the next ticket. */
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(f.ncommitted, 1);
  ASSERT_EQ(wg_commit_take(&f.commit), 2);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(f.ncommitted, 2);
  ASSERT_EQ(f.ticket, 2);
  ASSERT(!f.alerts_changed);
  ASSERT_EQ(teardown(&f), 0);
}

/* A commit that fails on the third reading of a pack: the two before it
 * went through the rules, and the retry must still score the pack's NEWS2
 * (their evaluation is not repeated: the clinic sees each reading once). */
static void retry_scores_the_pack(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(exec(&f, "CREATE TRIGGER boom BEFORE INSERT ON readings "
                     "WHEN NEW.name = 'boom' BEGIN "
                     "SELECT RAISE(ABORT, 'injected'); END"),
            SQLITE_OK);
  ASSERT_EQ(take(&f, "oxi-1",
                 "[{\"bt\":-10,\"n\":\"spo2\",\"v\":97},"
                 "{\"n\":\"hr\",\"v\":70},{\"n\":\"boom\",\"v\":1}]"),
            0);
  ASSERT(wg_commit_now(&f.commit) < 0);
  ASSERT(wg_commit_retrying(&f.commit));
  ASSERT_EQ(f.ncommitted, 0);
  ASSERT_EQ(f.counters.store_errors, 1);
  ASSERT_EQ(f.commit.evaluated, 2);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM readings"), 0);
  ASSERT_EQ(exec(&f, "DROP TRIGGER boom"), SQLITE_OK);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT(!wg_commit_retrying(&f.commit));
  ASSERT_EQ(count(&f, "SELECT count(*) FROM readings"), 3);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM scores"), 1);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM scores WHERE components = "
                      "'{\"spo2\":0,\"hr\":0}'"),
            1);
  ASSERT_EQ(f.counters.readings_stored, 3);
  ASSERT_EQ(teardown(&f), 0);
}

/* An ack for a closed alert is audited in the group commit: gone with a
 * rollback, written once by the retry. An ack for an alert never raised
 * is reported once. */
static void late_ack_in_the_transaction(void) {
  fixture_t f;
  wg_ack_t ack = {.by = "Dr Who", .ts = 1763900100.0};

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(take(&f, "fall-1", "[{\"n\":\"fall\",\"vb\":true,\"t\":-1}]"), 0);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  snprintf(ack.id, sizeof(ack.id), "gw-1-000001");
  ASSERT_EQ(wg_ingest_ack(&f.ingest, &ack), 0);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(f.counters.alerts_acknowledged, 1);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alerts WHERE state = "
                      "'acknowledged'"),
            1);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events"), 2);

  /* The same ack again (a second clinician), an unknown one, and a
   * reading that makes the commit fail. */
  snprintf(ack.by, sizeof(ack.by), "Nurse Joy");
  ASSERT_EQ(wg_ingest_ack(&f.ingest, &ack), 0);
  snprintf(ack.id, sizeof(ack.id), "gw-1-000077");
  ASSERT_EQ(wg_ingest_ack(&f.ingest, &ack), 0);
  ASSERT_EQ(exec(&f, "CREATE TRIGGER boom BEFORE INSERT ON readings "
                     "BEGIN SELECT RAISE(ABORT, 'injected'); END"),
            SQLITE_OK);
  ASSERT_EQ(take(&f, "oxi-1", "[{\"n\":\"spo2\",\"v\":97}]"), 0);
  ASSERT(wg_commit_now(&f.commit) < 0);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events"), 2);
  ASSERT_EQ(f.nunknown, 1);
  ASSERT_STR_EQ(f.unknown, "gw-1-000077");
  ASSERT_EQ(exec(&f, "DROP TRIGGER boom"), SQLITE_OK);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events"), 3);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events WHERE cause LIKE "
                      "'acknowledged by Nurse Joy after the alert closed%'"),
            1);
  ASSERT_EQ(f.nunknown, 1);
  ASSERT_EQ(f.counters.alerts_acknowledged, 1);
  ASSERT_EQ(teardown(&f), 0);
}

/* While commits fail, the batch grows; past the limit input pauses, and
 * the first commit that succeeds resumes it. */
static void pause_while_failing(void) {
  char pack[64];
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(exec(&f, "CREATE TRIGGER boom BEFORE INSERT ON readings "
                     "BEGIN SELECT RAISE(ABORT, 'injected'); END"),
            SQLITE_OK);
  for (int i = 0; i < WG_COMMIT_PAUSE_AT; i++) {
    snprintf(pack, sizeof(pack), "[{\"n\":\"battery\",\"v\":90,\"t\":%d}]",
             1763800000 + i);
    if (take(&f, "oxi-1", pack) != 0)
      FAIL_AT("pack %d refused", i);
  }
  ASSERT(wg_commit_now(&f.commit) < 0);
  ASSERT_EQ(f.npause, 1);
  ASSERT(f.paused);
  ASSERT_EQ(exec(&f, "DROP TRIGGER boom"), SQLITE_OK);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(f.npause, 2);
  ASSERT(!f.paused);
  ASSERT_EQ(f.counters.readings_stored, WG_COMMIT_PAUSE_AT);
  ASSERT_EQ(teardown(&f), 0);
}

static int take_refused(fixture_t *f, const char *device, const char *json) {
  char err[256];
  return wg_ingest_pack(&f->ingest, device, json, strlen(json),
                        (double)time(NULL), err, sizeof(err));
}

/*
 * DESIGN.md section 5 (2026-12-06): a fall inside a refused pack raises the
 * fall alert, whose summary names the refusal. The fall is stored (the
 * same pack sent again is a duplicate: no second event); the pack's other
 * records are not. Table: what refused the pack, what the summary quotes.
 */
static void refused_pack_raises_its_fall(void) {
  static const struct {
    const char *json, *quoted;
  } cases[] = {
      {"[{\"bt\":1763899990,\"n\":\"fall\",\"vb\":true},"
       "{\"n\":\"battery\",\"v\":101}]",
       "its pack was refused: record 1: battery 101 %EL outside 0-100"},
      {"[{\"bt\":1763899991,\"n\":\"fall\",\"vb\":true},"
       "{\"n\":\"spo2\",\"v\":97,\"t\":1e10}]",
       "its pack was refused: record 1: time more than 5 minutes"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char sql[256];
    fixture_t f;

    ASSERT_EQ(setup(&f), 0);
    ASSERT_EQ(take_refused(&f, "fall-1", cases[i].json), WG_EINVAL);
    ASSERT_EQ(wg_commit_now(&f.commit), 0);
    ASSERT_EQ(count(&f, "SELECT count(*) FROM readings"), 1);
    ASSERT_EQ(count(&f, "SELECT count(*) FROM readings WHERE name = 'fall' "
                        "AND device_id = 'fall-1'"),
              1);
    ASSERT_EQ(count(&f, "SELECT count(*) FROM alerts WHERE rule = 'fall' "
                        "AND severity = 'high' AND open = 1"),
              1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM alert_events WHERE state = 'raised' AND "
             "instr(payload, '%s') > 0",
             cases[i].quoted);
    if (count(&f, sql) != 1)
      FAIL_AT("case %zu: no raised event quoting \"%s\"", i, cases[i].quoted);
    /* The same refused pack again: its fall is a duplicate. */
    ASSERT_EQ(take_refused(&f, "fall-1", cases[i].json), WG_EINVAL);
    ASSERT_EQ(wg_commit_now(&f.commit), 0);
    ASSERT_EQ(count(&f, "SELECT count(*) FROM alert_events"), 1);
    ASSERT_EQ(f.counters.readings_duplicate, 1);
    ASSERT_EQ(teardown(&f), 0);
  }
}

/* After a restart: the clinic is rebuilt from the store, the open alert
 * back (an unreadable one skipped), the NEWS2 observations replayed. */
static void restore_from_the_store(void) {
  wg_counters_t counters = {0};
  wg_commit_t cm2;
  wg_clinic_t cl2;
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  ASSERT_EQ(take(&f, "fall-1", "[{\"n\":\"fall\",\"vb\":true,\"t\":-1}]"), 0);
  /* SpO2 96 scores 0: no NEWS2 alert beside the fall's (95 would raise
   * the 1-4 tier's, issue #27). */
  ASSERT_EQ(take(&f, "oxi-1", "[{\"n\":\"spo2\",\"v\":96,\"t\":-5}]"), 0);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(exec(&f, "INSERT INTO alerts(id, patient_id, rule, severity, "
                     "state, raised, updated, payload, seq, open) VALUES("
                     "'gw-1-000099', 'p-1', 'fall', 'high', 'raised', 1, 1, "
                     "'garbage', 99, 1)"),
            SQLITE_OK);
  ASSERT_EQ(wg_clinic_init(&cl2, "gw-1", 100, 24, &counters), 0);
  cm2 = f.commit;
  cm2.d.clinic = &cl2;
  ASSERT_EQ(wg_commit_restore(&cm2, f.cfg, (double)time(NULL)), 0);
  ASSERT_EQ(cl2.alerts.nopen, 1);
  ASSERT_STR_EQ(wg_alerts_at(&cl2.alerts, 0)->id, "gw-1-000001");
  ASSERT_EQ(cl2.nstates, 1);
  ASSERT(cl2.states[0].news2[WG_NEWS2_SPO2].present);
  ASSERT_NEAR(cl2.states[0].news2[WG_NEWS2_SPO2].value, 96, 1e-9);
  wg_clinic_free(&cl2);
  ASSERT_EQ(teardown(&f), 0);
}

/* After a restart the patient's last NEWS2 band is the newest stored
 * score's (H-CR5): a missed observation follows it, and nothing is
 * published for it again. */
static void restore_news2_band_from_the_store(void) {
  wg_counters_t counters = {0};
  wg_commit_t cm2;
  wg_clinic_t cl2;
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  /* rr 3 + spo2 3 + sbp 2 + hr 3 + temp 2: 13, high. */
  ASSERT_EQ(take(&f, "oxi-1",
                 "[{\"n\":\"rr\",\"v\":26,\"t\":-5},{\"n\":\"spo2\","
                 "\"v\":91,\"t\":-5},{\"n\":\"sbp\",\"v\":95,\"t\":-5},"
                 "{\"n\":\"hr\",\"v\":135,\"t\":-5},{\"n\":\"temp\","
                 "\"u\":\"Cel\",\"v\":39.5,\"t\":-5}]"),
            0);
  ASSERT_EQ(wg_commit_now(&f.commit), 0);
  ASSERT_EQ(count(&f, "SELECT count(*) FROM scores WHERE score = 13 AND "
                      "band = 'high'"),
            1);
  ASSERT_EQ(wg_clinic_init(&cl2, "gw-1", 100, 24, &counters), 0);
  cm2 = f.commit;
  cm2.d.clinic = &cl2;
  ASSERT_EQ(wg_commit_restore(&cm2, f.cfg, (double)time(NULL)), 0);
  ASSERT(cl2.states[0].news2_scored);
  ASSERT_EQ(cl2.states[0].news2_last.score, 13);
  ASSERT_EQ(cl2.states[0].news2_last.band, WG_NEWS2_BAND_HIGH);
  ASSERT_EQ(cl2.states[0].news2_last.components[WG_NEWS2_HR], 3);
  ASSERT_EQ(cl2.states[0].news2_last.components[WG_NEWS2_O2], -1);
  ASSERT(cl2.states[0].news2_pub.any);
  ASSERT_EQ(cl2.nscores, 0);
  ASSERT_EQ(cl2.nevents, 0);
  wg_clinic_free(&cl2);

  /* A newer row the daemon cannot read leaves the band unknown. */
  ASSERT_EQ(exec(&f, "INSERT INTO scores(patient_id, ts, score, scale, "
                     "complete, band, components, missing) VALUES('p-1', "
                     "4000000000, 2, 1, 0, 'purple', '{}', '[]')"),
            SQLITE_OK);
  ASSERT_EQ(wg_clinic_init(&cl2, "gw-1", 100, 24, &counters), 0);
  cm2.d.clinic = &cl2;
  ASSERT_EQ(wg_commit_restore(&cm2, f.cfg, (double)time(NULL)), 0);
  ASSERT(!cl2.states[0].news2_scored);
  wg_clinic_free(&cl2);
  ASSERT_EQ(teardown(&f), 0);
}

TEST_MAIN(T(phases_in_one_transaction), T(restore_from_the_store),
          T(restore_news2_band_from_the_store), T(retry_scores_the_pack),
          T(late_ack_in_the_transaction), T(pause_while_failing),
          T(refused_pack_raises_its_fall))
