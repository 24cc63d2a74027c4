#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wardgate's benchmarks, on loopback with a private mosquitto, each against
# the limit measured in the same run: a bare libmosquitto subscriber that
# only counts the same messages from the same broker. Builds in Release
# mode, prints a table (min / median / max of RUNS runs) and writes
# docs/bench.png; then the ward workload (bench/ward.sh). Never part of the
# test suite.
#   bench/run.sh [--quick]      (--quick: smaller counts, a 60 s soak)
# Environment: N (packs per ingest run, 100000), RUNS (3), SOAK_S (600),
# MEM_PACKS (500000: 1 million readings).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto sqlite3 valgrind gnuplot-nox

N=${N:-100000}
RUNS=${RUNS:-3}
SOAK_S=${SOAK_S:-600}
MEM_PACKS=${MEM_PACKS:-500000}
if [ "${1:-}" = --quick ]; then
  N=20000 RUNS=3 SOAK_S=60 MEM_PACKS=100000
fi

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
B=build-bench
H=$B/bench
WG=$B/wardgated
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-bench.XXXXXX")
PIDS=""
trap bench_cleanup EXIT
log() { echo "bench: $*" >&2; }

bench_broker "$B/bench/freeport"


devices_json() { # N oxi devices for one patient
  local i sep=""
  printf '[{"id":"p-1","devices":['
  for i in $(seq 1 "$1"); do printf '%s"oxi-%d"' "$sep" "$i"; sep=,; done
  printf ']}]'
}
DEVICES=50
config "$T/ingest.json" "$T/ingest.db" process "$(devices_json $DEVICES)"
config "$T/power.json" "$T/power.db" power "$(devices_json $DEVICES)"

: >"$T/live_pass" >"$T/live_wg" >"$T/live_power" >"$T/drain_pass" >"$T/drain_wg"
: >"$T/cpu_pass" >"$T/cpu_wg" >"$T/cpu_live_pass" >"$T/cpu_live_wg"
for run in $(seq 1 "$RUNS"); do
  log "run $run/$RUNS: live ingest, pass-through"
  pass_live "pass-$run" "$DEVICES"

  for mode in process power; do
    cfg=$T/ingest.json db=$T/ingest.db out=$T/live_wg
    [ "$mode" = power ] && cfg=$T/power.json db=$T/power.db out=$T/live_power
    log "run $run/$RUNS: live ingest, wardgated ($mode)"
    rm -f "$db" "$db-wal" "$db-shm"
    daemon_start "$cfg" "$db"
    c0=$(cpu_s "$DPID")
    "$B/bench/bench_pub" "$port" "$N" "$DEVICES" >/dev/null
    wait_count "$db" $((2 * N))
    c1=$(cpu_s "$DPID")
    awk -v n="$N" -v s="$(received_span "$db")" 'BEGIN { print n / s }' >>"$out"
    [ "$mode" = power ] ||
      awk -v n="$N" -v a="$c0" -v b="$c1" 'BEGIN { print (b - a) / n * 1e6 }' >>"$T/cpu_live_wg"
    daemon_stop
    clear_all
  done

  log "run $run/$RUNS: backlog drain, pass-through"
  pass_drain "drain-pass-$run" "$DEVICES"

  log "run $run/$RUNS: backlog drain, wardgated"
  rm -f "$T/ingest.db" "$T/ingest.db-wal" "$T/ingest.db-shm"
  daemon_start "$T/ingest.json" "$T/ingest.db" # creates the session
  daemon_stop
  "$B/bench/bench_pub" "$port" "$N" "$DEVICES" >/dev/null
  daemon_start "$T/ingest.json" "$T/ingest.db"
  wait_count "$T/ingest.db" $((2 * N))
  c1=$(cpu_s "$DPID") # a fresh process: start-up is a few milliseconds
  awk -v n="$N" -v s="$(received_span "$T/ingest.db")" 'BEGIN { print n / s }' >>"$T/drain_wg"
  awk -v n="$N" -v b="$c1" 'BEGIN { print b / n * 1e6 }' >>"$T/cpu_wg"
  daemon_stop
  clear_all
done

COAP_CLIENTS=16
log "CoAP: $N confirmed POSTs from $COAP_CLIENTS devices, each waiting for its answer"
cport=$("$B/bench/freeport" udp)
config "$T/coap.json" "$T/coap.db" process "$(devices_json $DEVICES)" \
  "{ \"coap\": { \"bind\": \"127.0.0.1\", \"port\": $cport } }"
: >"$T/coap_pass" >"$T/coap_wg"
for run in $(seq 1 "$RUNS"); do
  "$B/bench/bench_coap" server "$cport" &
  sp=$!
  sleep 0.3
  read -r cnt secs failed <<<"$("$B/bench/bench_coap" client "$cport" "$N" "$COAP_CLIENTS")"
  awk -v n="$cnt" -v s="$secs" 'BEGIN { print n / s }' >>"$T/coap_pass"
  kill -TERM "$sp"
  wait "$sp" || true
  rm -f "$T/coap.db" "$T/coap.db-wal" "$T/coap.db-shm"
  daemon_start "$T/coap.json" "$T/coap.db"
  read -r cnt secs failed <<<"$("$B/bench/bench_coap" client "$cport" "$N" "$COAP_CLIENTS")"
  [ "$cnt" = "$N" ] || log "CoAP run $run: $cnt of $N answered, $failed refused"
  awk -v n="$cnt" -v s="$secs" 'BEGIN { print n / s }' >>"$T/coap_wg"
  daemon_stop
  clear_all
