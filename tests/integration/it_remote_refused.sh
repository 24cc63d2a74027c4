#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Desired configurations the gateway must refuse: unsigned, a signature
# that does not match (a changed document, another key), a device claimed
# by two patients, an unknown key, a time far ahead or older than the
# version in effect. Each is answered "refused" on config/reported with
# why (a problem of the checker with its key path), and leaves everything
# as it was: the store byte for byte, the patients, the status's version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"

start_remote
send_desired "$(signed_desired 1 '[{"id":"p-1","devices":["fall-1"]}]' --ts $(($(date +%s) - 100)))"
wait_reported 1 '"version":1,"result":"applied"' || fail "v1 not applied"
wait_until 10 sub_has hub '"config_version":1' || fail "no version in the status"
sleep 0.5
sql .dump >"$T/before.sql"

n=0
refused() { # PAYLOAD PATTERN
  n=$((n + 1))
  send_desired "$1"
  wait_reported "$n" '"version":2,"result":"refused"' || fail "not refused ($2): $(tail -n 3 "$T/hub.sub")"
  grep "^$REPORTED_TOPIC " "$T/hub.sub" | tail -n 1 | grep -q -- "$2" ||
    fail "the refusal does not say $2: $(grep "^$REPORTED_TOPIC " "$T/hub.sub" | tail -n 1)"
}
two='[{"id":"p-1","devices":["fall-1"]},{"id":"p-2","devices":["fall-2"]}]'
good=$(signed_desired 2 "$two")
refused '{"version":2,"ts":1,"patients":[]}' '"description":"unsigned (no \\"sig\\")"'
refused "$(printf '%s' "$good" | sed 's/fall-2/fall-9/')" '"description":"bad signature"'
printf 'another-key-another-key\n' >"$T/other.key"
refused "$(KEY="$T/other.key" signed_desired 2 "$two")" '"description":"bad signature"'
refused "$(signed_desired 2 '[{"id":"p-1","devices":["fall-1"]},{"id":"p-2","devices":["fall-1"]}]')" \
  'patients\[1\].devices\[0\]: \\"fall-1\\" is also patients\[0\].devices\[0\]'
refused "$(signed_desired 2 '[{"id":"p-1","devices":["fall-1"],"tresholds":[]}]')" \
  'patients\[0\].tresholds: unknown key'
refused "$(signed_desired 2 "$two" --ts $(($(date +%s) + 1000)))" '"description":"stale: \\"ts\\" .* ahead'
refused "$(signed_desired 2 "$two" --ts $(($(date +%s) - 1000)))" 'stale: .*older than that of the configuration in effect'
# Unreadable: no version to answer for, so version 0.
send_desired '{"version":2,"ts":1,"patients":[],"sig":"x","version":3}'
wait_reported 1 '"version":0,"result":"refused","description":"not JSON: duplicate member name' ||
  fail "a malformed document not refused: $(tail -n 2 "$T/hub.sub")"

sleep 1.5 # a status goes out each second
sql .dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "the store changed: $(diff "$T/before.sql" "$T/after.sql" | head)"
grep 'wardgate/gw-test/status ' "$T/hub.sub" | tail -n 1 | grep -q '"config_version":1' ||
  fail "the status's version moved"
pub fall-2 "$(fall_pack)"
wait_until 10 sub_has hub 'fall-2.*unknown device' || fail "a refused document admitted p-2"
grep -q 'remote: configuration version 2 refused: bad signature; nothing changed' "$T/wardgated.log" ||
  fail "not in the journal"

# A refusal does not hold up the next good version.
send_desired "$good"
wait_reported 1 '"version":2,"result":"applied"' || fail "the good v2 not applied"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
# Every answer against its schema (the documents sent are bad on purpose).
grep -v "^$DESIRED_TOPIC " "$T/hub.sub" >"$T/out.sub"
python3 "$(dirname "$0")/../schemas.py" hub "$T/out.sub" >"$T/check.out" ||
  fail "messages refused: $(cat "$T/check.out")"
grep "^topics:" "$T/check.out" | grep -q ' config/reported=10 ' ||
  fail "the reports were not checked: $(cat "$T/check.out")"
log "ok"
