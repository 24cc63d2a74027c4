#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wardgatectl against a running daemon: every command, a local ack that the
# hub sees as "via":"local", its exit statuses, and the database left
# untouched by everything but the daemon.
. "$(dirname "$0")/lib.sh"

CTL="$WG_BIN/wardgatectl"
start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" "\"control_socket\": \"$T/ctl.sock\","
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
ctl() { "$CTL" -c "$T/wardgate.json" "$@"; }

for i in $(seq 1 20); do
  pub oxi-1 "[{\"bn\":\"oxi-1:\",\"bt\":$(now),\"t\":-$i,\"n\":\"spo2\",\"u\":\"%\",\"v\":$((90 + i % 8))},{\"t\":-$i,\"n\":\"hr\",\"u\":\"beat/min\",\"v\":$((70 + i))}]"
done
pub fall-1 "$(fall_pack)"
wait_until 10 readings_at_least 41 || fail "readings not stored: $(count_readings)"
fall_raised() { [ -n "$(sql "SELECT id FROM alerts WHERE rule = 'fall'")" ]; }
wait_until 10 fall_raised || fail "the fall was not raised"
id=$(sql "SELECT id FROM alerts WHERE rule = 'fall'")

# status: the live view, and its JSON.
[ "$(stat -c %a "$T/ctl.sock")" = 660 ] || fail "socket mode $(stat -c %a "$T/ctl.sock")"
ctl status >"$T/status" || fail "status: exit $?"
grep -q '^gateway   gw-test' "$T/status" || fail "status: $(cat "$T/status")"
grep -q '^hub       connected' "$T/status" || fail "status: hub: $(cat "$T/status")"
open=$(sql "SELECT count(*) FROM alerts WHERE open = 1")
grep -q "^alerts    $open open" "$T/status" || fail "status: alerts: $(cat "$T/status")"
ctl status --json | python3 -c 'import json, sys; s = json.load(sys.stdin); assert s["hub_connected"] and s["counters"]["alerts_open"] == int(sys.argv[1]), s' "$open" ||
  fail "status --json"

# alerts: the open fall, none for another patient.
ctl alerts >"$T/alerts" || fail "alerts: exit $?"
grep -q "^$id  *p-001  *fall  *high  *raised " "$T/alerts" || fail "alerts: $(cat "$T/alerts")"
ctl alerts --patient p-002 | grep -q '(no open alerts for p-002)' || fail "alerts --patient"

# ack: refused for an unknown id (4), taken for the fall and seen by the hub.
status=0
ctl ack gw-test-999999 --by nurse-home 2>"$T/err" || status=$?
[ "$status" = 4 ] && grep -q 'no open alert gw-test-999999' "$T/err" ||
  fail "ack of an unknown alert: exit $status: $(cat "$T/err")"
status=0
ctl ack "$id" 2>"$T/err" || status=$?
[ "$status" = 1 ] || fail "ack without --by: exit $status"
ctl ack "$id" --by nurse-home --outcome advice --note "called the daughter" >"$T/ack" ||
  fail "ack: exit $?: $(cat "$T/ack")"
grep -q "acknowledged by nurse-home" "$T/ack" || fail "ack: $(cat "$T/ack")"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "the hub did not see the local ack"
# The name given is tied to the user who ran wardgatectl: the daemon adds
# the uid the kernel gives for the socket's peer (SO_PEERCRED).
uid=$(id -u)
grep '"state":"acknowledged"' "$T/hub.sub" | grep "\"id\":\"$id\"" | grep "\"by\":\"nurse-home (uid $uid)\"" |
  grep '"via":"local"' | grep -q '"outcome":"advice"' || fail "ack event: $(grep acknowledged "$T/hub.sub")"
[ "$(sql "SELECT cause FROM alert_events WHERE alert_id = '$id' AND state = 'acknowledged'")" = \
  "acknowledged at the home by nurse-home (uid $uid); outcome advice" ] ||
  fail "audit: $(sql "SELECT cause FROM alert_events WHERE alert_id = '$id'")"
! ctl alerts | grep -q "^$id " || fail "the fall is still open"
ctl alerts --all | grep -q "^$id .* acknowledged " || fail "alerts --all: $(ctl alerts --all)"