done

log "alert latency: 300 falls at 20/s under 1,000 packs/s"
lat_patients=$( (
  printf '['
  for i in $(seq 1 300); do printf '{"id":"lp-%d","devices":["lfall-%d"]},' "$i" "$i"; done
  "$B/wardgate-sim" --print-patients -n 20 | sed 's/^\[//'
))
config "$T/lat.json" "$T/lat.db" process "$lat_patients"
: >"$T/latency"
for run in $(seq 1 "$RUNS"); do
  rm -f "$T/lat.db" "$T/lat.db-wal" "$T/lat.db-shm"
  daemon_start "$T/lat.json" "$T/lat.db"
  "$B/wardgate-sim" -p "$port" -n 20 -r 1000 -d 25 -q &
  simpid=$!
  sleep 2
  "$B/bench/bench_latency" "$port" "$port" gw-bench 300 20 >>"$T/latency" || log "latency run $run incomplete"
  wait $simpid || true
  daemon_stop
  clear_all
done
sort -g "$T/latency" >"$T/latency.sorted"
lat_n=$(wc -l <"$T/latency.sorted")
pct() { awk -v p="$1" -v n="$lat_n" 'NR == int((n - 1) * p) + 1 { printf "%.2f", $1 * 1000; exit }' "$T/latency.sorted"; }

log "memory: $MEM_PACKS packs ($((2 * MEM_PACKS)) readings), then a ${SOAK_S} s soak at 1,000 packs/s"
config "$T/mem.json" "$T/mem.db" process "$(devices_json $DEVICES)"
rm -f "$T/mem.db"*
daemon_start "$T/mem.json" "$T/mem.db"
"$B/bench/bench_pub" "$port" "$MEM_PACKS" "$DEVICES" >/dev/null
wait_count "$T/mem.db" $((2 * MEM_PACKS))
rss() { awk '/VmRSS/ { print $2 / 1024 }' "/proc/$DPID/status"; }
rss_1m=$(rss)
"$B/wardgate-sim" -p "$port" -n 10 -r 1000 -d "$SOAK_S" -q 2>/dev/null &
simpid=$!
: >"$T/rss"
for i in $(seq 1 $((SOAK_S / 10))); do sleep 10; rss >>"$T/rss"; done
wait $simpid || true
clear_all
rss_soak_first=$(head -1 "$T/rss")
rss_soak_last=$(tail -1 "$T/rss")
rss_soak_max=$(sort -g "$T/rss" | tail -1)
daemon_stop

log "cost per reading: callgrind, two backlogs"
ir() { # packs -> instructions of a whole run
  rm -f "$T/cg.db"* "$T"/callgrind.out.*
  config "$T/cg.json" "$T/cg.db" process "$(devices_json $DEVICES)"
  daemon_start "$T/cg.json" "$T/cg.db"
  daemon_stop
  "$B/bench/bench_pub" "$port" "$1" "$DEVICES" >/dev/null
  valgrind --tool=callgrind --callgrind-out-file="$T/callgrind.out.%p" \
    "$B/wardgated" -c "$T/cg.json" --log-level error 2>>"$T/valgrind.log" &
  local vp=$!
  PIDS="$PIDS $vp"
  wait_count "$T/cg.db" $((2 * $1))
  kill -TERM "$vp"
  wait "$vp" || true
  clear_all
  awk '/^summary:/ { print $2 }' "$T"/callgrind.out.*
}
ir1=$(ir 2000)
ir2=$(ir 6000)
per_reading=$(awk -v a="$ir1" -v b="$ir2" 'BEGIN { printf "%.0f", (b - a) / 8000 }')

read -r lp_min lp_med lp_max <<<"$(stats "$T/live_pass")"
read -r lw_min lw_med lw_max <<<"$(stats "$T/live_wg")"
read -r lo_min lo_med lo_max <<<"$(stats "$T/live_power")"
read -r dp_min dp_med dp_max <<<"$(stats "$T/drain_pass")"
read -r dw_min dw_med dw_max <<<"$(stats "$T/drain_wg")"
read -r cp_min cp_med cp_max <<<"$(stats "$T/cpu_pass")"
read -r cw_min cw_med cw_max <<<"$(stats "$T/cpu_wg")"
read -r clp_min clp_med clp_max <<<"$(stats "$T/cpu_live_pass")"
read -r clw_min clw_med clw_max <<<"$(stats "$T/cpu_live_wg")"
read -r op_min op_med op_max <<<"$(stats "$T/coap_pass")"
read -r ow_min ow_med ow_max <<<"$(stats "$T/coap_wg")"

