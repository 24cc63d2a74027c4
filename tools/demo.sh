#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: builds wardgate, starts a private mosquitto on a free loopback
# port, wardgated with a demo configuration, and wardgate-sim with three
# simulated patients, whose oximeters, cuffs and observation tablets publish
# over MQTT while the thermometers, smart cups and fall sensors POST over
# CoAP; shows what the hub sees (status, errors, alerts) and a
# live count of stored readings until Ctrl-C, which stops all of it within
# 5 s and says how long it took.
#   tools/demo.sh [--patients N] [--rate PACKS_PER_S] [--no-console]
# With WG_BIN set (a build directory), runs its binaries instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
# shellcheck disable=SC2086
[ -n "${WG_BIN:-}" ] || wg_need_packages $WG_PKGS_BUILD
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_RUN

patients=3
rate=3
console=true
while [ $# -gt 0 ]; do
  case $1 in
  --patients) patients=$2; shift 2 ;;
  --rate) rate=$2; shift 2 ;;
  --no-console) console=false; shift ;;
  *) echo "usage: $0 [--patients N] [--rate PACKS_PER_S] [--no-console]" >&2; exit 2 ;;
  esac
done

# The hub console needs node and MQTT.js (npm, pinned by its lockfile).
! $console || command -v npm >/dev/null || wg_need_packages nodejs npm || true
if $console && ! command -v npm >/dev/null; then
  console=false
elif $console; then
  if [ -d console/node_modules/mqtt ] ||
    (cd console && npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1); then
    console=true
  else
    console=false
    echo "== the hub console is left out: npm ci failed (no registry?)" >&2
  fi
fi

if [ -n "${WG_BIN:-}" ]; then
  B=$WG_BIN
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" >/dev/null
  B=build
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-demo.XXXXXX")
pids=""

