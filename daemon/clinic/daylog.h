/* SPDX-License-Identifier: MIT */
/*
 * The daily escalation log: for one local day, every alert raised or still
 * open, with its story from the database alone — patient, rule, severity,
 * raised, the routes it had, escalations, who acknowledged it and when,
 * the response against respond_by (met, or late by N minutes), the outcome
 * and note, and when it cleared. Published after each local midnight on
 * wardgate/<gateway>/log/daily; readable as CSV for a supervisor.
 */
#ifndef WG_DAYLOG_H
#define WG_DAYLOG_H

#include <stdbool.h>

#include "commit/store.h"

/*
 * The log of the local day that begins at @day_start (a local midnight;
 * it ends at the next one) as JSON, or as CSV with @csv (local times).
 * free() it; NULL with *rc set on error.
 */
char *wg_daylog(wg_store_t *s, const char *gateway, double day_start, bool csv,
                int *rc);

#endif
