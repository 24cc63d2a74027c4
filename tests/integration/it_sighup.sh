#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGHUP reloads the patients without dropping connections; an invalid file
# is refused with its errors logged and the running configuration kept.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json" '' '[{"id":"p-001","devices":["oxi-1"]}]'
start_daemon "$T/wardgate.json"
subscribe errors 'wardgate/gw-test/errors'

pub oxi-9 '[{"n":"spo2","v":97,"t":-1}]'
wait_until 10 sub_has errors '"device":"oxi-9".*unknown device' || fail "oxi-9 not rejected"

write_config "$T/wardgate.json" '' '[{"id":"p-001","devices":["oxi-1"]},{"id":"p-009","devices":["oxi-9"]}]'
kill -HUP "$DAEMON_PID"
wait_until 10 grep -q 'reloaded: 2 patients' "$T/wardgated.log" || fail "no reload"
pub oxi-9 '[{"n":"spo2","v":96,"t":-1}]'
wait_until 10 readings_at_least 1 "WHERE device_id='oxi-9' AND patient_id='p-009'" ||
  fail "oxi-9 not stored after reload"

echo '{ "gateway_id": "gw-test", "patients": [ { "id": 5 } ] }' >"$T/wardgate.json"
kill -HUP "$DAEMON_PID"
wait_until 10 grep -q 'keeping the running configuration' "$T/wardgated.log" ||
  fail "invalid file not refused"
grep -q 'patients\[0\].id: must be a string' "$T/wardgated.log" || fail "errors not logged"
pub oxi-9 '[{"n":"spo2","v":95,"t":-2}]'
wait_until 10 readings_at_least 2 "WHERE device_id='oxi-9'" || fail "old config not kept"

[ "$(grep -c 'connected to' "$T/wardgated.log")" = 2 ] || fail "connections were dropped"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
