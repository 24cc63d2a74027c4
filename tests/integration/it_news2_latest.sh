#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# news2/latest (DESIGN.md section 7): a subscriber that joins after the
# scores were sent finds each patient's latest score retained, equal to
# the last news2 message of each; so it does after a restart, which
# rebuilds it from the database (the broker's copy cleared meanwhile); a
# patient removed by SIGHUP leaves it.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
patients='[{"id":"p-1","devices":["obs-1"]},{"id":"p-2","devices":["obs-2"]},{"id":"p-3","devices":["obs-3"]}]'
write_config "$T/wardgate.json" '"news2_interval_s": 0,' "$patients"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/news2'

# obs DEVICE rr spo2 o2 sbp hr acvpu temp: one pack of the seven parameters.
obs() {
  pub "$1" "[{\"bt\":$(now),\"n\":\"rr\",\"v\":$2},{\"n\":\"spo2\",\"v\":$3},{\"n\":\"o2\",\"vb\":$4},{\"n\":\"sbp\",\"v\":$5},{\"n\":\"hr\",\"v\":$6},{\"n\":\"acvpu\",\"vs\":\"$7\"},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":$8}]"
}
news2_of() { grep -c "news2 {\"patient\":\"$1\"" "$T/hub.sub" || true; }

# latest_is PATIENT...: the retained news2/latest lists exactly these
# patients, each with the text of its last news2 message.
latest_is() {
  retained wardgate/gw-test/news2/latest >"$T/latest.json"
  python3 - "$T/latest.json" "$T/hub.sub" "$@" <<'PY'
import json, sys
text = open(sys.argv[1]).read().strip()
latest = json.loads(text)
last = {}
for line in open(sys.argv[2]):
    topic, _, payload = line.rstrip("\n").partition(" ")
    if topic == "wardgate/gw-test/news2":
        last[json.loads(payload)["patient"]] = payload
want = sys.argv[3:]
got = {m["patient"]: m for m in latest["patients"]}
assert sorted(got) == sorted(want), (sorted(got), want)
assert isinstance(latest["ts"], (int, float))
for p in want:
    assert got[p] == json.loads(last[p]), (got[p], last[p])
    assert last[p] in text, ("not verbatim", last[p])
PY
}

# Several sets each, the scores changing: p-1 ends at 7 (steady at 7),
# p-2 at 0, p-3 at 3 with a single 3.
obs obs-1 16 97 false 120 70 A 37     # 0
obs obs-2 25 95 false 105 115 A 37    # 7
obs obs-3 21 96 false 120 70 A 37     # 2
obs obs-1 21 95 false 110 95 A 37     # 2+1+1+1 = 5
obs obs-2 21 96 false 120 70 A 37     # 2
obs obs-3 16 97 false 120 70 V 37     # 3
obs obs-1 25 95 false 105 115 A 37    # 7
obs obs-2 16 97 false 120 70 A 37     # 0
wait_until 20 sh -c "[ \$(grep -c 'news2 {' '$T/hub.sub') -ge 8 ]" ||
  fail "news2 messages: $(cat "$T/hub.sub")"
[ "$(news2_of p-1)" = 3 ] && [ "$(news2_of p-2)" = 3 ] && [ "$(news2_of p-3)" = 2 ] ||
  fail "news2 per patient: $(cat "$T/hub.sub")"
# The same set again scores the same: no news2 message, p-1 stays at 7.
obs obs-1 25 95 false 105 115 A 37
wait_until 20 latest_is p-1 p-2 p-3 ||
  fail "news2/latest: $(cat "$T/latest.json") news2: $(cat "$T/hub.sub")"
grep -q '"patient":"p-1","ts":[0-9.]*,"score":7' "$T/latest.json" ||
  fail "p-1 not at 7: $(cat "$T/latest.json")"

# A restart: the broker's copy cleared while the daemon is away, the
# daemon sets it again from the scores it stored.
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 -r -n -t wardgate/gw-test/news2/latest
[ -z "$(retained wardgate/gw-test/news2/latest)" ] || fail "retained copy not cleared"
start_daemon "$T/wardgate.json"
wait_until 20 latest_is p-1 p-2 p-3 ||
  fail "news2/latest after a restart: $(cat "$T/latest.json")"

# p-2 leaves the ward: SIGHUP with the other two.
write_config "$T/wardgate.json" '"news2_interval_s": 0,' \
  '[{"id":"p-1","devices":["obs-1"]},{"id":"p-3","devices":["obs-3"]}]'
kill -HUP "$DAEMON_PID"
wait_until 10 grep -q 'reloaded: 2 patients' "$T/wardgated.log" || fail "no reload"
wait_until 20 latest_is p-1 p-3 ||
  fail "news2/latest after p-2 left: $(cat "$T/latest.json")"
# A change after the reload is in it.
obs obs-3 16 97 false 120 70 A 37     # 0
wait_until 20 sh -c "[ \$(grep -c 'news2 {\"patient\":\"p-3\"' '$T/hub.sub') -ge 3 ]" ||
  fail "no news2 for p-3 after the reload"
wait_until 20 latest_is p-1 p-3 ||
  fail "news2/latest after a change: $(cat "$T/latest.json")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
