#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub's broker under many homes (wardgate-sim --gateways): GATEWAYS
# gateways' uplinks for DURATION seconds each, at one home's rates
# (bench/rates.sh: ALERTS and NEWS2 per hour, a status a minute), then at
# SCALE times those rates (the message rate of SCALE times as many homes),
# against mosquitto, one RabbitMQ node, and a three-node RabbitMQ cluster
# (quorum queues; the gateways and the hub on node A) — all on this box.
# Prints the rows of docs/scaling.md. Never part of the test suite; needs
# root for the RabbitMQ nodes (they run as the rabbitmq user).
#   bench/hub.sh
# Environment: GATEWAYS (1000), DURATION (60), ALERTS (54), NEWS2 (30),
# SCALE (10).
set -euo pipefail
cd "$(dirname "$0")/.."
GATEWAYS=${GATEWAYS:-1000}
DURATION=${DURATION:-60}
ALERTS=${ALERTS:-54}
NEWS2=${NEWS2:-30}
SCALE=${SCALE:-10}

. tools/deps.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto mosquitto-clients rabbitmq-server
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
# The tests' helpers for private brokers and RabbitMQ nodes.
WG_BIN=$(pwd)/build-bench
. tests/integration/lib.sh
set +o pipefail # as the tests' helpers expect
FREEPORT=$WG_BIN/bench/freeport
. tests/integration/rabbitmq.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# run NAME PORT PID: both loads against one broker; a row each.
run() {
  local name=$1 port=$2 pid=$3 scale out
  for scale in 1 "$SCALE"; do
    out=$("$WG_BIN/wardgate-sim" -p "$port" --gateways "$GATEWAYS" -d "$DURATION" \
      --alerts-per-hour "$(awk -v a="$ALERTS" -v s="$scale" 'BEGIN { print a * s }')" \
      --news2-per-hour "$(awk -v a="$NEWS2" -v s="$scale" 'BEGIN { print a * s }')" \
      --status-interval "$(awk -v s="$scale" 'BEGIN { print 60 / s }')" --broker-pid "$pid")
    echo "$out" >&2
    echo "$out" | awk -v name="$name" -v homes="$((GATEWAYS * scale))" '
      /^sessions/ { setup = $(NF - 1) }
      /messages\/s/ { rate = $(NF - 1) }
      /latency/ { p50 = $9; p99 = $12; max = $15 }
      /acks sent/ { acks = $6; sub(/,/, "", acks); got = $NF }
      /resident/ { mem = $(NF - 3) }
      END { printf "| %s | %d | %s | %s | %s | %s | %s | %s/%s | %s |\n", name, homes, setup, rate, p50, p99, max, got, acks, mem }'
  done
}

echo "| broker (this 2-core box) | homes' message rate | 1,001 sessions up in (s) | messages/s | alert p50 (ms) | p99 (ms) | max (ms) | acks back | broker RSS, max (MB) |"
echo "|---|---|---|---|---|---|---|---|---|"
start_broker HUB
run "mosquitto 2.0.11" "$HUB_PORT" "$HUB_PID"
stop_broker HUB

rmq_start a
run "RabbitMQ 3.10.8, one node" "$RMQ_A_PORT" "$(cat "$T/rmq-a/pid")"
rmq_stop a

conf='mqtt.durable_queue_type = quorum'
rmq_start x "$conf"
rmq_start y "$conf"
rmq_start z "$conf"
for n in y z; do
  rmq $n stop_app >/dev/null && rmq $n join_cluster wg-x@localhost >/dev/null && rmq $n start_app >/dev/null
done
run "RabbitMQ 3.10.8, three nodes (node A's RSS)" "$RMQ_X_PORT" "$(cat "$T/rmq-x/pid")"
