#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interleaved A/B of two revisions of wardgated on the same broker, for a
# change that must not cost (or must save) time: each round runs live
# ingest and the backlog drain on A, then on B, so that drift of a shared
# machine falls on both alike; then callgrind counts the instructions per
# stored reading of each, which do not drift at all. Prints the medians and
# the ratio B/A. Never part of the test suite.
#   bench/ab.sh [REV_A [REV_B]]     (default: HEAD~1 and the work tree)
# Environment: N (packs per run, 50000), RUNS (5), WORKLOAD (steady, or
# ward: bench/ward.sh's stream with PATIENTS falls open, 500).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto mosquitto-clients sqlite3 valgrind

N=${N:-50000}
RUNS=${RUNS:-5}
REV_A=${1:-HEAD~1}
REV_B=${2:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-ab.XXXXXX")
PIDS=""
trap bench_cleanup EXIT
log() { echo "ab: $*" >&2; }

build() { # rev (empty: the work tree) dir
  mkdir -p "$2/src"
  if [ -n "$1" ]; then
    git archive "$1" | tar -x -C "$2/src"
  else
    git ls-files -z | xargs -0 cp --parents -t "$2/src"
  fi
  cmake -S "$2/src" -B "$2/build" -DCMAKE_BUILD_TYPE=Release \
    -DWG_BUILD_TESTS=OFF >/dev/null
  cmake --build "$2/build" -j"$(nproc)" >/dev/null
}
log "building A ($REV_A) and B (${REV_B:-work tree})"
build "$REV_A" "$T/a"
build "$REV_B" "$T/b"
H=$T/b/build/bench # the load generators: B's

bench_broker "$H/freeport"

WORKLOAD=${WORKLOAD:-steady}
if [ "$WORKLOAD" = ward ]; then
  P=${PATIENTS:-500}
  DEVICES=$P
  config "$T/wg.json" "$T/wg.db" process "$(ward_patients "$P" 0)"
  OPEN=$P # readings of the falls
else
  DEVICES=50
  config "$T/wg.json" "$T/wg.db" process \
    "[{\"id\":\"p-1\",\"devices\":[$(for i in $(seq 1 $DEVICES); do printf '"oxi-%d",' "$i"; done | sed 's/,$//')]}]"
  OPEN=0
fi
DB=$T/wg.db
start() { # wardgated: a fresh database; the falls opened
  rm -f "$DB" "$DB-wal" "$DB-shm"
  WG=$1
  daemon_start "$T/wg.json" "$DB"
  [ "$OPEN" = 0 ] || open_falls "$DB" "$P"
}
stop() { daemon_stop; }
span() { received_span "$DB" "WHERE device_id LIKE 'oxi-%'"; }
pub() { "$H/bench_pub" "$port" "$1" "$DEVICES" "$WORKLOAD" >/dev/null; }

for v in a b; do : >"$T/$v.live" >"$T/$v.live_cpu" >"$T/$v.drain" >"$T/$v.drain_cpu"; done
for run in $(seq 1 "$RUNS"); do
  for v in a b; do
    W=$T/$v/build/wardgated
    log "run $run/$RUNS: $v live ingest"
    start "$W"
    c0=$(cpu_s "$DPID")
    pub "$N"
    wait_count "$DB" $((2 * N + OPEN))
    c1=$(cpu_s "$DPID")
    awk -v n="$N" -v s="$(span)" 'BEGIN { print n / s }' >>"$T/$v.live"
    awk -v n="$N" -v a="$c0" -v b="$c1" 'BEGIN { print (b - a) / n * 1e6 }' >>"$T/$v.live_cpu"
    stop
    clear_all

    log "run $run/$RUNS: $v backlog drain"
    start "$W" # creates the session, opens the falls
    stop
    pub "$N"
    "$W" -c "$T/wg.json" --log-level warning 2>>"$T/wardgated.log" &
    DPID=$!
    PIDS="$PIDS $DPID"
    wait_count "$DB" $((2 * N + OPEN))
    c1=$(cpu_s "$DPID")
    awk -v n="$N" -v s="$(span)" 'BEGIN { print n / s }' >>"$T/$v.drain"
    awk -v n="$N" -v b="$c1" 'BEGIN { print b / n * 1e6 }' >>"$T/$v.drain_cpu"
    stop
    clear_all
  done
done

ir() { # wardgated packs -> instructions of a whole drain
  start "$1"
  stop
  pub "$2"
  rm -f "$T"/callgrind.out.*
  WG=$1
  valgrind --tool=callgrind --callgrind-out-file="$T/callgrind.out.%p" \
    "$1" -c "$T/wg.json" --log-level error 2>>"$T/valgrind.log" &
  DPID=$!
  PIDS="$PIDS $DPID"
  wait_count "$DB" $((2 * $2 + OPEN))
  stop
  clear_all
  awk '/^summary:/ { print $2 }' "$T"/callgrind.out.*
}
for v in a b; do
  log "$v: callgrind"
  i1=$(ir "$T/$v/build/wardgated" 2000)
  i2=$(ir "$T/$v/build/wardgated" 6000)
  awk -v a="$i1" -v b="$i2" 'BEGIN { printf "%.0f\n", (b - a) / 8000 }' >"$T/$v.ir"
done

row() { # label file digits
  local a b
  a=$(median <"$T/a.$2")
  b=$(median <"$T/b.$2")
  awk -v l="$1" -v a="$a" -v b="$b" -v d="$3" \
    'BEGIN { printf "| %s | %.*f | %.*f | %.3f |\n", l, d, a, d, b, b / a }'
}
echo "A: $REV_A, B: ${REV_B:-work tree}; $WORKLOAD workload, N = $N packs (2 readings each), medians of $RUNS interleaved runs"
echo
echo "| measurement | A | B | B / A |"
echo "|---|---|---|---|"
row "live ingest (packs/s)" live 0
row "CPU per pack, live ingest (µs)" live_cpu 1
row "backlog drain (packs/s)" drain 0
row "CPU per pack, drain (µs)" drain_cpu 1
row "instructions per stored reading" ir 0
