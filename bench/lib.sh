# SPDX-License-Identifier: MIT
# Sourced by bench/run.sh and bench/ab.sh: the private broker and the
# arithmetic they share. Expects T (a scratch directory) and PIDS.

# At exit: stop what the benchmark started, remove its scratch directory.
bench_cleanup() {
  for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}

# bench_broker FREEPORT: a mosquitto for the benchmarks on a free loopback
# port, tuned to be no bottleneck (nothing persisted or queued for long);
# sets port.
bench_broker() {
  port=$("$1")
  cat >"$T/mosquitto.conf" <<CONF
user $(id -un)
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 1000
max_queued_bytes 0
set_tcp_nodelay true
CONF
  mosquitto -c "$T/mosquitto.conf" >"$T/mosquitto.log" 2>&1 &
  PIDS="$PIDS $!"
  sleep 0.5
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_s() { # pid -> user+system seconds
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}
