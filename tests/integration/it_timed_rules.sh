#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The time-based rules on the loop's timers: a low-intake checkpoint a few
# seconds ahead (spread_min 0: weighed at its second) raises low_intake
# naming the amount and the target, and
# catching up clears it; a missed observation (every_min 0.05) raises and the
# next reading clears it; a silent device (device_silent_h 0.002) likewise,
# cleared by a measurement, not by a battery level; a battery at 15 %
# raises battery_low.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
at=$(date -d "@$(( $(date +%s) + 4 ))" +%H:%M:%S)
case $at in 00:00:0*) sleep 5; at=$(date -d "@$(( $(date +%s) + 4 ))" +%H:%M:%S) ;; esac
patients='[{"id":"p-1","devices":["cup-1","oxi-1"],
  "intake":[{"name":"fluid_intake","daily_target":1.0,"checkpoints":{"'"$at"'":0.5},"spread_min":0}],
  "expect":[{"name":"spo2","every_min":0.05}]}]'
write_config "$T/wardgate.json" '"device_silent_h": 0.002,' "$patients"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub cup-1 "[{\"bt\":$(now),\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":200}]"
wait_until 10 sub_has hub '"rule":"missed_obs","severity":"low","state":"raised"' ||
  fail "missed_obs not raised"
sub_has hub '"summary":"No spo2 reading for' || fail "missed_obs summary"
pub oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"v\":97}]"
wait_until 10 sub_has hub '"rule":"missed_obs".*"state":"cleared"' || fail "missed_obs not cleared"

wait_until 15 sub_has hub '"rule":"low_intake","severity":"medium","state":"raised"' ||
  fail "low_intake not raised at $at"
grep '"rule":"low_intake"' "$T/hub.sub" | grep -q "fluid_intake 0.2 l by ${at%:*}, below 0.5 l (50 % of the daily target of 1 l)" ||
  fail "low_intake summary: $(grep low_intake "$T/hub.sub")"
pub cup-1 "[{\"bt\":$(now),\"n\":\"fluid_intake\",\"u\":\"l\",\"v\":0.35}]"
wait_until 10 sub_has hub '"rule":"low_intake".*"state":"cleared"' || fail "low_intake not cleared"

# device_silent_h 0.002 is 7.2 s.
wait_until 15 sub_has hub '"rule":"device_silent".*"key":"cup-1"' || fail "device_silent not raised"
# A battery level is no measurement (issue #27): battery_low is raised, the
# silence stands; a measurement clears it.
pub cup-1 "[{\"bt\":$(now),\"n\":\"battery\",\"u\":\"%EL\",\"v\":15}]"
wait_until 10 sub_has hub '"rule":"battery_low","severity":"low","state":"raised"' ||
  fail "battery_low not raised"
! sub_has hub '"rule":"device_silent".*"state":"cleared"' ||
  fail "device_silent cleared by a battery level"
pub cup-1 "[{\"bt\":$(now),\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":50}]"
wait_until 10 sub_has hub '"rule":"device_silent".*"state":"cleared".*"key":"cup-1"' ||
  fail "device_silent not cleared"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
