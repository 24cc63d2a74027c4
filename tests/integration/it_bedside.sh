#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bedside page (console/bedside.mjs) in a real browser (Debian's
# chromium, puppeteer-core): the home's broker, the daemon with a
# local_alarm, and the page served with this server reading
# wardgate/gw-test/local/alarm. The home broker is the shipped one's
# accounts and ACL (config/mosquitto-gateway.acl): the daemon as
# wardgated, the fall sensor as itself, the page's server as bedside,
# which may read the alarm and nothing else. tests/console/bedside.mjs checks, in
# order: "No alarm" with nothing retained; the hub's broker down and a
# fall: the daemon's retained alarm shows big with its patient, summary,
# since when and why; a local ack empties the retained message: "No alarm";
# an unreadable retained message is a problem, not "No alarm"; emptied:
# "No alarm"; the home broker gone: "unknown", not "No alarm". The
# screenshots are left in the test's directory and the build directory.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v npm >/dev/null || ! command -v chromium >/dev/null; then
  . "$SRC/tools/deps.sh"
  command -v npm >/dev/null || wg_need_packages nodejs npm ||
    { log "skip: nodejs and npm cannot be installed"; exit 77; }
  wg_need_packages chromium || { log "skip: chromium cannot be installed"; exit 77; }
fi
npm_ci() { # DIR: the packages of DIR's lockfile, unless installed already
  [ -d "$1/node_modules" ] && [ "$1/node_modules/.package-lock.json" -nt "$1/package-lock.json" ] && return 0
  (cd "$1" && npm ci --ignore-scripts --no-audit --no-fund >"$T/npm.log" 2>&1) || {
    tail -5 "$T/npm.log" >&2
    log "skip: npm ci failed in $1 (no registry?)"
    exit 77
  }
}
npm_ci "$SRC/console"
DRIVER=$WG_BIN/bedside-test
mkdir -p "$DRIVER"
cp "$SRC/tests/console/package.json" "$SRC/tests/console/package-lock.json" \
  "$SRC/tests/console/bedside.mjs" "$DRIVER/"
npm_ci "$DRIVER"

CTL="$WG_BIN/wardgatectl"
TOPIC=wardgate/gw-test/local/alarm
# The home broker with passwords and the shipped ACL.
home_broker() {
  mosquitto -c "$T/HOME/mosquitto.conf" 2>>"$T/HOME.log" &
  INGEST_PID=$!
  track "$INGEST_PID"
  wait_until 5 port_open "$INGEST_PORT" || fail "the home broker did not start"
}
mkdir -p "$T/HOME"
INGEST_PORT=$("$FREEPORT")
for u in wardgated bedside fall-2; do
  printf 'pw-%s\n' "$u" >"$T/$u.pw"
  chmod 600 "$T/$u.pw"
  mosquitto_passwd -b ${first--c} "$T/HOME/passwd" "$u" "pw-$u" >/dev/null 2>&1 || fail "mosquitto_passwd"
  first=
done
cat >"$T/HOME/mosquitto.conf" <<CONF
user $(id -un)
listener $INGEST_PORT 127.0.0.1
allow_anonymous false
password_file $T/HOME/passwd
acl_file $SRC/config/mosquitto-gateway.acl
persistence true
persistence_location $T/HOME/
log_dest file $T/HOME.log
CONF
home_broker
start_broker UPLINK
write_config "$T/wardgate.json" "\"control_socket\": \"$T/ctl.sock\",
  \"local_alarm\": {\"after_min\": 0.05, \"min_severity\": \"high\",
    \"command\": [\"$SRC/tools/wardgate-alarm\", \"$T/alarm.log\"]}," "$(patients_json 3)"
sed -i "s|\"port\": $INGEST_PORT }|\"port\": $INGEST_PORT, \"username\": \"wardgated\", \"password_file\": \"$T/wardgated.pw\" }|" "$T/wardgate.json"
grep -q '"username": "wardgated"' "$T/wardgate.json" || fail "no account in the configuration"
start_daemon "$T/wardgate.json"
# What the bedside account reads, and what only the daemon's may write.
retained() {
  timeout 3 mosquitto_sub -h 127.0.0.1 -p "$INGEST_PORT" -u bedside -P pw-bedside \
    -t "$1" -C 1 -W 2 --retained-only 2>/dev/null || true
}
as_daemon() { mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -u wardgated -P pw-wardgated -q 1 -r -t "$TOPIC" "$@"; }
fall_id() { sql "SELECT id FROM alerts WHERE rule = 'fall' AND patient_id = '$1'"; }
raised() { [ -n "$(fall_id "$1")" ]; }
on() { retained "$TOPIC" | grep -q "\"id\":\"$1\""; }
off() { [ -z "$(retained "$TOPIC")" ]; }
losses() { [ "$(grep -c 'uplink: connection to .* lost' "$T/wardgated.log")" -ge "$1" ]; }

node "$SRC/console/bedside.mjs" --port 0 --broker "$INGEST_PORT" --gateway gw-test \
  --user bedside --password-file "$T/bedside.pw" >"$T/bedside.log" 2>&1 &
track $!
wait_until 10 grep -q '^bedside: http' "$T/bedside.log" || fail "the bedside server did not start"
url=$(sed -n 's/^bedside: http/http/p' "$T/bedside.log")
node "$DRIVER/bedside.mjs" "$url" "$T" >"$T/drive.log" 2>&1 &
drive=$!
track $drive
reached() { [ -e "$T/bs-$1" ] || ! kill -0 "$drive" 2>/dev/null; }
step() { wait_until 60 reached "$1" && [ -e "$T/bs-$1" ] || { cat "$T/drive.log" >&2; fail "step $1"; }; }

step 1
stop_broker UPLINK
wait_until 10 losses 1 || fail "loss not noticed"
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -u fall-2 -P pw-fall-2 -q 1 \
  -t wardgate/dev/fall-2/senml -m "$(fall_pack)" || fail "the fall was not published"
wait_until 10 raised p-2 || fail "fall 2 not raised"
id2=$(fall_id p-2)
wait_until 20 on "$id2" || fail "no retained alarm of $id2"
step 2
"$CTL" -c "$T/wardgate.json" ack "$id2" --by nurse-home >"$T/ack" 2>&1 || fail "ack: $(cat "$T/ack")"
wait_until 10 off || fail "the retained alarm stays after the ack"
step 3
# The bedside account may not write the alarm (the ACL drops it).
mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -u bedside -P pw-bedside -q 1 -r -t "$TOPIC" -m '{"alarms":' ||
  fail "publish as bedside"
sleep 1
off || fail "the bedside account wrote the alarm: $(retained "$TOPIC")"
as_daemon -m '{"alarms":' || fail "could not publish the unreadable message"
step 4
as_daemon -n || fail "could not empty it"
step 5
stop_broker INGEST # the home broker
status=0
wait $drive || status=$?
untrack $drive
cat "$T/drive.log" >&2
[ "$status" = 0 ] || fail "the browser checks failed"
[ -s "$T/bedside-alarm.png" ] && [ -s "$T/bedside-unknown.png" ] || fail "no screenshot"
cp "$T"/bedside*.png "$WG_BIN/" 2>/dev/null || true
home_broker
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok (screenshots in $T and $WG_BIN)"
