#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CoAP over DTLS with pre-shared keys (psk_file): a device with its own key
# is answered 2.04 and stored; a wrong key and plain UDP are refused and
# store nothing; a device posting under another device's id gets 4.03. A
# malformed psk_file is refused by --check-config, naming the line.
. "$(dirname "$0")/lib.sh"

# coap-client 4.3 takes the key as raw text; the file holds it in hex.
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
cat >"$T/psk" <<PSK
# device_id:key in hex
oxi-1:$(hex oxi-1-secret-key)
fall-1:$(hex fall-1-secretkey)
PSK

start_with_coap "\"psk_file\":\"$T/psk\""
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

daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"

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
