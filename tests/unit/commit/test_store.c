/* SPDX-License-Identifier: MIT */
#include <sqlite3.h>
#include <unistd.h>
#include <uv.h>

#include "commit/store.h"
#include "storedb.h"
#include "test.h"
#include "wardgate/error.h"

static void schema_created_and_reopened(void) {
  wg_store_t *s;
  wg_reading_t r = reading("spo2", 97, 1000);

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_POWER), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 1001), 1);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("PRAGMA user_version"), WG_STORE_SCHEMA_VERSION);
  ASSERT_EQ(query_int("SELECT count(*) FROM sqlite_master WHERE name = "
                      "'readings'"),
            1);
  /* Reopening keeps the data and migrates nothing. */
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings WHERE name = 'spo2' AND "
                      "value = 97 AND unit = '%' AND ts = 1000 AND received = "
                      "1001 AND patient_id = 'p-1'"),
            1);
}

static void wal_mode(void) {
  wg_store_t *s;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_POWER), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT journal_mode = 'wal' FROM pragma_journal_mode"),
            1);
}

static void readings_columns(void) {
  wg_store_t *s;
  wg_reading_t r = {0};

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  r.device_id = "fall-1";
  r.name = "fall";
  r.unit = "";
  r.vb = true;
  r.flags = WG_READING_HAS_VB;
  r.ts = 5;
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 6), 1);
  r.name = "label";
  r.vs = "kitchen";
  r.flags = WG_READING_HAS_SUM;
  r.sum = 2.5;
  ASSERT_EQ(put(s, &r, 6), 1);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings WHERE name = 'fall' AND "
                      "vb = 1 AND value IS NULL AND unit = '' AND patient_id "
                      "IS NULL"),
            1);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings WHERE name = 'label' AND "
                      "vs = 'kitchen' AND sum = 2.5 AND vb IS NULL"),
            1);
}

static void duplicates_stored_once(void) {
  wg_store_t *s;
  wg_reading_t r = reading("spo2", 97, 2000);
  wg_reading_t other_unit = reading("spo2", 97, 2000);

  other_unit.unit = "x";
  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 1), 1);
  ASSERT_EQ(put(s, &r, 2), 0);
  ASSERT_EQ(put(s, &other_unit, 2), 1);
  ASSERT_EQ(wg_store_commit(s), 0);
  /* Again in a later transaction, as after a retransmission. */
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 3), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"), 2);
}

static void rollback_discards(void) {
  wg_store_t *s;
  wg_reading_t r = reading("hr", 60, 3000);

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 1), 1);
  wg_store_rollback(s);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"), 0);
}

static void retention_prunes_in_batches(void) {
  wg_store_t *s;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  for (int i = 0; i < 25; i++) {
    wg_reading_t r = reading("hr", 60, 100 + i); /* ts 100..124 */
    ASSERT_EQ(put(s, &r, 1), 1);
  }
  ASSERT_EQ(wg_store_commit(s), 0);
  /* Older than 120: 20 readings, in batches of 8. */
  ASSERT_EQ(wg_store_prune(s, 120, 1e10, 8), 8);
  ASSERT_EQ(wg_store_prune(s, 120, 1e10, 8), 8);
  ASSERT_EQ(wg_store_prune(s, 120, 1e10, 8), 4);
  ASSERT_EQ(wg_store_prune(s, 120, 1e10, 8), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"), 5);
  ASSERT_EQ(query_int("SELECT min(ts) FROM readings"), 120);
}

/*
 * DESIGN.md section 5 (2026-12-06): retention never deletes a reading that
 * was acknowledged in the same day, however old its measurement time: a
 * device told "stored" must find it stored.
 */
static void retention_spares_the_days_receipts(void) {
  const double now = 1763900000.0, day = 86400.0;
  static const struct {
    double ts_age, rt_age; /* before now */
    bool kept;
  } cases[] = {
      {40 * 86400.0, 2 * 86400.0, false}, /* old, received long ago */
      {40 * 86400.0, 86400.0 + 1, false}, /* received a day and a second */
      {40 * 86400.0, 86400.0, true},      /* received a day ago exactly */
      {40 * 86400.0, 3600.0, true},       /* acknowledged an hour ago */
      {40 * 86400.0, 0, true},            /* acknowledged just now */
      {29 * 86400.0, 2 * 86400.0, true},  /* within the retention */
  };
  wg_store_t *s;
  size_t n = sizeof(cases) / sizeof(cases[0]);

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  for (size_t i = 0; i < n; i++) {
    wg_reading_t r = reading("hr", 60, now - cases[i].ts_age + (double)i);
    ASSERT_EQ(put(s, &r, now - cases[i].rt_age), 1);
  }
  ASSERT_EQ(wg_store_commit(s), 0);
  while (wg_store_prune(s, now - 30 * day, now - day, 2) > 0)
    ;
  wg_store_close(s);
  for (size_t i = 0; i < n; i++) {
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM readings WHERE ts = %.1f",
             now - cases[i].ts_age + (double)i);
    if (query_int(sql) != (cases[i].kept ? 1 : 0))
      FAIL_AT("case %zu: %s", i, cases[i].kept ? "deleted" : "kept");
  }
}

