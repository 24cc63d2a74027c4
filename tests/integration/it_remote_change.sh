#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A configuration version from the hub that changes a patient's threshold
# and prescribes SpO2 scale 2 (hypercapnic COPD): the next reading is
# judged by the new threshold, and the next NEWS2 is on scale 2, while the
# patient's rule state (the readings of the window) carries over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

news2() {
  pub obs-1 "[{\"bt\":$(now),\"n\":\"rr\",\"v\":16},{\"n\":\"spo2\",\"v\":$1},{\"n\":\"o2\",\"vb\":false},{\"n\":\"sbp\",\"v\":120},{\"n\":\"hr\",\"v\":70},{\"n\":\"acvpu\",\"vs\":\"A\"},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":37}]"
}
start_remote
v1='[{"id":"p-1","devices":["obs-1","oxi-1"],"thresholds":[{"name":"hr","above":140,"severity":"high"}]}]'
send_desired "$(signed_desired 1 "$v1")"
wait_reported 1 '"version":1,"result":"applied"' || fail "v1 not applied"

pub oxi-1 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":130}]"
news2 89 # scale 1: SpO2 88-89 scores 3, a single 3: medium
wait_until 10 sub_has hub '"scale":1' || fail "no NEWS2 on scale 1"
grep 'wardgate/gw-test/news2 ' "$T/hub.sub" | tail -n 1 | grep -q '"spo2":3' ||
  fail "SpO2 89 does not score 3 on scale 1: $(grep 'gw-test/news2 ' "$T/hub.sub")"
sub_has hub '"rule":"threshold"' && fail "hr 130 alerted under a limit of 140"

v2='[{"id":"p-1","devices":["obs-1","oxi-1"],"news2":{"scale":2},"thresholds":[{"name":"hr","above":120,"severity":"high"}]}]'
send_desired "$(signed_desired 2 "$v2")"
wait_reported 1 '"version":2,"result":"applied"' || fail "v2 not applied"
"$CTL" -c "$T/wardgate.json" config diff 1 2 >"$T/diff.out" || fail "config diff"
grep -q '^~ p-1 thresholds: .*"above":140.* -> .*"above":120' "$T/diff.out" || fail "diff: $(cat "$T/diff.out")"
grep -q '^~ p-1 news2: (none) -> {"scale":2}' "$T/diff.out" || fail "diff: $(cat "$T/diff.out")"

pub oxi-1 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":130}]"
wait_until 10 sub_has hub '"rule":"threshold".*"state":"raised"' ||
  fail "the next reading was not judged by the new limit"
grep '"rule":"threshold"' "$T/hub.sub" | grep -q 'above the limit of 120' || fail "not the new limit"
news2 89 # scale 2 off oxygen: 88-92 scores 0
wait_until 10 sub_has hub '"scale":2' || fail "the next NEWS2 is not on scale 2"
grep 'wardgate/gw-test/news2 ' "$T/hub.sub" | grep '"scale":2' | tail -n 1 |
  grep -q '"spo2":0' || fail "SpO2 89 scores on scale 2: $(grep 'gw-test/news2 ' "$T/hub.sub")"
[ "$(sql 'SELECT scale FROM scores ORDER BY id DESC LIMIT 1')" = 2 ] || fail "the stored score is not on scale 2"

# An open threshold alert is not left with no rule to clear it: removed,
# it closes at once; its limit changed, the next reading closes it and is
# judged by the new limit.
id=$(grep '"rule":"threshold".*"state":"raised"' "$T/hub.sub" | head -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
send_desired "$(signed_desired 3 '[{"id":"p-1","devices":["obs-1","oxi-1"],"news2":{"scale":2}}]')"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"cleared\"" || fail "a removed threshold's alert stays open"
grep "\"id\":\"$id\".*\"state\":\"cleared\"" "$T/hub.sub" |
  grep -q '"summary":"Closed (threshold hr>120 of patient p-1 no longer in configuration version 3)' ||
  fail "not said why: $(grep "\"id\":\"$id\"" "$T/hub.sub" | tail -n 1)"
send_desired "$(signed_desired 4 "$v2")"
wait_reported 1 '"version":4,"result":"applied"' || fail "v4 not applied"
pub oxi-1 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":130}]"
wait_until 10 sh -c "[ \$(grep '^wardgate/gw-test/alerts {' '$T/hub.sub' | grep -c '\"rule\":\"threshold\".*\"state\":\"raised\"') -ge 2 ]" ||
  fail "not raised again"
id=$(grep '^wardgate/gw-test/alerts {' "$T/hub.sub" | grep '"rule":"threshold".*"state":"raised"' | tail -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
send_desired "$(signed_desired 5 '[{"id":"p-1","devices":["obs-1","oxi-1"],"news2":{"scale":2},"thresholds":[{"name":"hr","above":140,"severity":"high"}]}]')"
wait_reported 1 '"version":5,"result":"applied"' || fail "v5 not applied"
sleep 0.5
sub_has hub "\"id\":\"$id\".*\"state\":\"cleared\"" && fail "closed before the next reading"
pub oxi-1 "[{\"bt\":$(now),\"n\":\"hr\",\"v\":131}]"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"cleared\"" || fail "the next reading did not close it"
grep "\"id\":\"$id\".*\"state\":\"cleared\"" "$T/hub.sub" |
  grep -q 'Closed (threshold hr>120 replaced by hr>140 in configuration version 5; the next reading, hr 131, is judged by the new limit)' ||
  fail "not said why: $(grep "\"id\":\"$id\"" "$T/hub.sub" | tail -n 1)"
[ "$(grep '^wardgate/gw-test/alerts {' "$T/hub.sub" | grep -c '"rule":"threshold".*"state":"raised"')" = 2 ] ||
  fail "hr 131 raised under a limit of 140"
[ "$(sql "SELECT count(*) FROM alerts WHERE rule='threshold' AND open=1")" = 0 ] || fail "a threshold alert left open"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
