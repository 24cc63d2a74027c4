/* SPDX-License-Identifier: MIT */
/*
 * The daily escalation log: for one local day, every alert raised or still
 * open, with its story from the database alone — patient, rule, severity,
 * raised, the routes it had, escalations, who acknowledged it and when,
 * the response against respond_by (met, or late by N minutes), the outcome
 * and note, and when it cleared. Published after each local midnight on
 * wardgate/<gateway>/log/daily; readable as CSV for a supervisor.
 *
 * This module owns the log: when a local day ends (the clinic asks it for
 * its deadline and passes it the time) and the text, made from the rows a
 * source hands it (the store's wg_store_day_log()). Pure: the time is a
 * parameter, and the rows come through the source function.
 */
#ifndef WG_DAYLOG_H
#define WG_DAYLOG_H

#include <stdbool.h>

/* The store's row, wg_store_day_entry_t, and the store itself
 * (commit/store.h), by name only. */
struct wg_store_s;
struct wg_store_day_entry_s;

/* The end of the local day, and whether a finished day's log is due. */
typedef struct wg_daylog_s {
  double day_end; /* the next local midnight; 0 until wg_daylog_start() */
  bool due;       /* the log of the day that began at @day is to be published */
  double day;
} wg_daylog_t;

/* The day in progress at @now is the first one watched; later calls keep
 * the day they watch. */
void wg_daylog_start(wg_daylog_t *d, double now);

/* When wg_daylog_tick() has something to do (the end of the day in
 * progress), or 0 before wg_daylog_start(). */
double wg_daylog_next_deadline(const wg_daylog_t *d);

/*
 * At @now, after the escalations due by then: a day that has ended makes
 * its log due (d->due, d->day its local midnight) and the next day is
 * watched. Returns d->due.
 */
bool wg_daylog_tick(wg_daylog_t *d, double now);

/* The due log was published (written by the commit): nothing is due. */
void wg_daylog_published(wg_daylog_t *d);

/*
 * Where the rows come from: every alert raised before @to that was still
 * open at @from, oldest first, each handed to @cb, whose non-zero return
 * stops the walk and is returned; 0 or a negative error. The store's
 * wg_store_day_log() is one, with its store as @source.
 */
typedef int (*wg_daylog_rows_fn)(
    struct wg_store_s *source, double from, double to,
    int (*cb)(void *ud, const struct wg_store_day_entry_s *e), void *ud);

/*
 * The log of the local day that begins at @day_start (a local midnight;
 * it ends at the next one) for @gateway, as JSON (the log/daily message),
 * or as CSV with @csv (local times), from the rows that @rows gives from
 * @source. free() it; NULL with *rc set on error: WG_ENOMEM, or the
 * source's error. A text is whole or not at all.
 */
char *wg_daylog_text(const char *gateway, double day_start, bool csv,
                     wg_daylog_rows_fn rows, struct wg_store_s *source,
                     int *rc);

#endif
