#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A back-filled burst sent as many one-reading packs (a phone relaying an
# oximeter's memory, a message a reading): two hours of SpO2 getting worse,
# a reading every two minutes, all below the patient's limit, published at
# once. One threshold alert, raised once, marked late; not an event a
# reading (each one worse than the last would be published at once). A
# group commit takes what one loop iteration read, so a burst split over a
# few commits may add an update each: a handful at most, never sixty
# (DESIGN.md section 8 "Time", issue 26).
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' \
  '[{"id":"p-001","devices":["oxi-1"],"thresholds":[{"name":"spo2","below":90,"severity":"high"}]}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

# The newest a quarter of an hour old: every reading is late for a
# threshold (10 min), whichever the raise quotes (the worst of what the
# first commit took, however the burst was split).
t=$(($(date +%s) - 7200 - 900))
for k in $(seq 0 59); do
  echo "[{\"bt\":$((t + 120 * k)),\"n\":\"spo2\",\"u\":\"%\",\"v\":$((89 - k / 3))}]"
done >"$T/burst"
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 -t wardgate/dev/oxi-1/senml -l <"$T/burst"
wait_until 20 readings_at_least 60 || fail "readings: $(count_readings)"
wait_until 10 sub_has hub '"rule":"threshold".*"state":"raised"' || fail "no alert"
sleep 1.5
[ "$(sql "SELECT count(*) FROM alerts WHERE rule = 'threshold'")" = 1 ] ||
  fail "more than one alert: $(sql 'SELECT id, state FROM alerts')"
[ "$(sub_count hub '"rule":"threshold".*"state":"raised"')" = 1 ] || fail "raised twice"
n=$(sub_count hub '"rule":"threshold"')
[ "$n" -le 6 ] || fail "$n events for one back-filled burst: $(cat "$T/hub.sub")"
# The threshold's raise (SpO2 below 90 also scores 3 in NEWS2, whose own
# alert, anchored on the newest reading, is not late).
grep -m1 '"rule":"threshold".*"state":"raised"' "$T/hub.sub" | grep -q '"late":true' ||
  fail "not marked late: $(grep -m1 '"rule":"threshold".*"state":"raised"' "$T/hub.sub")"
log "$n events for 60 one-reading packs"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
