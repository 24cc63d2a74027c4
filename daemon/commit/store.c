/* SPDX-License-Identifier: MIT */
/*
 * The store's connection: the open (the file checked, the schema
 * migrated, or for the tools only checked), the checkpoints, the
 * transactions, and every write of a commit. The reads are in
 * store_read.c.
 */
#include "commit/store.h"

#include "commit/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    /* 1 -> 2: alerts, their audit trail, and the outbox to the hub. */
    "CREATE TABLE alerts("
    " id TEXT PRIMARY KEY,"
    " patient_id TEXT,"
    " rule TEXT NOT NULL,"
    " severity TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " raised REAL NOT NULL,"
    " updated REAL NOT NULL,"
    " payload TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " open INTEGER NOT NULL);"
    "CREATE INDEX alerts_open ON alerts(open) WHERE open = 1;"
    "CREATE TABLE alert_events("
    " id INTEGER PRIMARY KEY,"
    " alert_id TEXT NOT NULL,"
    " ts REAL NOT NULL,"
    " state TEXT NOT NULL,"
    " severity TEXT NOT NULL,"
    " escalation INTEGER NOT NULL,"
    " cause TEXT NOT NULL,"
    " payload TEXT NOT NULL);"
    "CREATE INDEX alert_events_alert ON alert_events(alert_id, ts);"
    "CREATE TABLE outbox("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " topic TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " alert_id TEXT,"
    " state TEXT,"
    " created REAL NOT NULL);",
    /* 2 -> 3: every NEWS2 computed. */
    "CREATE TABLE scores("
    " id INTEGER PRIMARY KEY,"
    " patient_id TEXT NOT NULL,"
    " ts REAL NOT NULL,"
    " score INTEGER NOT NULL,"
    " scale INTEGER NOT NULL,"
    " complete INTEGER NOT NULL,"
    " band TEXT NOT NULL,"
    " components TEXT NOT NULL,"
    " missing TEXT NOT NULL);"
    "CREATE INDEX scores_patient ON scores(patient_id, ts);",
    /* 3 -> 4: the same readings, unique on the same four columns, but
     * indexed time first: a commit's readings, all of about the same
     * time, land in a few leaves at the index's end instead of one leaf
     * per device and name, and that index serves retention, the replay at
     * start and time-range queries, so the separate one on ts goes. */
    "CREATE TABLE readings_v4("
    " id INTEGER PRIMARY KEY,"
    " device_id TEXT NOT NULL,"
    " patient_id TEXT,"
    " name TEXT NOT NULL,"
    " value REAL, vb INTEGER, vs TEXT, vd TEXT, sum REAL,"
    " unit TEXT NOT NULL DEFAULT '',"
    " ts REAL NOT NULL,"
    " received REAL NOT NULL,"
    " UNIQUE(ts, device_id, name, unit));"
    "INSERT INTO readings_v4 SELECT id, device_id, patient_id, name, value,"
    " vb, vs, vd, sum, unit, ts, received FROM readings ORDER BY ts;"
    "DROP TABLE readings;"
    "ALTER TABLE readings_v4 RENAME TO readings;",
    /* 4 -> 5: who acknowledged, and what they recorded (DESIGN.md
     * section 7), on the acknowledged events. */
    "ALTER TABLE alert_events ADD COLUMN acked_by TEXT;"
    "ALTER TABLE alert_events ADD COLUMN outcome TEXT;"
    "ALTER TABLE alert_events ADD COLUMN note TEXT;",
    /* 5 -> 6: each configuration version applied from the hub
     * (remote_config, DESIGN.md section 7): a restart without the hub
     * applies the last, and the audit says who changed what, when. */
    "CREATE TABLE config_versions("
    " version INTEGER PRIMARY KEY,"
    " received REAL NOT NULL,"
    " applied REAL NOT NULL,"
    " by TEXT,"
    " document TEXT NOT NULL);",
    /* 6 -> 7: the daemon's own small records, by key: the broker sessions
     * it had when it last ran (DESIGN.md section 6), so that one the
     * broker lost meanwhile is reported at the next start. */
    "CREATE TABLE meta("
    " key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL,"
    " updated REAL NOT NULL);",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(NMIGRATIONS == WG_STORE_SCHEMA_VERSION,
               "one migration per schema version");

