#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Time is clinical data (DESIGN.md section 8 "Time"), through both
# transports: a fall measured hours ago and synced late raises at full
# severity, marked late, its summary saying when it happened; SpO2 readings
# of yesterday (retrospective) are stored but do not clear a live alert,
# which fresh readings then clear; a time before 2020 or older than the
# retention is refused with that reason, and nothing of it is stored.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
COAP_PORT=$("$FREEPORT" udp)
COAP="{\"bind\":\"127.0.0.1\",\"port\":$COAP_PORT}"
write_config "$T/wardgate.json" '"retention_days": 2,' \
  '[{"id":"p-001","devices":["oxi-1","fall-1"],"thresholds":[{"name":"spo2","below":90,"severity":"high"}]}]'
start_daemon "$T/wardgate.json"
subscribe alerts 'wardgate/gw-test/alerts'
subscribe errors 'wardgate/gw-test/errors'

t=$(date +%s)

# MQTT: a fall of four hours and 28 minutes ago, synced now.
pub fall-1 "[{\"bt\":$((t - 16080)),\"n\":\"fall\",\"vb\":true}]"
wait_until 10 sub_has alerts '"rule":"fall".*"state":"raised"' || fail "no fall alert"
ev=$(grep -m1 '"rule":"fall"' "$T/alerts.sub")
for field in '"severity":"high"' "\"measured_at\":$((t - 16080))[,.]" '"late":true' \
  '"retrospective":false' '"summary":"Fall at [0-9:]*, reported [0-9:]* — 4 h 2[89] min late' \
  '"rt":1[0-9.]*'; do
  echo "$ev" | grep -q -- "$field" || fail "the late fall lacks $field: $ev"
done

# MQTT: SpO2 85 now raises the threshold alert.
pub oxi-1 "[{\"bt\":$t,\"n\":\"spo2\",\"u\":\"%\",\"v\":85}]"
wait_until 10 sub_has alerts '"rule":"threshold".*"state":"raised"' || fail "no threshold alert"

# CoAP: two readings of yesterday, stored, retrospective: no clear.
for i in 1 2; do
  got=$(coap_post oxi-1 "[{\"bt\":$((t - 86400 + i)),\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]")
  [ "$got" = 2.04 ] || fail "yesterday's reading $i: $got"
done
[ "$(count_readings "WHERE device_id='oxi-1' AND ts < $((t - 3600))")" = 2 ] ||
  fail "yesterday's readings not stored"
# Then two fresh ones: the clear is theirs (its measured_at is the second).
for i in 1 2; do
  got=$(coap_post oxi-1 "[{\"bt\":$((t + i)),\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]")
  [ "$got" = 2.04 ] || fail "fresh reading $i: $got"
done
wait_until 10 sub_has alerts '"rule":"threshold".*"state":"cleared"' || fail "no clear"
grep '"rule":"threshold".*"state":"cleared"' "$T/alerts.sub" |
  grep -q "\"measured_at\":$((t + 2))[,.]" ||
  fail "cleared by another reading than the second fresh one: $(cat "$T/alerts.sub")"
[ "$(sub_count alerts '"rule":"threshold".*"state":"cleared"')" = 1 ] || fail "more than one clear"

# Bounds, over CoAP and MQTT: refused with the reason, nothing stored.
got=$(coap_post oxi-1 '[{"bt":946684800,"n":"spo2","u":"%","v":97}]')
echo "$got" | grep -q '^4\.00 .*before 2020-01-01' || fail "a time of 2000 over CoAP: $got"
got=$(coap_post oxi-1 "[{\"bt\":$((t - 3 * 86400)),\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]")
echo "$got" | grep -q '^4\.00 .*older than the retention of 2 days' ||
  fail "a time older than the retention over CoAP: $got"
pub fall-1 '[{"bt":-1e15,"n":"battery","v":50}]'
wait_until 10 sub_has errors 'before 2020-01-01' || fail "no error for a time of -1e15 over MQTT"
[ "$(count_readings "WHERE ts < $((t - 2 * 86400))")" = 0 ] ||
  fail "a refused reading was stored"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
