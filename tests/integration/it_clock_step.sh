#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The box's wall clock is set back an hour while an alert waits to be
# escalated (libfaketime, the monotonic clock left alone): the escalation
# still comes on time, not an hour late, and the step is logged.
. "$(dirname "$0")/lib.sh"

# Wherever the package put it for this machine's architecture.
lib=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketime\.so\.1$' || true)
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
  echo "it_clock_step: skipped: libfaketime is not installed (faketime)"
  exit 77
fi

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' \
  "$(patients_json 1 ',"escalation":{"ack_timeout_min":{"high":0.1}}')"
echo "+0" >"$T/faketime.rc"
export FAKETIME_TIMESTAMP_FILE="$T/faketime.rc" FAKETIME_NO_CACHE=1
export FAKETIME_DONT_FAKE_MONOTONIC=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
LD_PRELOAD=$lib start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
echo "-3600" >"$T/faketime.rc" # the box's clock, an hour back
wait_until 20 sub_has hub '"state":"escalated"' ||
  fail "not escalated within 20 s of a 6 s timeout: held back by the step"
grep -q 'the wall clock stepped by -36' "$T/wardgated.log" || fail "the step is not logged"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
