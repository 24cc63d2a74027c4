/* SPDX-License-Identifier: MIT */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"
#include "wardgate/log.h"

/*
 * Forward migrations: migrations[i] takes user_version i to i + 1. Never
 * edit a released step; add one.
 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE readings("
    " id INTEGER PRIMARY KEY,"
    " device_id TEXT NOT NULL,"
    " patient_id TEXT,"
    " name TEXT NOT NULL,"
    " value REAL, vb INTEGER, vs TEXT, vd TEXT, sum REAL,"
    " unit TEXT NOT NULL DEFAULT '',"
    " ts REAL NOT NULL,"
    " received REAL NOT NULL,"
    " UNIQUE(device_id, name, unit, ts));"
    "CREATE INDEX readings_ts ON readings(ts);",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(NMIGRATIONS == WG_STORE_SCHEMA_VERSION,
               "one migration per schema version");

struct wg_store_s {
  sqlite3 *db;
  wg_complaint_t complaint;
  /* Every statement, prepared once at open. */
  sqlite3_stmt *begin;
  sqlite3_stmt *commit;
  sqlite3_stmt *rollback;
  sqlite3_stmt *put_reading;
  sqlite3_stmt *prune;
};

static int map_rc(int rc) {
  switch (rc & 0xFF) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW:
    return 0;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return WG_EBUSY;
  case SQLITE_FULL:
    return WG_EFULL;
  case SQLITE_NOMEM:
    return WG_ENOMEM;
  default:
    return WG_EIO;
  }
}

/* Log a failed step with SQLite's own words, rate-limited. */
static int fail(wg_store_t *s, const char *what, int rc) {
  wg_complain(&s->complaint, LOG_ERR, "store: %s: %s (%s)", what,
              sqlite3_errmsg(s->db), sqlite3_errstr(rc));
  return map_rc(rc);
}

static int step_done(wg_store_t *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return fail(s, what, rc);
  return 0;
}

static int exec(wg_store_t *s, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK) {
    wg_log(LOG_ERR, "store: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return map_rc(rc);
  }
  return 0;
}

static int user_version(wg_store_t *s, int *version) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fail(s, "user_version", rc);
  rc = sqlite3_step(st);
  *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : fail(s, "user_version", rc);
}

static int migrate(wg_store_t *s) {
  char sql[64];
  int version = 0, rc;

  if ((rc = user_version(s, &version)) != 0)
    return rc;
  if (version > WG_STORE_SCHEMA_VERSION) {
    wg_log(LOG_ERR,
           "store: database schema %d is newer than this wardgated (%d)",
           version, WG_STORE_SCHEMA_VERSION);
    return WG_EIO;
  }
  for (; version < WG_STORE_SCHEMA_VERSION; version++) {
    wg_log(LOG_INFO, "store: migrating schema %d -> %d", version, version + 1);
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d;", version + 1);
    if ((rc = exec(s, "BEGIN IMMEDIATE")) != 0)
      return rc;
    if ((rc = exec(s, migrations[version])) != 0 || (rc = exec(s, sql)) != 0) {
      exec(s, "ROLLBACK");
      return rc;
    }
    if ((rc = exec(s, "COMMIT")) != 0)
      return rc;
  }
  return 0;
}

static int prepare(wg_store_t *s, sqlite3_stmt **st, const char *sql) {
  int rc =
      sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  if (rc != SQLITE_OK) {
    wg_log(LOG_ERR, "store: prepare %s: %s", sql, sqlite3_errmsg(s->db));
    return map_rc(rc);
  }
  return 0;
}

