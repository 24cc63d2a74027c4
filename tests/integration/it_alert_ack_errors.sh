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
id=$(raised_id)

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

# An outcome not in the list, or a note too long: the ack is refused whole.
ack -m "{\"id\":\"$id\",\"by\":\"nurse\",\"outcome\":\"sent home\"}"
ack -m "{\"id\":\"$id\",\"by\":\"nurse\",\"note\":\"$(printf 'x%.0s' $(seq 1 501))\"}"
wait_until 10 sub_has hub 'note\\" is longer than 500 characters' || fail "long note not reported"
sub_has hub 'outcome\\" must be one of' || fail "bad outcome not reported"
[ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = raised ] || fail "a refused ack changed the alert"

ack -m "{\"id\":\"$id\",\"by\":\"nurse\",\"outcome\":\"advice\",\"note\":\"Daughter to stay tonight\"}"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "good ack ignored"
grep '"state":"acknowledged"' "$T/hub.sub" | grep -q '"by":"nurse","outcome":"advice","note":"Daughter to stay tonight"' ||
  fail "the acknowledged event lacks the outcome: $(grep '"state":"acknowledged"' "$T/hub.sub")"
[ "$(sql "SELECT outcome || '|' || note FROM alert_events WHERE alert_id='$id' AND state='acknowledged'")" = "advice|Daughter to stay tonight" ] ||
  fail "audit: $(sql "SELECT * FROM alert_events WHERE alert_id='$id'")"
# Once more, after it closed: audited with its outcome, not published, not an error.
ack -m "{\"id\":\"$id\",\"by\":\"late-nurse\",\"outcome\":\"visit\"}"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alert_events WHERE cause LIKE '%late-nurse; outcome visit after the alert closed%' AND outcome = 'visit'\") = 1 ]" ||
  fail "late ack not audited with its outcome: $(sql "SELECT cause, outcome FROM alert_events WHERE alert_id='$id'")"
[ "$(sub_count hub '"state":"acknowledged"')" = 1 ] || fail "late ack published"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
