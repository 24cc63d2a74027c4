# SPDX-License-Identifier: MIT
# Helpers for the integration tests: a private mosquitto on an ephemeral
# loopback port, the daemon under test, subscribers, and clean-up of every
# process on exit. Sourced by each test; needs WG_BIN (the build directory).
set -eu

: "${WG_BIN:?WG_BIN must point at the build directory}"
WARDGATED="$WG_BIN/wardgated"
FREEPORT="$WG_BIN/tests/freeport"
SIM="$WG_BIN/wardgate-sim"
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-it.XXXXXX")
# WG_EMULATOR (a cross build's tests: qemu-aarch64-static): the build's
# programs run under it, each through a wrapper that execs the emulator, so
# that "$WARDGATED" stays one word and its pid is the emulated daemon's.
if [ -n "${WG_EMULATOR:-}" ]; then
  mkdir "$T/emulated"
  for wg_v in WARDGATED FREEPORT SIM; do
    wg_w=$T/emulated/$(basename "${!wg_v}")
    printf '#!/usr/bin/env bash\nexec %q %q "$@"\n' "$WG_EMULATOR" "${!wg_v}" >"$wg_w"
    chmod +x "$wg_w"
    printf -v "$wg_v" '%s' "$wg_w"
  done
  unset wg_v wg_w
fi
PIDS=""
TEST_NAME=$(basename "$0" .sh)

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() {
  log "FAIL: $*"
  for f in "$T"/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

cleanup() {
  local p
  # A tracked pid may be a subshell running a function in the background
  # (`as … mosquitto_sub … &`): its children first, or they outlive it.
  for p in $PIDS; do
    pkill -TERM -P "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
  sleep 0.2
  for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

track() { PIDS="$PIDS $1"; }
untrack() { PIDS=$(printf '%s\n' $PIDS | grep -vx "$1" | tr '\n' ' '); }

# wait_until SECONDS COMMAND...: poll the command until it succeeds.
wait_until() {
  local limit=$1 i=0
  shift
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -le $((limit * 10)) ] || return 1
    sleep 0.1
  done
}

# start_broker NAME [PORT]: a mosquitto on 127.0.0.1, persistent, so that
# sessions and queued messages survive its restart. Sets <NAME>_PORT and
# <NAME>_PID.
start_broker() {
  local name=$1 port=${2:-} try pid
  mkdir -p "$T/$name"
  for try in 1 2 3 4 5; do
    [ -n "$port" ] || port=$("$FREEPORT")
    cat >"$T/$name/mosquitto.conf" <<CONF
# As root mosquitto would switch to its own user and lose the test directory.
user $(id -un)
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $T/$name/
max_queued_messages 1000000
max_inflight_messages 100
set_tcp_nodelay true
log_dest file $T/$name.log
log_type error
log_type warning
log_type notice
CONF
    mosquitto -c "$T/$name/mosquitto.conf" 2>>"$T/$name.log" &
    pid=$!
    if wait_until 5 port_open "$port"; then
      eval "${name}_PORT=$port ${name}_PID=$pid"
      track "$pid"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ -z "${2:-}" ] || break
    port=""
  done
  fail "mosquitto $name did not start"
}

