#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fall sensor by class (issue #27), through the brokers: one that sends
# only battery levels is silent after its silent_min (0.05 min = 3 s here)
# at `medium`, its summary saying falls are not being watched, and its
# heartbeat clears it; a sensor chattering 60 falls raises one alert at
# once and no `updated` within the minute, and after the ack a new fall
# raises a new alert at once.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' \
  '[{"id":"p-1","devices":[{"id":"fall-1","keys":["fall","battery"],"silent_min":0.05},
                          {"id":"fall-9","class":"fall_sensor"}]}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

for _ in 1 2 3 4; do
  pub fall-1 "[{\"bt\":$(now),\"n\":\"battery\",\"u\":\"%EL\",\"v\":80}]"
  sleep 1
done
wait_until 10 sub_has hub '"rule":"device_silent","severity":"medium","state":"raised"' ||
  fail "no medium silence for the fall sensor: $(cat "$T/hub.sub")"
grep '"rule":"device_silent"' "$T/hub.sub" | grep -q 'battery level only): falls are not being watched' ||
  fail "summary: $(grep device_silent "$T/hub.sub")"
pub fall-1 "[{\"bt\":$(now),\"n\":\"fall\",\"vb\":false}]"
wait_until 10 sub_has hub '"rule":"device_silent".*"state":"cleared"' ||
  fail "the heartbeat did not clear the silence"

# 60 falls in a burst of packs: one raise, no update within the minute.
bt=$(now)
for i in $(seq 0 59); do
  echo "[{\"bt\":$bt,\"n\":\"fall\",\"vb\":true,\"t\":0.$(printf %02d "$i")}]"
done | mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 -t wardgate/dev/fall-9/senml -l
wait_until 10 sub_has hub '"rule":"fall","severity":"high","state":"raised"' ||
  fail "no fall alert"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM readings WHERE name='fall' AND vb=1\") = 60 ]" ||
  fail "the falls were not all stored"
sleep 2
[ "$(sub_count hub '"rule":"fall"')" = 1 ] ||
  fail "a chattering sensor's falls gave $(sub_count hub '"rule":"fall"') events"
id=$(grep '"rule":"fall"' "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/')
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-jones\"}"
wait_until 10 sub_has hub "\"id\":\"$id\".*\"state\":\"acknowledged\"" || fail "no ack"
pub fall-9 "[{\"bt\":$(now),\"n\":\"fall\",\"vb\":true}]"
wait_until 10 sh -c "grep -c '\"rule\":\"fall\".*\"state\":\"raised\"' '$T/hub.sub' | grep -qx 2" ||
  fail "a fall after the ack raised nothing: $(grep '"rule":"fall"' "$T/hub.sub")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
