/* SPDX-License-Identifier: MIT */
/*
 * What is read from the store: the daemon's restore at start, the outbox
 * pump, the daily log, and the operator's tool. Every reader here works on
 * a store opened read-only.
 */
#include "commit/store.h"

#include <string.h>

#include "commit/store_internal.h"

/* The first column of a one-row query as an integer, or a negative error. */
static int64_t store_read_int(wg_store_t *s, sqlite3_stmt *st,
                              const char *what) {
  int rc = sqlite3_step(st);
  int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;

  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store__fail(s, what, rc);
  return v;
}

int64_t wg_store_outbox_count(wg_store_t *s) {
  return store_read_int(s, s->outbox_count, "outbox count");
}

int64_t wg_store_alert_max_seq(wg_store_t *s) {
  return store_read_int(s, s->alert_max_seq, "alert max seq");
}

int wg_store_outbox_each(wg_store_t *s, int64_t after, int limit,
                         wg_store_outbox_cb cb, void *ud) {
  sqlite3_stmt *st = s->outbox_next;
  int rc, n = 0;

  sqlite3_bind_int64(st, 1, after);
  sqlite3_bind_int(st, 2, limit);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    n++;
    if (cb(ud, sqlite3_column_int64(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2)) != 0)
      break;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store__fail(s, "outbox next", rc);
  return n;
}

int wg_store_alerts_open(wg_store_t *s, wg_store_alert_cb cb, void *ud) {
  sqlite3_stmt *st = s->alerts_open;
  int rc;

  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if ((rc = cb(ud, (const char *)sqlite3_column_text(st, 0))) != 0)
      break;
  sqlite3_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return rc < 0 ? rc : store__fail(s, "open alerts", rc);
  return 0;
}

/* A row of "recent" or "readings_range" (device_id, patient_id, name,
 * value, vb, vs, unit, ts), borrowed until the next step. */
static void store_read_reading(sqlite3_stmt *st, wg_reading_t *r) {
  memset(r, 0, sizeof(*r));
  r->device_id = (const char *)sqlite3_column_text(st, 0);
  r->patient_id = (const char *)sqlite3_column_text(st, 1);
  r->name = (const char *)sqlite3_column_text(st, 2);
  if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
    r->value = sqlite3_column_double(st, 3);
    r->flags |= WG_READING_HAS_VALUE;
  }
  if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
    r->vb = sqlite3_column_int(st, 4) != 0;
    r->flags |= WG_READING_HAS_VB;
  }
  r->vs = (const char *)sqlite3_column_text(st, 5);
  r->unit = (const char *)sqlite3_column_text(st, 6);
  r->ts = sqlite3_column_double(st, 7);
}

int wg_store_readings_since(wg_store_t *s, double since, wg_store_reading_cb cb,
                            void *ud) {
  sqlite3_stmt *st = s->recent;
  int rc;

  sqlite3_bind_double(st, 1, since);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wg_reading_t r;
    store_read_reading(st, &r);
    cb(ud, &r);
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : store__fail(s, "recent readings", rc);
}

static const char *store_read_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

int wg_store_day_log(wg_store_t *s, double from, double to, wg_store_day_cb cb,
                     void *ud) {
  sqlite3_stmt *st = s->day_log;
  int rc;

  sqlite3_bind_double(st, 1, from);
  sqlite3_bind_double(st, 2, to);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wg_store_day_entry_t e = {
        .id = store_read_text(st, 0),
        .patient = store_read_text(st, 1),
        .rule = store_read_text(st, 2),
        .severity = store_read_text(st, 3),
        .raised = sqlite3_column_double(st, 4),
        .routes = store_read_text(st, 5),
        .escalations = sqlite3_column_int(st, 6),
        .acked_by = store_read_text(st, 7),
        .acked_at = sqlite3_column_double(st, 8),
        .outcome = store_read_text(st, 9),
        .note = store_read_text(st, 10),
        .respond_by = sqlite3_column_double(st, 11),
        .cleared = sqlite3_column_double(st, 12),
    };
    if ((rc = cb(ud, &e)) != 0)
      break;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return rc < 0 ? rc : store__fail(s, "day log", rc);
  return 0;
}

/* ---- what the tools read -------------------------------------------------
 */

int wg_store_alerts_list(wg_store_t *s, bool all, const char *patient,
                         wg_store_alert_cb cb, void *ud) {
  sqlite3_stmt *st = all ? s->alerts_all : s->alerts_open_of;
  int rc, stop = 0;

  store__bind_text_or_null(st, 1, patient);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if ((stop = cb(ud, store_read_text(st, 0))) != 0)
      break;
  sqlite3_reset(st);
  if (stop != 0)
    return stop;
  return rc == SQLITE_DONE ? 0 : store__fail(s, "alerts", rc);
}

/* Bind the filter of "readings_range" and "readings_count". */
static void store_read_bind_range(sqlite3_stmt *st, double since,
                                  const char *patient, const char *name) {
  sqlite3_bind_double(st, 1, since);
  store__bind_text_or_null(st, 2, patient);
  store__bind_text_or_null(st, 3, name);
}

int wg_store_readings_each(wg_store_t *s, double since, const char *patient,
                           const char *name, wg_store_reading_cb cb, void *ud) {
  sqlite3_stmt *st = s->readings_range;
  int rc;

  store_read_bind_range(st, since, patient, name);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wg_reading_t r;
    store_read_reading(st, &r);
    cb(ud, &r);
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : store__fail(s, "readings", rc);
}

int64_t wg_store_readings_count(wg_store_t *s, double since,
                                const char *patient, const char *name) {
  store_read_bind_range(s->readings_count, since, patient, name);
  return store_read_int(s, s->readings_count, "readings count");
}

/* The score of the row @st is on, borrowed from it. */
static wg_store_score_t store_read_score(sqlite3_stmt *st) {
  wg_store_score_t sc = {
      .patient = store_read_text(st, 0),
      .ts = sqlite3_column_double(st, 1),
      .score = sqlite3_column_int(st, 2),
      .scale = sqlite3_column_int(st, 3),
      .complete = sqlite3_column_int(st, 4) != 0,
      .band = store_read_text(st, 5),
      .components = store_read_text(st, 6),
      .missing = store_read_text(st, 7),
  };
  return sc;
}

int wg_store_scores_each(wg_store_t *s, const char *patient, double since,
                         wg_store_score_cb cb, void *ud) {
  sqlite3_stmt *st = s->scores_range;
  int rc, stop = 0;

  sqlite3_bind_text(st, 1, patient, -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 2, since);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wg_store_score_t sc = store_read_score(st);
    if ((stop = cb(ud, &sc)) != 0)
      break;
  }
  sqlite3_reset(st);
  if (stop != 0)
    return stop;
  return rc == SQLITE_DONE ? 0 : store__fail(s, "scores", rc);
}

int wg_store_score_latest(wg_store_t *s, const char *patient,
                          wg_store_score_cb cb, void *ud) {
  sqlite3_stmt *st = s->score_latest;
  int rc, ret = 0;

  sqlite3_bind_text(st, 1, patient, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wg_store_score_t sc = store_read_score(st);
    ret = cb(ud, &sc);
    rc = SQLITE_DONE;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return store__fail(s, "scores", rc);
  return ret;
}