const char *wg_store_sql(const char *name) {
#define XX(n, sql)                                                             \
  if (strcmp(name, #n) == 0)                                                   \
    return sql;
  STORE_STATEMENTS(XX)
#undef XX
  return NULL;
}

static int store_map_rc(int rc) {
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
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return WG_ECORRUPT;
  default:
    return WG_EIO;
  }
}

int store__fail(wg_store_t *s, const char *what, int rc) {
  wg_complain(&s->complaint, LOG_ERR, "store: %s: %s (%s)", what,
              sqlite3_errmsg(s->db), sqlite3_errstr(rc));
  return store_map_rc(rc);
}

int store__step_done(wg_store_t *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return store__fail(s, what, rc);
  return 0;
}

static int store_exec_on(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK) {
    wg_log(LOG_ERR, "store: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return store_map_rc(rc);
  }
  return 0;
}

static int store_exec(wg_store_t *s, const char *sql) {
  return store_exec_on(s->db, sql);
}

/*
 * A file that is not a database, or one that is damaged, is refused:
 * starting empty over it, or writing into it, would lose the record it
 * holds. SQLite's quick_check reads every page once and checks the
 * b-trees' structure (about a second for 400 MB); it writes nothing.
 */
static int store_check_intact(sqlite3 *db, const char *path) {
  sqlite3_stmt *st = NULL;
  char what[256] = "";
  int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 0);
    if (text != NULL && strcmp(text, "ok") == 0) {
      sqlite3_finalize(st);
      return 0;
    }
    /* One line for the journal: "*** in database main ***\nOn tree..." */
    snprintf(what, sizeof(what), "%s", text ? text : "");
    for (char *c = what; *c; c++)
      if (*c == '\n')
        *c = ' ';
    rc = SQLITE_CORRUPT;
  }
  if ((rc & 0xFF) == SQLITE_CORRUPT || (rc & 0xFF) == SQLITE_NOTADB)
    wg_log(LOG_ERR,
           "store: %s is damaged or not a database (%s); refusing to start "
           "over it: restore it from a backup or move it aside",
           path, *what ? what : sqlite3_errmsg(db));
  else
    wg_log(LOG_ERR, "store: cannot check %s: %s", path, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return store_map_rc(rc);
}

/*
 * Open a connection to @path in WAL mode, synced as @durability asks,
 * after checking that the file is an intact database if @check.
 * @role names it in the log ("" or " for checkpoints"). On failure *db may
 * be set and is for the caller to close.
 */
static int store_open_db(const char *path, int flags,
                         wg_durability_t durability, const char *role,
                         bool check, sqlite3 **db) {
  int rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL);

  if (rc != SQLITE_OK) {
    wg_log(LOG_ERR, "store: cannot open %s%s: %s", path, role,
           *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    return store_map_rc(rc);
  }
  sqlite3_extended_result_codes(*db, 1);
  if (check && (rc = store_check_intact(*db, path)) != 0)
    return rc;
  /*
   * A short busy timeout: another process holding the write lock (an
   * integrator's query tool, a backup) makes a commit fail fast and be
   * retried from a timer instead of stalling the loop.
   */
  sqlite3_busy_timeout(*db, 20);
  /*
   * A new database gets pages of 2 KiB instead of 4. A commit of one
   * pack changes two pages (the last leaf of the readings and of their
   * index) and writes each to the WAL as a frame, then fsyncs: two 2 KiB
   * frames make two 4 KiB blocks of the file dirty, two 4 KiB frames
   * three, and at a home's pack a second that is most of what the box
   * writes to its card (bench/home.sh; README, Performance). Pages of
   * 1 KiB would save a little more but cost the ward stream's big
   * commits CPU. Before the WAL mode is set, which writes the header of
   * a new file; an existing database keeps its page size.
   */
  if ((flags & SQLITE_OPEN_CREATE) &&
      (rc = store_exec_on(*db, "PRAGMA page_size=2048")) != 0)
    return rc;
  if ((rc = store_exec_on(*db, "PRAGMA journal_mode=WAL")) != 0)
    return rc;
  return store_exec_on(*db, durability == WG_DURABILITY_POWER
                                ? "PRAGMA synchronous=FULL"
                                : "PRAGMA synchronous=NORMAL");
}

/*
 * Create the database file 0600 whatever the umask, before SQLite does
 * (with 0644 less the umask): it holds patients' vital signs. SQLite gives
 * the WAL and shared-memory files the mode of the database, so they follow.
 * An existing file keeps its mode; ":memory:" and URIs are left alone.
 */
