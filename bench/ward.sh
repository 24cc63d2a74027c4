#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ward workload, each figure against the pass-through subscriber
# measured in the same run: PATIENTS patients, each with an oximeter whose
# heart rate hovers at a NEWS2 band edge and whose SpO2 crosses its limit
# and NEWS2's 3 and comes back (bench_pub's "ward" stream), and a fall
# sensor whose fall stays open, unacknowledged, while everything is
# measured. Prints the rows of the README's table (min / median / max of
# RUNS runs) and, with DAT set, writes the throughput medians there for the
# plot. Then what storing the same readings costs alone (bench_store), the
# floor under wardgated's CPU per pack. Never part of the test suite.
#   bench/ward.sh [WARDGATED]    (default: a Release build of the work tree)
# Environment: N (packs per run, 50000), RUNS (3), PATIENTS (500),
# MEM_PACKS (500000: 1 million readings), DAT, MEM_ONLY (1: only the
# memory row and where the memory goes).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto mosquitto-clients sqlite3

N=${N:-50000}
RUNS=${RUNS:-3}
P=${PATIENTS:-500}
MEM_PACKS=${MEM_PACKS:-500000}
LAT_FALLS=300

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
B=build-bench
H=$B/bench
WG=$(realpath "${1:-$B/wardgated}")
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-ward.XXXXXX")
PIDS=""
trap bench_cleanup EXIT
log() { echo "ward: $*" >&2; }

bench_broker "$B/bench/freeport"

patients=$(ward_patients "$P" "$LAT_FALLS")
config "$T/ward.json" "$T/ward.db" process "$patients"
DB=$T/ward.db
OXI="WHERE device_id LIKE 'oxi-%'"

fresh_db() { rm -f "$DB" "$DB-wal" "$DB-shm"; }
check_stored() { # every reading stored, every fall alerted
  local n
  n=$(sqlite3 "$DB" "SELECT count(*) FROM readings $OXI")
  [ "$n" = $((2 * N)) ] || log "only $n of $((2 * N)) oximeter readings stored"
  [ "$(open_falls_count "$DB")" = "$P" ] || log "only $(open_falls_count "$DB") of $P falls open"
}

: >"$T/live_pass" >"$T/live_wg" >"$T/cpu_live_pass" >"$T/cpu_live_wg"
: >"$T/drain_pass" >"$T/drain_wg" >"$T/cpu_pass" >"$T/cpu_wg"
[ "${MEM_ONLY:-0}" = 0 ] || RUNS=0
for run in $(seq 1 "$RUNS"); do
  log "run $run/$RUNS: live ingest, pass-through"
  pass_live "pass-$run" "$P" ward

  log "run $run/$RUNS: live ingest, wardgated, $P falls open"
  fresh_db
  daemon_start "$T/ward.json" "$DB"
  open_falls "$DB" "$P"
  c0=$(cpu_s "$DPID")
  "$B/bench/bench_pub" "$port" "$N" "$P" ward >/dev/null
  wait_count "$DB" $((2 * N + P))
  c1=$(cpu_s "$DPID")
  awk -v n="$N" -v s="$(received_span "$DB" "$OXI")" 'BEGIN { print n / s }' >>"$T/live_wg"
  awk -v n="$N" -v a="$c0" -v b="$c1" 'BEGIN { print (b - a) / n * 1e6 }' >>"$T/cpu_live_wg"
  check_stored
  daemon_stop
  clear_all

  log "run $run/$RUNS: backlog drain, pass-through"
  pass_drain "drain-pass-$run" "$P" ward

  log "run $run/$RUNS: backlog drain, wardgated, $P falls open"
  fresh_db
  daemon_start "$T/ward.json" "$DB" # creates the session
  open_falls "$DB" "$P"
  daemon_stop
  "$B/bench/bench_pub" "$port" "$N" "$P" ward >/dev/null
  daemon_start "$T/ward.json" "$DB"
  wait_count "$DB" $((2 * N + P))
  c1=$(cpu_s "$DPID") # a fresh process: start-up and restore included
  awk -v n="$N" -v s="$(received_span "$DB" "$OXI")" 'BEGIN { print n / s }' >>"$T/drain_wg"
  awk -v n="$N" -v b="$c1" 'BEGIN { print b / n * 1e6 }' >>"$T/cpu_wg"
  check_stored
  daemon_stop
  clear_all
