# SPDX-License-Identifier: MIT
# Sourced after lib.sh by the RabbitMQ tests: private RabbitMQ nodes with
# the MQTT plugin, each on loopback ports of its own (MQTT, Erlang
# distribution) under one private epmd, its data, logs, configuration,
# plugins and feature-flags files in the test directory (made traversable
# for the rabbitmq user), stopped alone with rabbitmqctl at the end.
# Installs Debian's rabbitmq-server when missing; skips (77) saying why
# when it cannot, or when not root (the nodes run as the rabbitmq user).

[ "$(id -u)" = 0 ] || { log "skip: the RabbitMQ nodes run as the rabbitmq user, which needs root"; exit 77; }
if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  . "$(dirname "$0")/../../tools/deps.sh"
  wg_need_packages rabbitmq-server >/dev/null 2>&1 ||
    { log "skip: rabbitmq-server cannot be installed"; exit 77; }
fi
chmod 711 "$T"
ERL_EPMD_PORT=$("$FREEPORT")
export ERL_EPMD_PORT ERL_EPMD_ADDRESS=127.0.0.1
RMQ_NODES=""

# As the rabbitmq user, keeping this shell's limits (runuser's PAM session
# would bring the default 1,024 open files, and a node that reaches its
# limit stops accepting connections).
as_rabbitmq() { setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"; }

# rmq NAME ARGS...: rabbitmqctl for node NAME.
rmq() {
  local name=$1
  shift
  as_rabbitmq env HOME=/var/lib/rabbitmq ERL_EPMD_PORT="$ERL_EPMD_PORT" \
    ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmqctl -n "wg-$name@localhost" "$@"
}

# rmq_start NAME [EXTRA_CONF_LINES]: node wg-NAME@localhost, its MQTT
# listener on RMQ_<NAME>_PORT; returns once it runs.
rmq_start() {
  local name=$1 extra=${2:-} d=$T/rmq-$1 port dist
  port=$("$FREEPORT")
  dist=$("$FREEPORT")
  mkdir -p "$d"
  cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp = none
mqtt.listeners.tcp.1 = 127.0.0.1:$port
mqtt.allow_anonymous = true
log.console = false
log.file.level = info
$extra
CONF
  echo '[rabbitmq_mqtt].' >"$d/enabled_plugins"
  chown -R rabbitmq: "$d"
  (cd /var/lib/rabbitmq && as_rabbitmq env HOME=/var/lib/rabbitmq \
    RABBITMQ_NODENAME="wg-$name@localhost" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" \
    RABBITMQ_PID_FILE="$d/pid" RABBITMQ_FEATURE_FLAGS_FILE="$d/feature_flags" \
    RABBITMQ_DIST_PORT="$dist" ERL_EPMD_PORT="$ERL_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    /usr/lib/rabbitmq/bin/rabbitmq-server -detached) >"$d/start.log" 2>&1
  RMQ_NODES="$RMQ_NODES $name"
  timeout 90 bash -c "$(declare -f as_rabbitmq rmq); until rmq $name await_startup >/dev/null 2>&1; do sleep 1; done" ||
    fail "RabbitMQ node $name did not start: $(tail -5 "$d"/log/*.log 2>/dev/null)"
  wait_until 20 port_open "$port" || fail "RabbitMQ node $name: no MQTT listener"
  eval "RMQ_$(echo "$name" | tr a-z A-Z)_PORT=$port"
}

# rmq_stop NAME: that node alone, and wait for it.
rmq_stop() {
  rmq "$1" stop >/dev/null 2>&1 || true
  RMQ_NODES=$(printf '%s\n' $RMQ_NODES | grep -vx "$1" | tr '\n' ' ')
}

rmq_cleanup() {
  local n
  for n in $RMQ_NODES; do rmq "$n" stop >/dev/null 2>&1 || true; done
  # The private epmd refuses to die while a node (a stopping one, or a
  # rabbitmqctl) is still registered: asked again until it is gone.
  for n in $(seq 1 20); do
    epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1 || return 0
    epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
    sleep 0.5
  done
  echo "rabbitmq.sh: the private epmd on port $ERL_EPMD_PORT did not stop" >&2
}
trap 'rmq_cleanup; cleanup' EXIT
