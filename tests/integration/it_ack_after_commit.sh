#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon's PUBACK for a message goes to the broker only once what the
# message brought is committed. While the database is locked, commits fail
# and nothing is acknowledged: a daemon killed then loses nothing, because
# the broker still holds every message and delivers it again to the
# restarted daemon. Both sides: readings from devices on the ingest broker,
# and a clinician's ack from the hub on the uplink broker. An ack holds the
# uplink for a third of its keepalive at most while the store fails
# (it_uplink_store_outage): a keepalive of 30 s gives this kill, a second
# into the outage, the full 5 s.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json"
sed -i 's/"keepalive_s": 5/"keepalive_s": 30/' "$T/wardgate.json"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

# lock / unlock: another process holds the database's write lock.
lock() {
  rm -f "$T/lock"
  mkfifo "$T/lock"
  sqlite3 "$T/wardgate.db" <"$T/lock" &
  LOCKPID=$!
  track $LOCKPID
  exec 3>"$T/lock"
  echo 'BEGIN IMMEDIATE;' >&3
}
unlock() {
  echo 'COMMIT;' >&3
  exec 3>&-
  wait $LOCKPID
  untrack $LOCKPID
}
failed_commits() { grep -c 'cannot commit' "$T/wardgated.log" || true; }
# kill_while_locked: once a commit has failed since $1, kill -9.
kill_while_locked() {
  wait_until 10 sh -c "[ \$(grep -c 'cannot commit' '$T/wardgated.log') -gt $1 ]" ||
    fail "the lock was not noticed"
  sleep 1 # time enough to (wrongly) acknowledge
  stop_daemon KILL
}

# Devices: 20 packs taken in while the lock holds.
pub oxi-1 '[{"n":"spo2","v":97,"t":-60}]'
wait_until 10 readings_at_least 1 || fail "nothing stored"
lock
n=$(failed_commits)
for i in $(seq 1 20); do pub oxi-1 "[{\"n\":\"hr\",\"v\":$((60 + i)),\"t\":-$i}]"; done
kill_while_locked "$n"
unlock
[ "$(count_readings)" = 1 ] || fail "readings committed under the lock?"
start_daemon "$T/wardgate.json"
wait_until 15 readings_at_least 21 ||
  fail "readings delivered before the kill were lost: $(count_readings) of 21"
sleep 0.5
[ "$(count_readings)" = 21 ] || fail "$(count_readings) readings, not 21"

# The hub: an ack taken in while the lock holds.
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "no alert"
id=$(raised_id)
lock
n=$(failed_commits)
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-1\"}"
kill_while_locked "$n"
unlock
[ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = raised ] ||
  fail "the ack was committed under the lock?"
start_daemon "$T/wardgate.json"
acked() { [ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = acknowledged ]; }
wait_until 15 acked || fail "the ack delivered before the kill was lost"
[ "$(sql "SELECT count(*) FROM alert_events WHERE alert_id='$id' AND state='acknowledged'")" = 1 ] ||
  fail "audit trail: $(sql 'SELECT state, cause FROM alert_events')"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