static void newer_schema_refused(void) {
  wg_store_t *s;
  sqlite3 *h;

  remove_db();
  ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
  sqlite3_exec(h, "PRAGMA user_version=99", NULL, NULL, NULL);
  sqlite3_close(h);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_POWER), WG_EIO);
  ASSERT(s == NULL);
}

static void locked_database_reported_busy(void) {
  wg_store_t *s;
  sqlite3 *h;
  wg_reading_t r = reading("hr", 61, 4000);

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  /* Another writer holds the lock: begin fails fast, nothing blocks. */
  ASSERT_EQ(wg_store_begin(s), WG_EBUSY);
  sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(h);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 1), 1);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);
}

/* A database of schema 1 (readings only) is migrated in place. */
static void migrates_from_version_1(void) {
  wg_store_t *s;
  sqlite3 *h;

  remove_db();
  ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h,
                         "CREATE TABLE readings(id INTEGER PRIMARY KEY,"
                         " device_id TEXT NOT NULL, patient_id TEXT, name TEXT"
                         " NOT NULL, value REAL, vb INTEGER, vs TEXT, vd TEXT,"
                         " sum REAL, unit TEXT NOT NULL DEFAULT '', ts REAL NOT"
                         " NULL, received REAL NOT NULL, UNIQUE(device_id,"
                         " name, unit, ts));"
                         "INSERT INTO readings(device_id, name, value, ts,"
                         " received) VALUES('oxi-1', 'spo2', 95, 1, 2);"
                         "PRAGMA user_version=1;",
                         NULL, NULL, NULL),
            SQLITE_OK);
  sqlite3_close(h);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_outbox_count(s), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("PRAGMA user_version"), WG_STORE_SCHEMA_VERSION);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"), 1);
}

/* An integrator's question: a patient's readings over a time range. */
#define PATIENT_RANGE                                                          \
  "SELECT * FROM readings WHERE patient_id = ?1 AND ts BETWEEN ?2 AND ?3"      \
  " ORDER BY ts"

/*
 * Retention, the replay at start and a patient's time range are each a
 * search of the time-first unique index: never a scan of readings, never
 * a sort. One index besides the table: a reading writes two B-trees.
 */
static void indexes_serve_the_queries(void) {
  static const char *const queries[] = {"prune", "recent", NULL};
  char plan[1024];
  wg_store_t *s;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  wg_store_close(s);
  for (int i = 0; queries[i] != NULL; i++) {
    ASSERT(wg_store_sql(queries[i]) != NULL);
    query_plan(wg_store_sql(queries[i]), plan, sizeof(plan));
    ASSERT_CONTAINS(plan, "INDEX sqlite_autoindex_readings_1 (ts");
    ASSERT(strstr(plan, "SCAN readings") == NULL);
    ASSERT(strstr(plan, "TEMP B-TREE") == NULL);
  }
  query_plan(PATIENT_RANGE, plan, sizeof(plan));
  ASSERT_STR_EQ(plan, "SEARCH readings USING INDEX sqlite_autoindex_readings_1 "
                      "(ts>? AND ts<?); ");
  ASSERT(wg_store_sql("no such statement") == NULL);
  ASSERT_EQ(query_int("SELECT count(*) FROM sqlite_master WHERE type = "
                      "'index' AND tbl_name = 'readings'"),
            1);
}

/* A database of schema 3 keeps its readings, ids and all, through the
 * migration to the time-first index, and stays unique on the four columns. */