# Every process is started in a session of its own (setsid), so that the
# terminal's Ctrl-C reaches this script alone: were the brokers stopped by
# the same signal, wardgated would wait for a broker that is gone to
# acknowledge its offline status. The script then stops them in order:
# the devices, wardgated (its broker still up, so it commits, publishes
# offline and exits at once), then the rest; whatever outlives 5 s is
# killed, and the time taken is said.
bg() { setsid "$@" & }
stop_group() { kill -"$1" -- "-$2" 2>/dev/null || kill -"$1" "$2" 2>/dev/null || true; }
gone() { # exited, even if not yet waited for
  ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
stop_all() {
  local t0 p alive
  trap - INT TERM EXIT
  t0=$(date +%s%N)
  echo
  echo "== stopping"
  [ -z "${sim:-}" ] || stop_group TERM "$sim"
  if [ -n "${daemon:-}" ]; then
    stop_group TERM "$daemon"
    for _ in $(seq 40); do gone "$daemon" && break; sleep 0.1; done
    if gone "$daemon"; then
      wait "$daemon" 2>/dev/null && echo "wardgated stopped cleanly" ||
        echo "wardgated exited with status $?"
    else
      stop_group KILL "$daemon"
      echo "wardgated did not stop within 4 s: killed"
    fi
  fi
  for p in $pids; do stop_group TERM "$p"; done
  for _ in $(seq 10); do
    alive=false
    for p in $pids; do gone "$p" || alive=true; done
    $alive || break
    sleep 0.1
  done
  for p in $pids; do gone "$p" || stop_group KILL "$p"; done
  [ -f "$D/wardgate.db" ] &&
    echo "readings stored: $(sqlite3 "$D/wardgate.db" 'SELECT count(*) FROM readings')"
  rm -rf "$D"
  echo "== stopped in $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"
}
trap stop_all INT TERM EXIT

port=$("$B/tests/freeport")
cport=$("$B/tests/freeport" udp)
cat >"$D/mosquitto.conf" <<CONF
user $(id -un)
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $D/
max_queued_messages 1000000
CONF
bg mosquitto -c "$D/mosquitto.conf" >"$D/mosquitto.log" 2>&1
pids="$pids $!"

{
  cat <<CONF
// demo configuration: one broker for devices and hub, on a private port
{
  "gateway_id": "gw-demo",
  "database": "$D/wardgate.db",
  "control_socket": "$D/control.sock",
  "durability": "process",
  "status_interval_s": 5,
  "ingest": { "mqtt": { "port": $port },
              "coap": { "bind": "127.0.0.1", "port": $cport } },
  "uplink": { "mqtt": { "port": $port }, "fhir": { "enabled": true } },
  "patients":
CONF
  # An SpO2 limit (patient 3 desaturates), and unacknowledged high alerts
  # escalated every 30 s, so that the demo shows both.
  "$B/wardgate-sim" --print-patients -n "$patients" |
    sed 's/]}/], "thresholds": [{"name": "spo2", "below": 90, "severity": "high", "confirm": 2}], "escalation": {"ack_timeout_min": {"high": 0.5}}}/' 
  echo "}"
} >"$D/wardgate.json"
"$B/wardgated" --check-config -c "$D/wardgate.json"

sleep 0.3
# What the hub sees: everything under wardgate/gw-demo/.
# The FHIR bundles (for the console's vital signs) are long: one line
# says they flow, once.
# shellcheck disable=SC2016
bg bash -c 'mosquitto_sub -p "$1" -v -t "wardgate/gw-demo/#" |
  awk "/^wardgate\/gw-demo\/fhir\// { if (!fhir++) print \"[hub] \" \$1 \" … (FHIR R4 bundles: shown once, then left out)\"; fflush(); next }
       { print \"[hub] \" \$0; fflush() }"' hub "$port"
pids="$pids $!"
# The prefixing filters ignore Ctrl-C: they end when what they read ends.
prefix() { trap '' INT; exec sed -u "s/^/[$1] /"; }
bg "$B/wardgated" -c "$D/wardgate.json" > >(prefix daemon) 2>&1
daemon=$!
if $console; then
  bg node console/serve.mjs --port 0 --broker "$port" >"$D/console.log" 2>&1
  pids="$pids $!"
fi
sleep 1
# Patient 2 falls after 20 s (over CoAP); patient 3 desaturates from 40 s on.
bg "$B/wardgate-sim" -p "$port" -n "$patients" -r "$rate" --kinds oxi,bp,obs \
  --desat 3@40 > >(prefix 'device mqtt') 2>&1
sim=$!
bg "$B/wardgate-sim" --coap "$cport" -n "$patients" -r 1 --kinds temp,cup,fall \
  --fall 2@20 > >(prefix 'device coap') 2>&1
pids="$pids $!"
# One device sends garbage once, to show the errors topic.
# shellcheck disable=SC2016
bg bash -c 'sleep 8 && mosquitto_pub -p "$1" -q 1 -t wardgate/dev/oxi-1/senml \
  -m "[{\"n\":\"spo2\",\"v\":101}]"' garbage "$port"
pids="$pids $!"

echo "== demo running: MQTT on 127.0.0.1:$port, CoAP on udp 127.0.0.1:$cport,"
echo "== data in $D; Ctrl-C to stop. Post a reading yourself with:"
echo "   coap-client-openssl -m post -t 110 -e '[{\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.2}]' coap://127.0.0.1:$cport/dev/temp-1/senml"
echo "== patient 2 falls at 20 s; acknowledge the alert with:"
echo "   mosquitto_pub -p $port -q 1 -t wardgate/gw-demo/alerts/ack -m '{\"id\":\"gw-demo-000001\",\"by\":\"you\"}'"
echo "== or at the home: $B/wardgatectl -c $D/wardgate.json ack gw-demo-000001 --by you"
if $console; then
  for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q '^console: ' "$D/console.log" && break; sleep 0.3; done
  echo "== the hub console: $(sed -n 's/^console: //p' "$D/console.log") (open it in a browser)"
fi
ctl() { "$B/wardgatectl" -c "$D/wardgate.json" "$@" 2>&1 | sed -u 's/^/[wardgatectl] /'; }
n=0
while sleep 5; do
  n=$((n + 1))
  echo "== readings stored: $(sqlite3 "$D/wardgate.db" 'SELECT count(*) FROM readings' 2>/dev/null || echo 0)"
  # Every 30 s, what wardgatectl shows at the home.
  if [ $((n % 6)) = 5 ]; then
    ctl status
    ctl alerts
  fi
done