static void store_create_private(const char *path) {
  int fd;

  if (path[0] == '\0' || strcmp(path, ":memory:") == 0 ||
      strncmp(path, "file:", 5) == 0)
    return;
  fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return; /* it exists, or SQLite will say why it cannot be made */
  if (fchmod(fd, 0600) != 0)
    wg_log(LOG_WARNING, "store: cannot make %s private: %s", path,
           strerror(errno));
  close(fd);
}

static int store_user_version(wg_store_t *s, int *version) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);

  if (rc != SQLITE_OK)
    return store__fail(s, "user_version", rc);
  rc = sqlite3_step(st);
  *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : store__fail(s, "user_version", rc);
}

static int store_migrate(wg_store_t *s) {
  char sql[64];
  int version = 0, rc;

  if ((rc = store_user_version(s, &version)) != 0)
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
    if ((rc = store_exec(s, "BEGIN IMMEDIATE")) != 0)
      return rc;
    if ((rc = store_exec(s, migrations[version])) != 0 ||
        (rc = store_exec(s, sql)) != 0) {
      store_exec(s, "ROLLBACK");
      return rc;
    }
    if ((rc = store_exec(s, "COMMIT")) != 0)
      return rc;
  }
  return 0;
}

static int store_prepare(wg_store_t *s, sqlite3_stmt **st, const char *sql) {
  int rc =
      sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  if (rc != SQLITE_OK) {
    wg_log(LOG_ERR, "store: prepare %s: %s", sql, sqlite3_errmsg(s->db));
    return store_map_rc(rc);
  }
  return 0;
}

static int store_wal_hook(void *ud, sqlite3 *db, const char *name, int pages) {
  wg_store_t *s = ud;

  (void)db, (void)name;
  if (pages < s->wal_pages)
    s->wal_restarted = true;
  s->wal_pages = pages;
  return SQLITE_OK;
}

/* Every statement prepared once, then *out = @s; on failure @s is closed. */
static int store_prepare_all(wg_store_t *s, wg_store_t **out) {
  int rc;

#define XX(name, sql)                                                          \
  if ((rc = store_prepare(s, &s->name, sql)) != 0) {                           \
    wg_store_close(s);                                                         \
    return rc;                                                                 \
  }
  STORE_STATEMENTS(XX)
#undef XX
  *out = s;
  return 0;
}

