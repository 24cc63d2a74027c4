# SPDX-License-Identifier: MIT
# Helpers for the remote configuration tests (it_remote_*.sh): a gateway
# with remote_config and an ack key, and the hub's side, a desired document
# signed by wardgatectl sign-config and published retained on
# wardgate/gw-test/config/desired. Sourced after lib.sh.
CTL="$WG_BIN/wardgatectl"
DESIRED_TOPIC=wardgate/gw-test/config/desired
REPORTED_TOPIC=wardgate/gw-test/config/reported

# remote_config FILE [PATIENTS_JSON] [EXTRA_TOP_LEVEL_JSON]: a configuration
# with remote_config and uplink.ack_key_file ($T/ack.key, made once).
remote_config() {
  [ -f "$T/ack.key" ] || { head -c 32 /dev/urandom | base64 >"$T/ack.key"; chmod 600 "$T/ack.key"; }
  write_config "$1" "\"remote_config\": true, \"status_interval_s\": 1, \"control_socket\": \"$T/ctl.sock\", ${3:-}" \
    "${2:-$(patients_json 1)}"
  sed -i "s|\"keepalive_s\": 5 }|\"keepalive_s\": 5 }, \"ack_key_file\": \"$T/ack.key\"|" "$1"
  grep -q ack_key_file "$1" || fail "no key in the configuration"
}

# start_remote [PATIENTS_JSON]: brokers, the configuration, the daemon and
# a subscriber "hub" to everything the gateway says.
start_remote() {
  start_broker INGEST
  start_broker UPLINK
  remote_config "$T/wardgate.json" "${1:-}"
  "$WARDGATED" --check-config -c "$T/wardgate.json" || fail "check-config"
  start_daemon "$T/wardgate.json"
  subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"
}

# signed_desired VERSION PATIENTS_JSON [sign-config options...]: the
# document, signed with $T/ack.key (or KEY), on standard output.
signed_desired() {
  local v=$1 patients=$2
  shift 2
  printf '{"version":%s,"by":"dr-khan","patients":%s}' "$v" "$patients" >"$T/desired.json"
  "$CTL" sign-config "$T/desired.json" --key-file "${KEY:-$T/ack.key}" "$@"
}

# send_desired PAYLOAD: retained, QoS 1, as the hub publishes it.
send_desired() {
  mosquitto_pub -h 127.0.0.1 -p "$UPLINK_PORT" -q 1 -r -t "$DESIRED_TOPIC" -m "$1"
}

# reported_count PATTERN: config/reported messages the hub saw matching.
reported_count() { grep "^$REPORTED_TOPIC " "$T/hub.sub" | grep -c -- "$1" || true; }

# wait_reported N PATTERN: until N such reports were seen.
wait_reported() {
  wait_until 15 sh -c "[ \$(grep '^$REPORTED_TOPIC ' '$T/hub.sub' | grep -c -- '$2') -ge $1 ]"
}
