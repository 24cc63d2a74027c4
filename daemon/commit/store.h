/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store (DESIGN.md section 6). One connection, WAL journal, every
 * statement prepared once. The caller groups writes: wg_store_begin(), any
 * number of puts, wg_store_commit().
 */
#ifndef WG_STORE_H
#define WG_STORE_H

#include <stdbool.h>

#include <stdint.h>

#include "clinic/alerts.h"
#include "core/config.h"
#include "wardgate/reading.h"

/* The schema version this build writes (PRAGMA user_version). */
#define WG_STORE_SCHEMA_VERSION 7

typedef struct wg_store_s wg_store_t;

/*
 * The SQL of the store's statement @name ("put_reading", "prune",
 * "recent", ...), or NULL: for EXPLAIN QUERY PLAN in the tests and for
 * anyone who wants to see what the daemon asks of SQLite.
 */
const char *wg_store_sql(const char *name);

/*
 * Open the database at @path read-only, for the tools (wardgatectl): no
 * check, no migration, nothing written; a schema other than this build's
 * is refused (logged). A lock held by another process is waited for up to
 * two seconds. The readers of wg_store_t work; its writers fail.
 * Returns 0, WG_EIO or WG_ENOMEM.
 */
int wg_store_open_readonly(wg_store_t **out, const char *path);

/*
 * Open (creating or migrating) the database at @path. With
 * WG_DURABILITY_POWER every commit is fsynced (synchronous=FULL); with
 * WG_DURABILITY_PROCESS a commit survives a crash of the daemon but not a
 * power cut (synchronous=NORMAL). Returns 0, WG_EIO (the reason is logged)
 * or WG_ENOMEM.
 */
int wg_store_open(wg_store_t **out, const char *path,
                  wg_durability_t durability);

/* Finalize every statement and close. NULL is fine. */
void wg_store_close(wg_store_t *s);

/* The WAL size, in pages, at which a checkpoint is due (SQLite's own
 * automatic threshold). */
#define WG_STORE_CHECKPOINT_PAGES 1000

/*
 * Checkpoints run off the loop. After a commit, wg_store_checkpoint_due()
 * says whether enough has been written to the WAL since the last
 * checkpoint; wg_store_checkpoint() then copies it back into the database
 * (and fsyncs) through a connection of its own, so it may run on another
 * thread while the loop keeps committing, but not two at once, and
 * wg_store_checkpoint_due() is not to be called while one runs. It logs
 * nothing: 0, or a negative error with SQLite's message in @err.
 */
bool wg_store_checkpoint_due(wg_store_t *s);

/*
 * After a checkpoint on another thread: true when it left behind frames
 * committed while it ran, in a WAL past the mark. The WAL starts over only
 * once every frame is copied, which under a steady stream of commits needs
 * a checkpoint that no commit runs beside: run wg_store_checkpoint() on
 * the loop then (it copies the few frames left).
 */
bool wg_store_checkpoint_behind(wg_store_t *s);
int wg_store_checkpoint(wg_store_t *s, char *err, size_t errlen);

/*
 * Transactions. Errors: WG_EBUSY (the database is locked by another
 * process), WG_EFULL (the disk is full), WG_EIO (anything else). A failed
 * commit leaves no transaction open; the caller may retry the whole group.
 */
int wg_store_begin(wg_store_t *s);
int wg_store_commit(wg_store_t *s);
void wg_store_rollback(wg_store_t *s);

/*
 * Insert a reading. Returns 1 if stored, 0 if an identical (device, name,
 * unit, ts) was already there, or a negative error.
 */
int wg_store_put_reading(wg_store_t *s, const wg_reading_t *r);

/*
 * Delete at most @limit readings measured before @before and received
 * before @received_before, in one short transaction: a reading
 * acknowledged after @received_before is kept whatever its time (DESIGN.md
 * section 5). Returns the number deleted or a negative error.
 */
int wg_store_prune(wg_store_t *s, double before, double received_before,
                   int limit);

/*
 * Record alert event @ev with its JSON @payload in alert_events, and (with
 * @update_alert) make the alerts row match it. 0 or a negative error.
 */
int wg_store_put_alert_event(wg_store_t *s, const wg_alert_event_t *ev,
                             const char *payload, bool update_alert);

/* Queue a message for the hub; @alert_id and @state may be NULL. */
int wg_store_outbox_add(wg_store_t *s, const char *topic, const char *payload,
                        const char *alert_id, const char *state,
                        double created);

