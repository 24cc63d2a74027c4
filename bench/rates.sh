#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What one home sends the hub, after coalescing: a private broker, the
# daemon and the simulated devices of one patient (an oximeter, a cuff, a
# thermometer, an observation tablet, a smart cup and a fall sensor, RATE
# packs a second in all; SpO2 dipping below 90 % from a third of the way
# on, and a fall halfway), for DURATION seconds; every message to the hub
# counted by topic, with its bytes, and printed per hour. Never part of the
# test suite; docs/scaling.md uses its figures.
#   bench/rates.sh
# Environment: DURATION (600), RATE (0.5: a pack every 2 s).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto mosquitto-clients sqlite3

DURATION=${DURATION:-600}
RATE=${RATE:-0.5}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
B=build-bench
WG=$B/wardgated
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-rates.XXXXXX")
PIDS=""
trap bench_cleanup EXIT

bench_broker "$B/bench/freeport"
patients=$("$B/wardgate-sim" -n 1 --print-patients |
  sed 's/]}/], "thresholds": [{"name": "spo2", "below": 90, "severity": "high", "confirm": 2}]}/')
config "$T/rates.json" "$T/rates.db" power "$patients"
sed -i 's/"status_interval_s": 3600/"status_interval_s": 60/' "$T/rates.json"
mosquitto_sub -p "$port" -t 'wardgate/gw-bench/#' -v >"$T/hub.out" 2>/dev/null &
PIDS="$PIDS $!"
daemon_start "$T/rates.json" "$T/rates.db"
"$B/wardgate-sim" -p "$port" -n 1 -r "$RATE" -d "$DURATION" -q \
  --desat "1@$((DURATION / 3))" --fall "1@$((DURATION / 2))" >/dev/null 2>&1
sleep 2
daemon_stop
awk -v d="$DURATION" '
  { topic = $1; sub(/^wardgate\/gw-bench\//, "", topic); n[topic]++; b[topic] += length($0) - length($1) - 1 }
  END {
    printf "| topic (one home, %d s at %s packs/s) | messages/hour | bytes/hour | bytes/message |\n", d, "'"$RATE"'"
    print "|---|---|---|---|"
    for (t in n) { mt += n[t]; bt += b[t]; printf "| %s | %.0f | %.0f | %.0f |\n", t, n[t] * 3600 / d, b[t] * 3600 / d, b[t] / n[t] }
    printf "| all | %.0f | %.0f | %.0f |\n", mt * 3600 / d, bt * 3600 / d, bt / mt
  }' "$T/hub.out"
echo "packs from the devices: $(sqlite3 "$T/rates.db" "SELECT count(*) FROM (SELECT DISTINCT device_id, ts FROM readings)")"
