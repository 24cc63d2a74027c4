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

# Rule state survives a reload: half a NEWS2 set before, half after, one
# complete score; an open alert stays open.
subscribe hub 'wardgate/gw-test/news2'
write_config "$T/wardgate.json" '' '[{"id":"p-001","devices":["oxi-1"],"thresholds":[{"name":"spo2","below":90,"severity":"high"}]},{"id":"p-009","devices":["oxi-9"]}]'
kill -HUP "$DAEMON_PID"
wait_until 10 sh -c "[ \$(grep -c 'reloaded: 2 patients' '$T/wardgated.log') -ge 2 ]" || fail "no second reload"
pub oxi-1 "[{\"bt\":$(now),\"n\":\"rr\",\"v\":16},{\"n\":\"spo2\",\"v\":85},{\"n\":\"hr\",\"v\":70},{\"n\":\"sbp\",\"v\":120}]"
wait_until 10 sh -c "sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alerts WHERE open=1 AND rule='threshold'\" | grep -qx 1" ||
  fail "threshold alert not raised"
kill -HUP "$DAEMON_PID"
wait_until 10 sh -c "[ \$(grep -c 'reloaded: 2 patients' '$T/wardgated.log') -ge 3 ]" || fail "no third reload"
pub oxi-1 "[{\"bt\":$(now),\"n\":\"acvpu\",\"vs\":\"A\"},{\"n\":\"o2\",\"vb\":false},{\"n\":\"temp\",\"v\":37}]"
wait_until 10 sub_has hub '"patient":"p-001".*"complete":true' ||
  fail "NEWS2 observations lost in the reload: $(cat "$T/hub.sub")"
[ "$(sql "SELECT count(*) FROM alerts WHERE open=1 AND rule='threshold'")" = 1 ] ||
  fail "the open alert did not survive the reload"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
