#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An unacknowledged alert is escalated at its severity's ack_timeout_min
# (0.05 min = 3 s here), again and again; an ack on alerts/ack stops it and
# is published as state acknowledged; the audit trail has every step.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' \
  "$(patients_json 1 ',"escalation":{"ack_timeout_min":{"high":0.05}}')"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
id=$(raised_id)
wait_until 10 sub_has hub '"state":"escalated","escalation":1' || fail "not escalated"
wait_until 10 sub_has hub '"state":"escalated","escalation":2' || fail "not escalated again"
r=$(sql "SELECT ts FROM alert_events WHERE alert_id='$id' AND state='raised'")
e1=$(sql "SELECT ts FROM alert_events WHERE alert_id='$id' AND state='escalated' AND escalation=1")
awk -v r="$r" -v e="$e1" 'BEGIN { exit !(e - r >= 3.0) }' ||
  fail "escalated before the timeout: raised $r, escalated $e1"

mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-jones\"}"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"acknowledged\"" || fail "ack not published"
grep '"state":"acknowledged"' "$T/hub.sub" | grep -q '"by":"nurse-jones"' || fail "ack lacks by"
n=$(sub_count hub '"state":"escalated"')
sleep 4 # longer than a timeout: no more escalations
[ "$(sub_count hub '"state":"escalated"')" = "$n" ] || fail "escalated after the ack"
[ "$(sql "SELECT open FROM alerts WHERE id='$id'")" = 0 ] || fail "the fall alert stays open after the ack"
sql "SELECT state FROM alert_events WHERE alert_id='$id' ORDER BY id" | tr '\n' ' ' |
  grep -q '^raised escalated escalated \(escalated \)*acknowledged $' ||
  fail "audit trail: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id'")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
