#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A database file that is not a database, or one that is damaged, at
# start: wardgated refuses it with a clear error and exit status 2, and
# leaves the file as it was: it never starts empty over a patient's record.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
DB=$T/wardgate.db

# refuse WHAT: the daemon must exit 2 by itself, name the problem, and
# leave the file byte for byte as it was.
refuse() {
  local before status=0
  before=$(sha256sum "$DB")
  timeout 30 "$WARDGATED" -c "$T/wardgate.json" >"$T/refused.log" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "$1: exit status $status, not 2: $(cat "$T/refused.log")"
  grep -q "refusing to start" "$T/refused.log" ||
    fail "$1: no clear error: $(cat "$T/refused.log")"
  grep -q "$DB" "$T/refused.log" || fail "$1: the error does not name the file"
  [ "$(sha256sum "$DB")" = "$before" ] || fail "$1: the file was changed"
  [ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ] || fail "$1: a WAL was written"
  log "$1: refused: $(grep 'refusing' "$T/refused.log" | head -1)"
}

# Not a database: a file of another kind at the configured path.
head -c 65536 /dev/urandom >"$DB"
refuse "random bytes"
printf 'patient notes, not a database\n' >"$DB"
refuse "a text file"

# A database the daemon wrote, with readings and an open alert ...
rm -f "$DB"
start_daemon "$T/wardgate.json"
for i in $(seq 1 400); do
  pub oxi-1 "[{\"bn\":\"oxi-1:\",\"n\":\"spo2\",\"u\":\"%\",\"v\":97,\"t\":-$i},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":70,\"t\":-$i}]"
done
pub fall-1 "$(fall_pack)"
wait_until 20 readings_at_least 801 || fail "readings not stored: $(count_readings)"
fall_open() { [ "$(sql "SELECT count(*) FROM alerts WHERE open = 1")" -ge 1 ]; }
wait_until 10 fall_open ||
  fail "the fall was not raised"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
pages=$(sql 'PRAGMA page_count')
psize=$(sql 'PRAGMA page_size')
[ "$pages" -ge 8 ] || fail "only $pages pages"
cp "$DB" "$T/good.db"

# ... damaged in the middle of its pages (a torn write, a bad sector) ...
python3 - "$DB" "$psize" "$((pages / 2))" <<'PY'
import sys
path, size, page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "r+b") as f:
    f.seek(size * page + 8)  # past the page header's type byte
    f.write(b"\xa5" * (size - 16))
PY
refuse "a damaged page"

# ... and with its header's page size made nonsense.
cp "$T/good.db" "$DB"
printf '\x00\x03' | dd of="$DB" bs=1 seek=16 conv=notrunc status=none
refuse "a damaged header"

# The intact copy starts, with what it held.
cp "$T/good.db" "$DB"
start_daemon "$T/wardgate.json"
[ "$(count_readings)" -ge 801 ] || fail "the intact copy lost readings"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