# readings: a line per key with its latest value; CSV with every reading.
ctl readings p-001 >"$T/readings" || fail "readings: exit $?"
grep -q '^  hr  *71 beat/min' "$T/readings" || fail "readings: $(cat "$T/readings")"
grep -q '^  spo2  *91 %' "$T/readings" || fail "readings: $(cat "$T/readings")"
[ "$(ctl readings p-001 --key spo2 --csv | wc -l)" = 21 ] || fail "readings --csv"
status=0
ctl readings p-404 >/dev/null || status=$?
[ "$status" = 4 ] || fail "readings of an unknown patient: exit $status"

# scores, export and the daily log.
ctl scores p-001 | grep -q '^TIME  *NEWS2' || fail "scores"
[ "$(ctl export --since 1h | wc -l)" = "$(($(count_readings) + 1))" ] || fail "export csv"
ctl export --since 1h --format senml | python3 -c 'import json, sys; r = json.load(sys.stdin); assert len(r) == int(sys.argv[1]) and all("n" in x and "t" in x for x in r)' "$(count_readings)" ||
  fail "export senml"
ctl log --day "$(date +%F)" --csv | grep -q "^\"$id\",\"p-001\",\"fall\",\"high\"," || fail "log: $(ctl log --day "$(date +%F)" --csv)"
ctl log --day "$(date +%F)" | python3 -c 'import json, sys; l = json.load(sys.stdin); assert [a for a in l["alerts"] if a["id"] == sys.argv[1]][0]["acknowledged_by"] == "nurse-home (uid " + sys.argv[2] + ")", l' "$id" "$uid" ||
  fail "log json"

# Usage errors (1), and a daemon that is gone (3).
status=0
ctl frobnicate 2>/dev/null || status=$?
[ "$status" = 1 ] || fail "unknown command: exit $status"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
[ ! -e "$T/ctl.sock" ] || fail "the socket was left behind"
status=0
ctl status 2>"$T/err" || status=$?
[ "$status" = 3 ] && grep -q 'daemon unreachable: cannot reach wardgated' "$T/err" ||
  fail "status without a daemon: exit $status: $(cat "$T/err")"

# A daemon that takes the connection and never answers, and one whose
# queue of connections is full, are given up on after --timeout (3, and
# why), not waited for; the outer timeout only bounds the test.
stuck() { # stuck MODE: a socket at $T/stuck.sock that never answers
  python3 - "$T/stuck.sock" "$1" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
held = []
if sys.argv[2] == "full":  # backlog 0: one connection pending fills it
    s.listen(0)
    c = socket.socket(socket.AF_UNIX)
    c.connect(sys.argv[1])
    held.append(c)
else:
    s.listen(8)
open(sys.argv[1] + ".ready", "w").close()
while True:
    if sys.argv[2] == "full":
        time.sleep(60)
    else:
        held.append(s.accept()[0])  # read nothing, answer nothing
PY
  STUCK_PID=$!
  track "$STUCK_PID"
  wait_until 10 test -e "$T/stuck.sock.ready" || fail "the silent socket did not start"
}
unstuck() {
  kill "$STUCK_PID" && wait "$STUCK_PID" 2>/dev/null || true
  untrack "$STUCK_PID"
  rm -f "$T/stuck.sock" "$T/stuck.sock.ready"
}
sed "s|$T/ctl.sock|$T/stuck.sock|" "$T/wardgate.json" >"$T/stuck.json"
for mode in silent full; do
  stuck "$mode"
  for cmd in "status" "ack gw-test-000001 --by nurse-home"; do
    status=0
    # shellcheck disable=SC2086
    timeout 30 "$CTL" -c "$T/stuck.json" -t 1 $cmd >"$T/out" 2>"$T/err" || status=$?
    [ "$status" = 3 ] && grep -q 'daemon unreachable' "$T/err" && grep -q 'within 1s' "$T/err" ||
      fail "$cmd, a $mode socket: exit $status: $(cat "$T/out" "$T/err")"
  done
  # An ack sent but not answered may still be taken: the operator is told
  # to look, not that it failed.
  [ "$mode" = full ] || grep -q 'may still' "$T/err" ||
    fail "an unanswered ack does not say it may still be taken: $(cat "$T/err")"
  unstuck
done
status=0
timeout 30 "$CTL" -c "$T/stuck.json" --timeout 0 status 2>"$T/err" || status=$?
[ "$status" = 1 ] || fail "--timeout 0: exit $status"

# Reading never writes: the file is the same after every read command.
before=$(sha256sum "$T/wardgate.db")
ctl alerts --all >/dev/null && ctl readings p-001 >/dev/null &&
  ctl export >/dev/null && ctl scores p-001 >/dev/null && ctl log >/dev/null ||
  fail "read commands failed on a stopped daemon's database"