{
  echo "wardgate benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "N = $N packs of 2 readings per ingest run, $RUNS runs; min / median / max"
  echo
  echo "| measurement | min | median | max | vs. limit (median) | target |"
  echo "|---|---|---|---|---|---|"
  echo "| live ingest, pass-through subscriber (packs/s) | $(f0 "$lp_min") | $(f0 "$lp_med") | $(f0 "$lp_max") | the limit | |"
  echo "| live ingest, wardgated, durability process (packs/s) | $(f0 "$lw_min") | $(f0 "$lw_med") | $(f0 "$lw_max") | $(ratio "$lw_med" "$lp_med") | ≥ 0.80 |"
  echo "| live ingest, wardgated, durability power (packs/s) | $(f0 "$lo_min") | $(f0 "$lo_med") | $(f0 "$lo_max") | $(ratio "$lo_med" "$lp_med") | |"
  echo "| CPU per pack in live ingest, pass-through (µs) | $(f1 "$clp_min") | $(f1 "$clp_med") | $(f1 "$clp_max") | the limit | |"
  echo "| CPU per pack in live ingest, wardgated (µs) | $(f1 "$clw_min") | $(f1 "$clw_med") | $(f1 "$clw_max") | $(ratio "$clw_med" "$clp_med") | ≤ 1.5 |"
  echo "| backlog drain, pass-through (packs/s) | $(f0 "$dp_min") | $(f0 "$dp_med") | $(f0 "$dp_max") | the limit | |"
  echo "| backlog drain, wardgated (packs/s) | $(f0 "$dw_min") | $(f0 "$dw_med") | $(f0 "$dw_max") | $(ratio "$dw_med" "$dp_med") | ≥ 0.50 |"
  echo "| CPU per pack in backlog drain, pass-through (µs) | $(f1 "$cp_min") | $(f1 "$cp_med") | $(f1 "$cp_max") | the limit | |"
  echo "| CPU per pack in backlog drain, wardgated (µs) | $(f1 "$cw_min") | $(f1 "$cw_med") | $(f1 "$cw_max") | $(ratio "$cw_med" "$cp_med") | |"
  echo "| fall → alert at the hub, under 1,000 packs/s (ms), $lat_n alerts | p50 $(pct 0.5) | p99 $(pct 0.99) | max $(pct 1.0) | | p99 < 5 |"
  echo "| resident memory, 1 million readings stored (MB) | | $(f1 "$rss_1m") | | | < 16 |"
  echo "| resident memory over a ${SOAK_S} s soak at 1,000 packs/s (MB) | first $(f1 "$rss_soak_first") | last $(f1 "$rss_soak_last") | max $(f1 "$rss_soak_max") | | flat |"
  echo "| instructions per stored reading (callgrind) | | $per_reading | | | |"
  echo "| CoAP, libcoap server answering at once, $COAP_CLIENTS devices (POSTs/s) | $(f0 "$op_min") | $(f0 "$op_med") | $(f0 "$op_max") | the limit | |"
  echo "| CoAP, wardgated, each answered 2.04 after commit (POSTs/s) | $(f0 "$ow_min") | $(f0 "$ow_med") | $(f0 "$ow_max") | $(ratio "$ow_med" "$op_med") | ≥ 20,000 |"
} | tee "$T/table.md"

log "the ward workload: bench/ward.sh"
N=$N RUNS=$RUNS MEM_PACKS=$MEM_PACKS DAT="$T/ward.dat" \
  bash bench/ward.sh "$(realpath "$WG")" | tee -a "$T/table.md"

# The plot: each throughput beside its limit, and the latency distribution.
printf '"live ingest\\n(MQTT)" %s %s\n"backlog drain\\n(MQTT)" %s %s\n"POSTs\\n(CoAP)" %s %s\n' \
  "$lp_med" "$lw_med" "$dp_med" "$dw_med" "$op_med" "$ow_med" >"$T/tput.dat"
cat "$T/ward.dat" >>"$T/tput.dat"
awk -v n="$lat_n" '{ print $1 * 1000, NR / n }' "$T/latency.sorted" >"$T/cdf.dat"
gnuplot <<PLOT
set terminal pngcairo size 1300,440 font ",10" noenhanced
set output "docs/bench.png"
set multiplot layout 1,2 title "wardgate on loopback ($(date -u +%Y-%m-%d), $(nproc) cores)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.6
set key top right
set bmargin 4
set offsets 0, 0, graph 0.15, 0
set ylabel "messages/s (median of $RUNS)"
set yrange [0:*]
set title "throughput against the limit measured in the same run"
plot "$T/tput.dat" using 2:xtic(1) title "limit (stores nothing)", \
     "" using 3 title "wardgated (stores, scores, alerts)"
unset style data
unset offsets
set title "fall to alert at the hub, under 1,000 packs/s"
set xlabel "latency (ms)"
set ylabel "fraction of alerts"
set yrange [0:1]
set logscale x
plot "$T/cdf.dat" using 1:2 with lines lw 2 notitle
unset multiplot
PLOT
log "plot written to docs/bench.png"