int wg_store_open(wg_store_t **out, const char *path,
                  wg_durability_t durability) {
  wg_store_t *s;
  int rc;

  *out = NULL;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return WG_ENOMEM;
  s->complaint.interval_s = 10;
  rc = sqlite3_open_v2(
      path, &s->db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    wg_log(LOG_ERR, "store: cannot open %s: %s", path,
           s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    rc = map_rc(rc);
    goto fail;
  }
  sqlite3_extended_result_codes(s->db, 1);
  /*
   * A short busy timeout: another process holding the write lock (an
   * integrator's query tool, a backup) makes a commit fail fast and be
   * retried from a timer instead of stalling the loop.
   */
  sqlite3_busy_timeout(s->db, 20);
  if ((rc = exec(s, "PRAGMA journal_mode=WAL")) != 0)
    goto fail;
  rc = exec(s, durability == WG_DURABILITY_POWER ? "PRAGMA synchronous=FULL"
                                                 : "PRAGMA synchronous=NORMAL");
  if (rc != 0 || (rc = migrate(s)) != 0)
    goto fail;
  if ((rc = prepare(s, &s->begin, "BEGIN IMMEDIATE")) != 0 ||
      (rc = prepare(s, &s->commit, "COMMIT")) != 0 ||
      (rc = prepare(s, &s->rollback, "ROLLBACK")) != 0 ||
      (rc = prepare(s, &s->put_reading,
                    "INSERT OR IGNORE INTO readings(device_id, patient_id,"
                    " name, value, vb, vs, vd, sum, unit, ts, received)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")) !=
          0 ||
      (rc = prepare(s, &s->prune,
                    "DELETE FROM readings WHERE id IN (SELECT id FROM readings"
                    " WHERE ts < ?1 ORDER BY ts LIMIT ?2)")) != 0)
    goto fail;
  *out = s;
  return 0;

fail:
  wg_store_close(s);
  return rc ? rc : WG_EIO;
}

void wg_store_close(wg_store_t *s) {
  if (s == NULL)
    return;
  sqlite3_finalize(s->begin);
  sqlite3_finalize(s->commit);
  sqlite3_finalize(s->rollback);
  sqlite3_finalize(s->put_reading);
  sqlite3_finalize(s->prune);
  if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
    wg_log(LOG_ERR, "store: close: %s", sqlite3_errmsg(s->db));
  free(s);
}

int wg_store_begin(wg_store_t *s) { return step_done(s, s->begin, "begin"); }

int wg_store_commit(wg_store_t *s) {
  int rc = step_done(s, s->commit, "commit");

  /* SQLite may keep the transaction open after a failed COMMIT (SQLITE_BUSY)
   * or have rolled it back already; leave none open either way. */
  if (rc != 0 && !sqlite3_get_autocommit(s->db))
    wg_store_rollback(s);
  return rc;
}

void wg_store_rollback(wg_store_t *s) {
  if (!sqlite3_get_autocommit(s->db))
    step_done(s, s->rollback, "rollback");
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v) {
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

int wg_store_put_reading(wg_store_t *s, const wg_reading_t *r,
                         double received) {
  sqlite3_stmt *st = s->put_reading;
  int rc;

  sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
  bind_text_or_null(st, 2, r->patient_id);
  sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
  if (r->flags & WG_READING_HAS_VALUE)
    sqlite3_bind_double(st, 4, r->value);
  else
    sqlite3_bind_null(st, 4);
  if (r->flags & WG_READING_HAS_VB)
    sqlite3_bind_int(st, 5, r->vb);
  else
    sqlite3_bind_null(st, 5);
  bind_text_or_null(st, 6, r->vs);
  bind_text_or_null(st, 7, r->vd);
  if (r->flags & WG_READING_HAS_SUM)
    sqlite3_bind_double(st, 8, r->sum);
  else
    sqlite3_bind_null(st, 8);
  sqlite3_bind_text(st, 9, r->unit ? r->unit : "", -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 10, r->ts);
  sqlite3_bind_double(st, 11, received);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return fail(s, "insert reading", rc);
  return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int wg_store_prune(wg_store_t *s, double before, int limit) {
  int rc;

  sqlite3_bind_double(s->prune, 1, before);
  sqlite3_bind_int(s->prune, 2, limit);
  if ((rc = step_done(s, s->prune, "prune")) != 0)
    return rc;
  return sqlite3_changes(s->db);
}
