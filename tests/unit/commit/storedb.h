/* SPDX-License-Identifier: MIT */
/* The store's unit tests' database: its path, a look at it from outside
 * the store, and readings to put in it. */
#ifndef WG_TEST_STOREDB_H
#define WG_TEST_STOREDB_H

#include <sqlite3.h>
#include <string.h>

#include "commit/store.h"
#include "testcfg.h"

static char db[64];

static inline void remove_db(void) { test_remove_db(db); }

static inline long long query_int(const char *sql) {
  sqlite3 *h;
  sqlite3_stmt *st;
  long long v = -1;

  if (sqlite3_open(db, &h) != SQLITE_OK)
    return -2;
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return v;
}

static inline int put(wg_store_t *s, wg_reading_t *r, double received) {
  r->received = received;
  return wg_store_put_reading(s, r);
}

static inline wg_reading_t reading(const char *name, double value, double ts) {
  wg_reading_t r = {0};
  r.device_id = "oxi-1";
  r.patient_id = "p-1";
  r.name = name;
  r.unit = "%";
  r.value = value;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = ts;
  return r;
}

/* The detail lines of EXPLAIN QUERY PLAN @sql, joined by "; ". */
static inline void query_plan(const char *sql, char *out, size_t len) {
  char q[1024];
  sqlite3 *h;
  sqlite3_stmt *st;

  out[0] = '\0';
  snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
  if (sqlite3_open(db, &h) != SQLITE_OK)
    return;
  if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      strncat(out, (const char *)sqlite3_column_text(st, 3),
              len - strlen(out) - 1);
      strncat(out, "; ", len - strlen(out) - 1);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
}

#endif
