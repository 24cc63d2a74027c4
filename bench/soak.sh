#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The soak: wardgated for DURATION seconds (an hour) under RATE packs a
# second (200) from simulated patients, a fall every minute, while the
# home broker and the hub's broker are restarted in turn every RESTART_S
# seconds (120: each of them every four minutes). Every 10 s it samples the
# daemon's resident memory, its open file descriptors, the outbox's depth
# and the readings stored; at the end it checks that every pack the home
# broker acknowledged is stored and every fall reached the hub, prints the
# README's lines and plots docs/soak.png. Never part of the test suite.
#   bench/soak.sh [WARDGATED]    (default: a Release build of the work tree)
# Environment: DURATION (3600), RATE (200), PATIENTS (20), RESTART_S (120).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto mosquitto-clients sqlite3 gnuplot-nox

DURATION=${DURATION:-3600}
RATE=${RATE:-200}
P=${PATIENTS:-20}
RESTART_S=${RESTART_S:-120}

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
B=build-bench
WG=$(realpath "${1:-$B/wardgated}")
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-soak.XXXXXX")
PIDS=""
log() { echo "soak: $*" >&2; }
cleanup() {
  kill -TERM "${home_pid:-}" "${hub_pid:-}" 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT

# Two brokers that keep their sessions across a restart, as a deployed
# one does: the home box's (devices → daemon) and the hub's (daemon → hub).
broker_conf() { # NAME PORT
  mkdir -p "$T/$1"
  cat >"$T/$1.conf" <<CONF
user $(id -un)
listener $2 127.0.0.1
allow_anonymous true
persistence true
persistence_location $T/$1/
autosave_interval 60
max_queued_messages 0
max_inflight_messages 1000
CONF
}
broker_start() { # NAME -> pid in ${NAME}_pid
  mosquitto -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
  eval "${1}_pid=$!"
  sleep 0.3
}
home_port=$("$B/bench/freeport")
hub_port=$("$B/bench/freeport")
broker_conf home "$home_port"
broker_conf hub "$hub_port"
broker_start home
broker_start hub

patients=$("$B/wardgate-sim" -n "$P" --print-patients)
cat >"$T/soak.json" <<CONF
{ "gateway_id": "gw-soak", "database": "$T/soak.db", "durability": "power",
  "ingest": { "mqtt": { "port": $home_port, "keepalive_s": 10 } },
  "uplink": { "mqtt": { "port": $hub_port, "keepalive_s": 10 } },
  "status_interval_s": 60,
  "patients": $patients }
CONF
port=$home_port
daemon_start "$T/soak.json" "$T/soak.db"

# The hub: a persistent session that takes every alert event.
mosquitto_sub -p "$hub_port" -i soak-hub -c -q 1 -t 'wardgate/+/alerts' \
  >"$T/hub.out" 2>"$T/hub.err" &
PIDS="$PIDS $!"
sleep 0.5

falls=()
for i in $(seq 1 $((DURATION / 60 < 64 ? DURATION / 60 : 64))); do
  falls+=(--fall "$(((i - 1) % P + 1))@$((i * 60 - 30))")
done
"$B/wardgate-sim" -p "$home_port" -n "$P" -r "$RATE" -d "$DURATION" \
  "${falls[@]}" 2>"$T/sim.err" >/dev/null &
sim=$!
PIDS="$PIDS $sim"

log "wardgated $DPID, $RATE packs/s for $DURATION s, a broker restarted every $RESTART_S s; in $T"
echo "# t_s rss_mb fds outbox readings" >"$T/soak.dat"
t0=$(date +%s)
next_restart=$RESTART_S
turn=home
restarts=0
while kill -0 "$sim" 2>/dev/null; do
  t=$(($(date +%s) - t0))
  rss=$(awk '/^VmRSS/ { print $2 / 1024 }' "/proc/$DPID/status")
  fds=$(find "/proc/$DPID/fd" -mindepth 1 2>/dev/null | wc -l)
  depth=$(sqlite3 "$T/soak.db" 'SELECT count(*) FROM outbox' 2>/dev/null || echo "?")
  stored=$(sqlite3 "$T/soak.db" 'SELECT coalesce(max(id), 0) FROM readings' 2>/dev/null || echo "?")
  echo "$t $rss $fds $depth $stored" >>"$T/soak.dat"
  if [ "$t" -ge "$next_restart" ]; then
    pid_var=${turn}_pid
    kill -TERM "${!pid_var}"
    wait "${!pid_var}" 2>/dev/null || true
    sleep 1
    broker_start "$turn"
    restarts=$((restarts + 1))
    turn=$([ "$turn" = home ] && echo hub || echo home)
    next_restart=$((next_restart + RESTART_S))
  fi
  sleep 10
done
wait "$sim" || true
# The simulator's own count of the PUBACKs it had (falls included).
sent=$(sed -n 's/.* \([0-9]*\) packs sent, \([0-9]*\) refused, \([0-9]*\) acknowledged.*/\2 \3/p' "$T/sim.err")
read -r n_refused acked <<<"${sent:-0 0}"

# Let the backlog settle: every acknowledged pack stored, the outbox empty.
for _ in $(seq 1 60); do
  depth=$(sqlite3 "$T/soak.db" 'SELECT count(*) FROM outbox')
  packs=$(sqlite3 "$T/soak.db" "SELECT count(*) FROM (SELECT DISTINCT device_id, ts FROM readings)")
  [ "$depth" = 0 ] && [ "$packs" -ge "$acked" ] && break
  sleep 1
done
falls_raised=$(sqlite3 "$T/soak.db" "SELECT count(*) FROM alerts WHERE rule = 'fall'")
falls_at_hub=$(grep -c '"state":"raised".*"rule":"fall"\|"rule":"fall".*"state":"raised"' "$T/hub.out" || true)
rss_first=$(awk 'NR == 2 { print $2 }' "$T/soak.dat")
rss_last=$(tail -1 "$T/soak.dat" | awk '{ print $2 }')
rss_max=$(awk 'NR > 1 && $2 > m { m = $2 } END { print m }' "$T/soak.dat")
fds_first=$(awk 'NR == 2 { print $3 }' "$T/soak.dat")
fds_max=$(awk 'NR > 1 && $3 > m { m = $3 } END { print m }' "$T/soak.dat")
depth_max=$(awk 'NR > 1 && $4 > m { m = $4 } END { print m + 0 }' "$T/soak.dat")
daemon_stop

echo "| soak, $((DURATION / 60)) min at $RATE packs/s, $restarts broker restarts | first | last | max |"
echo "|---|---|---|---|"
echo "| resident memory (MB) | $(f1 "$rss_first") | $(f1 "$rss_last") | $(f1 "$rss_max") |"
echo "| open file descriptors | $fds_first | $(tail -1 "$T/soak.dat" | awk '{ print $3 }') | $fds_max |"
echo "| outbox depth (messages) | | $depth | $depth_max |"
echo
echo "packs acknowledged by the home broker: $acked ($n_refused published while it was down, queued by the client); packs stored: $packs"
echo "falls raised: $falls_raised; raised events received by the hub: $falls_at_hub"
[ "$packs" -ge "$acked" ] || log "LOST: $((acked - packs)) acknowledged packs not stored"
[ "$falls_at_hub" -ge "$falls_raised" ] || log "LOST: $((falls_raised - falls_at_hub)) falls not at the hub"

gnuplot <<PLOT
set terminal pngcairo size 1300,400 font ",10" noenhanced
set output "docs/soak.png"
set multiplot layout 1,3 title "wardgated soak: $RATE packs/s, a broker restarted every $RESTART_S s ($(date -u +%Y-%m-%d), $(nproc) cores)"
set xlabel "minutes"
set yrange [0:*]
set title "resident memory (MB)"
plot "$T/soak.dat" using (\$1/60):2 with lines lw 2 notitle
set title "open file descriptors"
plot "$T/soak.dat" using (\$1/60):3 with lines lw 2 notitle
set title "outbox depth (messages)"
plot "$T/soak.dat" using (\$1/60):4 with lines lw 2 notitle
unset multiplot
PLOT
log "plot written to docs/soak.png"
