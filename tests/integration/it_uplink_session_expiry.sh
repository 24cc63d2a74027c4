#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MQTT 5 session expiry and will delay from uplink.mqtt (session_expiry_s,
# will_delay_s) against a real mosquitto. The daemon is stopped (SIGSTOP)
# until the hub's broker drops it for its keepalive, then let go on.
# - Without will_delay_s the broker publishes the offline will at once;
#   with will_delay_s 60 the reconnect comes within the delay and no
#   offline status is published.
# - Without session_expiry_s the session waits for ever: none is lost;
#   with session_expiry_s 2 the broker drops it while the daemon is away,
#   and the daemon reports the lost session.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK

# run EXTRA_UPLINK_MEMBERS: the daemon with them; stopped until the broker
# drops it, waiting SECONDS more, then let go on until it is back.
run() {
  local extra=$1 wait=$2 drops
  write_config "$T/wardgate.json"
  sed -i "s/\"keepalive_s\": 5 }/\"keepalive_s\": 5, \"protocol\": \"5\"$extra }/" "$T/wardgate.json"
  grep -q '"protocol": "5"' "$T/wardgate.json" || fail "config not written"
  "$WARDGATED" -c "$T/wardgate.json" --check-config >"$T/check" 2>&1 ||
    fail "--check-config: $(cat "$T/check")"
  : >"$T/wardgated.log"
  CONNECTS_SEEN=0
  start_daemon "$T/wardgate.json"
  [ -n "${DAEMON_PID:-}" ] || fail "no daemon"
  [ -z "${SUB_status:-}" ] || kill "$SUB_status" 2>/dev/null || true
  subscribe status 'wardgate/gw-test/status'
  wait_until 10 sub_has status '"state":"online"' || fail "not online"
  drops=$(grep -c 'wardgate-gw-test-uplink has exceeded timeout' "$T/UPLINK.log" || true)
  kill -STOP "$DAEMON_PID"
  wait_until 20 sh -c "[ \$(grep -c 'wardgate-gw-test-uplink has exceeded timeout' '$T/UPLINK.log') -gt $drops ]" ||
    { kill -CONT "$DAEMON_PID"; fail "the broker did not drop the stopped daemon"; }
  sleep "$wait"
  kill -CONT "$DAEMON_PID"
  wait_until 30 sh -c "[ \$(grep -c 'uplink: connected to' '$T/wardgated.log') -ge 2 ]" ||
    fail "the uplink did not come back"
  sleep 1
}

# The control: no delay, no expiry.
run "" 0
sub_has status '"state":"offline"' || fail "no will without will_delay_s: $(cat "$T/status.sub")"
! grep -q 'session lost' "$T/wardgated.log" || fail "a session lost without an expiry"
stop_daemon TERM

# The will held back 60 s: the reconnect comes first, no offline status.
run ', "will_delay_s": 60' 0
! sub_has status '"state":"offline"' || fail "the will was published despite will_delay_s: $(cat "$T/status.sub")"
! grep -q 'session lost' "$T/wardgated.log" || fail "a session lost without an expiry"
stop_daemon TERM

# The session expires 2 s after the drop: lost, and said.
run ', "session_expiry_s": 2' 4
wait_until 10 grep -q 'hub: session lost: the uplink broker had no session' "$T/wardgated.log" ||
  fail "the expired session was not reported"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
