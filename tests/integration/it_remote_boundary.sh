#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A version is applied at a commit boundary, never over a pending batch:
# with the store locked, readings wait in the batch, and a version that
# moves their device to another patient (and discharges the first) waits
# with them. When the lock goes, the waiting readings are stored and
# judged under the patients they arrived under, then the version is
# applied, its row and the discharge committed together; only then is it
# answered "applied". (A SIGHUP over a pending batch, before, could store a
# reading under one patient and alert under another.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

start_remote
send_desired "$(signed_desired 1 '[{"id":"p-1","devices":["fall-1"]}]')"
wait_reported 1 '"version":1,"result":"applied"' || fail "v1 not applied"

(echo 'BEGIN IMMEDIATE;'; sleep 3; echo 'COMMIT;') | sqlite3 "$T/wardgate.db" &
lockpid=$!
track $lockpid
sleep 0.5
pub fall-1 "$(fall_pack)"
wait_until 10 grep -q 'cannot commit' "$T/wardgated.log" || fail "lock not noticed"
send_desired "$(signed_desired 2 '[{"id":"p-9","devices":["fall-1"]}]')"
wait_until 10 grep -q 'configuration version 2 by dr-khan accepted' "$T/wardgated.log" ||
  fail "v2 not accepted"
sleep 0.5
[ "$(reported_count '"version":2')" = 0 ] || fail "answered before its commit"
wait $lockpid
untrack $lockpid
wait_reported 1 '"version":2,"result":"applied"' || fail "v2 not applied after the lock"
# The fall taken under v1 is p-1's, stored and alerted as p-1's; then v2
# discharged p-1 and closed it.
[ "$(sql "SELECT patient_id FROM readings WHERE name='fall'")" = p-1 ] ||
  fail "the pending reading was stored under $(sql "SELECT patient_id FROM readings WHERE name='fall'")"
wait_until 10 sub_has hub '"patient":"p-1".*"state":"raised"' || fail "not alerted under p-1"
wait_until 10 sub_has hub '"patient":"p-1".*"state":"cleared".*discharged' || fail "not closed by the discharge"
sub_has hub '"patient":"p-9"' && fail "the pending reading alerted under the new patient"
# Its row and the discharge's audit are one commit.
[ "$(sql "SELECT count(*) FROM config_versions WHERE version=2")" = 1 ] || fail "no row for v2"
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"patient":"p-9".*"state":"raised"' || fail "the next fall is not p-9's"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
