/* SPDX-License-Identifier: MIT */
/* meta (commit/store_meta.c): the daemon's own records by key, kept across
 * a reopen, replaced, removed; a database of schema 6 gets the table. */
#include <sqlite3.h>
#include <unistd.h>

#include "commit/store.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

static char db[64];

static int found_config(void *ud, const wg_store_config_t *c) {
  *(int64_t *)ud = c->version;
  return 0;
}

static void records_kept(void) {
  wg_store_t *s = NULL, *ro = NULL;
  char v[32];

  snprintf(db, sizeof(db), "/tmp/wg-test-store-meta-%d.db", (int)getpid());
  test_remove_db(db);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  /* None: 0, and nothing written to @value. */
  snprintf(v, sizeof(v), "untouched");
  ASSERT_EQ(wg_store_meta_get(s, "session/ingest", v, sizeof(v)), 0);
  ASSERT_STR_EQ(v, "untouched");
  /* Outside any transaction: a transaction of its own. */
  ASSERT_EQ(wg_store_meta_put(s, "session/ingest", "h:1 id", 10.0), 0);
  ASSERT_EQ(wg_store_meta_put(s, "session/uplink", "h:2 id2", 10.0), 0);
  ASSERT_EQ(wg_store_meta_put(s, "session/ingest", "h:3 id", 11.0), 0);
  ASSERT_EQ(wg_store_meta_get(s, "session/ingest", v, sizeof(v)), 1);
  ASSERT_STR_EQ(v, "h:3 id");
  /* Too long for the buffer: an error, not a cut value. */
  ASSERT_EQ(wg_store_meta_get(s, "session/ingest", v, 6), WG_ETOOBIG);
  ASSERT_EQ(wg_store_meta_get(s, "session/ingest", v, 7), 1);
  wg_store_close(s);
  /* Kept; read-only readers see them too. */
  ASSERT_EQ(wg_store_open_readonly(&ro, db), 0);
  ASSERT_EQ(wg_store_meta_get(ro, "session/uplink", v, sizeof(v)), 1);
  ASSERT_STR_EQ(v, "h:2 id2");
  ASSERT(wg_store_meta_put(ro, "x", "y", 1.0) < 0);
  wg_store_close(ro);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_meta_delete(s, "session/ingest"), 0);
  ASSERT_EQ(wg_store_meta_delete(s, "session/ingest"), 0); /* gone: fine */
  ASSERT_EQ(wg_store_meta_get(s, "session/ingest", v, sizeof(v)), 0);
  ASSERT_EQ(wg_store_meta_get(s, "session/uplink", v, sizeof(v)), 1);
  /* Within the caller's transaction, rolled back with it. */
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(wg_store_meta_put(s, "session/ingest", "h:4 id", 12.0), 0);
  wg_store_rollback(s);
  ASSERT_EQ(wg_store_meta_get(s, "session/ingest", v, sizeof(v)), 0);
  wg_store_close(s);
  test_remove_db(db);
}

/* Schema 6 -> 7 adds meta and keeps what was there. */
static void migrates_from_version_6(void) {
  wg_store_config_t c = {5, 1.0, 2.0, "ops", "{\"version\":5}"};
  wg_store_t *s = NULL;
  int64_t version = 0;
  sqlite3 *h;
  char v[32];

  snprintf(db, sizeof(db), "/tmp/wg-test-store-meta-%d.db", (int)getpid());
  test_remove_db(db);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(wg_store_put_config(s, &c), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);
  ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "DROP TABLE meta; PRAGMA user_version=6;", NULL,
                         NULL, NULL),
            SQLITE_OK);
  sqlite3_close(h);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_config_get(s, 5, found_config, &version), 1);
  ASSERT_EQ(version, 5);
  ASSERT_EQ(wg_store_meta_get(s, "session/uplink", v, sizeof(v)), 0);
  ASSERT_EQ(wg_store_meta_put(s, "session/uplink", "h:1 id", 1.0), 0);
  wg_store_close(s);
  ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
  {
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(st, 0), WG_STORE_SCHEMA_VERSION);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  test_remove_db(db);
}

TEST_MAIN(T(records_kept), T(migrates_from_version_6))
