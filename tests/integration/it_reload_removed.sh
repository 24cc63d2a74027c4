#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A patient removed by a reload (SIGHUP): each of their open alerts is
# closed with the reason (DESIGN.md section 8, 2026-12-06), published as
# `cleared`, written to the audit trail and the journal, and escalates no
# more; the alerts of a patient who stays go on.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
esc=',"escalation":{"ack_timeout_min":{"high":0.05}}'
write_config "$T/wardgate.json" '' "$(patients_json 2 "$esc")"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
pub fall-2 "$(fall_pack)"
wait_until 10 sh -c "grep -c '\"state\":\"raised\"' '$T/hub.sub' | grep -qx 2" || fail "not raised"
id2=$(grep '"patient":"p-2".*"state":"raised"' "$T/hub.sub" | head -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
id1=$(grep '"patient":"p-1".*"state":"raised"' "$T/hub.sub" | head -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
wait_until 10 sub_has hub "\"id\":\"$id2\".*\"state\":\"escalated\"" || fail "p-2 not escalated"

write_config "$T/wardgate.json" '' "[{\"id\":\"p-1\",\"devices\":[\"fall-1\"]$esc}]"
kill -HUP "$DAEMON_PID"
wait_until 10 grep -q 'reloaded: 1 patients' "$T/wardgated.log" || fail "no reload"
wait_until 10 sub_has hub "\"id\":\"$id2\".*\"state\":\"cleared\"" ||
  fail "p-2's alert not closed: $(grep "$id2" "$T/hub.sub")"
grep "\"id\":\"$id2\".*\"state\":\"cleared\"" "$T/hub.sub" |
  grep -q '"summary":"Closed (patient p-2 removed from the configuration)' ||
  fail "the cleared event does not say why: $(grep "$id2" "$T/hub.sub")"
grep -q "patient p-2 removed from the configuration; alert $id2 (fall, high, not acknowledged) closed" \
  "$T/wardgated.log" || fail "not in the journal"
sql "SELECT cause FROM alert_events WHERE alert_id='$id2' AND state='cleared'" |
  grep -q '^closed: patient p-2 removed from the configuration$' ||
  fail "audit: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id2'")"
[ "$(sql "SELECT open FROM alerts WHERE id='$id2'")" = 0 ] || fail "still open in the store"

n2=$(sub_count hub "\"id\":\"$id2\".*\"state\":\"escalated\"")
n1=$(sub_count hub "\"id\":\"$id1\".*\"state\":\"escalated\"")
sleep 4 # longer than a timeout
[ "$(sub_count hub "\"id\":\"$id2\".*\"state\":\"escalated\"")" = "$n2" ] ||
  fail "the removed patient's alert escalated after the reload"
[ "$(sub_count hub "\"id\":\"$id1\".*\"state\":\"escalated\"")" -gt "$n1" ] ||
  fail "the remaining patient's alert stopped escalating"
[ "$(sql "SELECT open FROM alerts WHERE id='$id1'")" = 1 ] || fail "p-1's alert closed"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
