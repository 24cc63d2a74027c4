#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill -9 while falls are coming in: after the restart every fall whose pack
# was stored has its alert delivered to the hub (they were committed in the
# same transaction).
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 150)"
start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

(for i in $(seq 1 150); do pub "fall-$i" "$(fall_pack)" & done; wait) &
pubs=$!
track $pubs
wait_until 20 readings_at_least 20 "WHERE name='fall'" || fail "no falls stored"
stop_daemon KILL
wait $pubs || true
untrack $pubs
start_daemon "$T/wardgate.json"
# Everything published is eventually stored (the broker queued the rest for
# the session), except packs acknowledged in the interrupted iteration.
sleep 2
stored=$(count_readings "WHERE name='fall'")
expected=$(sql "SELECT group_concat(device_id, ' ') FROM (SELECT DISTINCT device_id FROM readings WHERE name='fall' ORDER BY device_id)")
delivered() {
  for d in $expected; do grep -q "\"device\":\"$d\",\"rule\":\"fall\"" "$T/hub.sub" || return 1; done
}
wait_until 30 delivered || fail "a stored fall has no delivered alert ($stored stored)"
[ "$(sql "SELECT count(*) FROM alerts WHERE rule='fall'")" = "$stored" ] ||
  fail "$stored falls stored, $(sql 'SELECT count(*) FROM alerts') alerts"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok ($stored falls stored, all delivered)"
