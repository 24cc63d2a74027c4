#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Per-device quotas (quota.packs_per_min), over MQTT and CoAP: a device's
# packs past its quota in one minute are refused, not stored, reported on
# errors, counted (packs_over_quota) and raise one device_quota alert for
# the device; a fall inside a refused pack still raises the fall alert,
# naming the refusal. Over CoAP the refusal is 4.29 Too Many Requests.
# Another device is not affected.
. "$(dirname "$0")/lib.sh"
command -v "$COAP_CLIENT" >/dev/null || { log "skip: no $COAP_CLIENT"; exit 77; }

start_broker INGEST
start_broker UPLINK
COAP_PORT=$("$FREEPORT" udp)
COAP="{\"bind\":\"127.0.0.1\",\"port\":$COAP_PORT}"
write_config "$T/wardgate.json" \
  '"status_interval_s": 1, "quota": {"packs_per_min": 3, "records_per_day": 1000},' \
  '[{"id":"p-1","devices":["fall-1","oxi-1","oxi-2"]}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

# Every pack dated in one past minute, so that the minute is the same
# however long the test takes.
m=$(($(date +%s) / 60 * 60 - 120))
for k in 1 2 3; do
  pub fall-1 "[{\"bt\":$((m + k)),\"n\":\"battery\",\"v\":$((80 + k))}]"
done
wait_until 10 readings_at_least 3 "WHERE device_id='fall-1'" || fail "the first three packs were not stored"
# The fourth, with a fall: refused, the fall kept.
pub fall-1 "[{\"bt\":$((m + 4)),\"n\":\"fall\",\"vb\":true},{\"n\":\"battery\",\"v\":84}]"
pub fall-1 "[{\"bt\":$((m + 5)),\"n\":\"battery\",\"v\":85}]"
wait_until 10 sub_has hub '^wardgate/gw-test/alerts .*"rule":"fall"' ||
  fail "the fall in the refused pack raised nothing: $(cat "$T/hub.sub")"
grep '^wardgate/gw-test/alerts .*"rule":"fall"' "$T/hub.sub" |
  grep -q 'its pack was refused: over quota: more than 3 packs a minute from device fall-1' ||
  fail "the fall does not name the refusal: $(cat "$T/hub.sub")"
wait_until 10 sub_has hub '^wardgate/gw-test/alerts .*"rule":"device_quota".*"state":"raised"' ||
  fail "no device_quota alert: $(cat "$T/hub.sub")"
ev=$(grep -m1 '^wardgate/gw-test/alerts .*"rule":"device_quota"' "$T/hub.sub")
for field in '"patient":"p-1"' '"device":"fall-1"' '"severity":"low"' \
  '"summary":"over quota: more than 3 packs a minute from device fall-1'; do
  echo "$ev" | grep -q -- "$field" || fail "device_quota event lacks $field: $ev"
done
wait_until 10 sub_has hub '^wardgate/gw-test/errors .*"device":"fall-1".*over quota' ||
  fail "the refusal is not reported on errors: $(cat "$T/hub.sub")"
[ "$(count_readings "WHERE device_id='fall-1' AND name='battery'")" = 3 ] ||
  fail "refused batteries were stored: $(sql "SELECT name, value FROM readings")"
[ "$(count_readings "WHERE device_id='fall-1' AND name='fall'")" = 1 ] || fail "the fall was not stored"

# Over CoAP: 4.29, with the reason.
for k in 1 2 3; do
  got=$(coap_post oxi-1 "[{\"bt\":$((m + k)),\"n\":\"spo2\",\"v\":$((90 + k))}]")
  [ "$got" = "2.04" ] || fail "CoAP pack $k: got '$got'"
done
got=$(coap_post oxi-1 "[{\"bt\":$((m + 4)),\"n\":\"spo2\",\"v\":94}]")
[ "$got" = "4.29 over quota: more than 3 packs a minute from device oxi-1" ] ||
  fail "CoAP over quota: got '$got'"
[ "$(count_readings "WHERE device_id='oxi-1'")" = 3 ] || fail "oxi-1's refused pack was stored"
# Another device of the same patient is not held back.
got=$(coap_post oxi-2 "[{\"bt\":$((m + 4)),\"n\":\"spo2\",\"v\":95}]")
[ "$got" = "2.04" ] || fail "oxi-2: got '$got'"

# One alert per device, however many packs; the counter counts each.
wait_until 10 sub_has hub '^wardgate/gw-test/alerts .*"rule":"device_quota".*"device":"oxi-1"' ||
  fail "no device_quota alert for oxi-1: $(cat "$T/hub.sub")"
[ "$(grep -c '^wardgate/gw-test/alerts .*"rule":"device_quota".*"device":"fall-1"' "$T/hub.sub")" = 1 ] ||
  fail "more than one device_quota event for fall-1: $(cat "$T/hub.sub")"
wait_until 10 sh -c "grep '^wardgate/gw-test/status ' '$T/hub.sub' | grep -q '\"packs_over_quota\":3'" ||
  fail "packs_over_quota: $(grep '^wardgate/gw-test/status ' "$T/hub.sub" | tail -1)"
# What the hub got follows the schemas: device_quota in alert-event.json,
# packs_over_quota in status.json.
if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 "$(dirname "$0")/../schemas.py" hub "$T/hub.sub" >"$T/schemas.out" 2>&1 ||
    fail "messages off their schemas: $(cat "$T/schemas.out")"
elif [ "${CI:-}" = true ]; then
  fail "python3-jsonschema is missing"
else
  log "not checked against the schemas: python3-jsonschema is missing"
fi
daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
