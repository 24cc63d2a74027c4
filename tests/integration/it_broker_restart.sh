#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A broker that goes away and comes back is reconnected to, without blocking
# the daemon, and ingest resumes; what devices published while the daemon
# was cut off is delivered through the persistent session.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"

pub oxi-1 '[{"n":"spo2","v":97,"t":-10}]'
wait_until 10 readings_at_least 1 || fail "nothing stored"

stop_broker INGEST
wait_until 10 grep -q 'ingest: connection to .* lost' "$T/wardgated.log" ||
  fail "loss not noticed"
# The loop is not blocked: the uplink status keeps being served.
sleep 1
daemon_alive || fail "daemon died with its broker"
start_broker INGEST "$INGEST_PORT"
wait_until 20 sh -c "[ \$(grep -c 'ingest: connected' '$T/wardgated.log') -ge 2 ]" ||
  fail "no reconnect to the ingest broker"
pub oxi-1 '[{"n":"spo2","v":96,"t":-5}]'
wait_until 10 readings_at_least 2 || fail "ingest did not resume"

# The uplink too: status online again after its broker restarts.
stop_broker UPLINK
sleep 1
start_broker UPLINK "$UPLINK_PORT"
wait_until 20 sh -c "[ \$(grep -c 'uplink: connected' '$T/wardgated.log') -ge 2 ]" ||
  fail "no reconnect to the uplink broker"
online() { retained 'wardgate/gw-test/status' | grep -q '"state":"online"'; }
wait_until 10 online || fail "status not republished after the uplink came back"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
