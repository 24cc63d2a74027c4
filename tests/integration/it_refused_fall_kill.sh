#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fall inside a pack refused over CoAP is answered (4.00) only once the
# fall is committed: while the database is locked by another process the
# device waits for its answer; the daemon is killed (SIGKILL) the moment it
# answers, and the fall and its alert are in the database (DESIGN.md
# section 5, 2026-12-06; hazard H-TM3). Answered at once, before its
# commit, a kill would have lost the fall the device was told was handled.
. "$(dirname "$0")/lib.sh"

command -v "$COAP_CLIENT" >/dev/null || { log "skip: $COAP_CLIENT is not installed"; exit 77; }
start_with_coap

# Hold the write lock for 2 seconds while the device posts (and waits up
# to 15 s for its answer).
(echo 'BEGIN IMMEDIATE;'; sleep 2; echo 'COMMIT;') | sqlite3 "$T/wardgate.db" &
lockpid=$!
track $lockpid
sleep 0.5
pack="[{\"bt\":$(now),\"n\":\"fall\",\"vb\":true},{\"n\":\"battery\",\"v\":101}]"
coap_post fall-1 "$pack" -B 15 >"$T/answer" &
postpid=$!
track $postpid
wait_until 20 test -s "$T/answer" || fail "no answer: $(cat "$T/wardgated.log" | tail -5)"
# Killed at once: whatever the device was answered must be on disk.
stop_daemon KILL
wait $postpid || true
untrack $postpid
wait $lockpid || true
untrack $lockpid
grep -q '^4\.00 .*battery 101' "$T/answer" || fail "answer: $(cat "$T/answer")"
[ "$(count_readings "WHERE device_id = 'fall-1' AND name = 'fall' AND vb = 1")" = 1 ] ||
  fail "the fall of the refused pack, answered 4.00, is lost: $(sql 'SELECT * FROM readings')"
[ "$(sql "SELECT count(*) FROM alerts WHERE rule = 'fall' AND patient_id = 'p-001'")" = 1 ] ||
  fail "its fall alert is lost: $(sql 'SELECT id, rule FROM alerts')"
[ "$(count_readings "WHERE name = 'battery'")" = 0 ] || fail "the refused battery was stored"
log "ok"
