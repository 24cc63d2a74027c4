/* SPDX-License-Identifier: MIT */
/*
 * The local alarm's decisions (DESIGN.md section 8, local_alarm): which
 * open alerts the hub has not had for too long. Pure: the open alerts,
 * what the hub's broker acknowledged and the time come in; each alarm
 * that goes on or off goes out through a callback. The time is monotonic
 * seconds (a step of the wall clock moves no deadline); the wall clock
 * only tells how old an alert found at start is.
 *
 * An alert is *waiting* while it is open, unacknowledged, at least
 * min_severity, and the hub's broker has acknowledged (PUBACK, not
 * refused) no event of it at its present severity or a higher one. Its
 * alarm goes on once it has waited after_s, counted from its raise (or
 * from the rise of severity the hub has not had); it goes off when the
 * hub's broker acknowledges an event of it, when it is acknowledged (at
 * the hub or at the home), when it closes, or when its severity falls
 * below min_severity.
 */
#ifndef WG_ALARM_STATE_H
#define WG_ALARM_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "clinic/alerts.h"

typedef struct wg_alarm_entry_s {
  char id[96];
  wg_severity_t severity;  /* the alert's now */
  wg_severity_t confirmed; /* the most severe the hub has had; COUNT: none */
  double since;            /* waiting since (monotonic s) */
  bool on;
  bool live; /* found open by the last sync */
  /* An ack of it was taken (at the home or from the hub): why it is gone
   * if it closes (an event rule's alert closes with its ack). */
  const char *acked_why;
  char *json; /* on: the alert's JSON when it went on (the caller's) */
} wg_alarm_entry_t;

/* An alarm went on (@on) or off, for @why (static text). The entry is
 * borrowed; the callback may set e->json when it goes on, and it is
 * freed when the entry goes. */
typedef void (*wg_alarm_change_fn)(void *ud, wg_alarm_entry_t *e, bool on,
                                   const char *why);

typedef struct wg_alarm_state_s {
  double after_s;
  wg_severity_t min_severity;
  wg_alarm_entry_t *v; /* the alerts waiting or watched */
  size_t n, cap;
  bool seeded; /* the first sync is done */
  wg_alarm_change_fn change;
  void *ud;
} wg_alarm_state_t;

void wg_alarm_state_init(wg_alarm_state_t *st, double after_s,
                         wg_severity_t min_severity, wg_alarm_change_fn change,
                         void *ud);
void wg_alarm_state_free(wg_alarm_state_t *st);

/*
 * The open alerts are those of @a at @now (monotonic s; @wall, the wall
 * clock). New ones are watched; an alarm whose alert is acknowledged,
 * closed or below min_severity goes off. At the first sync (the alerts
 * restored at start) an alert is taken as had by the hub unless
 * @pending(@pud, id) says an event of it waits in the outbox; such an
 * alert has waited since its raise. @pending may be NULL after the first.
 * Returns 0 or WG_ENOMEM (an alert not watched: tried again at the next
 * sync).
 */
int wg_alarm_state_sync(wg_alarm_state_t *st, const wg_alerts_t *a, double now,
                        double wall, bool (*pending)(void *pud, const char *id),
                        void *pud);

/* The hub's broker acknowledged an event of alert @id at @severity: an
 * alarm of it at that severity or a lower one goes off. */
void wg_alarm_state_confirm(wg_alarm_state_t *st, const char *id,
                            wg_severity_t severity);

/* An acknowledgement of alert @id was taken, from the home (@local) or
 * the hub; it shows once the commit has applied it (the next sync). */
void wg_alarm_state_acked(wg_alarm_state_t *st, const char *id, bool local);

/* Alarms due at @now go on. Returns the next deadline (monotonic s), or 0
 * when none is waiting. */
double wg_alarm_state_due(wg_alarm_state_t *st, double now);

/* How many alarms are on. */
size_t wg_alarm_state_on(const wg_alarm_state_t *st);

#endif