stop_broker() {
  local name=$1 pid
  eval "pid=\${${name}_PID}"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  untrack "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# write_config FILE [EXTRA_TOP_LEVEL_JSON] [PATIENTS_JSON]: a configuration
# for the brokers INGEST and UPLINK (UPLINK defaults to INGEST).
write_config() {
  local file=$1 extra=${2:-} patients=${3:-}
  local up=${UPLINK_PORT:-$INGEST_PORT} coap=""
  # COAP, if set, is the ingest.coap object; UPLINK_FHIR the uplink.fhir one.
  [ -z "${COAP:-}" ] || coap=", \"coap\": $COAP"
  [ -n "$patients" ] || patients='[{"id":"p-001","devices":["oxi-1","bp-1","temp-1","obs-1","cup-1","fall-1"]},{"id":"p-002","devices":["oxi-2","bp-2","temp-2","obs-2","cup-2","fall-2"]}]'
  cat >"$file" <<CONF
// written by $TEST_NAME
{
  "gateway_id": "gw-test",
  "database": "$T/wardgate.db",
  "durability": "process",
  $extra
  "ingest": { "mqtt": { "host": "127.0.0.1", "port": $INGEST_PORT }$coap },
  "uplink": { "mqtt": { "host": "127.0.0.1", "port": $up, "keepalive_s": 5 }${UPLINK_FHIR:+, \"fhir\": $UPLINK_FHIR} },
  "patients": $patients
}
CONF
}

# start_daemon CONFIG: runs wardgated; waits until both sessions are up.
start_daemon() {
  local cfg=$1
  "$WARDGATED" -c "$cfg" --log-level debug >>"$T/wardgated.log" 2>&1 &
  DAEMON_PID=$!
  track "$DAEMON_PID"
  wait_until 20 daemon_connected || fail "wardgated did not connect"
}

daemon_connected() {
  local n
  n=$(grep -c 'connected to' "$T/wardgated.log" 2>/dev/null || true)
  [ "${n:-0}" -ge "$((CONNECTS_SEEN + 2))" ]
}
CONNECTS_SEEN=0

# stop_daemon [SIGNAL]: signals the daemon, waits, sets DAEMON_STATUS.
stop_daemon() {
  local sig=${1:-TERM}
  CONNECTS_SEEN=$(grep -c 'connected to' "$T/wardgated.log" 2>/dev/null || true)
  kill "-$sig" "$DAEMON_PID"
  DAEMON_STATUS=0
  wait "$DAEMON_PID" || DAEMON_STATUS=$?
  untrack "$DAEMON_PID"
}

daemon_alive() { kill -0 "$DAEMON_PID" 2>/dev/null; }

sql() { sqlite3 -batch -noheader "$T/wardgate.db" "$1"; }

count_readings() { sql "SELECT count(*) FROM readings ${1:-}"; }

readings_at_least() { [ "$(count_readings "${2:-}")" -ge "$1" ]; }

# pub DEVICE PAYLOAD: QoS 1 on the ingest broker.
pub() {
  mosquitto_pub -h 127.0.0.1 -p "$INGEST_PORT" -q 1 \
    -t "wardgate/dev/$1/senml" -m "$2"
}

# subscribe NAME TOPIC [PORT]: a subscriber writing "topic payload" lines
# to $T/NAME.sub.
subscribe() {
  local port=${3:-${UPLINK_PORT:-$INGEST_PORT}}
  mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -v -t "$2" >"$T/$1.sub" 2>&1 &
  track $!
  eval "SUB_$1=$!"
  sleep 0.3
}

sub_has() { grep -q -- "$2" "$T/$1.sub"; }

# subscribe_durable NAME TOPIC PORT: a subscriber with a persistent session
# (QoS 1, fixed client id), so that the broker keeps its messages while it
# or the broker is away. Restart it with the same arguments.
subscribe_durable() {
  mosquitto_sub -h 127.0.0.1 -p "$3" -q 1 -c -i "it-$1" -v -t "$2" \
    >>"$T/$1.sub" 2>&1 &
  track $!
  eval "SUB_$1=$!"
  sleep 0.3
}

# sub_count NAME PATTERN: lines of the subscriber's output matching.
sub_count() { grep -c -- "$2" "$T/$1.sub" || true; }

# fall_pack: a SenML pack reporting a fall now.
fall_pack() { echo "[{\"bt\":$(now),\"n\":\"fall\",\"vb\":true}]"; }

# patients_json N: N patients p-1..p-N with one fall sensor each, fall-1..N,
# and optional extra patient JSON members (e.g. an escalation block).
patients_json() {
  local n=$1 extra=${2:-} i sep=""
  printf '['
  for i in $(seq 1 "$n"); do
    printf '%s{"id":"p-%d","devices":["fall-%d"]%s}' "$sep" "$i" "$i" "$extra"
    sep=,
  done
  printf ']'
}

# retained TOPIC [PORT]: the retained message on TOPIC, or nothing.
retained() {
  local port=${2:-${UPLINK_PORT:-$INGEST_PORT}}
  timeout 3 mosquitto_sub -h 127.0.0.1 -p "$port" -t "$1" -C 1 -W 2 \
    --retained-only 2>/dev/null || true
}

now() { date +%s.%N | cut -c1-14; }

# raised_id [SUB]: the id of the first alert raised in SUB's capture (hub).
raised_id() {
  grep -m1 '"state":"raised"' "$T/${1:-hub}.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/'
}

# start_with_coap [EXTRA_COAP_MEMBERS]: a broker, and the daemon with CoAP
# on an ephemeral loopback UDP port, COAP_PORT (e.g. '"psk_file":"…"').
start_with_coap() {
  start_broker INGEST
  COAP_PORT=$("$FREEPORT" udp)
  COAP="{\"bind\":\"127.0.0.1\",\"port\":$COAP_PORT${1:+,$1}}"
  write_config "$T/wardgate.json"
  start_daemon "$T/wardgate.json"
}

# coap_post DEVICE PAYLOAD [coap-client options...]: POST over CoAP to the
# daemon at 127.0.0.1:$COAP_PORT ("coaps" when a -k key is given) and print
# the final answer, "2.04" or "4.00 <diagnostic>"; nothing if none came.
COAP_CLIENT=coap-client-openssl
coap_post() {
  local dev=$1 payload=$2 scheme=coap
  shift 2
  case " $* " in *" -k "*) scheme=coaps ;; esac
  printf '%s' "$payload" >"$T/coap-body"
  timeout 20 "$COAP_CLIENT" -v 6 -B 4 -m post -f "$T/coap-body" "$@" \
    "$scheme://127.0.0.1:$COAP_PORT/dev/$dev/senml" 2>&1 |
    sed -n "s/^v:1 t:[A-Z]* c:\([0-9]\.[0-9][0-9]\) [^]]*\]\( :: '\(.*\)'\)\{0,1\}$/\1 \3/p" |
    grep -v '^0\.00' | tail -n 1 | sed 's/ $//'
}

# start_gateway_broker DEVICE:PASSWORD...: the shipped home broker
# (config/mosquitto-gateway.conf and its ACL, as installed: only the paths
# and the listener change, to the test directory and loopback) on a free
# port, with the daemon's account (wardgated, its password in
# $T/ingest.password) and one account per device; sets port.
start_gateway_broker() {
  local src dev
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  port=$("$FREEPORT")
  mkdir -p "$T/gw"
  : >"$T/gw/passwd"
  mosquitto_passwd -b "$T/gw/passwd" wardgated daemon-pw
  for dev in "$@"; do
    mosquitto_passwd -b "$T/gw/passwd" "${dev%%:*}" "${dev#*:}"
  done
  echo daemon-pw >"$T/ingest.password"
  cp "$src/config/mosquitto-gateway.acl" "$T/gw/acl"
  sed -e "s#^listener 1883 127.0.0.1\$#user $(id -un)\nlistener $port 127.0.0.1#" \
    -e "s#/etc/mosquitto/wardgate.passwd#$T/gw/passwd#" \
    -e "s#/etc/mosquitto/wardgate.acl#$T/gw/acl#" \
    -e "s#/var/lib/mosquitto/#$T/gw/#" \
    "$src/config/mosquitto-gateway.conf" >"$T/gw/mosquitto.conf"
  mosquitto -c "$T/gw/mosquitto.conf" >"$T/gwbroker.log" 2>&1 &
  track $!
  wait_until 5 port_open "$port" || fail "gateway broker did not start"
}

# hub_acl refuse|allow: the refusing hub's ACL, everything of the gateway
# but (refuse) or and (allow) writing its alerts topic.
hub_acl() {
  {
    echo "topic readwrite wardgate/gw-test/status"
    echo "topic readwrite wardgate/gw-test/errors"
    echo "topic readwrite wardgate/gw-test/alerts/active"
    echo "topic readwrite wardgate/gw-test/alerts/ack"
    echo "topic readwrite wardgate/gw-test/news2/#"
    if [ "$1" = refuse ]; then
      echo "topic read wardgate/gw-test/alerts"
    else
      echo "topic readwrite wardgate/gw-test/alerts"
    fi
  } >"$T/hubb/acl"
}

# start_refusing_hub [CONF_LINE...]: a hub's broker, anonymous, that
# refuses the gateway's alerts (hub_acl refuse) until hub_acl allow and a
# SIGHUP to $hubpid; extra lines go into its configuration. Sets
# UPLINK_PORT and hubpid.
start_refusing_hub() {
  local port line
  port=$("$FREEPORT")
  mkdir -p "$T/hubb"
  hub_acl refuse
  {
    echo "user $(id -un)"
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "acl_file $T/hubb/acl"
    for line in "$@"; do echo "$line"; done
    echo "log_dest file $T/hubbroker.log"
    echo "log_type error"
    echo "log_type warning"
  } >"$T/hubb/mosquitto.conf"
  mosquitto -c "$T/hubb/mosquitto.conf" 2>>"$T/hubbroker.log" &
  hubpid=$!
  track $hubpid
  wait_until 5 port_open "$port" || fail "hub broker did not start"
  UPLINK_PORT=$port
}
