#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Power cuts under durability "power": devices POST over CoAP, each pack
# answered 2.04 only once committed, while tests/powercut.c cuts the power
# under SQLite at a chosen write, sync or truncation, dropping or tearing
# whatever the disk had not been told to keep. After each cut the database
# must be intact, and every pack answered 2.04 before the cut must be in
# it, each fall with its alert and the alert's raised event; in the end
# every such alert reaches the hub. The cut points are spread over the
# operations of a measured stream, each cut run streaming twice as much
# (the operations per pack vary with how commits group), the database
# carried from one cut to the next; a first part
# shows that the cuts have teeth: under durability "process", whose
# commits are not synced, acknowledged packs are lost.
. "$(dirname "$0")/lib.sh"

CUTS=${WG_POWER_CUTS:-100}
PACKS=300
PATIENTS=$((CUTS + 10))
SHIM=$WG_BIN/tests/powercut.so
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

start_broker INGEST
COAP_PORT=$("$FREEPORT" udp)
COAP="{\"bind\":\"127.0.0.1\",\"port\":$COAP_PORT}"
write_config "$T/wardgate.json" "" "$("$SIM" -n "$PATIENTS" --print-patients)"
DB=$T/wardgate.db
subscribe_durable hub 'wardgate/+/alerts' "$INGEST_PORT"

# run_daemon [ENV...]: wardgated under the shim with the environment
# given; returns once it has started, or died of its power cut (which may
# come while it opens the database or just after it has started).
run_daemon() {
  STARTS=$(grep -c 'core: gateway gw-test started' "$T/wardgated.log" 2>/dev/null) || STARTS=0
  CUTS_SEEN=$(grep -c 'powercut: the power went' "$T/wardgated.log" 2>/dev/null) || CUTS_SEEN=0
  env LD_PRELOAD="$SHIM" "$@" "$WARDGATED" -c "$T/wardgate.json" \
    >>"$T/wardgated.log" 2>&1 &
  DAEMON_PID=$!
  track "$DAEMON_PID"
  wait_until 30 started_or_dead || fail "wardgated did not start"
  daemon_alive || died_of_cut ||
    fail "wardgated did not start after a cut: $(tail -3 "$T/wardgated.log")"
}
started_or_dead() {
  [ "$(grep -c 'core: gateway gw-test started' "$T/wardgated.log")" -gt "$STARTS" ] ||
    ! daemon_alive
}
died_of_cut() {
  [ "$(grep -c 'powercut: the power went' "$T/wardgated.log")" -gt "$CUTS_SEEN" ]
}

# stream N FALL: N packs from the simulated devices and a fall of patient
# FALL, each POST waiting for its answer; those answered 2.04 are written
# to $T/acked as "device,bt". Returns when the stream ends or the daemon
# dies.
stream() {
  "$SIM" --coap "$COAP_PORT" -n "$PATIENTS" -r 100000 -c "$1" \
    --fall "$2@0" >"$T/sim.out" 2>/dev/null &
  local sim=$!
  track $sim
  while kill -0 $sim 2>/dev/null && daemon_alive; do sleep 0.05; done
  kill -TERM $sim 2>/dev/null || true
  wait $sim 2>/dev/null || true
  untrack $sim
  sed -n 's/^\([^ ]*\) .*"bt":\([0-9.]*\).* -> 2\.04$/\1,\2/p' "$T/sim.out" >"$T/acked"
}

# cut_or_kill: after a stream, the daemon is dead of its power cut (true),
# or the stream ended before the cut point and it is killed (false).
cut_or_kill() {
  if daemon_alive; then
    stop_daemon KILL
    return 1
  fi
  wait "$DAEMON_PID" 2>/dev/null || true
  untrack "$DAEMON_PID"
}

