/* SPDX-License-Identifier: MIT */
/* Between the MQTT driver's files. */
#ifndef WG_MQTT_INTERNAL_H
#define WG_MQTT_INTERNAL_H

#include <mosquitto.h>
#include <stdbool.h>

#include "wardgate/mqtt.h"

/* Set @o's will on @mosq: QoS 1, and over MQTT 5 (@v5) its delay
 * (wg_mqtt_opts_t::will_delay_s). A MOSQ_ERR_* code. */
int mqtt__will_set(struct mosquitto *mosq, bool v5, const wg_mqtt_opts_t *o);

#endif
