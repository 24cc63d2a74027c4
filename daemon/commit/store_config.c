/* SPDX-License-Identifier: MIT */
/* The configuration versions applied from the hub (config_versions). */
#include "commit/store.h"
#include "commit/store_internal.h"

int wg_store_put_config(wg_store_t *s, const wg_store_config_t *c) {
  sqlite3_stmt *st = s->config_put;

  sqlite3_bind_int64(st, 1, c->version);
  sqlite3_bind_double(st, 2, c->received);
  sqlite3_bind_double(st, 3, c->applied);
  store__bind_text_or_null(st, 4, c->by);
  sqlite3_bind_text(st, 5, c->document, -1, SQLITE_STATIC);
  return store__step_done(s, st, "config_versions");
}

/* Each row of @st to @cb; with @one, only the first. */
static int store_config_rows(wg_store_t *s, sqlite3_stmt *st, bool one,
                             wg_store_config_cb cb, void *ud, bool *found) {
  int rc, ret = 0;

  *found = false;
  while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    wg_store_config_t c = {.version = sqlite3_column_int64(st, 0),
                           .received = sqlite3_column_double(st, 1),
                           .applied = sqlite3_column_double(st, 2),
                           .by = (const char *)sqlite3_column_text(st, 3),
                           .document =
                               (const char *)sqlite3_column_text(st, 4)};
    *found = true;
    ret = cb(ud, &c);
    if (one)
      break;
  }
  if (ret != 0 || (one && *found))
    rc = SQLITE_DONE;
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return store__fail(s, "config_versions", rc);
  return ret;
}

int wg_store_config_latest(wg_store_t *s, wg_store_config_cb cb, void *ud) {
  bool found;
  return store_config_rows(s, s->config_latest, true, cb, ud, &found);
}

int wg_store_config_get(wg_store_t *s, int64_t version, wg_store_config_cb cb,
                        void *ud) {
  bool found;
  int rc;

  sqlite3_bind_int64(s->config_get, 1, version);
  rc = store_config_rows(s, s->config_get, true, cb, ud, &found);
  return rc == 0 && found ? 1 : rc;
}

int wg_store_config_history(wg_store_t *s, wg_store_config_cb cb, void *ud) {
  bool found;
  return store_config_rows(s, s->config_history, false, cb, ud, &found);
}