int wg_store_open(wg_store_t **out, const char *path,
                  wg_durability_t durability) {
  static bool lib_ready;
  wg_store_t *s;
  int rc;

  *out = NULL;
  if (!lib_ready) {
    /* No allocation statistics, which we never read: without them SQLite
     * takes no global mutex for every malloc and free. Only before the
     * library is initialized; later it fails harmlessly. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    lib_ready = true;
  }
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return WG_ENOMEM;
  s->complaint.interval_s = 10;
  store_create_private(path);
  if ((rc = store_open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          durability, "", true, &s->db)) != 0)
    goto fail;
  /*
   * No checkpoint inside a commit: it would copy pages and fsync on the
   * loop. The WAL hook counts the pages, and the daemon runs
   * wg_store_checkpoint() on its thread pool when enough have gathered.
   */
  /* A commit touches the right edge of the table and of its one index,
   * and a few pages of the alerts: a 1 MiB cache holds them. */
  if ((rc = store_exec(s, "PRAGMA wal_autocheckpoint=0")) != 0 ||
      (rc = store_exec(s, "PRAGMA cache_size=-1024")) != 0 ||
      (rc = store_migrate(s)) != 0)
    goto fail;
  sqlite3_wal_hook(s->db, store_wal_hook, s);
  /* The checkpoints' own connection syncs as the commits do. */
  if ((rc = store_open_db(path, SQLITE_OPEN_READWRITE, durability,
                          " for checkpoints", false, &s->ckpt)) != 0)
    goto fail;
  return store_prepare_all(s, out);

fail:
  wg_store_close(s);
  return rc ? rc : WG_EIO;
}

int wg_store_open_readonly(wg_store_t **out, const char *path) {
  wg_store_t *s;
  int rc, version = 0;

  *out = NULL;
  if ((s = calloc(1, sizeof(*s))) == NULL)
    return WG_ENOMEM;
  s->complaint.interval_s = 10;
  if ((rc = store_open_db(path, SQLITE_OPEN_READONLY, WG_DURABILITY_PROCESS, "",
                          false, &s->db)) != 0)
    goto fail;
  /* A tool is not the loop: it may wait out another process's lock, for
   * as long as wardgatectl always waited. */
  sqlite3_busy_timeout(s->db, 2000);
  if ((rc = store_user_version(s, &version)) != 0)
    goto fail;
  if (version != WG_STORE_SCHEMA_VERSION) {
    wg_log(LOG_ERR, "store: %s has schema %d, this build reads %d%s", path,
           version, WG_STORE_SCHEMA_VERSION,
           version < WG_STORE_SCHEMA_VERSION ? ": start wardgated to migrate it"
                                             : "");
    rc = WG_EIO;
    goto fail;
  }
  return store_prepare_all(s, out);

fail:
  wg_store_close(s);
  return rc ? rc : WG_EIO;
}

void wg_store_close(wg_store_t *s) {
  if (s == NULL)
    return;
  /* The checkpoint connection first: the last one to close checkpoints
   * what is left and removes the WAL. */
  if (s->ckpt != NULL && sqlite3_close(s->ckpt) != SQLITE_OK)
    wg_log(LOG_ERR, "store: close: %s", sqlite3_errmsg(s->ckpt));
#define XX(name, sql) sqlite3_finalize(s->name);
  STORE_STATEMENTS(XX)
#undef XX
  if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
    wg_log(LOG_ERR, "store: close: %s", sqlite3_errmsg(s->db));
  free(s);
}

bool wg_store_checkpoint_due(wg_store_t *s) {
  if (s->wal_restarted) {
    s->wal_restarted = false;
    s->ckpt_done = 0;
  }
  /* Frames written since the last checkpoint copied the rest. */
  return s->wal_pages - s->ckpt_done >= WG_STORE_CHECKPOINT_PAGES;
}

bool wg_store_checkpoint_behind(wg_store_t *s) {
  if (s->wal_restarted)
    return false;
  return s->wal_pages >= WG_STORE_CHECKPOINT_PAGES &&
         s->ckpt_done < s->wal_pages;
}

int wg_store_checkpoint(wg_store_t *s, char *err, size_t errlen) {
  int rc, log_pages = 0, done = 0;

  /* PASSIVE: copy what no reader needs, never wait for the writer. */
  rc = sqlite3_wal_checkpoint_v2(s->ckpt, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                 &log_pages, &done);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(s->ckpt));
    return store_map_rc(rc);
  }
  if (done > 0)
    s->ckpt_done = done;
  return 0;
}

int wg_store_begin(wg_store_t *s) {
  return store__step_done(s, s->begin, "begin");
}

int wg_store_commit(wg_store_t *s) {
  int rc = store__step_done(s, s->commit, "commit");

  /* SQLite may keep the transaction open after a failed COMMIT (SQLITE_BUSY)
   * or have rolled it back already; leave none open either way. */
  if (rc != 0 && !sqlite3_get_autocommit(s->db))
    wg_store_rollback(s);
  return rc;
}

void wg_store_rollback(wg_store_t *s) {
  if (!sqlite3_get_autocommit(s->db))
    store__step_done(s, s->rollback, "rollback");
}

