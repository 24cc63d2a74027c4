#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One delivery per event at an uplink reconnect. Alerts are published while
# the hub's broker is frozen (SIGSTOP: they sit, unacknowledged, in its
# socket), then the broker dies (SIGKILL: they are lost with it) and comes
# back on the same port with the state it last saved. libmosquitto sends
# again what it had in flight; the outbox must not send those a second
# time. A durable subscriber, saved in the broker's state beforehand,
# counts the deliveries per alert id: each exactly once, none lost.
. "$(dirname "$0")/lib.sh"

N=6
start_broker INGEST
start_broker UPLINK
# The hub's subscriber's session, in the broker's saved state.
subscribe_durable hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"
stop_broker UPLINK
start_broker UPLINK "$UPLINK_PORT"
write_config "$T/wardgate.json" '' "$(patients_json $N)"
start_daemon "$T/wardgate.json"
# The subscriber reconnects by itself (its client retries every second).
wait_until 10 sh -c "grep -q 'it-hub' '$T/UPLINK.log'" || true
pub fall-1 "$(fall_pack)"
wait_until 15 sub_has hub '"state":"raised"' || fail "no first alert"

kill -STOP "$UPLINK_PID"
for i in $(seq 2 $N); do pub "fall-$i" "$(fall_pack)"; done
wait_until 10 sh -c "[ \$(grep -c 'alert gw-test-.* raised' '$T/wardgated.log') -ge $N ]" ||
  fail "the alerts were not raised"
sleep 1 # handed to the uplink's socket, unacknowledged
kill -KILL "$UPLINK_PID"
wait "$UPLINK_PID" 2>/dev/null || true
untrack "$UPLINK_PID"
wait_until 10 grep -q 'uplink: connection to .* lost' "$T/wardgated.log" ||
  fail "the loss was not noticed"
start_broker UPLINK "$UPLINK_PORT"
wait_until 20 sh -c "[ \$(grep -c 'uplink: connected' '$T/wardgated.log') -ge 2 ]" ||
  fail "no reconnect to the uplink broker"

all() { [ "$(grep -c '"state":"raised"' "$T/hub.sub")" -ge "$N" ]; }
wait_until 20 all || fail "lost: $(grep -c '"state":"raised"' "$T/hub.sub") of $N raised events"
sleep 3 # time for any second copy to arrive
dups=$(grep -o '"id":"[^"]*","gateway":"gw-test"[^}]*"state":"raised"' "$T/hub.sub" |
  sed 's/"gateway.*//' | sort | uniq -d)
[ -z "$dups" ] || fail "delivered twice: $(printf "%s " $dups) [$(cut -c1-90 "$T/hub.sub" | tr "\n" "|")] ($(grep -c '"state":"raised"' "$T/hub.sub") raised events for $N alerts)"
for i in $(seq 1 $N); do
  grep -q "\"id\":\"gw-test-$(printf %06d "$i")\"" "$T/hub.sub" || fail "alert $i lost"
done
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