/* Remove the message @seq (its PUBACK came). */
int wg_store_outbox_delete(wg_store_t *s, int64_t seq);

/*
 * Remove the queued "updated" and "escalated" messages of @alert_id on
 * @topic, which a later one on the same topic supersedes (an alert event
 * is never removed for its FHIR Flag, nor the other way round). Returns
 * how many, or a negative error.
 */
int wg_store_outbox_compact(wg_store_t *s, const char *alert_id,
                            const char *topic);

/* Messages queued, or a negative error. */
int64_t wg_store_outbox_count(wg_store_t *s);

/* Called per queued message; return non-zero to stop. */
typedef int (*wg_store_outbox_cb)(void *ud, int64_t seq, const char *topic,
                                  const char *payload);

/*
 * Pass up to @limit queued messages after @after to @cb, oldest first.
 * Returns how many, or a negative error.
 */
int wg_store_outbox_each(wg_store_t *s, int64_t after, int limit,
                         wg_store_outbox_cb cb, void *ud);

/* Called per open alert with its last JSON; non-zero stops (and returns). */
typedef int (*wg_store_alert_cb)(void *ud, const char *payload);
int wg_store_alerts_open(wg_store_t *s, wg_store_alert_cb cb, void *ud);

/* The largest alert sequence number stored (0 for none). */
int64_t wg_store_alert_max_seq(wg_store_t *s);

/*
 * An acknowledgement of @id by @by, with @outcome and @note ("" or NULL
 * when not given), that came after the alert closed: it changes nothing,
 * but goes into the audit trail with its outcome and note. Returns 1 if
 * the alert is known (and the row written), 0 if no such alert was ever
 * stored, or a negative error.
 */
int wg_store_audit_late_ack(wg_store_t *s, const char *id, const char *by,
                            const char *outcome, const char *note, double ts);

/*
 * An acknowledgement of @id by @by (@outcome "" or NULL when not given)
 * refused for @reason (unsigned, badly signed, stale, replayed): it changes
 * nothing, but goes into the audit trail as a row of state "ack_refused"
 * whose payload is {"id","by","outcome","refused"}. Returns 1 if the alert
 * is known (and the row written), 0 if not, or a negative error.
 */
int wg_store_audit_refused_ack(wg_store_t *s, const char *id, const char *by,
                               const char *outcome, const char *reason,
                               double ts);

/*
 * The audit trail's retention (audit_retention_days): the rows of
 * alert_events older than @before whose alert is closed and last changed
 * before @before. wg_store_audit_due() counts them (or returns a negative
 * error); wg_store_audit_prune() deletes those of at most @limit alerts
 * and returns how many rows, or a negative error. The events of an open
 * alert are never deleted, whatever their age.
 */
int64_t wg_store_audit_due(wg_store_t *s, double before);
int wg_store_audit_prune(wg_store_t *s, double before, int limit);

/* A NEWS2 computed for @patient at @ts; @components and @missing are JSON. */
int wg_store_put_score(wg_store_t *s, const char *patient, double ts, int score,
                       int scale, bool complete, const char *band,
                       const char *components, const char *missing);

/* Called per stored reading; the reading is borrowed. */
typedef void (*wg_store_reading_cb)(void *ud, const wg_reading_t *r);

/*
 * Pass the readings of known patients measured at or after @since to @cb,
 * oldest first (to rebuild rule state after a restart). 0 or an error.
 */
int wg_store_readings_since(wg_store_t *s, double since, wg_store_reading_cb cb,
                            void *ud);

/* One alert of a day's escalation log, borrowed for the callback; times
 * are Unix seconds, 0 when the event did not happen. */
typedef struct wg_store_day_entry_s {
  const char *id, *patient, *rule, *severity;
  double raised;
  const char *routes; /* each route it had, in order, space-separated */
  int escalations;
  const char *acked_by; /* the first acknowledgement, or NULL */
  double acked_at;
  const char *outcome, *note; /* NULL when none */
  double respond_by;
  double cleared;
} wg_store_day_entry_t;

typedef int (*wg_store_day_cb)(void *ud, const wg_store_day_entry_t *e);

/*
 * Every alert raised before @to that was still open at @from, oldest
 * first, with its story from alert_events; @cb returns 0, or a negative
 * error that stops the walk and is returned. 0 or a negative error.
 */
