#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The home broker restarted every 200 ms for 30 s while devices publish and
# patients fall: the daemon keeps reconnecting without leaking (it runs
# under ASan, which fails its exit status on a leak), raises one alert per
# fall however often a pack is delivered again, and in the end holds every
# pack the devices' broker acknowledged.
. "$(dirname "$0")/lib.sh"

FLAP_S=30
PATIENTS=20
start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" "" "$("$SIM" -n "$PATIENTS" --print-patients)"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/+/alerts' "$UPLINK_PORT"

# Devices: 100 packs a second for the whole flapping, a fall of each of
# the first ten patients on the way; libmosquitto resends what was not
# acknowledged after each reconnect.
falls=()
for p in $(seq 1 10); do falls+=(--fall "$p@$((p * FLAP_S / 12))"); done
"$SIM" -p "$INGEST_PORT" -n "$PATIENTS" -r 100 -d "$FLAP_S" "${falls[@]}" \
  >/dev/null 2>"$T/sim.err" &
sim=$!
track $sim

end=$((SECONDS + FLAP_S))
restarts=0
while [ $SECONDS -lt $end ]; do
  sleep 0.2
  stop_broker INGEST
  start_broker INGEST "$INGEST_PORT"
  restarts=$((restarts + 1))
done
log "the home broker restarted $restarts times"
wait $sim || true
untrack $sim
daemon_alive || fail "the daemon died while its broker flapped"

# The simulator waits for the acknowledgement of what it sent (up to 10 s).
acked=$(sed -n 's/.* packs sent, [0-9]* refused, \([0-9]*\) acknowledged.*/\1/p' "$T/sim.err")
[ -n "$acked" ] || fail "no count from the simulator: $(tail -3 "$T/sim.err")"
packs() { sql "SELECT count(*) FROM (SELECT DISTINCT device_id, ts FROM readings)"; }
stored_all() { [ "$(packs)" -ge "$acked" ]; }
wait_until 60 stored_all || fail "$acked packs acknowledged, $(packs) stored"
log "$acked packs acknowledged by the broker, $(packs) stored"

# One alert per fall, raised once (the simulated vitals may raise NEWS2
# alerts of their own: only the falls are counted).
fall_raised='"rule":"fall".*"state":"raised"'
raised_at_hub() { [ "$(sub_count hub "$fall_raised")" -ge 10 ]; }
wait_until 20 raised_at_hub ||
  fail "only $(sub_count hub "$fall_raised") falls reached the hub"
[ "$(sql "SELECT count(*) FROM alerts WHERE rule = 'fall'")" = 10 ] ||
  fail "$(sql "SELECT count(*) FROM alerts WHERE rule = 'fall'") fall alerts for 10 falls"
fall_events="SELECT count(*) FROM alert_events e JOIN alerts a ON a.id = e.alert_id
  WHERE e.state = 'raised' AND a.rule = 'fall'"
[ "$(sql "$fall_events")" = 10 ] ||
  fail "$(sql "$fall_events") raised events for 10 falls"
ids=$(grep -- "$fall_raised" "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)
[ "$ids" = 10 ] || fail "$ids distinct alerts raised at the hub for 10 falls"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS (23: a leak)"
log "ok"
