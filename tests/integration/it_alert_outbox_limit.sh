#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The outbox is bounded (outbox_max). Near the limit the daemon warns and
# says so in its status; at the limit an event that cannot be queued is
# counted and logged, never dropped silently: its alert stays open in the
# alerts table and in the retained alerts/active snapshot the hub gets on
# reconnect.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '"outbox_max": 10,' "$(patients_json 15)"
start_daemon "$T/wardgate.json"
stop_broker UPLINK
wait_until 10 grep -q 'uplink: connection to .* lost' "$T/wardgated.log" || fail "loss not noticed"

for i in $(seq 1 15); do pub "fall-$i" "$(fall_pack)"; done
wait_until 20 readings_at_least 15 "WHERE name='fall'" || fail "falls not stored"
sleep 0.5
[ "$(sql 'SELECT count(*) FROM outbox')" = 10 ] || fail "outbox: $(sql 'SELECT count(*) FROM outbox')"
[ "$(sql 'SELECT count(*) FROM alerts WHERE open = 1')" = 15 ] || fail "open alerts"
grep -q 'outbox: .* wait for the hub (limit 10)' "$T/wardgated.log" || fail "no warning near the limit"
grep -q 'outbox: full (10 messages): raised event of gw-test-0000' "$T/wardgated.log" ||
  fail "overflow not logged"

start_broker UPLINK "$UPLINK_PORT"
active() {
  timeout 5 mosquitto_sub -p "$UPLINK_PORT" -t wardgate/gw-test/alerts/active \
    -C 1 -W 3 --retained-only 2>/dev/null
}
has15() { [ "$(active | grep -o '"rule":"fall"' | wc -l)" = 15 ]; }
wait_until 30 has15 || fail "alerts/active lacks alerts: $(active | head -c 300)"
status() {
  timeout 5 mosquitto_sub -p "$UPLINK_PORT" -t wardgate/gw-test/status -C 1 -W 3 \
    --retained-only 2>/dev/null
}
overflowed() { status | grep -q '"outbox_overflow":5'; }
wait_until 10 overflowed || fail "status lacks the overflow: $(status)"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM outbox') = 0 ]" ||
  fail "outbox not drained"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
