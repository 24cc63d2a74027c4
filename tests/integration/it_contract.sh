#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The contract, checked against what the daemon really publishes: a run
# that produces every message to the hub (status online and the offline
# will, alert events in every state and both kinds of ack, alerts/active,
# news2 and news2/latest, errors for a pack and for an ack, the FHIR
# export's bundles) and the daily log, each
# validated against its JSON Schema in docs/schemas; the packs and acks the
# test sends too. A field the daemon adds without its schema fails here
# (the schemas are closed), and the check shows it would.
. "$(dirname "$0")/lib.sh"

SCHEMAS="python3 $(dirname "$0")/../schemas.py"
python3 -c 'import jsonschema' 2>/dev/null || {
  log "skip: python3-jsonschema is missing (tools/deps.sh installs it)"
  exit 77
}
$SCHEMAS check || fail "a schema is not valid"

start_broker INGEST
start_broker UPLINK
UPLINK_FHIR='{"enabled": true, "patient_system": "https://fhir.example.org/Id/patient"}'
write_config "$T/wardgate.json" "\"control_socket\": \"$T/ctl.sock\"," \
  '[{"id":"p-001","devices":["oxi-1","bp-1","temp-1","obs-1","fall-1"],
     "thresholds":[{"name":"spo2","below":92,"severity":"high"}],
     "escalation":{"ack_timeout_min":{"high":0.05}}}]'
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"
start_daemon "$T/wardgate.json"

# What the test sends is checked too.
mkdir "$T/sent"
n=0
send() { # DEVICE PACK
  n=$((n + 1))
  printf '%s' "$2" >"$T/sent/pack-$n.json"
  pub "$1" "$2"
}
ack() { # JSON
  n=$((n + 1))
  printf '%s' "$1" >"$T/sent/ack-$n.json"
  mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack -m "$1"
}
state_seen() { sub_has hub "\"rule\":\"$1\".*\"state\":\"$2\""; }

# A complete NEWS2, then SpO2 below its limit, worse, escalated, acked by
# the hub with an outcome and a note, and back to normal.
send obs-1 '[{"bn":"obs-1:","n":"rr","u":"1/min","v":16},{"n":"acvpu","vs":"A"},{"n":"o2","vb":false}]'
send bp-1 '[{"n":"sbp","u":"mmHg","v":124},{"n":"dbp","u":"mmHg","v":80}]'
send temp-1 '[{"n":"temp","u":"Cel","v":37.1},{"n":"battery","u":"%EL","v":80}]'
send oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"u\":\"%\",\"v\":97},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":72}]"
wait_until 10 sub_has hub '"complete":true' || fail "no complete NEWS2"
send oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"u\":\"%\",\"v\":90}]"
wait_until 10 state_seen threshold raised || fail "threshold not raised"
sleep 0.2
send oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"u\":\"%\",\"v\":88}]"
wait_until 10 state_seen threshold updated || fail "threshold not updated"
wait_until 10 state_seen threshold escalated || fail "threshold not escalated"
id=$(sql "SELECT id FROM alerts WHERE rule = 'threshold'")
ack "{\"id\":\"$id\",\"by\":\"dr-khan\",\"outcome\":\"visit\",\"note\":\"Community nurse to visit at 16:00\"}"
wait_until 10 state_seen threshold acknowledged || fail "threshold not acknowledged"
for i in 1 2; do
  send oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]"
  sleep 0.2
done
wait_until 10 state_seen threshold cleared || fail "threshold not cleared"

# A fall, acknowledged at the home; a bad pack and a bad ack.
send fall-1 "$(fall_pack)"
wait_until 10 state_seen fall raised || fail "fall not raised"
fid=$(sql "SELECT id FROM alerts WHERE rule = 'fall'")
"$WG_BIN/wardgatectl" -c "$T/wardgate.json" ack "$fid" --by nurse-home >/dev/null ||
  fail "wardgatectl ack"
wait_until 10 sub_has hub '"via":"local"' || fail "no local ack"
# A fall measured an hour ago, synced late: raised, marked late, with
# both times (DESIGN.md section 7, 2026-12-06).
send fall-1 "[{\"bt\":$(($(date +%s) - 3600)),\"n\":\"fall\",\"vb\":true}]"
wait_until 10 sub_has hub '"rule":"fall".*"late":true' || fail "no late fall"
sub_has hub '"rule":"fall".*"state":"raised".*"late":true' ||
  fail "the late fall was not raised"
# A NEWS2 round of two hours ago, synced now, older than the sets above:
# scored on its own, marked late and retrospective; and a thermometer whose
# clock reset: device_refused (DESIGN.md sections 7 and 8, 2026-12-06).
b=$(($(date +%s) - 7200))
send obs-1 "[{\"bn\":\"obs-1:\",\"bt\":$b,\"n\":\"rr\",\"u\":\"1/min\",\"v\":22},{\"n\":\"acvpu\",\"vs\":\"A\"},{\"n\":\"o2\",\"vb\":false},{\"n\":\"sbp\",\"u\":\"mmHg\",\"v\":124},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":72},{\"n\":\"spo2\",\"u\":\"%\",\"v\":96},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":37}]"
wait_until 10 sub_has hub '^wardgate/gw-test/news2 .*"late":true,"retrospective":true,"measured_at":' ||
  fail "no retrospective news2: $(grep news2 "$T/hub.sub")"
