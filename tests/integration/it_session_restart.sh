#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A broker session lost while the daemon was down is reported at its start
# (threat HOME-7): the daemon remembers in its database that each broker
# held its persistent session, and the first CONNACK without it is a lost
# session, reported as a reconnect's is (errors, the status's
# sessions_lost, the journal), "found at start". The first start ever
# reports nothing, nor does a broker that kept the session (persistence).
# The ingest's session at a home broker restarted without persistence,
# then the uplink's at a hub broker restarted the same way.
. "$(dirname "$0")/lib.sh"

# restart_broker NAME PERSISTENCE: stop it and start it again on its port,
# with its persistence true or false (false: every session is gone).
restart_broker() {
  local name=$1 port pid
  eval "port=\${${name}_PORT}"
  stop_broker "$name"
  sed -i "s/^persistence .*/persistence $2/" "$T/$name/mosquitto.conf"
  mosquitto -c "$T/$name/mosquitto.conf" 2>>"$T/$name.log" &
  pid=$!
  track "$pid"
  eval "${name}_PID=$pid"
  wait_until 10 port_open "$port" || fail "mosquitto $name did not restart"
}

# run_log: the journal of the daemon's current run.
RUN_FROM=1
run_log() { tail -n "+$RUN_FROM" "$T/wardgated.log"; }
start_run() {
  RUN_FROM=$(($(wc -l <"$T/wardgated.log" 2>/dev/null || echo 0) + 1))
  start_daemon "$T/wardgate.json"
}

# sessions_lost: the counter in the status the daemon left at its stop.
sessions_lost() {
  retained wardgate/gw-test/status |
    sed -n 's/.*"sessions_lost":\([0-9]*\).*/\1/p'
}

# A reading through the ingest session, stored: it is up and subscribed.
N=0
reading_through() {
  local before
  before=$(count_readings)
  N=$((N + 1))
  pub oxi-1 "[{\"n\":\"spo2\",\"u\":\"%\",\"v\":9$((N % 10)),\"t\":-$N}]"
  wait_until 15 readings_at_least "$((before + 1))" ||
    fail "$1: no reading through the ingest session"
}

start_broker INGEST
restart_broker INGEST false
start_broker UPLINK
write_config "$T/wardgate.json"

# 1. The first start ever: no record, nothing expected, nothing reported.
subscribe errors1 'wardgate/gw-test/errors'
start_run
reading_through "first start"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "first start: exit status $DAEMON_STATUS"
[ "$(sessions_lost)" = 0 ] ||
  fail "first start: sessions_lost $(sessions_lost), want 0"
! run_log | grep -q 'session lost' || fail "first start: a loss reported"
! grep -q 'session lost' "$T/errors1.sub" || fail "first start: errors has a loss"
[ "$(sql "SELECT count(*) FROM meta WHERE key IN ('session/ingest', 'session/uplink')")" = 2 ] ||
  fail "the sessions are not remembered: $(sql 'SELECT * FROM meta')"

# 2. While the daemon is down a device publishes (queued in its session),
# and the home broker restarts without persistence: session and reading
# are gone. The hub's broker restarts with persistence: its session kept.
pub fall-1 "$(fall_pack)"
restart_broker INGEST false
restart_broker UPLINK true
subscribe errors2 'wardgate/gw-test/errors'
start_run
wait_until 15 sub_has errors2 '"source":"ingest".*session lost at start: the ingest broker' ||
  fail "ingest: the session lost at start is not on errors"
run_log | grep -q 'hub: session lost at start: the ingest broker' ||
  fail "ingest: the loss is not in the journal"
reading_through "after the ingest's loss"
[ "$(count_readings "WHERE name = 'fall'")" = 0 ] ||
  fail "the fall published to the lost session was delivered: no loss to report"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "ingest: exit status $DAEMON_STATUS"
[ "$(sessions_lost)" = 1 ] || fail "ingest: sessions_lost $(sessions_lost), want 1"
# The control: the hub's broker kept the uplink's session.
! run_log | grep -q 'session lost.*uplink broker' ||
  fail "uplink: a kept session reported lost"
! grep -q '"source":"uplink"' "$T/errors2.sub" || fail "uplink: errors has a loss"

# 3. The hub's broker restarts without persistence; the home broker (with
# the session of run 2 in memory) keeps the ingest's.
restart_broker UPLINK false
subscribe errors3 'wardgate/gw-test/errors'
start_run
wait_until 15 sub_has errors3 '"source":"uplink".*session lost at start: the uplink broker' ||
  fail "uplink: the session lost at start is not on errors"
run_log | grep -q 'hub: session lost at start: the uplink broker' ||
  fail "uplink: the loss is not in the journal"
reading_through "after the uplink's loss"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "uplink: exit status $DAEMON_STATUS"
[ "$(sessions_lost)" = 1 ] || fail "uplink: sessions_lost $(sessions_lost), want 1"
! run_log | grep -q 'session lost.*ingest broker' ||
  fail "ingest: a kept session reported lost"

# 4. Both brokers kept both sessions: nothing.
subscribe errors4 'wardgate/gw-test/errors'
start_run
reading_through "both kept"
stop_daemon TERM
[ "$(sessions_lost)" = 0 ] || fail "both kept: sessions_lost $(sessions_lost)"
! run_log | grep -q 'session lost' || fail "both kept: a loss reported"
! grep -q 'session lost' "$T/errors4.sub" || fail "both kept: errors has a loss"
log "ok"