done

log "fall → alert with $P falls open, under the ward stream at 1,000 packs/s; then the broker's floor"
: >"$T/latency" >"$T/floor" >"$T/active"
for run in $(seq 1 "$RUNS"); do
  fresh_db
  daemon_start "$T/ward.json" "$DB"
  open_falls "$DB" "$P"
  "$B/bench/bench_pub" "$port" 40000 "$P" ward 1000 >/dev/null &
  pubpid=$!
  PIDS="$PIDS $pubpid"
  mosquitto_sub -p "$port" -t wardgate/gw-bench/alerts/active -F '%U' >>"$T/active.$run" &
  subpid=$!
  PIDS="$PIDS $subpid"
  sleep 2
  "$B/bench/bench_latency" "$port" "$port" gw-bench "$LAT_FALLS" 20 >>"$T/latency" ||
    log "latency run $run incomplete"
  "$B/bench/bench_latency" "$port" "$port" gw-bench "$LAT_FALLS" 20 floor >>"$T/floor" ||
    log "floor run $run incomplete"
  kill -TERM "$pubpid" "$subpid" 2>/dev/null || true
  wait "$pubpid" "$subpid" 2>/dev/null || true
  daemon_stop
  clear_all
  # The gaps between snapshots; the first arrives retained at subscription.
  awk 'NR > 2 { print $1 - prev } { prev = $1 }' "$T/active.$run" >>"$T/active"
done
pct() { # file fraction -> milliseconds
  sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { printf "%.2f", v[int((NR - 1) * p) + 1] * 1000 }'
}
snapshots=$({ cat "$T"/active.* 2>/dev/null || true; } | wc -l)
min_gap=$(sort -g "$T/active" | head -1)

log "memory: $MEM_PACKS ward packs ($((2 * MEM_PACKS)) readings) with $P falls open"
fresh_db
daemon_start "$T/ward.json" "$DB"
open_falls "$DB" "$P"
"$B/bench/bench_pub" "$port" "$MEM_PACKS" "$P" ward >/dev/null
wait_count "$DB" $((2 * MEM_PACKS + P))
rss=$(awk '/VmRSS/ { print $2 / 1024 }' "/proc/$DPID/status")
dirty=$(awk '/^Private_Dirty/ { print $2 / 1024 }' "/proc/$DPID/smaps_rollup")
read -r _ m_lib m_exe m_heap m_stack m_arena m_files m_other <<<"$(smaps_split "$DPID")"
daemon_stop
clear_all
if [ "${MEM_ONLY:-0}" != 0 ]; then
  echo "| ward: resident memory, $((2 * MEM_PACKS)) readings stored, $P falls open (MB) | | $(f1 "$rss") | | | < 16 |"
  echo "| ward: of it private dirty (MB) | | $(f1 "$dirty") | | | |"
  echo "| ward: resident memory by mapping (MB): libraries, executable, main heap, stacks, other malloc arenas and anonymous maps, database files, other | | $m_lib, $m_exe, $m_heap, $m_stack, $m_arena, $m_files, $m_other | | | |"
  exit 0
fi

# Commit sizes as counted with a perf probe on wg_store_commit: live ingest
# commits about 75 packs at a time (669 commits for 50,000 packs), a drain
# about 140 (146 for 20,000); a quiet ward commits each pack alone.
log "the store alone: the same readings committed 1, 75 and 140 packs at a time"
"$B/bench/bench_store" "$T/store.db" "$N" "$P" 1 75 140 >"$T/store"
store() { awk -v g="$1" '$1 == g { print $2 }' "$T/store"; }

read -r lp_min lp_med lp_max <<<"$(stats "$T/live_pass")"
read -r lw_min lw_med lw_max <<<"$(stats "$T/live_wg")"
read -r dp_min dp_med dp_max <<<"$(stats "$T/drain_pass")"
read -r dw_min dw_med dw_max <<<"$(stats "$T/drain_wg")"
read -r cp_min cp_med cp_max <<<"$(stats "$T/cpu_pass")"
read -r cw_min cw_med cw_max <<<"$(stats "$T/cpu_wg")"
read -r clp_min clp_med clp_max <<<"$(stats "$T/cpu_live_pass")"
read -r clw_min clw_med clw_max <<<"$(stats "$T/cpu_live_wg")"

