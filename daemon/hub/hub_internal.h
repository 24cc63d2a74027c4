/* SPDX-License-Identifier: MIT */
/*
 * Between the hub's files: the status message and the error reports
 * (report.c), used by the uplink's callbacks and the life cycle (hub.c).
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

/* {"device":…,"transport":…,["source":…,]"reason":…,"ts":…} on the errors
 * topic at QoS 0, within the rate limit. */
void hub__report_error(wg_hub_t *h, const char *transport, const char *device,
                       const char *source, const char *reason);

/* An ack refused for @reason: counted, logged and reported. */
void hub__report_ack_error(wg_hub_t *h, const char *reason);

/* The hub's broker refused an outbox message with the MQTT 5 reason
 * @reason_code (@reason, its name): logged and reported on errors once,
 * while refusals go on; rate-limited in the journal after. */
void hub__report_refused(wg_hub_t *h, int reason_code, const char *reason);

/* Start watching the box's clock (hub_clock.c): the clock_timer, closed
 * with the hub. */
void hub__clock_start(wg_hub_t *h);

#endif
