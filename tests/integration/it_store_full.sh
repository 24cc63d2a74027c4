#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A full disk (writes to the database fail with ENOSPC, injected by
# tests/enospc.c): commits fail and are logged, the daemon keeps running and
# holds the readings it acknowledged, and stores them all once space is back.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
export WG_ENOSPC_FLAG="$T/disk-full"
export LD_PRELOAD="$WG_BIN/tests/enospc.so"
# Under ASan the sanitizer runtime is not first in the list; that is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
start_daemon "$T/wardgate.json"
unset LD_PRELOAD
pub oxi-1 '[{"n":"spo2","v":97,"t":-30}]'
wait_until 10 readings_at_least 1 || fail "nothing stored"

touch "$WG_ENOSPC_FLAG"
"$SIM" -p "$INGEST_PORT" -n 2 -r 2000 -c 1000 -q
wait_until 15 grep -q 'cannot commit' "$T/wardgated.log" || fail "full disk not noticed"
daemon_alive || fail "daemon died on a full disk"
grep -q 'disk is full\|SQLITE_FULL\|storage full' "$T/wardgated.log" ||
  fail "the log does not say the disk is full"
stored_while_full=$(count_readings)
[ "$stored_while_full" = 1 ] || fail "stored while the disk was full?"

rm -f "$WG_ENOSPC_FLAG"
# 1000 packs of 2.2 readings on average, and the first one.
wait_until 30 readings_at_least 2201 ||
  fail "readings lost: $(count_readings) of 2201 after the disk had room again"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "database damaged"
log "ok"
