/* SPDX-License-Identifier: MIT */
/*
 * The will: the retained offline status the broker publishes when the
 * gateway vanishes. Over MQTT 5 it may wait (Will Delay Interval), so that
 * a connection lost and made again within the delay says nothing.
 */
#include <mqtt_protocol.h>
#include <stdint.h>
#include <string.h>

#include "mqtt_internal.h"

int mqtt__will_set(struct mosquitto *mosq, bool v5, const wg_mqtt_opts_t *o) {
  mosquitto_property *props = NULL;
  int rc = MOSQ_ERR_SUCCESS;

  if (v5 && o->will_delay_s > 0)
    rc = mosquitto_property_add_int32(&props, MQTT_PROP_WILL_DELAY_INTERVAL,
                                      (uint32_t)o->will_delay_s);
  if (rc == MOSQ_ERR_SUCCESS)
    rc =
        mosquitto_will_set_v5(mosq, o->will_topic, (int)strlen(o->will_payload),
                              o->will_payload, 1, o->will_retain, props);
  /* Taken by the client only on success. */
  if (rc != MOSQ_ERR_SUCCESS)
    mosquitto_property_free_all(&props);
  return rc;
}
