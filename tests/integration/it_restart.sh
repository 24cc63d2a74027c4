#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nothing acknowledged is lost: readings survive SIGTERM and kill -9; readings
# published while the daemon is down are queued by the broker (persistent
# session) and stored after the restart.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"

"$SIM" -p "$INGEST_PORT" -n 1 -r 500 -c 200 -q
wait_until 20 readings_at_least 430 || fail "first burst: $(count_readings)"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
before=$(count_readings)

# While the daemon is down the broker queues for its session.
"$SIM" -p "$INGEST_PORT" -n 1 -r 500 -c 100 -q
start_daemon "$T/wardgate.json"
wait_until 20 readings_at_least $((before + 200)) ||
  fail "queued readings not stored after restart: $(count_readings), had $before"

# kill -9 in the middle of a burst: whatever was committed stays.
"$SIM" -p "$INGEST_PORT" -n 2 -r 2000 -c 3000 -q &
simpid=$!
track $simpid
wait_until 20 readings_at_least $((before + 400)) || fail "no progress"
stop_daemon KILL
committed=$(count_readings)
wait $simpid || true
untrack $simpid
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "database damaged"
start_daemon "$T/wardgate.json"
sleep 1
after=$(count_readings)
[ "$after" -ge "$committed" ] || fail "lost readings: $committed before, $after after"
# The rest of the burst arrives too, every pack of it: the daemon
# acknowledges a pack to the broker only after committing it, so what kill -9
# interrupted is delivered again.
sent=$((200 + 100 + 3000))
packs() { sql 'SELECT count(DISTINCT device_id||ts) FROM readings'; }
drained() { [ "$(packs)" -ge "$sent" ]; }
wait_until 30 drained || fail "burst not drained: $(packs) of $sent packs"
sleep 0.5
[ "$(packs)" = "$sent" ] || fail "$(packs) packs stored, $sent sent"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok ($committed committed at kill -9, $after after restart)"
