#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hub broker that keeps the connection but never acknowledges (frozen
# with SIGSTOP): the alerts stay in the outbox, which stays within
# outbox_max, and nothing is lost; once the broker answers again every
# alert reaches the hub and the outbox empties.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '"outbox_max": 10,' "$(patients_json 6)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

kill -STOP "$UPLINK_PID"
for i in $(seq 1 6); do pub "fall-$i" "$(fall_pack)"; done
wait_until 20 readings_at_least 6 "WHERE name='fall'" || fail "falls not stored"
sleep 2 # time for PUBACKs that will not come
[ "$(sql 'SELECT count(*) FROM outbox')" = 6 ] || fail "outbox: $(sql 'SELECT count(*) FROM outbox') rows, want 6"
[ "$(sql 'SELECT count(*) FROM alerts WHERE open = 1')" = 6 ] || fail "open alerts"
daemon_alive || fail "the daemon died while the hub stalled"

kill -CONT "$UPLINK_PID"
wait_until 40 sh -c "[ \$(grep -c '\"state\":\"raised\"' '$T/hub.sub') -ge 6 ]" ||
  fail "the hub got $(sub_count hub '"state":"raised"') of 6 alerts"
wait_until 20 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM outbox') = 0 ]" ||
  fail "outbox not drained: $(sql 'SELECT count(*) FROM outbox')"
for i in $(seq 1 6); do
  sub_has hub "\"patient\":\"p-$i\"" || fail "no alert for p-$i"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
