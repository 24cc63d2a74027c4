#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A second SIGTERM or SIGINT while the daemon is stopping (a Ctrl-C that
# reaches both a script and the daemon, an impatient operator) does not
# kill it: the stop goes on, what it holds is committed, and it exits 0.
# The stop is kept busy by the hub's broker, frozen with SIGSTOP: the
# connection stays up and the offline status is never acknowledged, which
# the daemon waits for up to its stop timeout.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 1)"
start_daemon "$T/wardgate.json"
pub fall-1 "$(fall_pack)"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM readings') -ge 1 ]" ||
  fail "the reading is not stored"
kill -STOP "$UPLINK_PID"

kill -TERM "$DAEMON_PID" 2>/dev/null || true
sleep 0.5
daemon_alive || fail "stopped before the second signal: the test proves nothing"
kill -INT "$DAEMON_PID" 2>/dev/null || true
sleep 0.2
kill -TERM "$DAEMON_PID" 2>/dev/null || true
DAEMON_STATUS=0
wait "$DAEMON_PID" || DAEMON_STATUS=$?
untrack "$DAEMON_PID"
kill -CONT "$UPLINK_PID"
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS after a second signal"
grep -q 'already stopping' "$T/wardgated.log" || fail "the second signal was not noticed"
[ "$(sql 'SELECT count(*) FROM readings')" -ge 1 ] || fail "the reading was lost"
log "ok"
