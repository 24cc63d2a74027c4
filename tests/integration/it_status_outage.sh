#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No status is queued while the hub's broker is away: after an outage the
# hub gets the status as it is at the reconnect, not a burst of the ones
# it missed, each stale (and the last of which would stay retained). While
# the broker is down the devices go on, so that each status the daemon
# might have queued carries a readings_stored count older than the one at
# the reconnect; a durable subscriber of the hub sees none of those.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '"status_interval_s": 1,'
start_daemon "$T/wardgate.json"
subscribe_durable status 'wardgate/gw-test/status' "$UPLINK_PORT"
wait_until 10 sub_has status '"state":"online"' || fail "no status"

stop_broker UPLINK
wait_until 10 grep -q 'uplink: connection to .* lost' "$T/wardgated.log" || fail "the loss was not noticed"
for i in $(seq 1 6); do
  pub oxi-1 "[{\"n\":\"hr\",\"v\":$((60 + i)),\"t\":-$i}]"
  sleep 1
done
wait_until 10 readings_at_least 6 || fail "readings not stored during the outage"
stored=$(count_readings)
mark=$(wc -l <"$T/status.sub")
start_broker UPLINK "$UPLINK_PORT"
wait_until 20 sh -c "[ \$(grep -c 'uplink: connected' '$T/wardgated.log') -ge 2 ]" || fail "no reconnect"
fresh() { tail -n +"$((mark + 1))" "$T/status.sub" | grep -q "\"readings_stored\":$stored\b"; }
wait_until 15 fresh || fail "no fresh status after the reconnect: $(tail -n +"$((mark + 1))" "$T/status.sub" | cut -c1-200)"
sleep 2 # what libmosquitto would have queued comes right after the CONNACK
stale=$(tail -n +"$((mark + 1))" "$T/status.sub" | grep -o '"readings_stored":[0-9]*' | cut -d: -f2 |
  awk -v s="$stored" '$1 < s' | wc -l)
[ "$stale" = 0 ] || fail "$stale stale status messages after the outage (readings_stored below $stored)"
retained wardgate/gw-test/status | grep -q "\"readings_stored\":$stored\b" ||
  fail "the retained status is stale: $(retained wardgate/gw-test/status | cut -c1-200)"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
