#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One ack from the hub while the database is locked must not freeze the
# uplink: an ack waits for its commit before its PUBACK goes to the hub's
# broker, and everything the uplink sends queues behind that PUBACK. While
# the store fails, the wait is bounded (a third of the keepalive), so the
# uplink keeps its pings and its status, the broker never publishes the
# gateway's will, and the ack is committed once the store recovers.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '"status_interval_s": 1,'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
subscribe status 'wardgate/gw-test/status' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "no alert"
id=$(raised_id)

# Another process holds the write lock for 12 s: more than 1.5 times the
# uplink's keepalive of 5 s, after which the broker gives a silent client up
# and publishes its will.
rm -f "$T/lock"
mkfifo "$T/lock"
sqlite3 "$T/wardgate.db" <"$T/lock" &
lockpid=$!
track $lockpid
exec 3>"$T/lock"
echo 'BEGIN IMMEDIATE;' >&3
n=$(grep -c 'cannot commit' "$T/wardgated.log" || true)
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-1\"}"
wait_until 10 sh -c "[ \$(grep -c 'cannot commit' '$T/wardgated.log') -gt $n ]" ||
  fail "the lock was not noticed"
before=$(sub_count status '"state":"online"')
sleep 10
during=$(($(sub_count status '"state":"online"') - before))
# A status a second: after the bounded wait, most of the 10 s.
[ "$during" -ge 5 ] || fail "the uplink froze: $during status messages in 10 s of the outage"
! sub_has status '"state":"offline"' || fail "the broker published the will: the uplink stopped"
grep -q "connection to 127.0.0.1:$UPLINK_PORT lost" "$T/wardgated.log" &&
  fail "the uplink lost its connection during the outage"
[ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = raised ] ||
  fail "committed under the lock?"

echo 'COMMIT;' >&3
exec 3>&-
wait $lockpid
untrack $lockpid

# The ack, kept in memory, is committed and published; new alerts flow.
acked() { [ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = acknowledged ]; }
wait_until 15 acked || fail "the ack taken during the outage was lost"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "no acknowledged event"
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-002".*"state":"raised"\|"state":"raised".*"patient":"p-002"' ||
  fail "no alert after the outage"
! sub_has status '"state":"offline"' || fail "the broker published the will"
daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
