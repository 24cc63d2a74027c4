#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One deterioration, one alert to act on (issue #27), through the brokers:
# one SpO2 of 85 raises the patient's `high` threshold and a NEWS2 single 3
# (`medium`); both raised events name each other in "related"; only the
# threshold (more urgent, 0.05 min = 3 s here) escalates, for both; one ack
# of the NEWS2 alert from the hub answers both, and the audit says so.
# Then the 1-4 tier: a pulse of 95 alone raises a `low` NEWS2 prompt.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' \
  '[{"id":"p-1","devices":["oxi-1"],"news2":{},"expect":[],
     "thresholds":[{"name":"spo2","below":90,"severity":"high"}],
     "escalation":{"ack_timeout_min":{"high":0.05,"medium":0.2}}},
    {"id":"p-2","devices":["oxi-2"]}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"v\":85}]"
wait_until 10 sub_has hub '"rule":"news2","severity":"medium","state":"raised"' ||
  fail "no NEWS2 alert: $(cat "$T/hub.sub")"
th=$(grep '"rule":"threshold"' "$T/hub.sub" | grep '"state":"raised"' | head -n 1 |
  sed 's/.*"id":"\([^"]*\)".*/\1/')
n2=$(grep '"rule":"news2"' "$T/hub.sub" | grep '"state":"raised"' | head -n 1 |
  sed 's/.*"id":"\([^"]*\)".*/\1/')
[ -n "$th" ] && [ -n "$n2" ] || fail "raised: $(cat "$T/hub.sub")"
grep "\"id\":\"$th\".*\"state\":\"raised\"" "$T/hub.sub" | grep -q "\"related\":\"$n2\"" ||
  fail "the threshold's raise does not name $n2: $(cat "$T/hub.sub")"
grep "\"id\":\"$n2\".*\"state\":\"raised\"" "$T/hub.sub" | grep -q "\"related\":\"$th\"" ||
  fail "the NEWS2 raise does not name $th: $(cat "$T/hub.sub")"

# The threshold escalates at 3 s, for both; the NEWS2 alert (12 s) waits.
wait_until 10 sub_has hub "\"id\":\"$th\".*\"state\":\"escalated\"" ||
  fail "the threshold did not escalate"
sql "SELECT cause FROM alert_events WHERE alert_id='$th' AND state='escalated'" |
  grep -q "for $n2 too" || fail "escalation cause: $(sql "SELECT cause FROM alert_events WHERE alert_id='$th'")"
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$n2\",\"by\":\"nurse-jones\",\"outcome\":\"visit\"}"
wait_until 10 sub_has hub "\"id\":\"$th\".*\"state\":\"acknowledged\"" ||
  fail "the ack of $n2 did not answer $th: $(cat "$T/hub.sub")"
sql "SELECT cause FROM alert_events WHERE alert_id='$th' AND state='acknowledged'" |
  grep -q "with $n2 (one deterioration)" || fail "audit of the linked ack"
[ "$(sub_count hub "\"id\":\"$n2\".*\"state\":\"escalated\"")" = 0 ] ||
  fail "the NEWS2 alert escalated beside its threshold"
n=$(sub_count hub '"state":"escalated"')
sleep 4
[ "$(sub_count hub '"state":"escalated"')" = "$n" ] || fail "escalated after the ack"

# The 1-4 tier: a pulse of 95 scores 1, a low prompt for an assessment.
pub oxi-2 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":95}]"
wait_until 10 sub_has hub '"patient":"p-2".*"rule":"news2","severity":"low","state":"raised"' ||
  fail "no low NEWS2 prompt at 1: $(grep p-2 "$T/hub.sub")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
