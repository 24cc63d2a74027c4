#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A restart with the hub's broker down applies the last accepted version
# from the store (config_versions), not the file's patients: the patient
# the hub admitted is watched at once, and their fall waits in the outbox
# for the hub. When the hub is back, its retained v1 is "unchanged".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

start_remote
send_desired "$(signed_desired 1 '[{"id":"p-2","devices":["fall-2"]}]')"
wait_reported 1 '"version":1,"result":"applied".*admitted p-2; discharged p-1' ||
  fail "v1 not applied: $(grep config/reported "$T/hub.sub")"
stop_daemon TERM
stop_broker UPLINK

"$WARDGATED" -c "$T/wardgate.json" --log-level debug >>"$T/wardgated.log" 2>&1 &
DAEMON_PID=$!
track "$DAEMON_PID"
wait_until 20 sh -c "[ \$(grep -c 'ingest: connected to' '$T/wardgated.log') -ge 2 ]" ||
  fail "the ingest did not connect"
grep -q 'patients of configuration version 1 (stored): 1 patients' "$T/wardgated.log" ||
  fail "the stored version not applied"
grep 'core: gateway gw-test started' "$T/wardgated.log" | tail -n 1 | grep -q ' 1 patients, 1 devices' ||
  fail "started with the file's patients"
pub fall-2 "$(fall_pack)"
wait_until 10 sh -c "[ \"\$(sqlite3 '$T/wardgate.db' \"SELECT patient_id FROM alerts WHERE open=1\")\" = p-2 ]" ||
  fail "p-2's fall did not alert with the hub down"
pub fall-1 "$(fall_pack)"
sleep 1
[ "$(sql "SELECT count(*) FROM alerts WHERE patient_id='p-1'")" = 0 ] || fail "the file's p-1 is back"

start_broker UPLINK "$UPLINK_PORT"
subscribe hub2 'wardgate/gw-test/#' "$UPLINK_PORT"
wait_until 20 sub_has hub2 '"patient":"p-2".*"state":"raised"' || fail "the alert did not reach the hub"
wait_until 20 sub_has hub2 '"version":1,"result":"unchanged"' || fail "v1 not unchanged"
grep 'wardgate/gw-test/status ' "$T/hub2.sub" | tail -n 1 | grep -q '"config_version":1' ||
  wait_until 5 sh -c "grep 'wardgate/gw-test/status ' '$T/hub2.sub' | tail -n 1 | grep -q '\"config_version\":1'" ||
  fail "status: $(grep status "$T/hub2.sub" | tail -n 1)"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
