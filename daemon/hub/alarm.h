/* SPDX-License-Identifier: MIT */
/*
 * The local alarm (DESIGN.md section 8, local_alarm): when the hub has not
 * had an alert of at least local_alarm.min_severity for after_min, the
 * home is told. The configured command runs (argv, no shell) with the
 * alarm's JSON on its standard input, at most ALARM_RUNS_MAX at once, each
 * killed after ALARM_RUN_TIMEOUT_MS, its exit status logged; and the
 * alarms that are on are published retained on the home's broker (the
 * ingest's MQTT connection), wardgate/<gw>/local/alarm, for a bedside
 * display. When an alarm goes off the command runs again ("state":
 * "cleared"), and once none is on the retained message is removed (an
 * empty retained message). The decisions are alarm_state.c's; this file
 * runs them on the loop.
 */
#ifndef WG_ALARM_H
#define WG_ALARM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

struct wg_hub_s;
typedef struct wg_alarm_s wg_alarm_t;

/* For hub @h (borrowed, as is @conf): 0 with *out set, or WG_ENOMEM. */
int wg_alarm_new(wg_alarm_t **out, struct wg_hub_s *h,
                 const wg_local_alarm_t *conf);

/* Each of the following accepts NULL (no local alarm) and does nothing. */

/* The open alerts may have changed (a commit): watch them again. */
void wg_alarm_sync(wg_alarm_t *a);

/* An outbox row on the alerts topic, @payload (an alert event), went to
 * the hub's broker as message @mid. */
void wg_alarm_sent(wg_alarm_t *a, int mid, const char *payload);

/* The hub's broker acknowledged message @mid (PUBACK, not refused). */
void wg_alarm_puback(wg_alarm_t *a, int mid);

/* The hub's broker refused message @mid, or the uplink was lost (@mid
 * -1: every message in flight). */
void wg_alarm_forget(wg_alarm_t *a, int mid);

/* An ack of alert @id was taken, @local (wardgatectl) or from the hub:
 * it says why the alarm goes off if the ack closes the alert. */
void wg_alarm_acked(wg_alarm_t *a, const char *id, bool local);

/* The alarms on now. */
size_t wg_alarm_on(const wg_alarm_t *a);

/* Close the timer and the commands' handles (a command still running is
 * sent SIGTERM); @cb(@data) runs once all are closed. */
void wg_alarm_close(wg_alarm_t *a, void (*cb)(void *data), void *data);

/* After the close. */
void wg_alarm_free(wg_alarm_t *a);

#endif