static void migrates_from_version_3(void) {
  wg_store_t *s;
  wg_reading_t r = reading("spo2", 95, 1000);
  char plan[1024];

  remove_db();
  {
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(
            h,
            "CREATE TABLE readings(id INTEGER PRIMARY KEY, device_id TEXT NOT"
            " NULL, patient_id TEXT, name TEXT NOT NULL, value REAL, vb"
            " INTEGER, vs TEXT, vd TEXT, sum REAL, unit TEXT NOT NULL"
            " DEFAULT '', ts REAL NOT NULL, received REAL NOT NULL,"
            " UNIQUE(device_id, name, unit, ts));"
            "CREATE INDEX readings_ts ON readings(ts);"
            "CREATE TABLE alerts(id TEXT PRIMARY KEY, patient_id TEXT, rule"
            " TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,"
            " raised REAL NOT NULL, updated REAL NOT NULL, payload TEXT NOT"
            " NULL, seq INTEGER NOT NULL, open INTEGER NOT NULL);"
            "CREATE TABLE alert_events(id INTEGER PRIMARY KEY, alert_id TEXT"
            " NOT NULL, ts REAL NOT NULL, state TEXT NOT NULL, severity TEXT"
            " NOT NULL, escalation INTEGER NOT NULL, cause TEXT NOT NULL,"
            " payload TEXT NOT NULL);"
            "CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, topic"
            " TEXT NOT NULL, payload TEXT NOT NULL, alert_id TEXT, state"
            " TEXT, created REAL NOT NULL);"
            "CREATE TABLE scores(id INTEGER PRIMARY KEY, patient_id TEXT NOT"
            " NULL, ts REAL NOT NULL, score INTEGER NOT NULL, scale INTEGER"
            " NOT NULL, complete INTEGER NOT NULL, band TEXT NOT NULL,"
            " components TEXT NOT NULL, missing TEXT NOT NULL);"
            "INSERT INTO readings VALUES(7, 'oxi-1', 'p-1', 'spo2', 95, NULL,"
            " NULL, NULL, NULL, '%', 1000, 1001);"
            "INSERT INTO readings VALUES(9, 'oxi-1', 'p-1', 'hr', 70, NULL,"
            " NULL, NULL, NULL, 'beat/min', 999, 1001);"
            "PRAGMA user_version=3;",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
  }
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put(s, &r, 2000), 0); /* the same reading: still unique */
  r.ts = 1001;
  ASSERT_EQ(put(s, &r, 2000), 1);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("PRAGMA user_version"), WG_STORE_SCHEMA_VERSION);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"), 3);
  ASSERT_EQ(query_int("SELECT value FROM readings WHERE id = 7"), 95);
  ASSERT_EQ(query_int("SELECT value FROM readings WHERE id = 9"), 70);
  ASSERT_EQ(query_int("SELECT max(id) FROM readings"), 10);
  ASSERT_EQ(query_int("SELECT count(*) FROM sqlite_master WHERE name ="
                      " 'readings_ts' OR name = 'readings_v4'"),
            0);
  query_plan(PATIENT_RANGE, plan, sizeof(plan));
  ASSERT_CONTAINS(plan, "USING INDEX sqlite_autoindex_readings_1 (ts>?");
}

static int collect_seq(void *ud, int64_t seq, const char *topic,
                       const char *payload) {
  int64_t *seqs = ud;
  (void)topic;
  (void)payload;
  for (int i = 0; i < 8; i++)
    if (seqs[i] == 0) {
      seqs[i] = seq;
      break;
    }
  return 0;
}

static int count_open(void *ud, const char *payload) {
  (*(int *)ud)++;
  return strstr(payload, "\"id\"") ? 0 : -1;
}