for i in 1 2 3; do send temp-1 "[{\"bt\":946684800,\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.$i}]"; done
wait_until 10 state_seen device_refused raised || fail "no device_refused alert"
pub oxi-1 '[{"n":"spo2","u":"%","v":101}]'
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack -m '{"id":"x"}'
# A signed ack, as the hub's clinical application sends it (this gateway has
# no key: it is taken unverified, here for an id it never raised).
printf 'contract-test-key-0123456789\n' >"$T/ack.key"
ack "$("$WG_BIN/wardgatectl" sign-ack gw-test-999998 --key-file "$T/ack.key" \
  --by dr-khan --outcome advice)"
wait_until 10 sub_has hub '"source":"alerts/ack"' || fail "no error for the bad ack"
# Without a key every ack is taken unverified, and its event says so; an
# ack at the home is never signed (DESIGN.md section 7, 2026-12-06).
grep '"state":"acknowledged"' "$T/hub.sub" | grep '"via":"hub"' | grep -q '"verified":false' ||
  fail "the hub's ack is not marked unverified: $(grep acknowledged "$T/hub.sub")"
grep '"state":"acknowledged"' "$T/hub.sub" | grep '"via":"local"' | grep -q '"verified":false' ||
  fail "the local ack is not marked unverified: $(grep acknowledged "$T/hub.sub")"
wait_until 10 sub_has hub 'errors {"device":"oxi-1"' || fail "no error for the bad pack"
"$WG_BIN/wardgatectl" -c "$T/wardgate.json" log --day "$(date +%F)" >"$T/daily-log.json" ||
  fail "wardgatectl log"
wait_until 10 sub_has hub 'alerts/active {"ts":[0-9.]*,"alerts":\[{' ||
  fail "no alerts/active with an alert in it"
wait_until 10 sub_has hub 'news2/latest {"ts":[0-9.]*,"patients":\[{"patient":"p-001"' ||
  fail "no news2/latest with a score in it"

# The will: kill -9, then the retained offline status.
stop_daemon KILL
offline() { retained wardgate/gw-test/status | grep -q '"state":"offline"'; }
wait_until 20 offline || fail "no will"
echo "wardgate/gw-test/status $(retained wardgate/gw-test/status)" >>"$T/hub.sub"

# Every message to the hub against its schema (the acks on alerts/ack are
# the test's own, one of them bad on purpose: checked below).
grep -v '^wardgate/gw-test/alerts/ack ' "$T/hub.sub" >"$T/out.sub"
$SCHEMAS hub "$T/out.sub" >"$T/check.out" || fail "messages refused: $(cat "$T/check.out")"
cat "$T/check.out" >&2
for s in raised updated escalated acknowledged cleared; do
  grep "^states:" "$T/check.out" | grep -q " $s=" || fail "no $s event was checked"
done
for t in status alerts alerts/active news2 news2/latest errors fhir/vitals fhir/news2 fhir/alerts; do
  grep "^topics:" "$T/check.out" | grep -q " $t=" || fail "no $t message was checked"
done
$SCHEMAS daily-log.json "$T/daily-log.json" || fail "daily log refused"
$SCHEMAS senml.json "$T"/sent/pack-*.json || fail "a pack the test sent is refused"
$SCHEMAS ack.json "$T"/sent/ack-*.json || fail "an ack the test sent is refused"

# The FHIR bundles through FHIR.js and the profiles' rules as well
# (tests/fhir/validate.mjs; it_fhir covers the export in depth).
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/npm.sh"
wg_npm_tree "$SRC/tests/fhir" "$WG_BIN/fhir-check" "$TEST_NAME"
cp "$SRC/tests/fhir/validate.mjs" "$WG_BIN/fhir-check/"
grep '^wardgate/gw-test/fhir/' "$T/out.sub" >"$T/fhir.sub"
node "$WG_BIN/fhir-check/validate.mjs" "$T/fhir.sub" >"$T/fhir.out" 2>&1 ||
  fail "$(cat "$T/fhir.out")"
cat "$T/fhir.out" >&2

# The times are required: an alert event without measured_at, or with an
# evidence entry without rt, is refused.
grep -m1 ' {"id":"gw-test-' "$T/hub.sub" | sed 's/^[^ ]* //; s/"measured_at":[0-9.e+]*,//' >"$T/no-time.json"
! $SCHEMAS alert-event.json "$T/no-time.json" >/dev/null ||
  fail "an alert event without measured_at passed"
grep -m1 ' {"id":"gw-test-' "$T/hub.sub" | sed 's/^[^ ]* //; s/,"rt":[0-9.e+]*//g' >"$T/no-rt.json"
! $SCHEMAS alert-event.json "$T/no-rt.json" >/dev/null ||
  fail "an evidence entry without rt passed"
grep -q '"late":true' "$T/out.sub" || fail "no late event was checked"

# The schemas are closed: one more field in an alert event is refused.
grep -m1 ' {"id":"gw-test-' "$T/hub.sub" | sed 's/^[^ ]* //; s/}$/,"extra":1}/' >"$T/extra.json"
! $SCHEMAS alert-event.json "$T/extra.json" >/dev/null ||
  fail "an alert event with an unknown field passed"
log "ok"