void store__bind_text_or_null(sqlite3_stmt *st, int i, const char *v) {
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

int wg_store_put_reading(wg_store_t *s, const wg_reading_t *r) {
  sqlite3_stmt *st = s->put_reading;
  int rc;

  sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
  store__bind_text_or_null(st, 2, r->patient_id);
  sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
  if (r->flags & WG_READING_HAS_VALUE)
    sqlite3_bind_double(st, 4, r->value);
  else
    sqlite3_bind_null(st, 4);
  if (r->flags & WG_READING_HAS_VB)
    sqlite3_bind_int(st, 5, r->vb);
  else
    sqlite3_bind_null(st, 5);
  store__bind_text_or_null(st, 6, r->vs);
  store__bind_text_or_null(st, 7, r->vd);
  if (r->flags & WG_READING_HAS_SUM)
    sqlite3_bind_double(st, 8, r->sum);
  else
    sqlite3_bind_null(st, 8);
  sqlite3_bind_text(st, 9, r->unit ? r->unit : "", -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 10, r->ts);
  sqlite3_bind_double(st, 11, r->received);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return store__fail(s, "insert reading", rc);
  return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int wg_store_prune(wg_store_t *s, double before, double received_before,
                   int limit) {
  int rc;

  sqlite3_bind_double(s->prune, 1, before);
  sqlite3_bind_int(s->prune, 2, limit);
  sqlite3_bind_double(s->prune, 3, received_before);
  if ((rc = store__step_done(s, s->prune, "prune")) != 0)
    return rc;
  return sqlite3_changes(s->db);
}

int wg_store_put_alert_event(wg_store_t *s, const wg_alert_event_t *ev,
                             const char *payload, bool update_alert) {
  const wg_alert_t *al = &ev->alert;
  sqlite3_stmt *st;
  int rc;

  if (update_alert) {
    st = s->put_alert;
    sqlite3_bind_text(st, 1, al->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, al->patient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, wg_rule_name(al->rule), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, wg_severity_name(al->severity), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, wg_alert_state_name(al->state), -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, al->raised);
    sqlite3_bind_double(st, 7, al->ts);
    sqlite3_bind_text(st, 8, payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)al->seq);
    sqlite3_bind_int(st, 10, al->open);
    if ((rc = store__step_done(s, st, "put alert")) != 0)
      return rc;
  }
  st = s->put_alert_event;
  sqlite3_bind_text(st, 1, al->id, -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 2, al->ts);
  sqlite3_bind_text(st, 3, wg_alert_state_name(al->state), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, wg_severity_name(al->severity), -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, al->escalation);
  sqlite3_bind_text(st, 6, ev->cause, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, payload, -1, SQLITE_STATIC);
  /* What the acknowledgement recorded, on its own event only. */
  if (al->state == WG_ALERT_ACKNOWLEDGED) {
    store__bind_text_or_null(st, 8, ev->outcome[0] ? ev->outcome : NULL);
    store__bind_text_or_null(st, 9, ev->note);
    sqlite3_bind_text(st, 10, al->acked_by, -1, SQLITE_STATIC);
  } else {
    sqlite3_bind_null(st, 8);
    sqlite3_bind_null(st, 9);
    sqlite3_bind_null(st, 10);
  }
  return store__step_done(s, st, "put alert event");
}

int wg_store_outbox_add(wg_store_t *s, const char *topic, const char *payload,
                        const char *alert_id, const char *state,
                        double created) {
  sqlite3_stmt *st = s->outbox_add;

  sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, payload, -1, SQLITE_STATIC);
  store__bind_text_or_null(st, 3, alert_id);
  store__bind_text_or_null(st, 4, state);
  sqlite3_bind_double(st, 5, created);
  return store__step_done(s, st, "outbox add");
}

int wg_store_outbox_delete(wg_store_t *s, int64_t seq) {
  sqlite3_bind_int64(s->outbox_delete, 1, seq);
  return store__step_done(s, s->outbox_delete, "outbox delete");
}

int wg_store_outbox_compact(wg_store_t *s, const char *alert_id,
                            const char *topic) {
  int rc;

  sqlite3_bind_text(s->outbox_compact, 1, alert_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->outbox_compact, 2, topic, -1, SQLITE_STATIC);
  if ((rc = store__step_done(s, s->outbox_compact, "outbox compact")) != 0)
    return rc;
  return sqlite3_changes(s->db);
}

int wg_store_audit_late_ack(wg_store_t *s, const char *id, const char *by,
                            const char *outcome, const char *note, double ts) {
  sqlite3_stmt *st = s->audit_late_ack;
  int rc;

  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 2, ts);
  sqlite3_bind_text(st, 3, by, -1, SQLITE_TRANSIENT);
  store__bind_text_or_null(st, 4, outcome && outcome[0] ? outcome : NULL);
  store__bind_text_or_null(st, 5, note && note[0] ? note : NULL);
  if ((rc = store__step_done(s, st, "audit late ack")) != 0)
    return rc;
  return sqlite3_changes(s->db);
}

int wg_store_put_score(wg_store_t *s, const char *patient, double ts, int score,
                       int scale, bool complete, const char *band,
                       const char *components, const char *missing) {
  sqlite3_stmt *st = s->put_score;

  sqlite3_bind_text(st, 1, patient, -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 2, ts);
  sqlite3_bind_int(st, 3, score);
  sqlite3_bind_int(st, 4, scale);
  sqlite3_bind_int(st, 5, complete);
  sqlite3_bind_text(st, 6, band, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, components, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, missing, -1, SQLITE_STATIC);
  return store__step_done(s, st, "put score");
}
