/* SPDX-License-Identifier: MIT */
/*
 * The store's insides, shared by its files and by no one else: the
 * connection and its statements (store.c opens, migrates, checkpoints and
 * writes; store_read.c reads). Every statement the store prepares is in
 * this list; the schema and its migrations are in store.c.
 */
#ifndef WG_STORE_INTERNAL_H
#define WG_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "commit/store.h"
#include "wardgate/log.h"

/* Every statement: prepared at open, finalized at close. */
#define STORE_STATEMENTS(XX)                                                   \
  XX(begin, "BEGIN IMMEDIATE")                                                 \
  XX(commit, "COMMIT")                                                         \
  XX(rollback, "ROLLBACK")                                                     \
  XX(put_reading,                                                              \
     "INSERT OR IGNORE INTO readings(device_id, patient_id, name, value, vb,"  \
     " vs, vd, sum, unit, ts, received)"                                       \
     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")                  \
  XX(prune, "DELETE FROM readings WHERE id IN (SELECT id FROM readings"        \
            " WHERE ts < ?1 AND received < ?3 ORDER BY ts LIMIT ?2)")          \
  XX(put_alert,                                                                \
     "INSERT INTO alerts(id, patient_id, rule, severity, state, raised,"       \
     " updated, payload, seq, open) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"    \
     " ?9, ?10) ON CONFLICT(id) DO UPDATE SET severity = ?4, state = ?5,"      \
     " updated = ?7, payload = ?8, open = ?10")                                \
  XX(put_alert_event,                                                          \
     "INSERT INTO alert_events(alert_id, ts, state, severity, escalation,"     \
     " cause, payload, outcome, note, acked_by) VALUES(?1, ?2, ?3, ?4, ?5,"    \
     " ?6, ?7, ?8, ?9, ?10)")                                                  \
  XX(outbox_add, "INSERT INTO outbox(topic, payload, alert_id, state,"         \
                 " created) VALUES(?1, ?2, ?3, ?4, ?5)")                       \
  XX(outbox_delete, "DELETE FROM outbox WHERE seq = ?1")                       \
  XX(outbox_compact, "DELETE FROM outbox WHERE alert_id = ?1 AND topic = ?2"   \
                     " AND state IN ('updated', 'escalated')")                 \
  XX(outbox_count, "SELECT count(*) FROM outbox")                              \
  XX(outbox_next, "SELECT seq, topic, payload FROM outbox WHERE seq > ?1"      \
                  " ORDER BY seq LIMIT ?2")                                    \
  XX(alerts_open, "SELECT payload FROM alerts WHERE open = 1 ORDER BY seq")    \
  XX(alert_max_seq, "SELECT coalesce(max(seq), 0) FROM alerts")                \
  XX(audit_late_ack,                                                           \
     "INSERT INTO alert_events(alert_id, ts, state, severity, escalation,"     \
     " cause, payload, outcome, note, acked_by) SELECT id, ?2,"                \
     " 'acknowledged', severity,"                                              \
     " coalesce(json_extract(payload, '$.escalation'), 0),"                    \
     " 'acknowledged by ' || ?3 || coalesce('; outcome ' || ?4, '') ||"        \
     " ' after the alert closed; no change', payload, ?4, ?5, ?3"              \
     " FROM alerts WHERE id = ?1")                                             \
  XX(audit_refused_ack,                                                        \
     "INSERT INTO alert_events(alert_id, ts, state, severity, escalation,"     \
     " cause, payload, outcome, acked_by) SELECT id, ?2, 'ack_refused',"       \
     " severity, coalesce(json_extract(payload, '$.escalation'), 0),"          \
     " 'ack by ' || ?3 || coalesce('; outcome ' || ?4, '') || ' refused: '"    \
     " || ?5 || '; no change', json_object('id', id, 'by', ?3, 'outcome', ?4," \
     " 'refused', ?5), ?4, ?3 FROM alerts WHERE id = ?1")                      \
  XX(audit_due,                                                                \
     "SELECT count(*) FROM alerts a JOIN alert_events e ON e.alert_id = a.id"  \
     " WHERE a.open = 0 AND a.updated < ?1 AND e.ts < ?1")                     \
  XX(audit_prune,                                                              \
     "DELETE FROM alert_events WHERE ts < ?1 AND alert_id IN (SELECT a.id"     \
     " FROM alerts a WHERE a.open = 0 AND a.updated < ?1 AND EXISTS (SELECT"   \
     " 1 FROM alert_events e WHERE e.alert_id = a.id AND e.ts < ?1) LIMIT "    \
     "?2)")                                                                    \
  XX(put_score, "INSERT INTO scores(patient_id, ts, score, scale, complete,"   \
                " band, components, missing) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"   \
                " ?7, ?8)")                                                    \
  XX(recent, "SELECT device_id, patient_id, name, value, vb, vs, unit, ts"     \
             " FROM readings WHERE ts >= ?1 AND patient_id IS NOT NULL"        \
             " ORDER BY ts")                                                   \
  XX(day_log,                                                                  \
     "SELECT a.id, a.patient_id, a.rule, a.severity, a.raised,"                \
     " (SELECT group_concat(route, ' ') FROM (SELECT json_extract(e.payload,"  \
     " '$.route') AS route, min(e.id) AS first FROM alert_events e"            \
     " WHERE e.alert_id = a.id GROUP BY route HAVING route IS NOT NULL"        \
     " ORDER BY first)),"                                                      \
     " (SELECT max(e.escalation) FROM alert_events e WHERE e.alert_id = "      \
     "a.id),"                                                                  \
     " coalesce(k.acked_by, json_extract(k.payload, '$.by')), k.ts,"           \
     " k.outcome, k.note,"                                                     \
     " coalesce(json_extract(k.payload, '$.respond_by'),"                      \
     " json_extract(a.payload, '$.respond_by'),"                               \
     " a.raised + json_extract(a.payload, '$.ack_timeout_s')),"                \
     " (SELECT min(e.ts) FROM alert_events e WHERE e.alert_id = a.id"          \
     " AND e.state = 'cleared')"                                               \
     " FROM alerts a LEFT JOIN alert_events k ON k.id = (SELECT min(e.id)"     \
     " FROM alert_events e WHERE e.alert_id = a.id"                            \
     " AND e.state = 'acknowledged')"                                          \
     " WHERE a.raised < ?2 AND (a.open = 1 OR a.updated >= ?1)"                \
     " ORDER BY a.raised, a.seq")                                              \
  XX(alerts_all, "SELECT payload FROM alerts WHERE ?1 IS NULL"                 \
                 " OR patient_id = ?1 ORDER BY raised")                        \
  XX(alerts_open_of, "SELECT payload FROM alerts WHERE open = 1"               \
                     " AND (?1 IS NULL OR patient_id = ?1) ORDER BY raised")   \
  XX(readings_range,                                                           \
     "SELECT device_id, patient_id, name, value, vb, vs, unit, ts"             \
     " FROM readings WHERE ts >= ?1 AND (?2 IS NULL OR patient_id = ?2)"       \
     " AND (?3 IS NULL OR name = ?3) ORDER BY ts")                             \
  XX(readings_count,                                                           \
     "SELECT count(*) FROM readings WHERE ts >= ?1"                            \
     " AND (?2 IS NULL OR patient_id = ?2) AND (?3 IS NULL OR name = ?3)")     \
  XX(scores_range,                                                             \
     "SELECT patient_id, ts, score, scale, complete, band, components,"        \
     " missing FROM scores WHERE patient_id = ?1 AND ts >= ?2 ORDER BY ts")    \
  XX(score_latest,                                                             \
     "SELECT patient_id, ts, score, scale, complete, band, components,"        \
     " missing FROM scores WHERE patient_id = ?1"                              \
     " ORDER BY ts DESC, id DESC LIMIT 1")                                     \
  XX(config_put, "INSERT OR REPLACE INTO config_versions(version, received,"   \
                 " applied, by, document) VALUES(?1, ?2, ?3, ?4, ?5)")         \
  XX(config_latest, "SELECT version, received, applied, by, document"          \
                    " FROM config_versions ORDER BY version DESC LIMIT 1")     \
  XX(config_get, "SELECT version, received, applied, by, document"             \
                 " FROM config_versions WHERE version = ?1")                   \
  XX(config_history, "SELECT version, received, applied, by, NULL"             \
                     " FROM config_versions ORDER BY version")                 \
  XX(meta_get, "SELECT value FROM meta WHERE key = ?1")                        \
  XX(meta_put, "INSERT OR REPLACE INTO meta(key, value, updated)"              \
               " VALUES(?1, ?2, ?3)")                                          \
  XX(meta_delete, "DELETE FROM meta WHERE key = ?1")

struct wg_store_s {
  sqlite3 *db;
  /* A second connection for checkpoints on another thread: see
   * wg_store_checkpoint(). */
  sqlite3 *ckpt;
  /* The loop's side (the WAL hook): frames in the WAL after the last
   * commit, and whether it started over since the last checkpoint. */
  int wal_pages;
  bool wal_restarted;
  /* The checkpoint's side, read only while none runs: frames copied. */
  int ckpt_done;
  wg_complaint_t complaint;
  /* Every statement, prepared once at open. */
#define XX(name, sql) sqlite3_stmt *name;
  STORE_STATEMENTS(XX)
#undef XX
};

/* Log a failed step with SQLite's own words, rate-limited; the error. */
int store__fail(wg_store_t *s, const char *what, int rc);

/* Step a statement that returns no row, and reset it. 0 or an error. */
int store__step_done(wg_store_t *s, sqlite3_stmt *st, const char *what);

/* Bind @v, or NULL when @v is. */
void store__bind_text_or_null(sqlite3_stmt *st, int i, const char *v);

#endif
