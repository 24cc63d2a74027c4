#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The box's clock is not synchronised (adjtimex(2) says TIME_ERROR,
# STA_UNSYNC, faked by tests/clocksync.c), as after a power cut on a board
# without a real-time clock: the status says "clock_synchronized":false,
# and once clock_sync_grace_min (0.02 = 1.2 s) has passed the errors topic
# and the journal say so. NTP sets the clock: true, and said. Lost again:
# said, and reported again after the grace. A fall received before the first
# synchronisation is marked "clock_suspect": true; one after, not.
# The technical alert clock_unsynchronized (low) reaches the hub through the
# outbox on each patient's list at the grace, once per spell, and is
# cleared when NTP sets the clock; restored after a restart, it is not
# raised again, and the synchronisation clears it.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
echo unsync >"$T/clock"
write_config "$T/wardgate.json" '"clock_sync_grace_min": 0.02, "status_interval_s": 1,'
subscribe errors 'wardgate/gw-test/errors'
subscribe status 'wardgate/gw-test/status'
subscribe hub 'wardgate/gw-test/alerts'
export WG_CLOCK_STATE="$T/clock"
export LD_PRELOAD="$WG_BIN/tests/clocksync.so"
# Under ASan the sanitizer runtime is not first in the list; that is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
start_daemon "$T/wardgate.json"
unset LD_PRELOAD

reports() { grep -c '"source":"clock"' "$T/errors.sub" || true; }
# The clock_unsynchronized events in state $1 at the hub.
clock_alerts() {
  grep '"rule":"clock_unsynchronized"' "$T/hub.sub" | grep -c "\"state\":\"$1\"" || true
}
clock_alerts_are() { [ "$(clock_alerts "$1")" = "$2" ]; }
wait_until 10 sub_has status '"clock_synchronized":false' ||
  fail "status: $(tail -n 1 "$T/status.sub")"
wait_until 10 sub_has errors '"source":"clock".*has not been synchronised (NTP) for [0-9]* s since the start' ||
  fail "no report on errors: $(cat "$T/errors.sub")"
grep -q 'error: hub: the system clock has not been synchronised' "$T/wardgated.log" ||
  fail "not in the journal"
# Once per spell, not at every reading.
sleep 3
[ "$(reports)" = 1 ] || fail "reported $(reports) times"
wait_until 10 clock_alerts_are raised 2 ||
  fail "no clock_unsynchronized alert on each patient's list: $(cat "$T/hub.sub")"
for p in p-001 p-002; do
  grep '"rule":"clock_unsynchronized"' "$T/hub.sub" | grep '"state":"raised"' |
    grep "\"patient\":\"$p\"" | grep '"severity":"low"' | grep -q '"key":"gw-test"' ||
    fail "no low clock alert for $p keyed by the gateway: $(cat "$T/hub.sub")"
done

# A fall received before the first synchronisation: its events say so.
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-001".*"clock_suspect":true' ||
  fail "the fall is not marked clock_suspect: $(cat "$T/hub.sub")"

echo sync >"$T/clock"
wait_until 10 grep -q 'hub: the system clock is synchronised' "$T/wardgated.log" ||
  fail "the synchronisation was not noticed"
wait_until 10 sub_has status '"clock_synchronized":true' || fail "status stays false"
wait_until 10 clock_alerts_are cleared 2 ||
  fail "the clock alerts were not cleared: $(grep clock_unsynchronized "$T/hub.sub")"
# After it: not marked, and a loss later does not mark again (the times
# were set once; the status and errors say the rest).
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-002"' || fail "fall 2 not published"
! grep '"patient":"p-002"' "$T/hub.sub" | grep '"rule":"fall"' | grep -q clock_suspect ||
  fail "fall 2 marked clock_suspect: $(grep p-002 "$T/hub.sub")"

echo unsync >"$T/clock"
wait_until 10 grep -q 'hub: the system clock is no longer synchronised' "$T/wardgated.log" ||
  fail "the loss was not noticed"
wait_until 10 [ "$(reports)" = 2 ] 2>/dev/null ||
  wait_until 10 sh -c "[ \$(grep -c '\"source\":\"clock\"' '$T/errors.sub') -ge 2 ]" ||
  fail "the second spell was not reported: $(cat "$T/errors.sub")"
grep '"source":"clock"' "$T/errors.sub" | tail -n 1 | grep -vq 'since the start' ||
  fail "the second report says 'since the start'"
wait_until 10 clock_alerts_are raised 4 ||
  fail "the second spell raised no alerts: $(grep clock_unsynchronized "$T/hub.sub")"

# A restart while the clock is still unsynchronised: the open alerts come
# back from the store; at the grace the spell is reported again, but no
# alert is raised twice; NTP then clears them.
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS at the restart"
export LD_PRELOAD="$WG_BIN/tests/clocksync.so"
start_daemon "$T/wardgate.json"
unset LD_PRELOAD
wait_until 10 sh -c "[ \$(grep -c '\"source\":\"clock\"' '$T/errors.sub') -ge 3 ]" ||
  fail "not reported after the restart: $(cat "$T/errors.sub")"
sleep 2 # two more readings of the clock
clock_alerts_are raised 4 ||
  fail "raised again after the restart: $(grep clock_unsynchronized "$T/hub.sub")"
echo sync >"$T/clock"
wait_until 10 clock_alerts_are cleared 4 ||
  fail "the restored clock alerts were not cleared: $(grep clock_unsynchronized "$T/hub.sub")"
python3 -c 'import jsonschema' 2>/dev/null && {
  sed -n 's/^wardgate\/gw-test\/errors //p' "$T/errors.sub" | grep '"clock"' | head -n 1 >"$T/e.json"
  tail -n 1 "$T/status.sub" | sed 's/^wardgate\/gw-test\/status //' >"$T/s.json"
  python3 "$(dirname "$0")/../schemas.py" error.json "$T/e.json" || fail "report against the schema"
  python3 "$(dirname "$0")/../schemas.py" status.json "$T/s.json" || fail "status against the schema"
  python3 "$(dirname "$0")/../schemas.py" hub "$T/hub.sub" >"$T/schema.out" ||
    fail "alert events against the schema: $(cat "$T/schema.out")"
}
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
