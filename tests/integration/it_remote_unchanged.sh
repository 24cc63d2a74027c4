#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The same desired version delivered again — published again, and given
# by the hub's broker at every reconnect since it is retained — is
# "unchanged" and a no-op: the store is byte for byte as it was, while the
# daemon runs (a dump) and across a restart (the file, checkpointed at
# the stop). An older version (a hub restored from a backup) is the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

start_remote
v1=$(signed_desired 1 "$(patients_json 2)")
send_desired "$v1"
wait_reported 1 '"version":1,"result":"applied"' || fail "v1 not applied"
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
sleep 0.5
sql .dump >"$T/before.sql"

send_desired "$v1"
wait_reported 1 '"version":1,"result":"unchanged"' || fail "again: not unchanged"
grep "^$REPORTED_TOPIC " "$T/hub.sub" | tail -n 1 |
  grep -q '"description":"version 1 is not newer than version 1 in effect; nothing changed".*"running":1' ||
  fail "report: $(grep "^$REPORTED_TOPIC " "$T/hub.sub" | tail -n 1)"

# The hub's broker restarts: the daemon reconnects and is given v1 again.
stop_broker UPLINK
start_broker UPLINK "$UPLINK_PORT"
subscribe hub2 'wardgate/gw-test/#' "$UPLINK_PORT"
wait_until 20 sh -c "grep '^$REPORTED_TOPIC ' '$T/hub2.sub' | grep -q '\"version\":1,\"result\":\"unchanged\"'" ||
  fail "not given v1 again at the reconnect: $(grep config "$T/hub2.sub")"
sql .dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "the store changed: $(diff "$T/before.sql" "$T/after.sql" | head)"

# Across a restart: the database file itself, checkpointed at each stop.
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
[ ! -s "$T/wardgate.db-wal" ] || fail "the WAL is left after the stop"
h1=$(sha256sum <"$T/wardgate.db")
start_daemon "$T/wardgate.json"
wait_until 20 sh -c "[ \$(grep '^$REPORTED_TOPIC ' '$T/hub2.sub' | grep -c '\"version\":1,\"result\":\"unchanged\"') -ge 2 ]" ||
  fail "not given v1 again after the restart"
grep -q 'patients of configuration version 1 (stored): 2 patients' "$T/wardgated.log" ||
  fail "the stored version not taken"
stop_daemon TERM
[ "$(sha256sum <"$T/wardgate.db")" = "$h1" ] || fail "the database file changed"
log "ok"
