#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The retained status: online with version, start time and counters while
# running; offline after SIGTERM (published by the daemon) and after kill -9
# (the MQTT will, from the broker).
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '"status_interval_s": 1,'
start_daemon "$T/wardgate.json"

online() { retained 'wardgate/gw-test/status' | grep -q '"state":"online"'; }
offline() { retained 'wardgate/gw-test/status' | grep -q '"state":"offline"'; }
wait_until 10 online || fail "no retained online status on the uplink"
s=$(retained 'wardgate/gw-test/status')
for field in '"gateway":"gw-test"' '"version":"' '"started":1' '"counters":{' '"packs_received":'; do
  case $s in *"$field"*) ;; *) fail "status lacks $field: $s" ;; esac
done
# The counters move, published every status_interval_s.
pub oxi-1 '[{"n":"spo2","v":97}]'
wait_until 10 sh -c "mosquitto_sub -p $UPLINK_PORT -t wardgate/gw-test/status -C 1 -W 2 --retained-only | grep -q '\"readings_stored\":1'" ||
  fail "counters not updated"
# Nothing about status on the ingest broker.
[ -z "$(retained 'wardgate/gw-test/status' "$INGEST_PORT")" ] || fail "status went to the ingest broker"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS after SIGTERM"
offline || fail "status not offline after SIGTERM"
retained 'wardgate/gw-test/status' | grep -q '"readings_stored":1' ||
  fail "the clean offline status should carry the final counters"

start_daemon "$T/wardgate.json"
wait_until 10 online || fail "not online after restart"
stop_daemon KILL
# keepalive_s is 5: the broker gives up after 1.5 x keepalive.
wait_until 15 offline || fail "the will did not set the status offline"
log "ok"
