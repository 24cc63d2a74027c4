#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The worked signing example of docs/remote-config.md is what wardgatectl
# sign-config computes and what openssl computes over the canonical text;
# and a gateway with that key takes the document so signed.
. "$(dirname "$0")/lib.sh"
DOC="$(dirname "$0")/../../docs/remote-config.md"
CTL="$WG_BIN/wardgatectl"

printf 'wardgate-example-key-do-not-use\n' >"$T/example.key"
# The example document, as the doc shows it.
awk '/^and this document:$/{f=1;next} f&&/^```json$/{g=1;next} g&&/^```$/{exit} g' "$DOC" >"$T/desired.json"
grep -q '"version": 4' "$T/desired.json" || fail "no example document in the doc"
canonical=$("$CTL" sign-config "$T/desired.json" --key-file "$T/example.key" --ts 1765000000 --canonical)
signed=$("$CTL" sign-config "$T/desired.json" --key-file "$T/example.key" --ts 1765000000)
sig=$(printf '%s' "$canonical" |
  openssl dgst -sha256 -hmac wardgate-example-key-do-not-use -binary |
  basenc --base64url | tr -d '=')
[ "$(printf '%s' "$signed" | grep -o '"sig":"[^"]*"')" = "\"sig\":\"$sig\"" ] ||
  fail "wardgatectl and openssl disagree: $signed vs $sig"
grep -qF "| canonical text | \`$canonical\` |" "$DOC" || fail "the doc's canonical text is not $canonical"
grep -qF "| \`sig\` | \`$sig\` |" "$DOC" || fail "the doc's sig is not $sig"
grep -qF "printf '%s' '$canonical' |" "$DOC" || fail "the doc's openssl line differs"
# Python's JSON with sorted keys agrees on this document (no escapes, no
# number that ECMAScript and Python write differently).
py=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["ts"]=1765000000; print(json.dumps(d,sort_keys=True,separators=(",",":"),ensure_ascii=False))' "$T/desired.json")
[ "$py" = "$canonical" ] || fail "python's canonical text differs: $py"

# A gateway holding that key takes it, a year old as it is: the version,
# not the time, guards against a replay.
start_broker INGEST
start_broker UPLINK
cp "$T/example.key" "$T/ack.key"
chmod 600 "$T/ack.key"
gateway() { # EXTRA_TOP_LEVEL_JSON [KEY]: gw-0001's configuration
  write_config "$T/wardgate.json" "$1" '[]'
  [ -z "${2:-}" ] || sed -i "s|\"keepalive_s\": 5 }|\"keepalive_s\": 5 }, \"ack_key_file\": \"$2\"|" "$T/wardgate.json"
  sed -i 's/"gateway_id": "gw-test"/"gateway_id": "gw-0001"/' "$T/wardgate.json"
}
# remote_config without a key is refused, with why.
gateway '"remote_config": true,'
! "$WARDGATED" --check-config -c "$T/wardgate.json" >"$T/check.out" 2>&1 || fail "check-config took it"
grep -q 'wardgate.json: remote_config: needs uplink.ack_key_file: an unsigned remote configuration is refused' \
  "$T/check.out" || fail "check-config: $(cat "$T/check.out")"

# Without remote_config the topic is not even subscribed: the document
# (retained, waiting) changes nothing and is not answered.
mosquitto_pub -h 127.0.0.1 -p "$UPLINK_PORT" -q 1 -r -t wardgate/gw-0001/config/desired -m "$signed"
gateway '' "$T/ack.key"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-0001/#' "$UPLINK_PORT"
wait_until 10 sub_has hub 'wardgate/gw-0001/status {"state":"online"' || fail "no status"
sleep 1
sub_has hub 'config/reported' && fail "answered without remote_config"
sub_has hub '"config_version"' && fail "a version in the status without remote_config"
grep -q 'remote:' "$T/wardgated.log" && fail "read without remote_config"
grep -q 'subscribe.*config/desired' "$T/wardgated.log" && fail "subscribed"
stop_daemon TERM

gateway '"remote_config": true,' "$T/ack.key"
"$WARDGATED" --check-config -c "$T/wardgate.json" || fail "check-config"
start_daemon "$T/wardgate.json"
wait_until 10 sub_has hub '"version":4,"result":"applied"' || fail "the example not applied: $(cat "$T/hub.sub")"
stop_daemon TERM
log "ok"
