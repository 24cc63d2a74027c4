/* SPDX-License-Identifier: MIT */
/*
 * Between the hub's files: the status message and the error reports
 * (report.c), and what the uplink owes the acks it takes (uplink_acks.c),
 * used by the uplink's callbacks and the life cycle (hub.c).
 */
#ifndef WG_HUB_INTERNAL_H
#define WG_HUB_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "hub/hub.h"

/* Error reports: a burst of this many, then one a second. */
#define HUB_ERROR_BURST 10.0

/* The members of the status message added to @o: 0, or WG_ENOMEM when one
 * could not be (drop @o then). Without @with_counters it is the will's
 * form. */
int hub__status_add(const wg_hub_t *h, cJSON *o, bool online,
                    bool with_counters);

/* Publish the status (retained, QoS 1); *@mid, if given, is its message
 * id, or -1 when it could not be sent. */
void hub__publish_status(wg_hub_t *h, bool online, int *mid);

/* The last config/reported, retained, if connected (report.c). */
void hub__publish_reported(wg_hub_t *h);

/* {"device":…,"transport":…,["source":…,]"reason":…,"ts":…} on the errors
 * topic at QoS 0, within the rate limit. */
void hub__report_error(wg_hub_t *h, const char *transport, const char *device,
                       const char *source, const char *reason);

/* The reports held while the uplink was down, published now that it is up
 * (oldest first); those it still cannot take stay held. */
void hub__report_flush(wg_hub_t *h);

/* The held reports freed (the hub is freed). */
void hub__report_free(wg_hub_t *h);

/* An ack refused for @reason: counted, logged and reported. */
void hub__report_ack_error(wg_hub_t *h, const char *reason);

/* The hub's broker refused an outbox message with the MQTT 5 reason
 * @reason_code (@reason, its name): logged and reported on errors once,
 * while refusals go on; rate-limited in the journal after. */
void hub__report_refused(wg_hub_t *h, int reason_code, const char *reason);

/*
 * True when @ack (checked; ack->refused set when it was refused) is to be
 * handed on: always for an open alert; otherwise, as it only leaves an
 * audit row, within wg_ack_audit_allow()'s budget. One not handed on is
 * counted (acks_unaudited) and said in the journal.
 */
bool hub__ack_audited(wg_hub_t *h, const wg_ack_t *ack);

/*
 * A message was taken from the hub: the uplink holds what it sends until
 * the commit (hub__hold_stop(), from wg_hub_committed()), or a third of its
 * keepalive at most (5 s), after which it lets the PUBACK go with a
 * warning, so that a failing store never stops the uplink.
 */
void hub__hold_start(wg_hub_t *h);
void hub__hold_stop(wg_hub_t *h);

/* The slot of broker session @which in the hub's session arrays (taken
 * at its first use), or -1 when they are full (session.c). */
int hub__session_slot(wg_hub_t *h, const char *which);

/* A loss of session @slot now is found at start: the broker was to hold
 * it from the last run, and no CONNACK of it came yet. */
bool hub__session_at_start(const wg_hub_t *h, int slot);

/* Start watching the box's clock (hub_clock.c): the clock_timer, closed
 * with the hub. */
void hub__clock_start(wg_hub_t *h);

#endif
