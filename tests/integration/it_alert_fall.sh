#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fall published on the ingest broker produces exactly one `raised` event
# on the uplink broker, with the documented fields, in the alerts table and
# the audit trail; a retransmission of the same pack raises nothing more; a
# second fall updates the same alert.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 2)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
subscribe ingestside 'wardgate/gw-test/#' "$INGEST_PORT"

pack=$(fall_pack)
pub fall-1 "$pack"
wait_until 10 sub_has hub '"state":"raised"' || fail "no raised event on the uplink"
pub fall-1 "$pack" # a retransmission: stored once, raises nothing
sleep 1.5
[ "$(sub_count hub '"state":"raised"')" = 1 ] || fail "more than one raised event: $(cat "$T/hub.sub")"
[ "$(sub_count hub 'wardgate/gw-test/alerts ')" = 1 ] || fail "extra events: $(cat "$T/hub.sub")"
[ -s "$T/ingestside.sub" ] && fail "alerts went to the ingest broker"

ev=$(grep -m1 '"state":"raised"' "$T/hub.sub" | cut -d' ' -f2-)
for field in '"id":"gw-test-[0-9]\{6,\}"' '"gateway":"gw-test"' '"patient":"p-1"' \
  '"device":"fall-1"' '"rule":"fall"' '"severity":"high"' '"state":"raised"' \
  '"escalation":0' '"ts":1[0-9.]*' '"raised":1[0-9.]*' \
  '"summary":"Fall detected by fall-1"' '"evidence":\[{"n":"fall","vb":true,"t":1[0-9.]*'; do
  echo "$ev" | grep -q -- "$field" || fail "event lacks $field: $ev"
done
id=$(echo "$ev" | sed 's/.*"id":"\([^"]*\)".*/\1/')
[ "$(sql "SELECT state || ' ' || rule || ' ' || severity || ' ' || open FROM alerts WHERE id='$id'")" = "raised fall high 1" ] ||
  fail "alerts table: $(sql 'SELECT * FROM alerts')"
[ "$(sql "SELECT count(*) FROM alert_events WHERE alert_id='$id' AND state='raised' AND cause LIKE 'raised:%'")" = 1 ] ||
  fail "audit trail: $(sql 'SELECT * FROM alert_events')"
wait_until 5 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM outbox') = 0 ]" ||
  fail "the outbox keeps an acknowledged event"

# A second fall while the first is open: the same id, state updated, its
# repeat coalesced (issue #27, H-F3): one `updated` a minute after the
# alert's last event at most.
pub fall-1 "$(fall_pack)"
wait_until 75 sub_has hub '"state":"updated"' || fail "no update for the second fall"
grep '"state":"updated"' "$T/hub.sub" | grep -q "\"id\":\"$id\".*\"repeats\":1" ||
  fail "the update is not the same alert: $(cat "$T/hub.sub")"
# Another patient's fall is another alert.
pub fall-2 "$(fall_pack)"
wait_until 10 sh -c "grep -c '\"state\":\"raised\"' '$T/hub.sub' | grep -qx 2" || fail "no alert for p-2"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
