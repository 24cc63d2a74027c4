#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# After local midnight the day's escalation log is published, retained, on
# log/daily through the outbox, with each alert's story: here a fall
# acknowledged with an outcome. The box's time zone is set so that
# midnight comes a few seconds into the test.
. "$(dirname "$0")/lib.sh"

# A POSIX zone "WGT" whose local time is now 23:59:54.
utc=$(($(date -u +%s) % 86400))
off=$(((utc - 86394 + 86400) % 86400))
[ "$off" -lt 43200 ] || off=$((off - 86400))
sign=+ abs=$off
[ "$off" -ge 0 ] || sign=- abs=$((-off))
export TZ
TZ=$(printf 'WGT%s%02d:%02d:%02d' "$sign" $((abs / 3600)) $((abs / 60 % 60)) $((abs % 60)))
day=$(date +%Y-%m-%d)
log "TZ=$TZ: local time $(date +%H:%M:%S), the day $day"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 1)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
id=$(raised_id)
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-jones\",\"outcome\":\"visit\"}"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "not acknowledged"
[ "$(date +%Y-%m-%d)" = "$day" ] || fail "midnight came before the ack: the machine is too slow"

wait_until 20 sub_has hub 'wardgate/gw-test/log/daily ' || fail "no daily log after midnight"
msg=$(grep -m1 'wardgate/gw-test/log/daily ' "$T/hub.sub" | cut -d' ' -f2-)
echo "$msg" | grep -q "\"gateway\":\"gw-test\",\"day\":\"$day\"" || fail "log of the wrong day: $msg"
echo "$msg" | grep -q "\"id\":\"$id\",\"patient\":\"p-1\",\"rule\":\"fall\"" || fail "the fall is missing: $msg"
echo "$msg" | grep -q '"acknowledged_by":"nurse-jones"' || fail "who acknowledged is missing: $msg"
echo "$msg" | grep -q '"response":"met"' || fail "the response is not met: $msg"
echo "$msg" | grep -q '"outcome":"visit"' || fail "the outcome is missing: $msg"
retained wardgate/gw-test/log/daily | grep -q "\"day\":\"$day\"" || fail "the log is not retained"
[ "$(sub_count hub 'wardgate/gw-test/log/daily ')" = 1 ] || fail "published more than once"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
