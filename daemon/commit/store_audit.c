/* SPDX-License-Identifier: MIT */
/*
 * The audit trail's own rows and retention: acks refused (a row that
 * changes nothing), and the deletion of old rows of closed alerts.
 */
#include <sqlite3.h>

#include "commit/store.h"
#include "commit/store_internal.h"

int wg_store_audit_refused_ack(wg_store_t *s, const char *id, const char *by,
                               const char *outcome, const char *reason,
                               double ts) {
  sqlite3_stmt *st = s->audit_refused_ack;
  int rc;

  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 2, ts);
  sqlite3_bind_text(st, 3, by, -1, SQLITE_TRANSIENT);
  store__bind_text_or_null(st, 4, outcome && outcome[0] ? outcome : NULL);
  sqlite3_bind_text(st, 5, reason, -1, SQLITE_TRANSIENT);
  if ((rc = store__step_done(s, st, "audit refused ack")) != 0)
    return rc;
  return sqlite3_changes(s->db);
}

int64_t wg_store_audit_due(wg_store_t *s, double before) {
  sqlite3_stmt *st = s->audit_due;
  int64_t n = 0;
  int rc;

  sqlite3_bind_double(st, 1, before);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? n : store__fail(s, "audit due", rc);
}

int wg_store_audit_prune(wg_store_t *s, double before, int limit) {
  sqlite3_stmt *st = s->audit_prune;
  int rc;

  sqlite3_bind_double(st, 1, before);
  sqlite3_bind_int(st, 2, limit);
  if ((rc = store__step_done(s, st, "audit prune")) != 0)
    return rc;
  return sqlite3_changes(s->db);
}