static void alerts_and_outbox(void) {
  wg_store_t *s;
  wg_alert_event_t ev;
  int64_t seqs[8] = {0};
  int open = 0;

  remove_db();
  memset(&ev, 0, sizeof(ev));
  snprintf(ev.alert.id, sizeof(ev.alert.id), "gw-1-000007");
  snprintf(ev.alert.patient, sizeof(ev.alert.patient), "p-1");
  ev.alert.seq = 7;
  ev.alert.rule = WG_RULE_FALL;
  ev.alert.severity = WG_SEV_HIGH;
  ev.alert.state = WG_ALERT_RAISED;
  ev.alert.open = true;
  ev.alert.raised = ev.alert.ts = 100;
  snprintf(ev.cause, sizeof(ev.cause), "raised: fall");

  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_alert_max_seq(s), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(wg_store_put_alert_event(s, &ev, "{\"id\":\"gw-1-000007\"}", true),
            0);
  ASSERT_EQ(
      wg_store_outbox_add(s, "t/alerts", "e1", ev.alert.id, "raised", 100), 0);
  ev.alert.state = WG_ALERT_ESCALATED;
  ev.alert.ts = 700;
  ASSERT_EQ(wg_store_put_alert_event(s, &ev, "{\"id\":\"gw-1-000007\"}", true),
            0);
  ASSERT_EQ(
      wg_store_outbox_add(s, "t/alerts", "e2", ev.alert.id, "escalated", 700),
      0);
  ASSERT_EQ(wg_store_outbox_add(s, "t/other", "x", NULL, NULL, 701), 0);
  ASSERT_EQ(wg_store_commit(s), 0);

  ASSERT_EQ(wg_store_alert_max_seq(s), 7);
  ASSERT_EQ(wg_store_audit_late_ack(s, "gw-1-000007", "dr-late", "visit",
                                    "seen at home", 800),
            1);
  ASSERT_EQ(
      wg_store_audit_late_ack(s, "gw-1-000008", "dr-late", NULL, NULL, 800), 0);
  ASSERT_EQ(wg_store_alerts_open(s, count_open, &open), 0);
  ASSERT_EQ(open, 1);
  ASSERT_EQ(wg_store_outbox_count(s), 3);
  ASSERT_EQ(wg_store_outbox_each(s, 0, 2, collect_seq, seqs), 2);
  ASSERT(seqs[0] > 0 && seqs[1] > seqs[0] && seqs[2] == 0);
  ASSERT_EQ(wg_store_outbox_each(s, seqs[1], 10, collect_seq, seqs), 1);
  /* The escalation is superseded by a later event: compacted away. */
  ASSERT_EQ(wg_store_outbox_compact(s, "gw-1-000007", "t/other"), 0);
  ASSERT_EQ(wg_store_outbox_compact(s, "gw-1-000007", "t/alerts"), 1);
  ASSERT_EQ(wg_store_outbox_delete(s, seqs[0]), 0);
  ASSERT_EQ(wg_store_outbox_count(s), 1);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM alert_events WHERE alert_id ="
                      " 'gw-1-000007'"),
            3);
  ASSERT_EQ(query_int("SELECT count(*) FROM alerts WHERE state = 'escalated'"
                      " AND updated = 700 AND raised = 100 AND open = 1"),
            1);
  /* The late ack's audit row keeps what it recorded; the others none. */
  ASSERT_EQ(query_int("SELECT count(*) FROM alert_events WHERE outcome ="
                      " 'visit' AND note = 'seen at home' AND cause ="
                      " 'acknowledged by dr-late; outcome visit after the"
                      " alert closed; no change'"),
            1);
  ASSERT_EQ(query_int("SELECT count(*) FROM alert_events WHERE outcome IS"
                      " NULL AND note IS NULL"),
            2);
}

/* Put one event of alert @id, open or closed, last changed at @ts. */
static int put_event(wg_store_t *s, const char *id, bool open, double ts) {
  wg_alert_event_t ev;

  memset(&ev, 0, sizeof(ev));
  snprintf(ev.alert.id, sizeof(ev.alert.id), "%s", id);
  snprintf(ev.alert.patient, sizeof(ev.alert.patient), "p-1");
  ev.alert.rule = WG_RULE_FALL;
  ev.alert.severity = WG_SEV_HIGH;
  ev.alert.state = open ? WG_ALERT_RAISED : WG_ALERT_CLEARED;
  ev.alert.open = open;
  ev.alert.raised = 0;
  ev.alert.ts = ts;
  snprintf(ev.cause, sizeof(ev.cause), "test");
  return wg_store_put_alert_event(s, &ev, "{\"escalation\":2}", true);
}

/* A refused ack is a small audit row of its own state; the retention
 * deletes only old rows of closed alerts, never an open alert's, and
 * counts them first. */
