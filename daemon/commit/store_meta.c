/* SPDX-License-Identifier: MIT */
/* The daemon's own small records (meta), by key. */
#include <string.h>

#include "commit/store.h"
#include "commit/store_internal.h"
#include "wardgate/error.h"

int wg_store_meta_get(wg_store_t *s, const char *key, char *value,
                      size_t size) {
  sqlite3_stmt *st = s->meta_get;
  int rc, ret = 0;

  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    size_t n = v != NULL ? strlen(v) : 0;
    if (n >= size) {
      ret = WG_ETOOBIG;
    } else {
      memcpy(value, v != NULL ? v : "", n + 1);
      ret = 1;
    }
    rc = SQLITE_DONE;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return store__fail(s, "meta", rc);
  return ret;
}

int wg_store_meta_put(wg_store_t *s, const char *key, const char *value,
                      double ts) {
  sqlite3_stmt *st = s->meta_put;

  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 3, ts);
  return store__step_done(s, st, "meta");
}

int wg_store_meta_delete(wg_store_t *s, const char *key) {
  sqlite3_stmt *st = s->meta_delete;

  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  return store__step_done(s, st, "meta");
}
