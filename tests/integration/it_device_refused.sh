#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A thermometer whose clock reset to 2000 after a battery change: each pack
# is refused (before 2020) and reported on errors, and the third in a row
# raises one technical alert, device_refused (low), naming the device and
# its clock, so that the hub learns its data is not arriving; more refused
# packs add no event; two packs taken clear it (DESIGN.md section 5,
# issue 26; hazard H-TM3).
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

for i in 1 2; do
  pub temp-1 "[{\"bt\":946684800,\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.$i}]"
done
wait_until 10 sh -c "[ \$(grep -c 'wardgate/gw-test/errors .*temp-1' '$T/hub.sub') -ge 2 ]" ||
  fail "refusals not reported: $(cat "$T/hub.sub")"
sleep 0.5
! sub_has hub '^wardgate/gw-test/alerts ' || fail "raised after two: $(cat "$T/hub.sub")"
for i in 3 4 5 6; do
  pub temp-1 "[{\"bt\":946684800,\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.$i}]"
done
wait_until 10 sub_has hub '^wardgate/gw-test/alerts .*"state":"raised"' ||
  fail "no device_refused alert: $(cat "$T/hub.sub")"
ev=$(grep -m1 '^wardgate/gw-test/alerts .*"state":"raised"' "$T/hub.sub" | cut -d' ' -f2-)
for field in '"patient":"p-001"' '"device":"temp-1"' '"rule":"device_refused"' \
  '"severity":"low"' '"summary":"temp-1: 3 packs in a row refused, its data is not reaching the record (its clock looks wrong); last: temp measured before 2020-01-01'; do
  echo "$ev" | grep -q -- "$field" || fail "event lacks $field: $ev"
done
wait_until 10 sh -c "[ \$(grep -c 'wardgate/gw-test/errors .*temp-1' '$T/hub.sub') -ge 6 ]" ||
  fail "refusals not all reported: $(cat "$T/hub.sub")"
[ "$(sub_count hub '^wardgate/gw-test/alerts ')" = 1 ] || fail "more than one event: $(cat "$T/hub.sub")"
[ "$(count_readings)" = 0 ] || fail "a refused reading was stored"

# The clock is set: two packs taken clear it.
pub temp-1 "[{\"bt\":$(now),\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.0}]"
pub temp-1 "[{\"bt\":$(now),\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.1}]"
wait_until 10 sh -c "grep '^wardgate/gw-test/alerts .*\"rule\":\"device_refused\"' '$T/hub.sub' | grep -q '\"state\":\"cleared\"'" ||
  fail "not cleared: $(cat "$T/hub.sub")"
[ "$(sql "SELECT state FROM alerts WHERE rule = 'device_refused'")" = cleared ] ||
  fail "alerts: $(sql 'SELECT rule, state FROM alerts')"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
