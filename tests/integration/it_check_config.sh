#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line: --check-config exit codes and messages, --version, bad
# arguments, and exit status 2 for a runtime failure.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

"$WARDGATED" --check-config -c "$SRC/config/wardgate.json" >"$T/out" 2>&1 ||
  fail "the example config fails: $(cat "$T/out")"

cat >"$T/bad.json" <<'CONF'
{ "gateway_id": "gw-1",
  "durabilty": "power",
  "ingest": { "mqtt": { "port": 99999 } },
  "uplink": { "mqtt": { "username": "u", "password_file": "/nonexistent/pw" } },
  "patients": [ { "id": "p-1", "devices": ["a"] },
                { "id": "p-2", "devices": ["b", 7] } ] }
CONF
status=0
"$WARDGATED" --check-config -c "$T/bad.json" >"$T/out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "--check-config on a bad file: exit $status, want 1"
for line in \
  "$T/bad.json: durabilty: unknown key" \
  "$T/bad.json: ingest.mqtt.port: must be between 1 and 65535 (got 99999)" \
  "$T/bad.json: uplink.mqtt.password_file: cannot read /nonexistent/pw: No such file or directory" \
  "$T/bad.json: patients[1].devices[1]: must be a device id"; do
  grep -qF -- "$line" "$T/out" || fail "missing \"$line\" in: $(cat "$T/out")"
done
[ "$(wc -l <"$T/out")" = 4 ] || fail "expected 4 problems: $(cat "$T/out")"

status=0
"$WARDGATED" --check-config -c "$T/missing.json" >"$T/out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "missing file: exit $status"
grep -q "missing.json: cannot read" "$T/out" || fail "$(cat "$T/out")"

"$WARDGATED" --version | grep -Eq '^wardgated [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
status=0
"$WARDGATED" --bogus >/dev/null 2>&1 || status=$?
[ "$status" = 1 ] || fail "bad option: exit $status"

# A database that cannot be opened is a runtime failure: exit 2.
INGEST_PORT=$("$FREEPORT")
write_config "$T/run.json"
sed -i "s#\"database\": \"[^\"]*\"#\"database\": \"$T/no/such/dir/x.db\"#" "$T/run.json"
status=0
timeout 10 "$WARDGATED" -c "$T/run.json" >"$T/out" 2>&1 || status=$?
[ "$status" = 2 ] || fail "unopenable database: exit $status, want 2"
grep -q '^wardgated: error: store: cannot open' "$T/out" || fail "terminal form: $(cat "$T/out")"
# Under systemd each line carries its sd-daemon priority prefix instead.
JOURNAL_STREAM=8:1234 timeout 10 "$WARDGATED" -c "$T/run.json" >"$T/out" 2>&1 || true
grep -q '^<3>store: cannot open' "$T/out" || fail "journal form: $(cat "$T/out")"
log "ok"
