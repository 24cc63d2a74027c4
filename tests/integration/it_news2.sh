#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A complete observation set in one SenML pack yields the right news2
# message and, at 7 or more, an emergency alert; a deteriorating sequence
# updates one alert instead of opening several; recovery clears it.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' '[{"id":"p-1","devices":["obs-1"]},{"id":"p-2","devices":["obs-2"],"news2":{"scale":2}}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

# obs PACK-FIELDS: one pack of the seven parameters.
obs() { # rr spo2 o2 sbp hr acvpu temp
  pub obs-1 "[{\"bn\":\"urn:dev:obs-1:\",\"bt\":$(now),\"n\":\"rr\",\"v\":$1},{\"n\":\"spo2\",\"v\":$2},{\"n\":\"o2\",\"vb\":$3},{\"n\":\"sbp\",\"v\":$4},{\"n\":\"hr\",\"v\":$5},{\"n\":\"acvpu\",\"vs\":\"$6\"},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":$7}]"
}
news2_count() { grep -c 'wardgate/gw-test/news2 ' "$T/hub.sub" || true; }

# rr 25 (3), spo2 95 (1), air (0), sbp 105 (1), hr 115 (2), A (0), 37 (0): 7.
obs 25 95 false 105 115 A 37
wait_until 10 sub_has hub 'wardgate/gw-test/news2 ' || fail "no news2 message"
m=$(grep -m1 'wardgate/gw-test/news2 ' "$T/hub.sub" | cut -d' ' -f2-)
for field in '"patient":"p-1"' '"score":7' '"scale":1' '"complete":true' \
  '"missing":\[\]' '"components":{"rr":3,"spo2":1,"o2":0,"sbp":1,"hr":2,"acvpu":0,"temp":0}' \
  '"band":"high"'; do
  echo "$m" | grep -q -- "$field" || fail "news2 lacks $field: $m"
done
wait_until 10 sub_has hub '"rule":"news2","severity":"emergency","state":"raised"' ||
  fail "no emergency alert: $(grep alerts "$T/hub.sub")"
[ "$(sql "SELECT score || ' ' || complete || ' ' || band FROM scores")" = "7 1 high" ] ||
  fail "scores: $(sql 'SELECT * FROM scores')"
id=$(grep -m1 '"rule":"news2"' "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/')

# The same set again (a new time): the score is the same, nothing published.
obs 25 95 false 105 115 A 37
sleep 1
[ "$(news2_count)" = 1 ] || fail "an unchanged score was published again"
[ "$(sql 'SELECT count(*) FROM scores')" = 1 ] || fail "an unpublished score was stored"

# Changing components, still 7 (spo2 1, sbp 1, hr 2, V 3): updated. Then
# 4 with a single 3 (hr 1, V 3): down to medium, the same alert. Then 19.
obs 18 95 false 105 115 V 37
obs 18 96 false 115 95 V 37
wait_until 10 sh -c "grep -c 'wardgate/gw-test/news2 ' '$T/hub.sub' | grep -qx 3" || fail "no news2 for the changes"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"severity\":\"medium\",\"state\":\"updated\"" ||
  fail "no update to medium: $(grep '"rule":"news2"' "$T/hub.sub")"
obs 26 90 true 85 135 U 39.5   # 3+3+2+3+3+3+2 = 19
wait_until 10 sub_has hub "\"id\":\"$id\".*\"severity\":\"emergency\",\"state\":\"updated\"" ||
  fail "no update back to emergency"
[ "$(sub_count hub 'gw-test/alerts {.*"rule":"news2".*"state":"raised"')" = 1 ] ||
  fail "a second NEWS2 alert was opened: $(grep '"rule":"news2"' "$T/hub.sub")"
sub_has hub '"score":19' || fail "score 19 not published"

# Recovery: 0 on one set, not cleared yet; 0 on the next, cleared (two
# fresh sets in a row below the band, DESIGN.md section 8, 2026-12-06).
obs 16 97 false 120 70 A 37
wait_until 10 sub_has hub '"score":0' || fail "score 0 not published"
sleep 0.5
sub_has hub "\"id\":\"$id\".*\"state\":\"cleared\"" && fail "cleared by one set"
obs 16 97 false 120 70 A 37
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"cleared\"" || fail "not cleared"
[ "$(sql "SELECT open FROM alerts WHERE id='$id'")" = 0 ] || fail "still open"

# An incomplete set on scale 2: scored, marked, the missing keys listed.
pub obs-2 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":135},{\"n\":\"spo2\",\"v\":97}]"
wait_until 10 sub_has hub '"patient":"p-2"' || fail "no news2 for p-2"
grep '"patient":"p-2"' "$T/hub.sub" | grep -q '"score":3,"scale":2,"complete":false,"missing":\["rr","o2","sbp","acvpu","temp"\],"components":{"spo2":0,"hr":3},"band":"low-medium"' ||
  fail "incomplete set: $(grep '"patient":"p-2"' "$T/hub.sub")"
wait_until 10 sub_has hub '"patient":"p-2","device":"obs-2","rule":"news2","severity":"medium"' ||
  fail "a single 3 raises no medium alert"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