# missing: how many acknowledged packs are not in the database; checks it
# is intact first (SQLite recovers the WAL as it opens it).
missing() {
  local ok
  ok=$(sql 'PRAGMA integrity_check')
  [ "$ok" = ok ] || fail "the database is damaged after a cut: $ok"
  sqlite3 -batch -noheader "$DB" <<SQL
CREATE TEMP TABLE acked(dev TEXT, bt REAL);
.import --csv $T/acked acked
SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM readings r
  WHERE r.ts BETWEEN a.bt - 5e-7 AND a.bt + 5e-7 AND r.device_id = a.dev);
SQL
}

# fall_kept P: patient P's fall, acknowledged, has its alert and the
# alert's raised event.
fall_kept() {
  local p
  p=$(printf 'p-%03d' "$1")
  [ "$(sql "SELECT count(*) FROM alerts a JOIN alert_events e ON e.alert_id = a.id
            WHERE a.rule = 'fall' AND a.patient_id = '$p' AND e.state = 'raised'")" -ge 1 ]
}

# Plan the cut points: the shim counts the operations of a whole stream.
rm -f "$T/count"
run_daemon WG_POWERCUT_COUNT="$T/count"
stream "$PACKS" "$PATIENTS"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
span=$(cat "$T/count")
[ "$span" -gt "$PACKS" ] || fail "only $span operations for $PACKS packs"
[ "$(missing)" = 0 ] || fail "packs lost without a cut"
log "a stream of $PACKS packs is $span writes, syncs and truncations"

# The teeth: durability "process" (as written), everything not synced
# dropped.
lost=0
for i in 1 2 3; do
  at=$((span / 2 + i * span / 8))
  run_daemon WG_POWERCUT_AT="$at" WG_POWERCUT_MODE=drop
  stream $((2 * PACKS)) "$((PATIENTS - i))"
  cut_or_kill
  grep -q "the power went at operation $at\$" "$T/wardgated.log" ||
    fail "no cut at $at under durability process"
  n=$(missing)
  lost=$((lost + n))
  log "durability process, cut at $at: $n of $(wc -l <"$T/acked") acknowledged packs lost"
done
[ "$lost" -gt 0 ] || fail "the cuts lost nothing under durability process: they have no teeth"

# The cuts under durability "power".
sed -i 's/"durability": "process"/"durability": "power"/' "$T/wardgate.json"
grep -q '"durability": "power"' "$T/wardgate.json" || fail "config not switched"
cuts=0 acked_total=0 falls=0
for i in $(seq 1 "$CUTS"); do
  # Spread over the stream and the start before it, at random.
  at=$((1 + (i * 7919 + RANDOM) % span))
  run_daemon WG_POWERCUT_AT="$at" WG_POWERCUT_SEED="$i"
  stream $((2 * PACKS)) "$i"
  cut_or_kill && cuts=$((cuts + 1))
  n=$(missing)
  [ "$n" = 0 ] || fail "cut $i at operation $at: $n of $(wc -l <"$T/acked") acknowledged packs lost"
  acked_total=$((acked_total + $(wc -l <"$T/acked")))
  if grep -q "^fall-$i," "$T/acked"; then
    fall_kept "$i" || fail "cut $i at operation $at: patient $i's acknowledged fall has no alert"
    falls=$((falls + 1))
  fi
done
log "$cuts power cuts: $acked_total acknowledged packs, all found after recovery; $falls falls, all alerted"
[ "$cuts" -ge $((CUTS * 9 / 10)) ] || fail "only $cuts of $CUTS runs were cut"

# Every acknowledged fall's alert reaches the hub once the daemon runs
# (the shim loaded, cutting nothing).
run_daemon
for i in $(seq 1 "$CUTS"); do
  fall_kept "$i" || continue
  p=$(printf 'p-%03d' "$i")
  wait_until 20 grep -q "\"patient\":\"$p\".*\"rule\":\"fall\"\|\"rule\":\"fall\".*\"patient\":\"$p\"" "$T/hub.sub" ||
    fail "patient $i's fall did not reach the hub"
done
daemon_alive || fail "wardgated died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
