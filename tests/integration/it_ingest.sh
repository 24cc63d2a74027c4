#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packs published with mosquitto_pub land in `readings` with the right values
# and canonical units; bad packs are rejected whole and reported on the
# errors topic while the good packs around them are stored; hostile payloads
# (10,000-level nesting, 1 MiB) do not hurt the daemon; retransmissions are
# stored once.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"
subscribe errors 'wardgate/gw-test/errors'

bt=$(now)
pub oxi-1 "[{\"bn\":\"urn:dev:oxi-1:\",\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":97},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":72}]"
pub bp-1 "[{\"bt\":$bt,\"n\":\"sbp\",\"u\":\"kPa\",\"v\":16},{\"n\":\"dbp\",\"u\":\"Pa\",\"v\":10666}]"
pub temp-1 "[{\"bt\":$bt,\"n\":\"temp\",\"u\":\"degF\",\"v\":98.6}]"
pub cup-1 "[{\"bt\":$bt,\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":250},{\"n\":\"meal\",\"u\":\"%\",\"v\":50}]"
pub obs-1 "[{\"bt\":$bt,\"n\":\"acvpu\",\"vs\":\"A\"},{\"n\":\"o2\",\"vb\":false},{\"n\":\"rr\",\"u\":\"breath/min\",\"v\":18}]"
# Bad: a leading zero, a value out of range mid-pack, an unknown device.
pub oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":01}]"
pub oxi-2 "[{\"bt\":$bt,\"n\":\"hr\",\"v\":70},{\"n\":\"spo2\",\"v\":101}]"
pub stranger-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":90}]"
pub fall-1 "[{\"bt\":$bt,\"n\":\"fall\",\"vb\":false}]"

wait_until 10 readings_at_least 11 || fail "good packs not stored: $(count_readings)"
wait_until 10 sub_has errors 'stranger-1' || fail "no error report for the unknown device"

check() { # SQL-condition: exactly one matching reading
  local n
  n=$(count_readings "WHERE $1")
  [ "$n" = 1 ] || fail "expected one reading WHERE $1, found $n"
}
check "device_id='oxi-1' AND patient_id='p-001' AND name='spo2' AND value=97 AND unit='%' AND abs(ts-$bt)<0.001"
check "device_id='oxi-1' AND name='hr' AND value=72 AND unit='beat/min'"
check "device_id='bp-1' AND name='sbp' AND abs(value-120.0099)<0.001 AND unit='mmHg'"
check "device_id='bp-1' AND name='dbp' AND abs(value-80.0016)<0.001 AND unit='mmHg'"
check "device_id='temp-1' AND name='temp' AND abs(value-37)<1e-9 AND unit='Cel'"
check "device_id='cup-1' AND name='fluid_intake' AND abs(value-0.25)<1e-9 AND unit='l'"
check "device_id='cup-1' AND name='meal' AND abs(value-0.5)<1e-9 AND unit='/'"
check "device_id='obs-1' AND name='acvpu' AND vs='A' AND value IS NULL AND unit=''"
check "device_id='obs-1' AND name='o2' AND vb=0"
check "device_id='obs-1' AND name='rr' AND value=18 AND unit='1/min'"
check "device_id='fall-1' AND name='fall' AND vb=0"
[ "$(count_readings "WHERE device_id IN ('oxi-2','stranger-1')")" = 0 ] ||
  fail "a rejected pack was stored"
sub_has errors '"device":"oxi-2","transport":"mqtt","reason":"invalid JSON at byte [0-9]*: leading zero' ||
  fail "leading zero not reported: $(cat "$T/errors.sub")"
sub_has errors '"device":"oxi-2","transport":"mqtt","reason":"record 1: spo2 101' ||
  fail "range rejection not reported"
sub_has errors '"device":"stranger-1","transport":"mqtt","reason":"unknown device"' ||
  fail "unknown device not reported"

# Hostile payloads.
head -c 10000 /dev/zero | tr '\0' '[' >"$T/deep.json"
head -c 10000 /dev/zero | tr '\0' ']' >>"$T/deep.json"
mosquitto_pub -p "$INGEST_PORT" -q 1 -t wardgate/dev/oxi-2/senml -f "$T/deep.json"
head -c 1048576 /dev/zero | tr '\0' ' ' >"$T/big.json"
mosquitto_pub -p "$INGEST_PORT" -q 1 -t wardgate/dev/oxi-2/senml -f "$T/big.json"
printf '[{"n":"hr","v":1}]\0' >"$T/nul.json"
mosquitto_pub -p "$INGEST_PORT" -q 1 -t wardgate/dev/oxi-2/senml -f "$T/nul.json"
mosquitto_pub -p "$INGEST_PORT" -q 1 -t wardgate/dev/oxi-2/senml -n
wait_until 10 sub_has errors 'nesting too deep' || fail "deep nesting not reported"
wait_until 10 sub_has errors 'exceeds the limit' || fail "1 MiB pack not reported"
daemon_alive || fail "daemon died on hostile input"

# Retransmission: the same pack twice is stored once.
pub oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":95}]"
pub oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":95}]"
wait_until 10 readings_at_least 12 || fail "pack after hostile input not stored"
sleep 0.5
[ "$(count_readings "WHERE device_id='oxi-2'")" = 1 ] || fail "duplicate stored"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS after SIGTERM"
log "ok"
