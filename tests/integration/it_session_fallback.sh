#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The clean-session fallback reports the lost uplink session when it
# happens, and is not found lost again at the next start: the daemon
# forgets the session it gave up. Two hub brokers (uplink.mqtt.hosts) on
# each of which a client keeps taking the gateway's client id, so that
# every node drops the persistent session right after its CONNACK; the
# daemon falls back to "<client id>-clean". Stopped, the takers gone, and
# started again, it takes its persistent session anew (the brokers have
# none: the takers' clean sessions wiped it) and reports nothing.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPA
start_broker UPB
cat >"$T/wardgate.json" <<CONF
{
  "gateway_id": "gw-test",
  "database": "$T/wardgate.db",
  "durability": "process",
  "ingest": { "mqtt": { "host": "127.0.0.1", "port": $INGEST_PORT } },
  "uplink": { "mqtt": { "hosts": [ { "host": "127.0.0.1", "port": $UPA_PORT },
    { "host": "127.0.0.1", "port": $UPB_PORT } ], "keepalive_s": 5 } },
  "patients": [{"id":"p-001","devices":["oxi-1"]}]
}
CONF
RUN_FROM=1
run_log() { tail -n "+$RUN_FROM" "$T/wardgated.log"; }

# The first start: both sessions held and remembered.
start_daemon "$T/wardgate.json"
wait_until 10 sh -c "[ \"\$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM meta WHERE key = 'session/uplink'\")\" = 1 ]" ||
  fail "the uplink session is not remembered"

# taker PORT: keeps connecting with the gateway's uplink client id (clean
# session), reconnecting whenever the daemon takes the id back.
taker() {
  mosquitto_sub -h 127.0.0.1 -p "$1" -i wardgate-gw-test-uplink \
    -t it/taker -q 1 >/dev/null 2>&1 &
  track $!
  TAKERS="${TAKERS:-} $!"
}
taker "$UPA_PORT"
taker "$UPB_PORT"
wait_until 90 grep -q 'falling back to a clean session' "$T/wardgated.log" ||
  fail "no fallback to a clean session"
wait_until 15 sh -c "[ \"\$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM meta WHERE key = 'session/uplink'\")\" = 0 ]" ||
  fail "the session given up is still remembered"
grep -q 'hub: session lost: the uplink broker\|hub: suspected takeover: the uplink broker' \
  "$T/wardgated.log" || fail "the fallback's loss was not reported"
stop_daemon TERM
for p in $TAKERS; do
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  untrack "$p"
done

# The next start: no session expected, none reported, the session held
# and remembered again.
RUN_FROM=$(($(wc -l <"$T/wardgated.log") + 1))
start_daemon "$T/wardgate.json"
wait_until 10 sh -c "[ \"\$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM meta WHERE key = 'session/uplink'\")\" = 1 ]" ||
  fail "the session taken anew is not remembered"
run_log | grep -q 'uplink: connected to' || fail "no uplink connect"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
! run_log | grep -q 'session lost' ||
  fail "the session given up was reported lost again: $(run_log | grep 'session lost')"
log "ok"
