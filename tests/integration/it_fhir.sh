#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The FHIR R4 export (uplink.fhir), end to end: vital signs of every kind
# (blood pressure as a pair and alone), a NEWS2 on each SpO2 scale, complete
# and not, and a fall's Flag from raised to acknowledged. Every bundle the
# hub receives is checked by FHIR.js (FHIR R4; pinned in
# tests/fhir/package-lock.json) and the vital-signs profiles' rules
# (tests/fhir/validate.mjs), and against docs/schemas/fhir-bundle.json; its
# values against the packs sent and the news2 messages. A resent pack adds
# no bundle. With the hub away and a small outbox, the copies of readings
# give way so that every alert event is still kept and delivered.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
python3 -c 'import jsonschema' 2>/dev/null || {
  log "skip: python3-jsonschema is missing (tools/deps.sh installs it)"
  exit 77
}
. "$SRC/tests/npm.sh"
CHECK=$WG_BIN/fhir-check
wg_npm_tree "$SRC/tests/fhir" "$CHECK" "$TEST_NAME"
cp "$SRC/tests/fhir/validate.mjs" "$CHECK/"

start_broker INGEST
start_broker UPLINK
UPLINK_FHIR='{"enabled": true, "patient_system": "https://fhir.example.org/Id/patient"}'
write_config "$T/wardgate.json" "\"outbox_max\": 10, \"control_socket\": \"$T/ctl.sock\"," \
  '[{"id":"p-001","devices":["oxi-1","bp-1","temp-1","obs-1","fall-1"]},
    {"id":"p-002","devices":["oxi-2"],"news2":{"scale":2}}]'
subscribe_durable hub 'wardgate/gw-test/#' "$UPLINK_PORT"
start_daemon "$T/wardgate.json"

vitals() { sub_count hub '^wardgate/gw-test/fhir/vitals '; }
vitals_at_least() { [ "$(vitals)" -ge "$1" ]; }
t0=$(now)
pub obs-1 "[{\"bt\":$t0,\"n\":\"rr\",\"u\":\"1/min\",\"v\":16},{\"n\":\"acvpu\",\"vs\":\"A\"},{\"n\":\"o2\",\"vb\":false}]"
pub bp-1 "[{\"bt\":$t0,\"n\":\"sbp\",\"u\":\"mmHg\",\"v\":124},{\"n\":\"dbp\",\"u\":\"mmHg\",\"v\":80}]"
pub bp-1 "[{\"bt\":$t0,\"n\":\"sbp\",\"u\":\"kPa\",\"v\":17.3,\"t\":1}]"
pub temp-1 "[{\"bt\":$t0,\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.1},{\"n\":\"battery\",\"u\":\"%EL\",\"v\":80}]"
pub oxi-1 "[{\"bt\":$t0,\"n\":\"spo2\",\"u\":\"%\",\"v\":97},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":72}]"
pub oxi-2 "[{\"bt\":$t0,\"n\":\"spo2\",\"u\":\"%\",\"v\":90}]"
wait_until 10 vitals_at_least 6 || fail "$(vitals) vitals bundles, not 6"
# The same pack again: its readings are duplicates, and no bundle follows.
pub bp-1 "[{\"bt\":$t0,\"n\":\"sbp\",\"u\":\"mmHg\",\"v\":124},{\"n\":\"dbp\",\"u\":\"mmHg\",\"v\":80}]"
wait_until 10 sub_has hub '"complete":true' || fail "no complete NEWS2"
wait_until 10 sub_has hub '"patient":"p-002".*"scale":2' || fail "no NEWS2 on scale 2"

pub fall-1 "$(fall_pack)"
flag() { sub_has hub "^wardgate/gw-test/fhir/alerts .*\"status\":\"$1\""; }
wait_until 10 flag active || fail "no active Flag for the fall"
id=$(sql "SELECT id FROM alerts WHERE rule = 'fall'")
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"dr-khan\",\"outcome\":\"visit\"}"
wait_until 10 flag inactive || fail "no inactive Flag after the ack"
[ "$(vitals)" = 6 ] || fail "$(vitals) vitals bundles after the resent pack, not 6"

