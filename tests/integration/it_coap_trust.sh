#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Trust at the home (DESIGN.md section 4): plain CoAP stays on the loopback
# unless "insecure" is given, which the daemon warns about at every start;
# a device object limits the keys a device may report and its transports.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
COAP_PORT=$("$FREEPORT" udp)

# Off the loopback without keys: refused by --check-config and at start,
# before anything is bound.
COAP="{\"bind\":\"0.0.0.0\",\"port\":$COAP_PORT}"
write_config "$T/open.json"
want="$T/open.json: ingest.coap.bind: 0.0.0.0 is not a loopback address"
status=0
"$WARDGATED" --check-config -c "$T/open.json" >"$T/check.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "--check-config exit status $status, want 1"
grep -qF "$want" "$T/check.out" || fail "--check-config said: $(cat "$T/check.out")"
grep -qF '"insecure": true' "$T/check.out" || fail "no way out named: $(cat "$T/check.out")"
status=0
timeout 10 "$WARDGATED" -c "$T/open.json" >"$T/start.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "start exit status $status, want 1"
grep -qF "$want" "$T/start.out" || fail "start said: $(cat "$T/start.out")"

# The default bind is the loopback: no warning.
COAP="{\"port\":$COAP_PORT}"
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"
grep -q "coap: listening on 127.0.0.1 port $COAP_PORT (UDP)" "$T/wardgated.log" ||
  fail "not on the loopback by default"
! grep -q "coap: insecure" "$T/wardgated.log" || fail "warned on the loopback"
stop_daemon TERM

# "insecure": true is taken, and said at every start.
COAP="{\"port\":$COAP_PORT,\"insecure\":true}"
write_config "$T/wardgate.json"
for round in 1 2; do
  start_daemon "$T/wardgate.json"
  n=$(grep -c "warning: coap: insecure: plain CoAP on 127.0.0.1 port $COAP_PORT authenticates nobody" \
    "$T/wardgated.log" || true)
  [ "$n" = "$round" ] || fail "start $round: $n insecure warnings"
  stop_daemon TERM
done

# An MQTT-only oximeter, a cup that reports what a cup measures, and one
# device that may do anything (which plain CoAP makes a warning).
COAP="{\"port\":$COAP_PORT}"
write_config "$T/wardgate.json" "" '[{"id":"p-001","devices":[
  {"id":"oxi-1","via":["mqtt"]},
  {"id":"cup-1","keys":["fluid_intake","battery"]}, "fall-1"]}]'
: >"$T/wardgated.log"
CONNECTS_SEEN=0
start_daemon "$T/wardgate.json"
grep -q "warning: coap: plain CoAP is on and device cup-1 (maybe others) may use any transport" \
  "$T/wardgated.log" || fail "no warning about a device that may use any transport"
subscribe errors 'wardgate/gw-test/errors'
bt=$(date +%s)
got=$(coap_post oxi-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":95}]")
[ "$got" = "4.03 device oxi-1 may not send over coap" ] || fail "oxi-1 over CoAP: '$got'"
wait_until 10 sub_has errors '"device":"oxi-1","transport":"coap".*may not send over coap' ||
  fail "no error report for oxi-1: $(cat "$T/errors.sub")"
got=$(coap_post cup-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":88}]")
[ "$got" = "4.00 device cup-1 may not report spo2" ] || fail "cup-1 spo2 over CoAP: '$got'"
pub cup-1 "[{\"bt\":$bt,\"n\":\"fall\",\"vb\":true},{\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":150}]"
pub cup-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":88}]"
wait_until 10 sub_has errors '"device":"cup-1","transport":"mqtt".*may not report spo2' ||
  fail "no error report for cup-1's spo2: $(cat "$T/errors.sub")"
sub_has errors '"device":"cup-1","transport":"mqtt".*may not report fall' ||
  fail "no error report for cup-1's fall: $(cat "$T/errors.sub")"
# What each may send still goes in, and nothing refused was stored.
pub oxi-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":96}]"
got=$(coap_post cup-1 "[{\"bt\":$bt,\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":200}]")
[ "$got" = "2.04" ] || fail "cup-1 intake over CoAP: '$got'"
wait_until 10 readings_at_least 2 || fail "the allowed readings were not stored"
[ "$(sql "SELECT device_id || ' ' || name || ' ' || value FROM readings ORDER BY device_id")" = \
  "cup-1 fluid_intake 0.2
oxi-1 spo2 96.0" ] || fail "stored: $(sql 'SELECT device_id, name, value FROM readings')"
sql "SELECT count(*) FROM alerts WHERE rule != 'device_refused'" | grep -qx 0 ||
  fail "an alert from a refused pack"
# cup-1's three refusals in a row: its technical alert (issue 26).
sql "SELECT json_extract(payload, '$.key') FROM alerts WHERE rule = 'device_refused'" | grep -qx cup-1 ||
  fail "no device_refused for cup-1: $(sql 'SELECT rule, payload FROM alerts')"
stop_daemon TERM
log "ok"
