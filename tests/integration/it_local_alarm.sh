#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# local_alarm (DESIGN.md section 8): the hub's broker is down while a
# patient falls. After after_min (0.05 = 3 s) the command runs with the
# alarm on its standard input and the alarm is retained on the home's
# broker (wardgate/gw-test/local/alarm); when the hub's broker is back and
# acknowledges the fall, the command runs again ("cleared") and the
# retained message is removed. Again with a second fall, cleared this time
# by a local ack (wardgatectl). A fall the hub had at once never alarms.
. "$(dirname "$0")/lib.sh"
python3 -c 'import jsonschema' 2>/dev/null || {
  log "skip: python3-jsonschema is missing (tools/deps.sh installs it)"
  exit 77
}

SRC=$(cd "$(dirname "$0")/../.." && pwd)
CTL="$WG_BIN/wardgatectl"
ALOG="$T/alarm.log"
TOPIC=wardgate/gw-test/local/alarm
start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" "\"control_socket\": \"$T/ctl.sock\",
  \"local_alarm\": {\"after_min\": 0.05, \"min_severity\": \"high\",
    \"command\": [\"$SRC/tools/wardgate-alarm\", \"$ALOG\"]}," "$(patients_json 3)"
"$WARDGATED" -c "$T/wardgate.json" --check-config >"$T/check" 2>&1 ||
  fail "--check-config: $(cat "$T/check")"
start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
subscribe home "$TOPIC" "$INGEST_PORT"
ctl() { "$CTL" -c "$T/wardgate.json" "$@"; }
fall_id() { sql "SELECT id FROM alerts WHERE rule = 'fall' AND patient_id = '$1'"; }
raised() { [ -n "$(fall_id "$1")" ]; }
logged() { grep "\"state\":\"$1\"" "$ALOG" 2>/dev/null | grep -q -- "$2"; }
on() { retained "$TOPIC" "$INGEST_PORT" | grep -q "\"id\":\"$1\""; }
off() { [ -z "$(retained "$TOPIC" "$INGEST_PORT")" ]; }
losses() { [ "$(grep -c 'uplink: connection to .* lost' "$T/wardgated.log")" -ge "$1" ]; }

# A fall the hub has at once: no alarm, however long it stays open.
pub fall-1 "$(fall_pack)"
wait_until 10 raised p-1 || fail "fall 1 not raised"
id1=$(fall_id p-1)
wait_until 10 sub_has hub "\"id\":\"$id1\"" || fail "the hub did not get $id1"

# The hub's broker goes: fall 2 waits in the outbox, and after 3 s the
# alarm goes on.
stop_broker UPLINK
kill "$SUB_hub" 2>/dev/null || true
wait_until 10 losses 1 || fail "loss not noticed"
pub fall-2 "$(fall_pack)"
wait_until 10 raised p-2 || fail "fall 2 not raised"
id2=$(fall_id p-2)
wait_until 20 logged alarm "\"id\":\"$id2\"" ||
  fail "the command did not run for $id2: $(cat "$ALOG" 2>/dev/null)"
logged alarm "\"reason\":\"the hub's broker cannot be reached\"" ||
  fail "alarm without its reason: $(cat "$ALOG")"
logged alarm '"summary":"Fall detected by fall-2' ||
  fail "alarm without the alert: $(cat "$ALOG")"
wait_until 10 grep -q "alarm: .*wardgate-alarm exited with status 0" "$T/wardgated.log" ||
  fail "the command's exit status was not logged"
wait_until 10 on "$id2" || fail "no retained alarm of $id2: $(retained "$TOPIC" "$INGEST_PORT")"
# The retained message and each document the command read follow
# docs/schemas/local-alarm.json.
retained "$TOPIC" "$INGEST_PORT" >"$T/retained.json"
python3 "$SRC/tests/schemas.py" local-alarm.json "$T/retained.json" ||
  fail "retained alarm against its schema: $(cat "$T/retained.json")"
ctl status --json | python3 -c 'import json, sys; s = json.load(sys.stdin); assert s["counters"]["local_alarms_on"] == 1, s' ||
  fail "status: local_alarms_on"

# The hub's broker is back: the fall goes through, the alarm goes off.
start_broker UPLINK "$UPLINK_PORT"
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
wait_until 30 logged cleared "\"reason\":\"the hub's broker has it\".*\"id\":\"$id2\"" ||
  fail "the alarm of $id2 was not cleared by the hub's return: $(cat "$ALOG")"
wait_until 10 off || fail "the retained alarm stays: $(retained "$TOPIC" "$INGEST_PORT")"
sub_has home "^$TOPIC .*\"id\":\"$id2\"" || fail "the home's subscriber missed the alarm"

# Down again, fall 3, alarm; acknowledged at the home: off, though the
# hub has not had it.
stop_broker UPLINK
kill "$SUB_hub" 2>/dev/null || true
wait_until 10 losses 2 || fail "second loss not noticed"
pub fall-3 "$(fall_pack)"
wait_until 10 raised p-3 || fail "fall 3 not raised"
id3=$(fall_id p-3)
wait_until 20 logged alarm "\"id\":\"$id3\"" || fail "no alarm for $id3: $(cat "$ALOG")"
wait_until 10 on "$id3" || fail "no retained alarm of $id3"
ctl ack "$id3" --by nurse-home >"$T/ack" 2>&1 || fail "ack: $(cat "$T/ack")"
wait_until 10 logged cleared "\"reason\":\"acknowledged at the home\".*\"id\":\"$id3\"" ||
  fail "the alarm of $id3 was not cleared by the local ack: $(cat "$ALOG")"
wait_until 10 off || fail "the retained alarm stays after the ack"

python3 - "$ALOG" "$SRC/tests" <<'PY' || fail "the command's documents against the schema"
import json, sys
sys.path.insert(0, sys.argv[2])
import schemas
bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    doc = json.loads(line)
    for p in schemas.problems("local-alarm.json", {"gateway": doc["gateway"], "ts": doc["ts"], "alarms": [doc]}):
        print(p)
        bad += 1
sys.exit(1 if bad else 0)
PY
# The fall the hub had at once never alarmed.
if grep -q "\"id\":\"$id1\"" "$ALOG"; then fail "$id1 alarmed: $(cat "$ALOG")"; fi
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok (alarm on with the hub down, off at its return and by a local ack)"
