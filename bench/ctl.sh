#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wardgatectl on a big database: READINGS readings (a million) of one
# patient over the last 24 hours, four keys, then "wardgatectl readings
# PATIENT --since 24h" timed RUNS times (Release build). Prints the
# README's row. Never part of the test suite.
#   bench/ctl.sh
# Environment: READINGS (1000000), RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD sqlite3

N=${READINGS:-1000000}
RUNS=${RUNS:-5}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
B=build-bench
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-ctl.XXXXXX")
PIDS=""
trap bench_cleanup EXIT

port=$("$B/bench/freeport")
config "$T/ctl.json" "$T/ctl.db" process '[{"id":"p-001","devices":["oxi-1","obs-1"]}]'
WG=$B/wardgated
daemon_start "$T/ctl.json" "$T/ctl.db" # the tables, then nothing else
daemon_stop
now=$(date +%s)
per=$((N / 4))
sqlite3 "$T/ctl.db" <<SQL
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $per)
INSERT INTO readings(ts, device_id, patient_id, name, unit, value, received)
SELECT $now - 86300 + i * 86000.0 / $per, d, 'p-001', n, u, v + i % 5, $now
FROM c, (SELECT 'oxi-1' AS d, 'spo2' AS n, '%' AS u, 94 AS v
         UNION ALL SELECT 'oxi-1', 'hr', 'beat/min', 70
         UNION ALL SELECT 'obs-1', 'rr', '1/min', 14
         UNION ALL SELECT 'obs-1', 'temp', 'Cel', 36);
SQL
[ "$(sqlite3 "$T/ctl.db" 'SELECT count(*) FROM readings')" = $((per * 4)) ] ||
  { echo "ctl: the readings were not made" >&2; exit 1; }
: >"$T/times"
for _ in $(seq 1 "$RUNS"); do
  s=$(date +%s.%N)
  "$B/wardgatectl" -c "$T/ctl.json" readings p-001 --since 24h >/dev/null
  awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' >>"$T/times"
done
read -r lo med hi <<<"$(stats "$T/times")"
echo "| wardgatectl readings --since 24h, $(f0 "$((per * 4))") readings (s) | $(f2 "$lo") | $(f2 "$med") | $(f2 "$hi") | | < 1 |"
