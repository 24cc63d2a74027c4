#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub's broker is down while 100 patients fall: every raised event waits
# in the outbox and arrives, in order, once the uplink is back; an id occurs
# more than once only as a redelivery.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 100)"
start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

stop_broker UPLINK
kill "$SUB_hub" 2>/dev/null || true
wait_until 10 grep -q 'uplink: connection to .* lost' "$T/wardgated.log" || fail "loss not noticed"
for i in $(seq 1 100); do pub "fall-$i" "$(fall_pack)"; done
wait_until 20 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM outbox') = 100 ]" ||
  fail "outbox: $(sql 'SELECT count(*) FROM outbox') of 100"

start_broker UPLINK "$UPLINK_PORT"
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
wait_until 40 sh -c "[ \$(grep '\"state\":\"raised\"' '$T/hub.sub' | sed 's/.*\"id\":\"\([^\"]*\)\".*/\1/' | sort -u | wc -l) -ge 100 ]" ||
  fail "$(grep -c raised "$T/hub.sub") raised events arrived"
# In order: the ids, in the order of their first arrival, are ascending,
# and patient i's fall has the i-th id.
grep '"state":"raised"' "$T/hub.sub" | sed 's/.*"id":"gw-test-\([0-9]*\)".*"patient":"p-\([0-9]*\)".*/\1 \2/' |
  awk '!seen[$1]++' >"$T/order"
[ "$(wc -l <"$T/order")" = 100 ] || fail "ids: $(wc -l <"$T/order")"
sort -n -c "$T/order" || fail "out of order: $(head -5 "$T/order")"
awk 'NR == 1 { base = $1 - $2 } $1 - $2 != base { exit 1 }' "$T/order" ||
  fail "falls and ids do not line up"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM outbox') = 0 ]" ||
  fail "outbox not emptied: $(sql 'SELECT count(*) FROM outbox')"
dups=$(( $(grep -c '"state":"raised"' "$T/hub.sub") - 100 ))
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok (100 alerts after the outage, $dups redelivered)"
