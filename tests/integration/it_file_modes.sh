#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The files at the home: the database and its WAL and shared-memory files
# are the daemon's alone whatever the umask; a password file others can
# read is warned about, and refused with "strict_permissions".
. "$(dirname "$0")/lib.sh"

umask 022
start_broker INGEST
printf 'unused\n' >"$T/password"
chmod 0666 "$T/password"
write_config "$T/wardgate.json"
# The ingest broker takes anyone; the password goes with a user name.
sed -i "s#\"port\": $INGEST_PORT }#\"port\": $INGEST_PORT, \"username\": \"gw\", \"password_file\": \"$T/password\" }#" \
  "$T/wardgate.json"
grep -q '"password_file"' "$T/wardgate.json" || fail "config not edited"

start_daemon "$T/wardgate.json"
pub oxi-1 "[{\"bt\":$(date +%s),\"n\":\"spo2\",\"u\":\"%\",\"v\":96}]"
wait_until 10 readings_at_least 1 || fail "nothing stored"
for f in wardgate.db wardgate.db-wal wardgate.db-shm; do
  [ "$(stat -c %a "$T/$f")" = 600 ] || fail "$f has mode $(stat -c %a "$T/$f") under umask 022"
done
grep -q "warning: $T/wardgate.json: ingest.mqtt.password_file: $T/password is open to group or others (mode 0666)" \
  "$T/wardgated.log" || fail "no warning about the password file"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"

# With strict_permissions: refused by --check-config and at start.
sed -i 's#"durability": "process",#"durability": "process", "strict_permissions": true,#' "$T/wardgate.json"
want="$T/wardgate.json: ingest.mqtt.password_file: $T/password is open to group or others (mode 0666) (strict_permissions)"
status=0
"$WARDGATED" --check-config -c "$T/wardgate.json" >"$T/check.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "--check-config exit status $status, want 1"
grep -qF "$want" "$T/check.out" || fail "--check-config said: $(cat "$T/check.out")"
status=0
timeout 10 "$WARDGATED" -c "$T/wardgate.json" >"$T/start.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "start exit status $status, want 1"
grep -qF "$want" "$T/start.out" || fail "start said: $(cat "$T/start.out")"
chmod 0600 "$T/password"
"$WARDGATED" --check-config -c "$T/wardgate.json" >"$T/check.out" 2>&1 ||
  fail "a private password file refused: $(cat "$T/check.out")"
log "ok"
