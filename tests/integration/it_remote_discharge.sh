#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A patient discharged by the hub (a configuration version without them):
# their open alerts are closed with the reason "discharged", published as
# cleared, in the audit trail with the version, and escalate no more;
# their readings stay (for retention_days); the other patient's alerts go
# on; the device is no longer theirs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

start_remote
esc=',"escalation":{"ack_timeout_min":{"high":0.05}}'
send_desired "$(signed_desired 1 "$(patients_json 2 "$esc")")"
wait_reported 1 '"version":1,"result":"applied"' || fail "v1 not applied"
pub fall-1 "$(fall_pack)"
pub fall-2 "$(fall_pack)"
wait_until 10 sh -c "grep -c '\"state\":\"raised\"' '$T/hub.sub' | grep -qx 2" || fail "not raised"
id1=$(grep '"patient":"p-1".*"state":"raised"' "$T/hub.sub" | head -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
id2=$(grep '"patient":"p-2".*"state":"raised"' "$T/hub.sub" | head -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
wait_until 10 sub_has hub "\"id\":\"$id2\".*\"state\":\"escalated\"" || fail "p-2 not escalated"

send_desired "$(signed_desired 2 "$(patients_json 1 "$esc")")"
wait_reported 1 '"version":2,"result":"applied".*discharged p-2' ||
  fail "v2 not applied, or does not say who left: $(grep config/reported "$T/hub.sub")"
wait_until 10 sub_has hub "\"id\":\"$id2\".*\"state\":\"cleared\"" || fail "p-2's alert not closed"
grep "\"id\":\"$id2\".*\"state\":\"cleared\"" "$T/hub.sub" |
  grep -q '"summary":"Closed (discharged: patient p-2 is not in configuration version 2)' ||
  fail "the cleared event does not say discharged: $(grep "$id2" "$T/hub.sub" | tail -n 1)"
sql "SELECT cause FROM alert_events WHERE alert_id='$id2' AND state='cleared'" |
  grep -q '^closed: discharged: patient p-2 is not in configuration version 2$' ||
  fail "audit: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id2'")"
[ "$(sql "SELECT open FROM alerts WHERE id='$id2'")" = 0 ] || fail "still open in the store"
[ "$(sql "SELECT count(*) FROM readings WHERE patient_id='p-2'")" -ge 1 ] || fail "p-2's readings went"
# The discharge and the version are one commit: both, or neither.
[ "$(sql "SELECT count(*) FROM config_versions WHERE version=2")" = 1 ] || fail "no row for v2"

n2=$(sub_count hub "\"id\":\"$id2\".*\"state\":\"escalated\"")
n1=$(sub_count hub "\"id\":\"$id1\".*\"state\":\"escalated\"")
sleep 4 # longer than a timeout
[ "$(sub_count hub "\"id\":\"$id2\".*\"state\":\"escalated\"")" = "$n2" ] ||
  fail "the discharged patient's alert escalated"
[ "$(sub_count hub "\"id\":\"$id1\".*\"state\":\"escalated\"")" -gt "$n1" ] ||
  fail "the remaining patient's alert stopped escalating"
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub 'fall-2.*unknown device' || fail "fall-2 still belongs to someone"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
