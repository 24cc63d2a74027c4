#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CoAP over DTLS with pre-shared keys (psk_file): a device with its own key
# is answered 2.04 and stored; a wrong key and plain UDP are refused and
# store nothing; a device posting under another device's id gets 4.03.
# /status and /.well-known/core answer only the identities of
# admin_identities: a device's identity gets 4.03 there. A malformed
# psk_file or admin_identities is refused by --check-config, naming it.
. "$(dirname "$0")/lib.sh"

# coap-client 4.3 takes the key as raw text; the file holds it in hex.
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
cat >"$T/psk" <<PSK
# device_id:key in hex
oxi-1:$(hex oxi-1-secret-key)
fall-1:$(hex fall-1-secretkey)
ops-1:$(hex ops-1-secret-key)
PSK

start_with_coap "\"psk_file\":\"$T/psk\",\"admin_identities\":[\"ops-1\"]"
grep -q "port $COAP_PORT (DTLS with pre-shared keys)" "$T/wardgated.log" ||
  fail "CoAP is not listening with DTLS"

bt=$(now)
pack="[{\"bt\":$bt,\"n\":\"spo2\",\"v\":95}]"
got=$(coap_post oxi-1 "$pack" -u oxi-1 -k oxi-1-secret-key)
[ "$got" = "2.04" ] || fail "right key: got '$got'"
[ "$(count_readings "WHERE device_id='oxi-1'")" = 1 ] || fail "not stored"

got=$(coap_post oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":94}]" -u oxi-1 -k oxi-1-secret-kez)
[ -z "$got" ] || fail "wrong key answered '$got'"
got=$(coap_post oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":94}]" -u oxi-2 -k oxi-2-secret-key)
[ -z "$got" ] || fail "identity without a key answered '$got'"
got=$(coap_post oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":94}]")
[ -z "$got" ] || fail "plain UDP answered '$got'"
got=$(coap_post fall-1 "[{\"bt\":$bt,\"n\":\"fall\",\"vb\":true}]" -u oxi-1 -k oxi-1-secret-key)
[ "$got" = "4.03 identity oxi-1 may not post for fall-1" ] ||
  fail "posting under another id: got '$got'"
[ "$(count_readings "WHERE device_id<>'oxi-1'")" = 0 ] ||
  fail "a refused request left readings"
got=$(coap_post fall-1 "[{\"bt\":$bt,\"n\":\"fall\",\"vb\":false}]" -u fall-1 -k fall-1-secretkey)
[ "$got" = "2.04" ] || fail "fall-1 with its own key: got '$got'"

# coap_get PATH ID KEY: "code payload" of a GET over DTLS as ID.
coap_get() {
  timeout 20 "$COAP_CLIENT" -v 6 -B 4 -m get -u "$2" -k "$3" \
    "coaps://127.0.0.1:$COAP_PORT/$1" 2>&1 |
    sed -n "s/^v:1 t:[A-Z]* c:\([0-9]\.[0-9][0-9]\) [^]]*\]\( :: '\(.*\)'\)\{0,1\}$/\1 \3/p" |
    grep -v '^0\.00' | tail -n 1 | sed 's/ $//'
}
# A device's identity: no counters, no device list.
for path in status .well-known/core; do
  got=$(coap_get "$path" oxi-1 oxi-1-secret-key)
  [ "$got" = "4.03 for administrators only" ] || fail "oxi-1 GET /$path: got '$got'"
done
grep -q 'identity oxi-1 may not read /status: not in admin_identities' "$T/wardgated.log" ||
  fail "the refused read is not logged"
# The administrator's: both.
got=$(coap_get status ops-1 ops-1-secret-key)
case "$got" in
'2.05 {"state":"online"'*'"readings_stored":'*) ;;
*) fail "ops-1 GET /status: got '$got'" ;;
esac
got=$(coap_get .well-known/core ops-1 ops-1-secret-key)
case "$got" in
'2.05 '*'</dev/oxi-1/senml>;ct=110;rt="wardgate.senml"'*'</status>;ct=50'*) ;;
*) fail "ops-1 GET /.well-known/core: got '$got'" ;;
esac
# An administrator is no device: it may not post for one.
got=$(coap_post oxi-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":93}]" -u ops-1 -k ops-1-secret-key)
[ "$got" = "4.03 identity ops-1 may not post for oxi-1" ] || fail "ops-1 posting: got '$got'"

daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"

# admin_identities: each an identity of psk_file.
sed -i 's/"admin_identities":\["ops-1"\]/"admin_identities":["ops-2",7]/' "$T/wardgate.json"
status=0
"$WARDGATED" --check-config -c "$T/wardgate.json" >"$T/check.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "--check-config with a bad admin: exit status $status"
grep -q 'ingest.coap.admin_identities\[0\]: ops-2 has no key in psk_file' "$T/check.out" &&
  grep -q 'ingest.coap.admin_identities\[1\]: must be a string' "$T/check.out" ||
  fail "--check-config on admin_identities: $(cat "$T/check.out")"
sed -i 's/"admin_identities":\["ops-2",7\]/"admin_identities":["ops-1"]/' "$T/wardgate.json"

# A malformed key file: every bad line named, exit status 1.
printf 'oxi-1:abc\nno colon here\nbad id!:%s\noxi-1:%s\noxi-1:%s\n' \
  "$(hex 0123456789abcdef)" "$(hex 0123456789abcdef)" "$(hex 0123456789abcdef)" \
  >"$T/psk"
status=0
"$WARDGATED" --check-config -c "$T/wardgate.json" >"$T/check.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "--check-config exit status $status"
for want in 'line 1\): the key must be 16 to 64 bytes in hex' \
  'line 2\): must be identity:hexkey' 'line 3\): the identity must be a device id' \
  'line 5\): identity oxi-1 appears twice'; do
  grep -Eq "ingest.coap.psk_file \(.*$want" "$T/check.out" ||
    fail "--check-config did not say '$want': $(cat "$T/check.out")"
done
log "ok"
