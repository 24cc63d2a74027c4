#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The audit trail's growth is bounded (DESIGN.md section 7): acks for a
# closed alert, each of which would be a row of alert_events, are
# de-duplicated per (alert, by, outcome) and rate-limited for the gateway,
# so 300 of the same add one row and 300 of different names a burst; and
# alert_events has a retention (audit_retention_days): the old rows of
# closed alerts are deleted, said first in the journal and on the errors
# topic, while an open alert's rows stay whatever their age.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '"audit_retention_days": 365, "status_interval_s": 1,' "$(patients_json 2)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-1".*"state":"raised"' || fail "no alert for p-1"
closed=$(raised_id)
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-2".*"state":"raised"' || fail "no alert for p-2"
open=$(grep '"patient":"p-2"' "$T/hub.sub" | grep -m1 '"state":"raised"' | sed 's/.*"id":"\([^"]*\)".*/\1/')
acks() { mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack -l; }
echo "{\"id\":\"$closed\",\"by\":\"nurse\"}" | acks
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "not acknowledged"
rows() { sql "SELECT count(*) FROM alert_events WHERE alert_id='$closed'"; }
bytes() { sql "SELECT coalesce(sum(length(payload) + length(cause)), 0) FROM alert_events"; }
before=$(rows)
b0=$(bytes)

# 300 of the same ack for the closed alert: one audit row.
for i in $(seq 1 300); do echo "{\"id\":\"$closed\",\"by\":\"late-nurse\",\"outcome\":\"visit\"}"; done | acks
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alert_events WHERE alert_id='$closed'\") -gt $before ]" ||
  fail "the late ack was not audited"
sleep 1
[ "$(($(rows) - before))" = 1 ] || fail "300 identical late acks added $(($(rows) - before)) rows"
# 300 acks under 300 names: at most the burst of 20 rows in all.
for i in $(seq 1 300); do echo "{\"id\":\"$closed\",\"by\":\"n-$i\"}"; done | acks
# Counted in the status (299 repeats, and 281 over the budget at least).
unaudited() {
  [ "$(grep -o '"acks_unaudited":[0-9]*' "$T/hub.sub" | tail -1 | cut -d: -f2)" -ge 580 ]
}
wait_until 10 unaudited || fail "not counted: $(grep -o '"acks_unaudited":[0-9]*' "$T/hub.sub" | tail -1)"
added=$(($(rows) - before))
[ "$added" -ge 2 ] && [ "$added" -le 20 ] || fail "600 late acks added $added rows"
grown=$(($(bytes) - b0))
log "600 late acks: $added audit rows, $grown bytes"
[ "$grown" -lt 60000 ] || fail "the audit trail grew $grown bytes"
daemon_alive || fail "daemon died"
[ "$(sql "SELECT state FROM alerts WHERE id='$open'")" = raised ] || fail "the open alert changed"
stop_daemon TERM

# A year and more later: the closed alert's rows go, the open one's stay.
year=$((400 * 86400))
sql "UPDATE alert_events SET ts = ts - $year; UPDATE alerts SET raised = raised - $year, updated = updated - $year"
open_rows=$(sql "SELECT count(*) FROM alert_events WHERE alert_id='$open'")
start_daemon "$T/wardgate.json"
wait_until 20 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alert_events WHERE alert_id='$closed'\") = 0 ]" ||
  fail "the closed alert's old rows were kept: $(rows)"
[ "$(sql "SELECT count(*) FROM alert_events WHERE alert_id='$open' AND ts < strftime('%s','now') - 300 * 86400")" = "$open_rows" ] ||
  fail "an open alert's rows were deleted"
warned=$(grep -n 'audit rows (alert_events) of closed alerts are older than audit_retention_days (365): deleting them' "$T/wardgated.log" | head -1 | cut -d: -f1)
deleted=$(grep -n 'audit rows deleted' "$T/wardgated.log" | head -1 | cut -d: -f1)
[ -n "$warned" ] && [ -n "$deleted" ] && [ "$warned" -lt "$deleted" ] ||
  fail "no journal warning before the deletion"
wait_until 5 sub_has hub '"source":"alert_events","reason":"[0-9]* audit rows' ||
  fail "no warning on the errors topic: $(grep errors "$T/hub.sub" | tail -3)"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
