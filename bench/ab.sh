#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interleaved A/B of two revisions of wardgated on the same broker, for a
# change that must not cost (or must save) time: each round runs live
# ingest and the backlog drain on A, then on B, so that drift of a shared
# machine falls on both alike; then callgrind counts the instructions per
# stored reading of each, which do not drift at all. Prints the medians and
# the ratio B/A. Never part of the test suite.
#   bench/ab.sh [REV_A [REV_B]]     (default: HEAD~1 and the work tree)
# Environment: N (packs per run, 50000), RUNS (5).
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

DEVICES=50
devices=$(for i in $(seq 1 $DEVICES); do printf '"oxi-%d",' "$i"; done)
cat >"$T/wg.json" <<CONF
{ "gateway_id": "gw-ab", "database": "$T/wg.db", "durability": "process",
  "ingest": { "mqtt": { "port": $port, "keepalive_s": 60 } },
  "uplink": { "mqtt": { "port": $port, "keepalive_s": 60 } },
  "status_interval_s": 3600,
  "patients": [{ "id": "p-1", "devices": [${devices%,}] }] }
CONF

clear_session() { mosquitto_sub -p "$port" -i "$1" -t wardgate/ab/none -E >/dev/null 2>&1 || true; }
clear_all() {
  clear_session wardgate-gw-ab-ingest
  clear_session wardgate-gw-ab-uplink
}
wait_count() {
  while [ "$(sqlite3 "$T/wg.db" 'SELECT coalesce(max(id), 0) FROM readings' 2>/dev/null || echo 0)" -lt "$1" ]; do
    sleep 0.2
  done
}
start() { # wardgated [wrapper...]
  rm -f "$T/wg.db" "$T/wg.db-wal" "$T/wg.db-shm"
  "$@" -c "$T/wg.json" --log-level warning 2>>"$T/wardgated.log" &
  DPID=$!
  PIDS="$PIDS $DPID"
  local i
  for i in $(seq 1 100); do
    sqlite3 "$T/wg.db" 'SELECT 1 FROM readings LIMIT 1' >/dev/null 2>&1 && break
    sleep 0.05
  done
  sleep 0.5
}
stop() { kill -TERM "$DPID"; wait "$DPID" || true; }
span() { sqlite3 "$T/wg.db" 'SELECT max(received) - min(received) FROM readings'; }

for v in a b; do : >"$T/$v.live" >"$T/$v.live_cpu" >"$T/$v.drain" >"$T/$v.drain_cpu"; done
for run in $(seq 1 "$RUNS"); do
  for v in a b; do
    W=$T/$v/build/wardgated
    log "run $run/$RUNS: $v live ingest"
    start "$W"
    c0=$(cpu_s "$DPID")
    "$H/bench_pub" "$port" "$N" "$DEVICES" >/dev/null
    wait_count $((2 * N))
    c1=$(cpu_s "$DPID")
    awk -v n="$N" -v s="$(span)" 'BEGIN { print n / s }' >>"$T/$v.live"
    awk -v n="$N" -v a="$c0" -v b="$c1" 'BEGIN { print (b - a) / n * 1e6 }' >>"$T/$v.live_cpu"
    stop
    clear_all

    log "run $run/$RUNS: $v backlog drain"
    start "$W" # creates the session
    stop
    "$H/bench_pub" "$port" "$N" "$DEVICES" >/dev/null
    rm -f "$T/wg.db" "$T/wg.db-wal" "$T/wg.db-shm"
    "$W" -c "$T/wg.json" --log-level warning 2>>"$T/wardgated.log" &
    DPID=$!
    PIDS="$PIDS $DPID"
    wait_count $((2 * N))
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
  "$H/bench_pub" "$port" "$2" "$DEVICES" >/dev/null
  rm -f "$T/wg.db" "$T/wg.db-wal" "$T/wg.db-shm" "$T"/callgrind.out.*
  valgrind --tool=callgrind --callgrind-out-file="$T/callgrind.out.%p" \
    "$1" -c "$T/wg.json" --log-level error 2>>"$T/valgrind.log" &
  DPID=$!
  PIDS="$PIDS $DPID"
  wait_count $((2 * $2))
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
echo "A: $REV_A, B: ${REV_B:-work tree}; N = $N packs (2 readings each), medians of $RUNS interleaved runs"
echo
echo "| measurement | A | B | B / A |"
echo "|---|---|---|---|"
row "live ingest (packs/s)" live 0
row "CPU per pack, live ingest (µs)" live_cpu 1
row "backlog drain (packs/s)" drain 0
row "CPU per pack, drain (µs)" drain_cpu 1
row "instructions per stored reading" ir 0