[ "$(sha256sum "$T/wardgate.db")" = "$before" ] || fail "the database was written"

# Text from outside reaches the operator's terminal shown, not acted on,
# and a CSV cell cannot become a formula or a row of its own: a by written
# before acks were checked, and a value the ingest refuses today, put
# straight into a copy of the database.
cp "$T/wardgate.db" "$T/forged.db"
sqlite3 -batch "$T/forged.db" "UPDATE alerts SET payload = json_set(payload, '\$.by', 'x' || char(27) || '[2J' || char(10) || 'forged') WHERE id = '$id';
  INSERT INTO readings(device_id, patient_id, name, vs, unit, ts, received)
  VALUES ('oxi-1', 'p-001', 'remark', '=1+2' || char(27) || '[31m' || char(10) || '1700000000,p-002,oxi-9,spo2,%,71', '', $(now), $(now));
  UPDATE alert_events SET acked_by = '=HYPERLINK(\"http://x\")', note = '@SUM(1)' || char(10) || '\"gw-test-000099\",\"p-002\"'
  WHERE alert_id = '$id' AND state = 'acknowledged'"
sed "s|$T/wardgate.db|$T/forged.db|" "$T/wardgate.json" >"$T/forged.json"
fctl() { "$CTL" -c "$T/forged.json" "$@"; }
fctl alerts --all >"$T/out" || fail "alerts on the forged copy: exit $?"
grep -qF 'by x\x1b[2J\x0aforged' "$T/out" || fail "alerts --all: by not shown escaped: $(cat -v "$T/out")"
fctl readings p-001 >>"$T/out" || fail "readings on the forged copy: exit $?"
grep -qF '=1+2\x1b[31m\x0a1700000000' "$T/out" || fail "readings: vs not shown escaped: $(cat -v "$T/out")"
! grep -q "$(printf '\033')" "$T/out" || fail "an escape reached the terminal: $(cat -v "$T/out")"
for cmd in "readings p-001 --csv" "export"; do
  # shellcheck disable=SC2086
  fctl $cmd >"$T/csv" || fail "$cmd: exit $?"
  python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(r[:1] != ["1700000000"] for r in rows), rows  # no forged row
cell = [c for r in rows for c in r if "1+2" in c]
assert cell == ["\x27=1+2\x1b[31m\n1700000000,p-002,oxi-9,spo2,%,71"], cell
assert all(len(r) == len(rows[0]) for r in rows), rows
' "$T/csv" || fail "$cmd: CSV: $(cat -v "$T/csv" | tail -3)"
  head -1 "$T/csv" | grep -q '^"time","' || fail "$cmd: the header is not quoted: $(head -1 "$T/csv")"
  grep -q ',"oxi-1","spo2","%",9[0-9]$' "$T/csv" || fail "$cmd: text quoted, numbers not: $(head -3 "$T/csv")"
done

# The daily log's CSV, through the same writer: a by and a note as the hub
# could send them stay one cell of text each.
fctl log --day "$(date +%F)" --csv >"$T/log.csv" || fail "log --csv on the forged copy: exit $?"
python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head = rows[0]
row = [r for r in rows if r[0] == sys.argv[2]][0]
assert row[head.index("acknowledged_by")] == "\x27=HYPERLINK(\"http://x\")", row
assert row[head.index("note")] == "\x27@SUM(1)\n\"gw-test-000099\",\"p-002\"", row
assert not any(r[0] == "gw-test-000099" for r in rows), rows
assert all(len(r) == len(head) for r in rows), rows
' "$T/log.csv" "$id" || fail "log --csv: $(cat -v "$T/log.csv")"

# A database of another schema is refused (2) by the store's check, as the
# daemon refuses one, for every command that reads it.
cp "$T/wardgate.db" "$T/other.db"
sqlite3 -batch "$T/other.db" "PRAGMA user_version=4"
sed "s|$T/wardgate.db|$T/other.db|" "$T/wardgate.json" >"$T/other.json"
grep -q "$T/other.db" "$T/other.json" || fail "no database in $(cat "$T/other.json")"
for cmd in "alerts" "readings p-001" "scores p-001" "export" "log"; do
  status=0
  # shellcheck disable=SC2086
  "$CTL" -c "$T/other.json" $cmd >"$T/out" 2>"$T/err" || status=$?
  [ "$status" = 2 ] && [ ! -s "$T/out" ] && grep -q 'has schema 4, this build reads' "$T/err" ||
    fail "$cmd on a database of schema 4: exit $status: $(cat "$T/out" "$T/err")"
done
log "ok"
