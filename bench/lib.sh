# SPDX-License-Identifier: MIT
# Sourced by the benchmarks: the private broker, the daemon's start and
# stop, and the arithmetic they share. Expects T (a scratch directory),
# PIDS, and for the daemon WG (the wardgated to run) and port.

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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
f0() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
f1() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
f2() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
stats() { # file -> "min median max"
  printf '%s %s %s' "$(sort -g "$1" | head -1)" "$(median <"$1")" "$(sort -g "$1" | tail -1)"
}

daemon_start() { # config db -> DPID, once the database has its tables
  "$WG" -c "$1" --log-level warning 2>>"$T/wardgated.log" &
  DPID=$!
  PIDS="$PIDS $DPID"
  local i
  for i in $(seq 1 100); do
    [ -f "$2" ] && sqlite3 "$2" 'SELECT 1 FROM readings LIMIT 1' >/dev/null 2>&1 && break
    sleep 0.05
  done
  sleep 0.5
}
daemon_stop() { kill -TERM "$DPID"; wait "$DPID" || true; }
# A persistent session left behind would queue every later publish (and
# slow the broker for everyone): connect once with a clean session.
clear_session() {
  mosquitto_sub -p "$port" -i "$1" -t wardgate/bench/none -E >/dev/null 2>&1 || true
}
clear_all() {
  clear_session wardgate-gw-bench-ingest
  clear_session wardgate-gw-bench-uplink
}
wait_count() { # db count; max(id) is a cheap look at the rowid b-tree
  while [ "$(sqlite3 "$1" 'SELECT coalesce(max(id), 0) FROM readings' 2>/dev/null || echo 0)" -lt "$2" ]; do
    sleep 0.2
  done
}
received_span() { # db [where]
  sqlite3 "$1" "SELECT max(received) - min(received) FROM readings ${2:-}"
}

# config FILE DB DURABILITY PATIENTS_JSON [INGEST_JSON]
config() {
  local ingest=${5:-}
  [ -n "$ingest" ] || ingest="{ \"mqtt\": { \"port\": $port, \"keepalive_s\": 60 } }"
  # No per-device quota: these runs push thousands of packs a second
  # through a few dozen devices, to measure the pipeline, not a home.
  cat >"$1" <<CONF
{ "gateway_id": "gw-bench", "database": "$2", "durability": "$3",
  "quota": { "packs_per_min": 0, "records_per_day": 0 },
  "ingest": $ingest,
  "uplink": { "mqtt": { "port": $port, "keepalive_s": 60 } },
  "status_interval_s": 3600,
  "patients": $4 }
CONF
}

# ward_patients P LAT: the ward workload's patients w-1..w-P, each with an
# oximeter (SpO2 limit 92 %) and a fall sensor, and LAT patients lp-i with
# a fall sensor lfall-i for the latency runs.
ward_patients() {
  (
    printf '['
    for i in $(seq 1 "$1"); do
      printf '{"id":"w-%d","devices":["oxi-%d","fall-%d"],' "$i" "$i" "$i"
      printf '"thresholds":[{"name":"spo2","below":92,"severity":"high"}]},'
    done
    for i in $(seq 1 "$2"); do printf '{"id":"lp-%d","devices":["lfall-%d"]},' "$i" "$i"; done
  ) | sed 's/,$/]/'
}
open_falls_count() { # db
  sqlite3 "$1" "SELECT count(*) FROM alerts WHERE open = 1 AND rule = 'fall'" 2>/dev/null || echo 0
}
# open_falls DB P: one fall from each of fall-1..fall-P, left open
# (unacknowledged); returns once all P alerts are stored. Expects H, the
# directory of bench_pub.
open_falls() {
  "$H/bench_pub" "$port" "$2" 1 falls >/dev/null
  while [ "$(open_falls_count "$1")" -lt "$2" ]; do sleep 0.2; done
}

# The pass-through subscriber's figures, appended to $T/RATE and $T/CPU:
# packs a second between its first and last message, and its CPU per pack.
record_sub() { # RATE CPU
  local cnt first last cpu
  read -r cnt first last cpu <"$T/sub.out"
  awk -v n="$N" -v a="$first" -v b="$last" 'BEGIN { print n / (b - a) }' >>"$T/$1"
  awk -v n="$N" -v c="$cpu" 'BEGIN { print c / n * 1e6 }' >>"$T/$2"
}
# pass_live ID PUB_ARGS...: N packs published live to a subscriber ID.
# Expects H and N.
pass_live() {
  local id=$1 sp
  shift
  "$H/bench_sub" "$port" "$id" "$N" >"$T/sub.out" &
  sp=$!
  sleep 0.5
  "$H/bench_pub" "$port" "$N" "$@" >/dev/null
  wait $sp
  clear_session "$id"
  record_sub live_pass cpu_live_pass
}
# pass_drain ID PUB_ARGS...: N packs queued for ID's session, then drained.
pass_drain() {
  local id=$1
  shift
  "$H/bench_sub" "$port" "$id" 0 --prime >/dev/null
  "$H/bench_pub" "$port" "$N" "$@" >/dev/null
  "$H/bench_sub" "$port" "$id" "$N" >"$T/sub.out"
  clear_session "$id"
  record_sub drain_pass cpu_pass
}

# smaps_split PID: where the resident memory of PID goes, from
# /proc/PID/smaps, in MB: "rss libraries executable heap stacks arenas
# files other". libraries: shared objects (their code, data and
# relocations); heap: the main malloc arena ([heap]: the loop thread's
# allocations, SQLite's page cache and statements among them); stacks:
# [stack] and the 8 MiB anonymous mappings of thread stacks (libuv's pool);
# arenas: the other anonymous mappings, the malloc arenas of the pool
# threads (the checkpoint's SQLite connection allocates there) and large
# allocations; files: the database's mapped files (its -shm index).
smaps_split() {
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / {
      path = NF >= 6 ? $6 : ""
      for (i = 7; i <= NF; i++) path = path " " $i
      anon = path == ""
      next
    }
    $1 == "Size:" { size = $2; next }
    $1 == "Rss:" {
      if (path ~ /\.so(\.[0-9.]+)?$/) k = "libraries"
      else if (path ~ /wardgated$/) k = "executable"
      else if (path == "[heap]") k = "heap"
      else if (path == "[stack]" || (anon && size == 8192)) k = "stacks"
      else if (anon) k = "arenas"
      else if (path ~ /^\//) k = "files"
      else k = "other"
      kb[k] += $2; total += $2
    }
    END {
      printf "%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n", total / 1024,
        kb["libraries"] / 1024, kb["executable"] / 1024, kb["heap"] / 1024,
        kb["stacks"] / 1024, kb["arenas"] / 1024, kb["files"] / 1024,
        kb["other"] / 1024
    }' "/proc/$1/smaps"
}