static void audit_rows_refused_and_retained(void) {
  const double day = 86400, now = 1000 * day;
  wg_store_t *s;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  /* Closed 400 days ago, 3 rows; open since then, 2 rows; closed lately,
   * 1 row. */
  for (int i = 0; i < 3; i++)
    ASSERT_EQ(put_event(s, "gw-1-000001", false, now - 400 * day + i), 0);
  for (int i = 0; i < 2; i++)
    ASSERT_EQ(put_event(s, "gw-1-000002", true, now - 400 * day + i), 0);
  ASSERT_EQ(put_event(s, "gw-1-000003", false, now - day), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  ASSERT_EQ(wg_store_audit_refused_ack(s, "gw-1-000002", "mallory", "",
                                       "refused ack: bad signature", now),
            1);
  ASSERT_EQ(wg_store_audit_refused_ack(s, "gw-1-000009", "mallory", NULL,
                                       "refused ack: unsigned", now),
            0);
  /* A late ack today on the old closed alert: a recent row, kept. */
  ASSERT_EQ(wg_store_audit_late_ack(s, "gw-1-000001", "dr-late", NULL, NULL,
                                    now - 10),
            1);
  ASSERT_EQ(wg_store_audit_due(s, now - 365 * day), 3);
  ASSERT_EQ(wg_store_audit_prune(s, now - 365 * day, 100), 3);
  ASSERT_EQ(wg_store_audit_due(s, now - 365 * day), 0);
  ASSERT_EQ(wg_store_audit_prune(s, now - 365 * day, 100), 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM alert_events WHERE alert_id ="
                      " 'gw-1-000002'"),
            3);
  ASSERT_EQ(query_int("SELECT count(*) FROM alert_events WHERE alert_id ="
                      " 'gw-1-000001'"),
            1);
  ASSERT_EQ(query_int("SELECT count(*) FROM alert_events WHERE state ="
                      " 'ack_refused' AND acked_by = 'mallory' AND outcome IS"
                      " NULL AND escalation = 2 AND cause = 'ack by mallory"
                      " refused: refused ack: bad signature; no change' AND"
                      " json_extract(payload, '$.refused') = 'refused ack: bad"
                      " signature' AND length(payload) < 200"),
            1);
}

/* Commit @n transactions of 20 readings each, from @ts on. */
static int commit_some(wg_store_t *s, int n, double *ts) {
  for (int i = 0; i < n; i++) {
    if (wg_store_begin(s) != 0)
      return -1;
    for (int j = 0; j < 20; j++) {
      wg_reading_t r = reading("spo2", 95, (*ts)++);
      if (put(s, &r, 1) != 1)
        return -1;
    }
    if (wg_store_commit(s) != 0)
      return -1;
  }
  return 0;
}

typedef struct checkpoint_arg_s {
  wg_store_t *s;
  int rc;
  char err[128];
} checkpoint_arg_t;

static void checkpoint_thread(void *arg) {
  checkpoint_arg_t *a = arg;
  a->rc = wg_store_checkpoint(a->s, a->err, sizeof(a->err));
}

static void checkpoint_on_another_thread(void) {
  checkpoint_arg_t a = {NULL, -1, ""};
  wg_store_t *s;
  uv_thread_t th;
  double ts = 1e9;
  int commits = 0;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  /* Commits never checkpoint by themselves: the WAL grows until due. */
  while (!wg_store_checkpoint_due(s) && commits < 100000) {
    ASSERT_EQ(commit_some(s, 1, &ts), 0);
    commits++;
  }
  ASSERT(wg_store_checkpoint_due(s));
  ASSERT(commits > 10);
  /* The checkpoint runs while the loop keeps committing. */
  a.s = s;
  ASSERT_EQ(uv_thread_create(&th, checkpoint_thread, &a), 0);
  ASSERT_EQ(commit_some(s, 50, &ts), 0);
  ASSERT_EQ(uv_thread_join(&th), 0);
  ASSERT_EQ(a.rc, 0);
  /* What was committed meanwhile is below the mark; once that is copied
   * too, the WAL starts over. */
  ASSERT(!wg_store_checkpoint_due(s));
  ASSERT_EQ(wg_store_checkpoint(s, a.err, sizeof(a.err)), 0);
  ASSERT_EQ(commit_some(s, 1, &ts), 0);
  ASSERT(!wg_store_checkpoint_due(s));
  ASSERT(query_int("SELECT count(*) FROM readings") > 0);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"),
            (long long)(commits + 51) * 20);
  ASSERT_EQ(query_int("PRAGMA integrity_check = 1") == -1, 0);
}

static void unopenable_path(void) {
  wg_store_t *s;
  ASSERT_EQ(wg_store_open(&s, "/nonexistent/dir/x.db", WG_DURABILITY_POWER),
            WG_EIO);
}

static void cleanup(void) { remove_db(); }

static void setup(void) {
  snprintf(db, sizeof(db), "/tmp/wg-test-store-%d.db", (int)getpid());
}

TEST_MAIN(T(setup), T(schema_created_and_reopened), T(wal_mode),
          T(readings_columns), T(duplicates_stored_once), T(rollback_discards),
          T(retention_prunes_in_batches), T(retention_spares_the_days_receipts),
          T(newer_schema_refused), T(locked_database_reported_busy),
          T(migrates_from_version_1), T(migrates_from_version_3),
          T(indexes_serve_the_queries), T(alerts_and_outbox),
          T(audit_rows_refused_and_retained), T(checkpoint_on_another_thread),
          T(unopenable_path), T(cleanup))
