#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An ack answers what the clinician saw (DESIGN.md section 8, 2026-12-06):
# a NEWS2 alert acknowledged at medium that deteriorates to 7 or more is
# published `updated` as emergency and no longer acknowledged, and
# escalates on the emergency timeout (0.05 min = 3 s here); the audit trail
# says why.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' \
  '[{"id":"p-1","devices":["obs-1"],"escalation":{"ack_timeout_min":{"emergency":0.05,"medium":30}}}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

# rr 26 alone scores a single 3: medium.
pub obs-1 "[{\"bt\":$(now),\"n\":\"rr\",\"v\":26}]"
wait_until 10 sub_has hub '"rule":"news2","severity":"medium","state":"raised"' ||
  fail "no medium NEWS2 alert: $(cat "$T/hub.sub")"
id=$(raised_id)
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-jones\"}"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"acknowledged\"" ||
  fail "ack not published"

# hr 135 (3) and sbp 95 (2): 8, emergency.
pub obs-1 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":135},{\"n\":\"sbp\",\"v\":95}]"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"severity\":\"emergency\",\"state\":\"updated\"" ||
  fail "no update to emergency: $(cat "$T/hub.sub")"
upd=$(grep '"state":"updated"' "$T/hub.sub" | head -n 1)
echo "$upd" | grep -q '"acknowledged":false' || fail "the update still says acknowledged: $upd"
echo "$upd" | grep -q '"escalates_at":' || fail "the update has no escalates_at: $upd"
echo "$upd" | grep -q '"by":' && fail "the update still names who acknowledged: $upd"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"escalated\",\"escalation\":1" ||
  fail "not escalated after the deterioration"
u=$(sql "SELECT ts FROM alert_events WHERE alert_id='$id' AND state='updated'")
e=$(sql "SELECT ts FROM alert_events WHERE alert_id='$id' AND state='escalated' AND escalation=1")
awk -v u="$u" -v e="$e" 'BEGIN { exit !(e - u >= 3.0 && e - u < 8.0) }' ||
  fail "escalated off the emergency timeout: updated $u, escalated $e"
sql "SELECT cause FROM alert_events WHERE alert_id='$id' AND state='updated'" |
  grep -q 'acknowledgement by nurse-jones no longer stands' ||
  fail "audit: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id'")"
sql "SELECT state FROM alert_events WHERE alert_id='$id' ORDER BY id" | tr '\n' ' ' |
  grep -q '^raised acknowledged updated escalated ' ||
  fail "audit trail: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id'")"

# A second ack stops it again.
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"dr-smith\"}"
wait_until 10 sub_has hub "\"state\":\"acknowledged\".*\"by\":\"dr-smith\"" ||
  fail "second ack not published"
n=$(sub_count hub '"state":"escalated"')
sleep 4
[ "$(sub_count hub '"state":"escalated"')" = "$n" ] || fail "escalated after the second ack"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
