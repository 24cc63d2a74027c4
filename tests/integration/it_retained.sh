#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Retained messages are never new readings (DESIGN.md section 5): a pack the
# home broker kept from before the daemon's subscription is ignored at every
# (re)subscribe, counted and reported; one published retained while the
# daemon is subscribed arrives as a live pack and is stored once, however
# often the daemon restarts. A retained ack on the hub's broker is taken
# when it is new and ignored, with a report, at every reconnect after.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
# Kept by the broker before the daemon ever subscribed: a fall, with its
# time, that must never raise an alert.
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 -r \
  -t wardgate/dev/fall-1/senml -m "$(fall_pack)" || fail "retained publish"
write_config "$T/wardgate.json"
subscribe errors 'wardgate/gw-test/errors'
subscribe hub 'wardgate/gw-test/alerts'
start_daemon "$T/wardgate.json"

# Reported once a run: in the journal (rate-limited with the other
# refusals) and on the errors topic (QoS 0: if the uplink is up by then).
retained_reports() {
  echo $(($(grep -c 'rejected: retained message on' "$T/wardgated.log" || true) +
    $(sub_count errors 'retained message on')))
}
reported() { [ "$(retained_reports)" -gt "$1" ]; }

wait_until 10 reported 0 || fail "the retained pack was not reported"
# errors is QoS 0 (DESIGN.md section 7): a report made before the uplink
# has connected is not sent, and the ingest may connect first; the journal
# has the report either way. Once the uplink was up, the hub must have it.
uplink_up_first() {
  local up rej
  up=$(grep -n 'uplink: connected' "$T/wardgated.log" | head -1 | cut -d: -f1)
  rej=$(grep -n 'rejected: retained message on' "$T/wardgated.log" | head -1 | cut -d: -f1)
  [ -n "$up" ] && [ -n "$rej" ] && [ "$up" -lt "$rej" ]
}
if uplink_up_first; then
  wait_until 10 sub_has errors 'retained message on wardgate/dev/fall-1/senml' ||
    fail "the retained pack was not reported to the hub"
fi
for run in 2 3; do
  stop_daemon TERM
  [ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
  case "$(retained wardgate/gw-test/status)" in
  *'"packs_retained":'[1-9]*) ;;
  *) fail "run $((run - 1)): packs_retained not counted" ;;
  esac
  seen=$(retained_reports)
  start_daemon "$T/wardgate.json"
  wait_until 10 reported "$seen" || fail "run $run: not reported"
done
[ "$(count_readings)" = 0 ] || fail "a retained pack was stored: $(sql 'SELECT device_id, name FROM readings')"
[ "$(sql 'SELECT count(*) FROM alerts')" = 0 ] || fail "a retained fall raised an alert"

# Published retained while the daemon is subscribed: a live pack, stored
# once; the broker's copy, sent again at each restart, is not.
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 -r \
  -t wardgate/dev/oxi-1/senml -m "[{\"bt\":$(now),\"n\":\"spo2\",\"u\":\"%\",\"v\":95}]" ||
  fail "retained publish"
wait_until 10 readings_at_least 1 || fail "the live retained pack was not stored"

# An ack published retained on the hub's broker acknowledges the alert
# once; at the reconnects after it is ignored and reported.
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "no fall alert"
id=$(raised_id)
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 -r \
  -t wardgate/gw-test/alerts/ack -m "{\"id\":\"$id\",\"by\":\"nurse\"}" ||
  fail "retained ack"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "the ack was not taken"

for run in 1 2; do
  stop_daemon TERM
  [ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
  seen=$(retained_reports)
  start_daemon "$T/wardgate.json"
  wait_until 10 reported "$seen" || fail "restart $run: not reported"
  acks_ignored() { [ "$(sub_count errors 'retained ack ignored')" -ge "$1" ]; }
  wait_until 10 acks_ignored "$run" ||
    fail "restart $run: the retained ack was not reported"
done
sleep 0.5 # what the daemon would do with the ack, it has done
[ "$(count_readings "WHERE device_id='oxi-1'")" = 1 ] ||
  fail "the live retained pack was stored $(count_readings "WHERE device_id='oxi-1'") times"
[ "$(sql "SELECT count(*) FROM alert_events WHERE state='acknowledged'")" = 1 ] ||
  fail "the retained ack was applied again"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
status=$(retained wardgate/gw-test/status)
case "$status" in
*'"packs_retained":'[1-9]*) ;;
*) fail "packs_retained not counted: $status" ;;
esac
log "ok"