# Every bundle: FHIR.js and the profiles, then the JSON Schema.
grep '^wardgate/gw-test/fhir/' "$T/hub.sub" >"$T/fhir.sub"
node "$CHECK/validate.mjs" "$T/fhir.sub" >"$T/fhir.out" 2>&1 || fail "$(cat "$T/fhir.out")"
cat "$T/fhir.out" >&2
python3 "$SRC/tests/schemas.py" hub "$T/fhir.sub" >"$T/schema.out" ||
  fail "$(cat "$T/schema.out")"
for k in heartrate resprate oxygensat bodytemp bp NEWS2 Flag; do
  grep -q " $k=" "$T/fhir.out" || fail "no $k was checked"
done

# The values are the readings and the scores.
python3 - "$T/hub.sub" <<'PY' || fail "a bundle does not say what was sent"
import json, sys
msgs = [l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1]) if " " in l]
obs = [e["resource"] for t, p in msgs if t.endswith("/fhir/vitals")
       for e in json.loads(p)["entry"]]
def one(profile, device):
    m = [o for o in obs if o["meta"]["profile"][0].endswith("/" + profile)
         and o["device"]["identifier"]["value"] == device]
    assert m, (profile, device)
    return m
assert [o["valueQuantity"]["value"] for o in one("heartrate", "oxi-1")] == [72]
assert [o["valueQuantity"]["value"] for o in one("resprate", "obs-1")] == [16]
assert [o["valueQuantity"]["value"] for o in one("bodytemp", "temp-1")] == [37.1]
spo2 = {o["subject"]["identifier"]["value"]: o["valueQuantity"]["value"]
        for o in obs if o["meta"]["profile"][0].endswith("/oxygensat")}
assert spo2 == {"p-001": 97, "p-002": 90}, spo2
bp = one("bp", "bp-1")
assert len(bp) == 2, bp
pair = [c.get("valueQuantity", {}).get("value") for c in bp[0]["component"]]
assert pair == [124, 80], pair
lone = bp[1]["component"]
assert abs(lone[0]["valueQuantity"]["value"] - 129.76) < 0.01, lone
assert lone[1]["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
# Each NEWS2 published has its Observation, same score, same scale's code.
news2 = [json.loads(p) for t, p in msgs if t == "wardgate/gw-test/news2"]
fhir = [json.loads(p)["entry"][0]["resource"] for t, p in msgs if t.endswith("/fhir/news2")]
assert len(news2) == len(fhir) >= 2, (len(news2), len(fhir))
for n, f in zip(news2, fhir):
    assert f["valueInteger"] == n["score"]
    assert f["status"] == ("final" if n["complete"] else "preliminary")
    assert f["subject"]["identifier"]["value"] == n["patient"]
    spo2code = f["component"][1]["code"]["coding"][0]["code"]
    assert spo2code == {1: "1104311000000102", 2: "1104321000000108"}[n["scale"]]
PY

# The hub away, an outbox of 10: copies stop at 8 rows, alert events go on.
stop_broker UPLINK
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  pub oxi-1 "[{\"bt\":$(now),\"n\":\"hr\",\"u\":\"beat/min\",\"v\":7$((i % 10))}]"
done
pub fall-1 "$(fall_pack)"
wait_until 10 grep -q 'FHIR copies are not queued' "$T/wardgated.log" ||
  fail "the copies did not give way"
wait_until 10 readings_at_least 20 || fail "readings not stored"
raised() { [ "$(sql "SELECT count(*) FROM alerts WHERE rule = 'fall'")" = 2 ]; }
wait_until 10 raised || fail "the second fall was not raised"
start_broker UPLINK "$UPLINK_PORT"
subscribe_durable hub 'wardgate/gw-test/#' "$UPLINK_PORT"
second=$(sql "SELECT id FROM alerts WHERE rule = 'fall' ORDER BY seq DESC LIMIT 1")
wait_until 30 sub_has hub "\"id\":\"$second\".*\"state\":\"raised\"" ||
  fail "the fall raised while the hub was away did not arrive"
wait_until 10 sub_has hub "urn:wardgate:alert|$second" ||
  fail "its Flag did not arrive"
yielded() { grep -q '"outbox_yielded":[1-9]' "$T/hub.sub"; }
wait_until 20 yielded || fail "the status does not count the copies left out"
"$WG_BIN/wardgatectl" -c "$T/wardgate.json" status | grep -q 'copies of readings and scores left out' ||
  fail "wardgatectl status does not say that copies were left out"
daemon_alive || fail "wardgated died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