echo "| ward: live ingest, pass-through subscriber (packs/s) | $(f0 "$lp_min") | $(f0 "$lp_med") | $(f0 "$lp_max") | the limit | |"
echo "| ward: live ingest, wardgated, $P falls open (packs/s) | $(f0 "$lw_min") | $(f0 "$lw_med") | $(f0 "$lw_max") | $(ratio "$lw_med" "$lp_med") | ≥ 0.80 |"
echo "| ward: CPU per pack in live ingest, pass-through (µs) | $(f1 "$clp_min") | $(f1 "$clp_med") | $(f1 "$clp_max") | the limit | |"
echo "| ward: CPU per pack in live ingest, wardgated (µs) | $(f1 "$clw_min") | $(f1 "$clw_med") | $(f1 "$clw_max") | $(ratio "$clw_med" "$clp_med") | ≤ 1.5 |"
echo "| ward: backlog drain, pass-through (packs/s) | $(f0 "$dp_min") | $(f0 "$dp_med") | $(f0 "$dp_max") | the limit | |"
echo "| ward: backlog drain, wardgated (packs/s) | $(f0 "$dw_min") | $(f0 "$dw_med") | $(f0 "$dw_max") | $(ratio "$dw_med" "$dp_med") | ≥ 0.50 |"
echo "| ward: CPU per pack in backlog drain, pass-through (µs) | $(f1 "$cp_min") | $(f1 "$cp_med") | $(f1 "$cp_max") | the limit | |"
echo "| ward: CPU per pack in backlog drain, wardgated (µs) | $(f1 "$cw_min") | $(f1 "$cw_med") | $(f1 "$cw_max") | $(ratio "$cw_med" "$cp_med") | |"
echo "| ward: the store alone (the readings' INSERTs and commits), CPU per pack, one pack a commit as on a quiet ward (µs) | | $(store 1) | | | |"
echo "| ward: the store alone, CPU per pack, 75 packs a commit as in live ingest (µs) | | $(store 75) | | $(ratio "$(store 75)" "$clp_med") of the pass-through's | |"
echo "| ward: the store alone, CPU per pack, 140 packs a commit as in a drain (µs) | | $(store 140) | | $(ratio "$(store 140)" "$cp_med") of the pass-through's | |"
echo "| ward: broker's one-way floor under the stream (ms), $(wc -l <"$T/floor") messages | p50 $(pct "$T/floor" 0.5) | p99 $(pct "$T/floor" 0.99) | max $(pct "$T/floor" 1.0) | | |"
echo "| ward: fall → alert at the hub, $P falls open (ms), $(wc -l <"$T/latency") alerts | p50 $(pct "$T/latency" 0.5) | p99 $(pct "$T/latency" 0.99) | max $(pct "$T/latency" 1.0) | p99 − floor p99: $(awk -v a="$(pct "$T/latency" 0.99)" -v b="$(pct "$T/floor" 0.99)" 'BEGIN { printf "%.2f", a - b }') | ≤ 2 |"
echo "| ward: \`alerts/active\` snapshots during the latency runs, shortest gap (s) | | $snapshots, $(f2 "${min_gap:-0}") | | | ≥ 1 s apart |"
echo "| ward: resident memory, $((2 * MEM_PACKS)) readings stored, $P falls open (MB) | | $(f1 "$rss") | | | < 16 |"
echo "| ward: of it private dirty (MB) | | $(f1 "$dirty") | | | |"
echo "| ward: resident memory by mapping (MB): libraries, executable, main heap, stacks, other malloc arenas and anonymous maps, database files, other | | $m_lib, $m_exe, $m_heap, $m_stack, $m_arena, $m_files, $m_other | | | |"
if [ -n "${DAT:-}" ]; then
  printf '"live ingest\\n(ward)" %s %s\n"backlog drain\\n(ward)" %s %s\n' \
    "$lp_med" "$lw_med" "$dp_med" "$dw_med" >"$DAT"
fi
