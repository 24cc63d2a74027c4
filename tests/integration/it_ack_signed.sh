#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signed acks (DESIGN.md section 7): with uplink.ack_key_file, an unsigned,
# badly signed, stale or replayed ack is refused on errors and in the audit
# trail (a row of state ack_refused) and changes nothing; one signed by wardgatectl sign-ack acknowledges. The README's
# worked example is what wardgatectl computes and what openssl computes.
# Without a key, the daemon warns once at start and takes acks as before.
. "$(dirname "$0")/lib.sh"
CTL="$WG_BIN/wardgatectl"
README="$(dirname "$0")/../../README.md"

# The worked example of the README, by the code and by openssl.
printf 'wardgate-example-key-do-not-use\n' >"$T/example.key"
sign_example() {
  "$CTL" sign-ack gw-0001-000042 --key-file "$T/example.key" --by nurse-jones \
    --outcome visit --note "Community nurse to visit at 16:00" --ts 1763900000 "$@"
}
canonical=$(sign_example --canonical)
signed=$(sign_example)
sig=$(printf '%s' "$canonical" |
  openssl dgst -sha256 -hmac wardgate-example-key-do-not-use -binary |
  basenc --base64url | tr -d '=')
[ "$signed" = "${canonical%\}},\"sig\":\"$sig\"}" ] ||
  [ "$(printf '%s' "$signed" | grep -o '"sig":"[^"]*"')" = "\"sig\":\"$sig\"" ] ||
  fail "wardgatectl and openssl disagree: $signed vs $sig"
grep -qF "| canonical text | \`$canonical\` |" "$README" ||
  fail "the README's canonical text is not $canonical"
grep -qF "| \`sig\` | \`$sig\` |" "$README" || fail "the README's sig is not $sig"
grep -qF "$canonical' |" "$README" || fail "the README's openssl line differs"

start_broker INGEST
start_broker UPLINK
head -c 32 /dev/urandom | base64 >"$T/ack.key"
chmod 600 "$T/ack.key"
write_config "$T/wardgate.json" '' "$(patients_json 1)"
sed -i "s|\"keepalive_s\": 5 }|\"keepalive_s\": 5 }, \"ack_key_file\": \"$T/ack.key\"|" \
  "$T/wardgate.json"
grep -q ack_key_file "$T/wardgate.json" || fail "no key in the configuration"
"$WARDGATED" --check-config -c "$T/wardgate.json" || fail "check-config"
start_daemon "$T/wardgate.json"
grep -q 'no uplink.ack_key_file' "$T/wardgated.log" && fail "warned with a key"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
id=$(raised_id)

ack() { mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack -m "$1"; }
sign() { "$CTL" sign-ack "$id" --key-file "${KEY:-$T/ack.key}" --by dr-khan "$@"; }
ack "{\"id\":\"$id\",\"by\":\"mallory\"}"
wait_until 10 sub_has hub 'refused ack: unsigned' || fail "unsigned ack not refused"
KEY="$T/example.key" ack "$(KEY="$T/example.key" sign)"
wait_until 10 sub_has hub 'refused ack: bad signature' || fail "another key's ack not refused"
ack "$(sign --ts $(($(date +%s) - 400)))"
wait_until 10 sub_has hub 'refused ack: stale' || fail "stale ack not refused"
good=$(sign --outcome visit)
forged=$(printf '%s' "$good" | sed 's/dr-khan/mallory/')
ack "$forged"
wait_until 10 sh -c "[ \$(grep -c 'refused ack: bad signature' '$T/hub.sub') -ge 2 ]" ||
  fail "a changed by kept its signature"
[ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = raised ] || fail "a refused ack changed the alert"
# Each refusal has its audit row (DESIGN.md section 7), saying who and why.
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alert_events WHERE state='ack_refused'\") -ge 4 ]" ||
  fail "refused acks not audited: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id'")"
[ "$(sql "SELECT count(*) FROM alert_events WHERE alert_id='$id' AND state='ack_refused' AND acked_by='mallory' AND cause='ack by mallory refused: unsigned (no \"sig\"); no change'")" = 1 ] ||
  fail "the unsigned ack's row: $(sql "SELECT acked_by, cause FROM alert_events WHERE state='ack_refused'")"
sql "SELECT cause FROM alert_events WHERE state='ack_refused'" | grep -q 'refused: stale' ||
  fail "the stale ack's row: $(sql "SELECT cause FROM alert_events WHERE state='ack_refused'")"
[ "$(sub_count hub '"state":"ack_refused"')" = 0 ] || fail "an audit row was published as an event"
ack "$good"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "signed ack not taken"
grep '"state":"acknowledged"' "$T/hub.sub" | grep -q '"by":"dr-khan"' || fail "acknowledged by whom?"
grep '"state":"acknowledged"' "$T/hub.sub" | grep -q '"verified":true' ||
  fail "a signed ack's event does not say verified"
ack "$good"
wait_until 10 sub_has hub 'refused ack: replayed' || fail "replay not refused"
[ "$(sub_count hub '"state":"acknowledged"')" = 1 ] || fail "the replay was published"
daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"

# Without a key: one warning at start, and acks as before.
write_config "$T/wardgate.json" '' "$(patients_json 1)"
start_daemon "$T/wardgate.json"
[ "$(grep -c 'no uplink.ack_key_file' "$T/wardgated.log")" = 1 ] ||
  fail "no single warning without a key: $(grep -c 'no uplink.ack_key_file' "$T/wardgated.log")"
ack "{\"id\":\"$id\",\"by\":\"nurse\"}" # a closed alert: audited, not refused
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' \"SELECT count(*) FROM alert_events WHERE cause LIKE '%by nurse%after the alert closed%'\") = 1 ]" ||
  fail "an unsigned ack without a key was not taken"
[ "$(sub_count hub 'refused ack: unsigned')" = 1 ] || fail "refused without a key"
stop_daemon TERM
log "ok"
