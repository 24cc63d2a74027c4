#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Trust at the home (DESIGN.md section 4): plain CoAP stays on the loopback
# unless "insecure" is given, which the daemon warns about at every start.
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
log "ok"
