#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A persistent broker session lost is never silent: another client that
# connects with the daemon's client id (clean session) wipes the session the
# broker kept for the daemon. At its reconnect the daemon finds
# session-present 0 and says so (errors topic, the status's sessions_lost,
# the journal); the same session lost again within seconds is reported as
# a suspected takeover. Both sessions, the ingest's and the uplink's.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
subscribe errors 'wardgate/gw-test/errors'
start_daemon "$T/wardgate.json"

# impostor CLIENT_ID SECONDS: a client that keeps connecting with that id
# (mosquitto_sub reconnects when the broker drops it for the daemon).
impostor() {
  timeout "$2" mosquitto_sub -h 127.0.0.1 -p "$INGEST_PORT" -i "$1" \
    -t it/impostor -q 1 >/dev/null 2>&1 || true
}

for which in ingest uplink; do
  impostor "wardgate-gw-test-$which" 3 &
  imp=$!
  track $imp
  wait_until 15 sub_has errors "session lost: the $which broker" ||
    fail "$which: the lost session was not reported"
  wait_until 15 sub_has errors "suspected takeover: the $which broker" ||
    fail "$which: repeated losses not reported as a takeover"
  wait "$imp" || true
  untrack $imp
  grep -q "hub: session lost: the $which broker" "$T/wardgated.log" ||
    fail "$which: not in the journal"
  grep -q "hub: suspected takeover: the $which broker" "$T/wardgated.log" ||
    fail "$which: the takeover is not in the journal"
done

# The daemon has its sessions back and goes on.
wait_until 20 daemon_connected || true
pub oxi-1 '[{"n":"spo2","u":"%","v":96,"t":-1}]'
wait_until 10 readings_at_least 1 || fail "no reading after the sessions came back"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
case "$(retained wardgate/gw-test/status)" in
*'"sessions_lost":'[2-9]* | *'"sessions_lost":'[1-9][0-9]*) ;;
*) fail "sessions_lost not counted: $(retained wardgate/gw-test/status)" ;;
esac
log "ok"
