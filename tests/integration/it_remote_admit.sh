#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Patients configured from the hub (remote_config, DESIGN.md section 7): a
# signed desired configuration that admits a patient is applied, stored in
# config_versions, answered "applied" on the retained config/reported and
# carried by the status; the new patient's fall then alerts. Before it, the
# same fall was refused as from an unknown device.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

start_remote
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub 'fall-2.*unknown device' || fail "fall-2 was not unknown before"
sub_has hub '"state":"raised"' && fail "an alert before the admission"

send_desired "$(signed_desired 1 '[{"id":"p-1","devices":["fall-1"]},{"id":"p-2","devices":["fall-2"],"news2":{"scale":2}}]')"
wait_reported 1 '"result":"applied"' || fail "not applied: $(grep config/reported "$T/hub.sub")"
grep "^$REPORTED_TOPIC " "$T/hub.sub" | grep -q '"version":1,.*admitted p-2' ||
  fail "the report does not say who was admitted: $(grep config/reported "$T/hub.sub")"
[ "$(sql 'SELECT version, by FROM config_versions')" = "1|dr-khan" ] ||
  fail "config_versions: $(sql 'SELECT version, by FROM config_versions')"
sql 'SELECT document FROM config_versions' | grep -q '"sig":' || fail "the document is not stored whole"
wait_until 10 sub_has hub '"config_version":1' || fail "the status does not carry the version"
retained "$REPORTED_TOPIC" | grep -q '"result":"applied"' || fail "config/reported is not retained"

pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-2".*"state":"raised"' || fail "the new patient's fall did not alert"
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-1".*"state":"raised"' || fail "p-1's fall did not alert"

# wardgatectl: the patients in effect and the history.
"$CTL" -c "$T/wardgate.json" config >"$T/ctl.out" || fail "wardgatectl config"
grep -q '^configuration version 1, applied .*, by dr-khan' "$T/ctl.out" || fail "config: $(cat "$T/ctl.out")"
grep -q '^  p-2  devices: fall-2  NEWS2 scale 2' "$T/ctl.out" || fail "config: $(cat "$T/ctl.out")"
"$CTL" -c "$T/wardgate.json" config history | grep -q '^1 .* dr-khan$' || fail "config history"
"$CTL" -c "$T/wardgate.json" config --json | grep -q '"version":1,' || fail "config --json"
"$CTL" -c "$T/wardgate.json" status | grep -q "^patients  from the hub's configuration version 1$" ||
  fail "status: $("$CTL" -c "$T/wardgate.json" status)"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
# Every message, the hub's desired document too, against its schema.
python3 "$(dirname "$0")/../schemas.py" hub "$T/hub.sub" >"$T/check.out" ||
  fail "messages refused: $(cat "$T/check.out")"
grep "^topics:" "$T/check.out" | grep -q ' config/desired=1 config/reported=1 ' ||
  fail "the config topics were not checked: $(cat "$T/check.out")"
log "ok"
