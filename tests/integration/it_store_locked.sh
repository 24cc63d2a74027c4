#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A database locked by another process: commits fail, are logged and retried;
# the daemon keeps running and loses nothing it acknowledged.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"
pub oxi-1 '[{"n":"spo2","v":97,"t":-30}]'
wait_until 10 readings_at_least 1 || fail "nothing stored"

# Hold the write lock for 3 seconds while devices publish.
(echo 'BEGIN IMMEDIATE;'; sleep 3; echo 'COMMIT;') | sqlite3 "$T/wardgate.db" &
lockpid=$!
track $lockpid
sleep 0.5
for i in $(seq 1 20); do pub oxi-1 "[{\"n\":\"hr\",\"v\":$((60 + i)),\"t\":-$i}]"; done
wait_until 10 grep -q 'cannot commit' "$T/wardgated.log" || fail "lock not noticed"
wait $lockpid
untrack $lockpid
wait_until 15 readings_at_least 21 || fail "readings lost after the lock: $(count_readings)"
daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
