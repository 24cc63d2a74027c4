#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fall inside a pack refused for another record (a battery of 101 %, a
# record six minutes ahead) still raises the fall alert through MQTT, its
# summary naming the refusal; the refusal is still reported on errors, the
# pack's other records are not stored, and the same pack sent again raises
# nothing more (DESIGN.md section 5, 2026-12-06; hazard H-TM3).
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 2)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

t=$(now)
pack="[{\"bt\":$t,\"n\":\"fall\",\"vb\":true},{\"n\":\"battery\",\"v\":101}]"
pub fall-1 "$pack"
wait_until 10 sub_has hub '^wardgate/gw-test/alerts .*"state":"raised"' || fail "no raised event for the fall: $(cat "$T/hub.sub")"
ev=$(grep -m1 '^wardgate/gw-test/alerts .*"state":"raised"' "$T/hub.sub" | cut -d' ' -f2-)
for field in '"patient":"p-1"' '"rule":"fall"' '"severity":"high"' \
  '"summary":"Fall detected by fall-1; its pack was refused: record 1: battery 101 %EL outside 0-100"' \
  '"evidence":\[{"n":"fall","vb":true'; do
  echo "$ev" | grep -q -- "$field" || fail "event lacks $field: $ev"
done
wait_until 10 sub_has hub 'wardgate/gw-test/errors .*battery 101' ||
  fail "the refusal is not reported on errors: $(cat "$T/hub.sub")"
[ "$(count_readings)" = 1 ] || fail "readings: $(sql 'SELECT name, value FROM readings')"
[ "$(count_readings "WHERE name = 'battery'")" = 0 ] || fail "the refused battery was stored"

# The same pack again: its fall is a duplicate, no second event.
pub fall-1 "$pack"
sleep 1.5
[ "$(sub_count hub 'wardgate/gw-test/alerts ')" = 1 ] || fail "extra events: $(cat "$T/hub.sub")"

# Another patient's sensor with its clock six minutes fast on one record:
# its own fall, on time, raises too.
pub fall-2 "[{\"bt\":$(now),\"n\":\"fall\",\"vb\":true},{\"n\":\"battery\",\"v\":50,\"t\":360}]"
wait_until 10 sh -c "grep -c '^wardgate/gw-test/alerts .*\"state\":\"raised\"' '$T/hub.sub' | grep -qx 2" || fail "no alert for p-2: $(cat "$T/hub.sub")"
grep '^wardgate/gw-test/alerts .*"patient":"p-2"' "$T/hub.sub" | grep -q 'its pack was refused: record 1: time more than 5 minutes in the future' ||
  fail "p-2's event does not name the refusal: $(cat "$T/hub.sub")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