int wg_store_day_log(wg_store_t *s, double from, double to, wg_store_day_cb cb,
                     void *ud);

/*
 * What the operator's tool reads (wardgatectl), on a store opened
 * read-only or not. Rows are borrowed for the callback; the walks go
 * oldest first.
 */

/*
 * Pass the JSON of the open alerts of @patient to @cb, by the time raised;
 * with @all every alert stored, open or closed. A NULL @patient is every
 * patient. @cb returns 0, or non-zero to stop. Returns 0, what @cb
 * returned to stop, or a negative error.
 */
int wg_store_alerts_list(wg_store_t *s, bool all, const char *patient,
                         wg_store_alert_cb cb, void *ud);

/*
 * Pass the readings measured at or after @since to @cb: those of
 * @patient, or with NULL every one (a reading of an unknown device has no
 * patient), and of the key @name, or with NULL every key. 0 or a negative
 * error.
 */
int wg_store_readings_each(wg_store_t *s, double since, const char *patient,
                           const char *name, wg_store_reading_cb cb, void *ud);

/* How many readings wg_store_readings_each() would pass, or a negative
 * error. */
int64_t wg_store_readings_count(wg_store_t *s, double since,
                                const char *patient, const char *name);

/* A stored NEWS2, borrowed for the callback; @components and @missing are
 * JSON, as given to wg_store_put_score(). */
typedef struct wg_store_score_s {
  const char *patient;
  double ts;
  int score, scale;
  bool complete;
  const char *band, *components, *missing;
} wg_store_score_t;

typedef int (*wg_store_score_cb)(void *ud, const wg_store_score_t *sc);

/*
 * Pass the NEWS2 scores of @patient computed at or after @since to @cb.
 * @cb returns 0, or non-zero to stop. Returns 0, what @cb returned to
 * stop, or a negative error.
 */
int wg_store_scores_each(wg_store_t *s, const char *patient, double since,
                         wg_store_score_cb cb, void *ud);

/*
 * Pass the newest NEWS2 score of @patient to @cb, if there is one (one
 * indexed row, however long the history). Returns 0, what @cb returned,
 * or a negative error.
 */
int wg_store_score_latest(wg_store_t *s, const char *patient,
                          wg_store_score_cb cb, void *ud);

/* ---- configuration versions (store_config.c) ---------------------------- */

/* A configuration version from the hub, as config_versions keeps it. */
typedef struct wg_store_config_s {
  int64_t version;
  double received;      /* when it arrived */
  double applied;       /* when it took effect */
  const char *by;       /* who, if the document says; else NULL */
  const char *document; /* the document as received, signature and all */
} wg_store_config_t;

/* @c is borrowed for the call. Return 0, or non-zero to stop. */
typedef int (*wg_store_config_cb)(void *ud, const wg_store_config_t *c);

/* Within the commit's transaction: version @c applied. 0 or an error. */
int wg_store_put_config(wg_store_t *s, const wg_store_config_t *c);

/* The newest version applied, if any, to @cb. Returns 0 (also when there
 * is none), what @cb returned, or a negative error. */
int wg_store_config_latest(wg_store_t *s, wg_store_config_cb cb, void *ud);

/* Version @version, if stored, to @cb: returns 1 when found (@cb returned
 * 0), 0 when not, what @cb returned, or a negative error. */
int wg_store_config_get(wg_store_t *s, int64_t version, wg_store_config_cb cb,
                        void *ud);

/* Every version, oldest first, to @cb (document NULL: not read). Returns
 * 0, what @cb returned to stop, or a negative error. */
int wg_store_config_history(wg_store_t *s, wg_store_config_cb cb, void *ud);

/* ---- the daemon's own records (store_meta.c) ---------------------------- */

/*
 * The value of @key in meta into @value (NUL-terminated, at most @size
 * bytes with the NUL). Returns 1 when found, 0 when there is none, or a
 * negative error (WG_ETOOBIG when it does not fit in @size).
 */
int wg_store_meta_get(wg_store_t *s, const char *key, char *value, size_t size);

/* Set @key to @value at @ts (Unix seconds), in a transaction of its own
 * unless the caller's is open. 0 or a negative error. */
int wg_store_meta_put(wg_store_t *s, const char *key, const char *value,
                      double ts);

/* Remove @key, if there. 0 or a negative error. */
int wg_store_meta_delete(wg_store_t *s, const char *key);

#endif
