#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub console in a real browser (Debian's chromium, driven by
# puppeteer-core, both installed here when missing): a broker, the daemon
# and simulated devices; the console served on a loopback port with its
# MQTT over WebSockets bridged to the broker. tests/console/drive.mjs
# checks that a page opened after the scores were sent shows every
# patient's current NEWS2 (from the retained news2/latest), a fall shows,
# the Acknowledge button gets the daemon's acknowledged event, the NEWS2
# tiles, and the recovery after the broker restarts; and the bridge's
# guard (the token, Origin and Host checks, the Content-Security-Policy)
# and a spoofed message on another gateway's topic; signed acks (the
# console's server holds uplink.ack_key_file's key; the daemon takes the
# page's ack as verified, and the key never reaches the page); a gateway's
# reported configuration shown and a signed change sent; the broker login
# against a broker that wants one. The screenshots are left in the build
# directory.
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
DRIVER=$WG_BIN/console-test
mkdir -p "$DRIVER"
cp "$SRC/tests/console/package.json" "$SRC/tests/console/package-lock.json" \
  "$SRC/tests/console/drive.mjs" "$DRIVER/"
npm_ci "$DRIVER"

start_broker INGEST
UPLINK_FHIR='{"enabled": true}' # the vital signs' values, for their trends
write_config "$T/wardgate.json" '"status_interval_s": 2, "news2_interval_s": 2,' \
  "$("$SIM" -n 3 --print-patients)"
# The key the console's server signs with, and the daemon checks.
head -c 32 /dev/urandom | base64 >"$T/ack.key"
chmod 600 "$T/ack.key"
sed -i "s|\"keepalive_s\": 5 }|\"keepalive_s\": 5 }, \"ack_key_file\": \"$T/ack.key\"|" "$T/wardgate.json"
grep -q ack_key_file "$T/wardgate.json" || fail "no key in the configuration"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$INGEST_PORT"
start_sim() {
  "$SIM" -p "$INGEST_PORT" -n 3 -r 6 -q --kinds oxi,bp,temp,obs >/dev/null 2>&1 &
  SIM_PID=$!
  track $SIM_PID
}
start_sim
for p in p-001 p-002 p-003; do
  wait_until 20 sub_has hub "news2 {\"patient\":\"$p\"" || fail "no NEWS2 published for $p"
done
# The devices fall quiet, so that the page opened next has no news2 to
# learn the scores from: only news2/latest, which the daemon publishes
# at most a second after the last score.
kill -TERM "$SIM_PID"
wait "$SIM_PID" 2>/dev/null || true
untrack "$SIM_PID"
all_latest() {
  [ "$(retained wardgate/gw-test/news2/latest | grep -o '"patient":"p-00[123]"' | sort -u | wc -l)" = 3 ]
}
wait_until 10 all_latest || fail "news2/latest lacks a patient: $(retained wardgate/gw-test/news2/latest)"
sleep 1.5 # the last commit's snapshot, coalesced, has gone out

node "$SRC/console/serve.mjs" --port 0 --broker "$INGEST_PORT" --ack-key-file "$T/ack.key" \
  >"$T/serve.log" 2>&1 &
track $!
wait_until 10 grep -q '^console: http' "$T/serve.log" || fail "the console server did not start"
url=$(sed -n 's/^console: http/http/p' "$T/serve.log")
log "console at $url"

# A broker that wants a login (the hub's are so), and the console bridged
# to it: the page logs in with what the clinician types.
mkdir -p "$T/LOGIN"
LOGIN_PORT=$("$FREEPORT")
mosquitto_passwd -c -b "$T/LOGIN/passwd" clinician 'correct horse' >/dev/null 2>&1 ||
  fail "mosquitto_passwd"
cat >"$T/LOGIN/mosquitto.conf" <<CONF
user $(id -un)
listener $LOGIN_PORT 127.0.0.1
allow_anonymous false
password_file $T/LOGIN/passwd
log_dest file $T/LOGIN.log
CONF
mosquitto -c "$T/LOGIN/mosquitto.conf" 2>>"$T/LOGIN.log" &
track $!
wait_until 5 port_open "$LOGIN_PORT" || fail "the login broker did not start"
node "$SRC/console/serve.mjs" --port 0 --broker "$LOGIN_PORT" >"$T/serve-login.log" 2>&1 &
track $!
wait_until 10 grep -q '^console: http' "$T/serve-login.log" || fail "the second console server did not start"
login_url=$(sed -n 's/^console: http/http/p' "$T/serve-login.log")

KEY_FILE="$T/ack.key" LOGIN_URL="$login_url" \
  node "$DRIVER/drive.mjs" "$url" "$T" "$INGEST_PORT" >"$T/drive.log" 2>&1 &
drive=$!
track $drive
# Once the page opened in the quiet has shown the scores, the devices go on.
loaded() { [ -e "$T/latest-seen" ] || ! kill -0 "$drive" 2>/dev/null; }
wait_until 60 loaded && [ -e "$T/latest-seen" ] || { cat "$T/drive.log" >&2; fail "the scores were not shown on load"; }
start_sim
phase_one() { [ -e "$T/phase-one" ] || ! kill -0 "$drive" 2>/dev/null; }
wait_until 90 phase_one && [ -e "$T/phase-one" ] || { cat "$T/drive.log" >&2; fail "phase one did not end"; }
stop_broker INGEST
sleep 1
start_broker INGEST "$INGEST_PORT"
touch "$T/restarted"
status=0
wait $drive || status=$?
untrack $drive
cat "$T/drive.log" >&2
[ "$status" = 0 ] || fail "the browser checks failed"
cp "$T"/console*.png "$WG_BIN/" 2>/dev/null || true

# The Acknowledge button's ack, as the daemon recorded and published it.
id=$(cat "$T/acked-id")
[ "$(sql "SELECT acked_by FROM alert_events WHERE alert_id = '$id' AND state = 'acknowledged'")" = "Dr Console" ] ||
  fail "the daemon did not record the console's ack"
grep '"state":"acknowledged"' "$T/hub.sub" | grep -q "\"id\":\"$id\".*\"by\":\"Dr Console\"" ||
  fail "no acknowledged event from the daemon"
grep '"state":"acknowledged"' "$T/hub.sub" | grep "\"id\":\"$id\"" | grep -q '"verified":true' ||
  fail "the console's ack was not signed: $(grep '"state":"acknowledged"' "$T/hub.sub")"
! grep -q 'refused ack' "$T/wardgated.log" || fail "an ack of the console was refused: $(grep 'refused ack' "$T/wardgated.log")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok (screenshots in $WG_BIN)"
