#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The broker hears the daemon's PUBACK for a reading only once the reading is
# committed. While the database is locked, commits fail and nothing is
# acknowledged: a daemon killed then loses nothing, because the broker still
# holds every reading and delivers it again to the restarted daemon.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"
pub oxi-1 '[{"n":"spo2","v":97,"t":-60}]'
wait_until 10 readings_at_least 1 || fail "nothing stored"

# Hold the write lock until we let go of it.
mkfifo "$T/lock"
sqlite3 "$T/wardgate.db" <"$T/lock" &
lockpid=$!
track $lockpid
exec 3>"$T/lock"
echo 'BEGIN IMMEDIATE;' >&3
for i in $(seq 1 20); do pub oxi-1 "[{\"n\":\"hr\",\"v\":$((60 + i)),\"t\":-$i}]"; done
wait_until 10 grep -q 'cannot commit' "$T/wardgated.log" || fail "lock not noticed"
# The daemon has taken the readings in; give it time to (wrongly) ack them.
sleep 1
stop_daemon KILL
echo 'COMMIT;' >&3
exec 3>&-
wait $lockpid
untrack $lockpid
[ "$(count_readings)" = 1 ] || fail "readings committed under the lock?"

start_daemon "$T/wardgate.json"
wait_until 15 readings_at_least 21 ||
  fail "readings delivered before the kill were lost: $(count_readings) of 21"
sleep 0.5
[ "$(count_readings)" = 21 ] || fail "$(count_readings) readings, not 21"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
