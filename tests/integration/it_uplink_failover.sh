#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# uplink.mqtt.hosts: the brokers of a hub cluster, tried in order. When the
# one in use stops, the gateway moves to the next, says so in its status,
# and the alerts go on reaching the hub there; --check-config refuses a bad
# list.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker HUB_A
start_broker HUB_B
hosts="[{\"host\":\"127.0.0.1\",\"port\":$HUB_A_PORT},{\"host\":\"127.0.0.1\",\"port\":$HUB_B_PORT}]"
cat >"$T/wardgate.json" <<CONF
{ "gateway_id": "gw-test", "database": "$T/wardgate.db", "durability": "process",
  "status_interval_s": 1,
  "ingest": { "mqtt": { "port": $INGEST_PORT } },
  "uplink": { "mqtt": { "hosts": $hosts, "keepalive_s": 5 } },
  "patients": $(patients_json 2) }
CONF
"$WARDGATED" -c "$T/wardgate.json" --check-config >/dev/null || fail "a good list refused"

UPLINK_PORT=$HUB_A_PORT start_daemon "$T/wardgate.json"
subscribe hub_a 'wardgate/gw-test/#' "$HUB_A_PORT"
subscribe hub_b 'wardgate/gw-test/#' "$HUB_B_PORT"
wait_until 5 sub_has hub_a "\"uplink\":\"127.0.0.1:$HUB_A_PORT\"" || fail "status does not name the first broker"
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub_a '"patient":"p-1".*"state":"raised"' || fail "no alert on the first broker"

stop_broker HUB_A
wait_until 20 sub_has hub_b "\"uplink\":\"127.0.0.1:$HUB_B_PORT\"" || fail "did not move to the second broker"
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub_b '"patient":"p-2".*"state":"raised"' || fail "no alert on the second broker"
grep -q "uplink: connected to 127.0.0.1:$HUB_B_PORT" "$T/wardgated.log" || fail "the move is not logged"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"

# The list is checked.
check() { # members of uplink.mqtt -> the problems
  sed "s|\"hosts\": $(printf '%s' "$hosts" | sed 's/[][\.*^$|]/\\&/g')|$1|" "$T/wardgate.json" >"$T/bad.json"
  "$WARDGATED" -c "$T/bad.json" --check-config 2>&1 || true
}
check '"hosts": []' | grep -q 'uplink.mqtt.hosts: must be a non-empty array' || fail "an empty list accepted"
check '"hosts": [{"port": 1}]' | grep -q 'uplink.mqtt.hosts\[0\].host: required' || fail "a host without a name accepted"
check '"hosts": [{"host": "h", "port": 0}]' | grep -q 'uplink.mqtt.hosts\[0\].port: must be between 1 and 65535' || fail "port 0 accepted"
check '"host": "h", "hosts": [{"host": "h"}]' | grep -q 'uplink.mqtt.hosts: in place of "host" and "port"' || fail "host and hosts together accepted"
log "ok"
