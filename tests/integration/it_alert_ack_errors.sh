#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Malformed acks and acks for unknown ids are reported on the errors topic
# and change nothing; the daemon goes on and a good ack still works; an ack
# after the alert closed goes into the audit trail only.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 1)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
id=$(grep -m1 '"state":"raised"' "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/')

ack() { mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack "$@"; }
ack -m 'not json'
ack -m "{\"id\":\"$id\"}"
ack -m "{\"id\":\"$id\",\"by\":\"a\",\"by\":\"b\"}"
ack -m "[\"$id\"]"
ack -n
ack -m '{"id":"gw-test-999999","by":"nurse"}'
wait_until 10 sub_has hub 'unknown alert id gw-test-999999' || fail "unknown id not reported"
for why in 'malformed ack: invalid JSON' 'needs \\"id\\" and \\"by\\"' 'duplicate member name'; do
  sub_has hub "$why" || fail "not reported: $why: $(grep errors "$T/hub.sub")"
done
[ "$(sub_count hub 'wardgate/gw-test/errors .*alerts/ack')" -ge 6 ] || fail "$(grep errors "$T/hub.sub")"
daemon_alive || fail "daemon died"
[ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = raised ] || fail "a bad ack changed the alert"

ack -m "{\"id\":\"$id\",\"by\":\"nurse\"}"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "good ack ignored"
# Once more, after it closed: audited, not published, not an error.
ack -m "{\"id\":\"$id\",\"by\":\"late-nurse\"}"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alert_events WHERE cause LIKE '%late-nurse after the alert closed%'\") = 1 ]" ||
  fail "late ack not audited"
[ "$(sub_count hub '"state":"acknowledged"')" = 1 ] || fail "late ack published"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
