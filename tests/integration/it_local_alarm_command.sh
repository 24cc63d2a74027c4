#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# local_alarm's command misbehaving never holds the daemon up: one that
# fails has its exit status logged; one that hangs is killed after 10 s,
# said; one that can no longer be run (its execute bit gone since the
# configuration was checked) is logged, and the alarm is still published
# on the home's broker. The daemon goes on, and stops cleanly while one
# still runs.
. "$(dirname "$0")/lib.sh"

TOPIC=wardgate/gw-test/local/alarm
cat >"$T/alarm" <<SH
#!/bin/bash
cat >/dev/null
case "\$(cat "$T/mode")" in
fail) exit 3 ;;
hang) exec -a "$T/hang" sleep 60 ;;
esac
SH
chmod 755 "$T/alarm"
echo fail >"$T/mode"
start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" "\"local_alarm\": {\"after_min\": 0.02,
  \"min_severity\": \"high\", \"command\": [\"$T/alarm\"]}," "$(patients_json 4)"
start_daemon "$T/wardgate.json"
stop_broker UPLINK
wait_until 10 grep -q 'uplink: connection to .* lost' "$T/wardgated.log" || fail "loss not noticed"

pub fall-1 "$(fall_pack)"
wait_until 20 grep -q "alarm: $T/alarm exited with status 3" "$T/wardgated.log" ||
  fail "the failing command's status was not logged"

echo hang >"$T/mode"
pub fall-2 "$(fall_pack)"
wait_until 30 grep -q "alarm: $T/alarm still runs after 10 s: killed" "$T/wardgated.log" ||
  fail "the hanging command was not killed"
wait_until 10 grep -q "alarm: $T/alarm ended by signal 9" "$T/wardgated.log" ||
  fail "the killed command's end was not logged"

chmod 644 "$T/alarm"
pub fall-3 "$(fall_pack)"
wait_until 20 grep -q "alarm: cannot run $T/alarm" "$T/wardgated.log" ||
  fail "the command that cannot run was not logged"
three() { [ "$(retained "$TOPIC" "$INGEST_PORT" | grep -o '"state":"alarm"' | wc -l)" = 3 ]; }
wait_until 10 three || fail "the home's topic lacks an alarm: $(retained "$TOPIC" "$INGEST_PORT")"
daemon_alive || fail "the daemon died"
pub fall-1 "$(fall_pack)"
wait_until 10 readings_at_least 4 || fail "readings not stored meanwhile: $(count_readings)"
# A command still running at the stop is ended with it.
chmod 755 "$T/alarm"
echo hang >"$T/mode"
pub fall-4 "$(fall_pack)"
four() { [ "$(grep -c 'local alarm on' "$T/wardgated.log")" -ge 4 ]; }
wait_until 20 four || fail "no fourth alarm"
sleep 0.5
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
gone() { ! pgrep -f "^$T/hang" >/dev/null; }
wait_until 5 gone || fail "the command outlived the daemon"
log "ok"
