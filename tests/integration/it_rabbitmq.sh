#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub's broker is RabbitMQ (one private node, the MQTT plugin): the
# whole alert path through it — raised, escalated, acknowledged from the
# hub, the retained status and alerts/active for a late subscriber, the
# will on kill -9, and falls during the daemon's outage delivered after
# its restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rabbitmq.sh"

rmq_start a
start_broker INGEST
UPLINK_PORT=$RMQ_A_PORT
write_config "$T/wardgate.json" '' \
  "$(patients_json 3 ',"escalation":{"ack_timeout_min":{"high":0.05}}')"
start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 15 sub_has hub '"state":"raised"' || fail "the fall did not reach the hub"
id=$(raised_id)
wait_until 15 sub_has hub "\"id\":\"$id\".*\"state\":\"escalated\"" || fail "not escalated"
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"dr-rabbit\"}"
wait_until 15 sub_has hub "\"id\":\"$id\".*\"state\":\"acknowledged\"" ||
  fail "the ack through RabbitMQ was not applied"

# A late subscriber gets the retained status and snapshot.
pub fall-2 "$(fall_pack)"
wait_until 15 sub_has hub '"patient":"p-2".*"state":"raised"' || fail "second fall"
has_active() { retained wardgate/gw-test/alerts/active | grep -q '"patient":"p-2"'; }
wait_until 10 has_active || fail "alerts/active not retained: $(retained wardgate/gw-test/alerts/active)"
retained wardgate/gw-test/status | grep -q '"state":"online"' || fail "status not retained"

# kill -9: the will; falls meanwhile; the restart delivers them.
stop_daemon KILL
offline() { retained wardgate/gw-test/status | grep -q '"state":"offline"'; }
wait_until 20 offline || fail "no will"
pub fall-3 "$(fall_pack)"
start_daemon "$T/wardgate.json"
wait_until 15 sub_has hub '"patient":"p-3".*"state":"raised"' ||
  fail "the fall during the outage was not delivered"
online() { retained wardgate/gw-test/status | grep -q '"state":"online"'; }
wait_until 10 online || fail "status not online again"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
