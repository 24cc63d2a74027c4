#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One home's cost to the box: the stream of one patient's devices in real
# time (bench_home: an oximeter's pack each second, a fall sensor's
# heartbeat each minute, a cuff and a thermometer every EVERY seconds),
# durability "power", for DURATION seconds. Measures from outside the
# daemon, through /proc/<pid>:
#   - bytes written to storage per stored reading, two ways: write_bytes
#     of io (what the daemon dirtied in the page cache, counted a folio at
#     a time when a clean one turns dirty: 4 KiB pages, or larger folios on
#     kernels whose ext4 has them; its checkpoints included) over the run /
#     the readings stored; and, run as root, what the block device
#     received: the database on an ext4 file system of its own on a loop
#     device, whose sectors written (its journal included, synced at both
#     ends) are the card's view;
#   - write calls per pack (syscw of io) over the run;
#   - fsyncs and writes per pack by system call, with strace -c -f over a
#     separate phase of STRACE_S seconds (strace slows every call, so
#     nothing else is measured then);
#   - wakeups a second, idle (IDLE_S before the stream) and active: the
#     voluntary context switches of all the daemon's threads;
#   - resident and private dirty memory (smaps_rollup) at the end;
#   - the time from each publish to its PUBACK (sent once the pack is
#     durable): median, p99, longest.
# With two wardgated binaries, runs them in turn, ROUNDS times (A, B, A,
# B, ...), each on a fresh database, and prints both with B / A.
# Never part of the test suite.
#   bench/home.sh [WARDGATED [WARDGATED_B]]  (default: a Release build)
# Each run starts from a fresh database brought to a box's steady state
# first: WARM_PACKS oximeter packs at 200 a second (6000: the WAL grown to
# its full size and checkpointed over several times), so that a run
# measures what a box pays day after day, not a new file growing.
# Environment: DURATION (600), EVERY (120: a cuff and a thermometer every
# two minutes, so that a short run has some), IDLE_S (30), STRACE_S (60,
# 0 leaves it out), ROUNDS (1), DURABILITY (power), DIR (where the
# database goes: a directory on a disk, not a tmpfs, whose writes are not
# counted; default, as root: the loop device's file system, otherwise a
# new directory under /var/tmp), MOUNT_OPTS (the loop file system's mount
# options: lazytime, commit=N, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
. bench/lib.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD mosquitto mosquitto-clients sqlite3 strace

DURATION=${DURATION:-600}
EVERY=${EVERY:-120}
IDLE_S=${IDLE_S:-30}
STRACE_S=${STRACE_S:-60}
ROUNDS=${ROUNDS:-1}
DURABILITY=${DURABILITY:-power}

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
B=build-bench
H=$B/bench
WGS=("$(realpath "${1:-$B/wardgated}")")
[ $# -lt 2 ] || WGS+=("$(realpath "$2")")
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-home.XXXXXX")
PIDS=""
LOOP=""
IMG=""
MNT=""
DBDIR=""
cleanup() {
  local p
  for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$MNT" ] || umount "$MNT" || true
  [ -z "$LOOP" ] || losetup -d "$LOOP" || true
  [ -z "$IMG" ] || rm -f "$IMG"
  [ -n "${DIR:-}" ] || [ -z "$DBDIR" ] || rm -rf "$DBDIR"
  rm -rf "$T"
}
trap cleanup EXIT
log() { echo "home: $*" >&2; }
if [ -n "${DIR:-}" ]; then
  DBDIR=$DIR
elif [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ] && command -v losetup >/dev/null; then
  # A file system of its own, so that its device's counters are the
  # daemon's alone; inode tables and journal written now, not in the run.
  IMG=$(mktemp /var/tmp/wardgate-home-img.XXXXXX)
  truncate -s 512M "$IMG"
  mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
  LOOP=$(losetup -f --show "$IMG")
  MNT=$T/mnt
  mkdir "$MNT"
  mount ${MOUNT_OPTS:+-o "$MOUNT_OPTS"} "$LOOP" "$MNT"
  DBDIR=$MNT
else
  DBDIR=$(mktemp -d /var/tmp/wardgate-home-db.XXXXXX)
fi
if [ "$(stat -f -c %T "$DBDIR")" = tmpfs ]; then
  log "$DBDIR is a tmpfs: its writes are not counted; set DIR to a disk"
  exit 2
fi

bench_broker "$H/freeport"
DB=$DBDIR/home.db
cat >"$T/home.json" <<CONF
{ "gateway_id": "gw-bench", "database": "$DB", "durability": "$DURABILITY",
  "ingest": { "mqtt": { "port": $port } },
  "uplink": { "mqtt": { "port": $port } },
  "patients": [ { "id": "p-1",
                  "devices": ["oxi-1", "fall-1", "bp-1", "temp-1"] } ] }
CONF

io() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/io"; }
vcs() { # voluntary context switches of every thread of pid
  cat "/proc/$1"/task/*/status 2>/dev/null |
    awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'
}
stored() { sqlite3 "$DB" 'SELECT count(*) FROM readings'; }
sectors() { # written to the loop device, after a sync of its file system
  if [ -n "$LOOP" ]; then
    sync -f "$MNT/."
    awk '{ print $7 }' "/sys/block/${LOOP#/dev/}/stat"
  else
    echo 0
  fi
}
fresh() {
  rm -f "$DB" "$DB-wal" "$DB-shm"
  WG=$1
  daemon_start "$T/home.json" "$DB"
}

# run_one V WARDGATED: one round of one binary; appends to $T/V.*
run_one() {
  local v=$1 w0 c0 n0 v0 t0 w1 c1 n1 v1 t1 s0 s1 out
  fresh "$2"
  if [ "${WARM_PACKS:-6000}" != 0 ]; then
    log "$v: ${WARM_PACKS:-6000} packs to warm up"
    "$H/bench_pub" "$port" "${WARM_PACKS:-6000}" 1 steady 200 >/dev/null
    sleep 2
  fi
  log "$v: idle ${IDLE_S} s"
  v0=$(vcs "$DPID")
  t0=$(date +%s.%N)
  sleep "$IDLE_S"
  v1=$(vcs "$DPID")
  t1=$(date +%s.%N)
  awk -v a="$v0" -v b="$v1" -v s="$t0" -v e="$t1" \
    'BEGIN { print (b - a) / (e - s) }' >>"$T/$v.idle_wake"

  log "$v: the home's stream for ${DURATION} s (a cuff and a thermometer every ${EVERY} s)"
  s0=$(sectors)
  w0=$(io "$DPID" write_bytes)
  c0=$(io "$DPID" syscw)
  n0=$(stored)
  v0=$(vcs "$DPID")
  t0=$(date +%s.%N)
  out=$("$H/bench_home" "$port" "$DURATION" "$EVERY")
  t1=$(date +%s.%N)
  v1=$(vcs "$DPID")
  w1=$(io "$DPID" write_bytes)
  c1=$(io "$DPID" syscw)
  n1=$(stored)
  s1=$(sectors)
  read -r packs readings ack50 ack99 ackmax <<<"$out"
  [ $((n1 - n0)) = "$readings" ] ||
    log "$v: $((n1 - n0)) readings stored of $readings sent"
  awk -v a="$w0" -v b="$w1" -v n="$((n1 - n0))" 'BEGIN { print (b - a) / n }' >>"$T/$v.bytes"
  awk -v a="$s0" -v b="$s1" -v n="$((n1 - n0))" 'BEGIN { print (b - a) * 512 / n }' >>"$T/$v.device"
  awk -v a="$c0" -v b="$c1" -v n="$packs" 'BEGIN { print (b - a) / n }' >>"$T/$v.syscw"
  awk -v a="$v0" -v b="$v1" -v s="$t0" -v e="$t1" \
    'BEGIN { print (b - a) / (e - s) }' >>"$T/$v.wake"
  awk -v n="$((n1 - n0))" -v p="$packs" 'BEGIN { print n / p }' >>"$T/$v.per_pack"
  echo "$ack50" >>"$T/$v.ack50"
  echo "$ack99" >>"$T/$v.ack99"
  echo "$ackmax" >>"$T/$v.ackmax"
  awk '/^VmRSS/ { print $2 / 1024 }' "/proc/$DPID/status" >>"$T/$v.rss"
  awk '/^Private_Dirty/ { print $2 / 1024 }' "/proc/$DPID/smaps_rollup" >>"$T/$v.dirty"
  du -k "$DB" | awk '{ print $1 }' >>"$T/$v.dbsize"

  if [ "$STRACE_S" != 0 ]; then
    log "$v: the stream for ${STRACE_S} s under strace -c -f"
    strace -c -f -q -p "$DPID" -o "$T/strace" &
    local sp=$!
    sleep 0.5
    out=$("$H/bench_home" "$port" "$STRACE_S" "$EVERY")
    sleep 0.5
    kill -INT "$sp"
    wait "$sp" || true
    read -r packs readings _ <<<"$out"
    calls() { # syscall... -> calls of those per pack
      awk -v p="$packs" -v names=" $* " \
        'index(names, " " $NF " ") && $4 ~ /^[0-9]+$/ { n += $4 } END { printf "%.2f\n", n / p }' "$T/strace"
    }
    calls fsync fdatasync >>"$T/$v.fsync"
    calls write pwrite64 writev pwritev >>"$T/$v.writes"
  fi
  daemon_stop
}

for round in $(seq 1 "$ROUNDS"); do
  for i in "${!WGS[@]}"; do
    v=$([ "$i" = 0 ] && echo a || echo b)
    log "round $round/$ROUNDS"
    run_one "$v" "${WGS[$i]}"
  done
done

med() { [ -s "$T/$1.$2" ] && median <"$T/$1.$2" || echo 0; }
row() { # label key digits
  if [ ${#WGS[@]} = 1 ]; then
    awk -v l="$1" -v a="$(med a "$2")" -v d="$3" 'BEGIN { printf "| %s | %.*f |\n", l, d, a }'
  else
    awk -v l="$1" -v a="$(med a "$2")" -v b="$(med b "$2")" -v d="$3" \
      'BEGIN { r = a > 0 ? sprintf("%.3f", b / a) : ""; printf "| %s | %.*f | %.*f | %s |\n", l, d, a, d, b, r }'
  fi
}
echo "home stream, durability $DURABILITY: ${DURATION} s (strace phase ${STRACE_S} s," \
  "idle ${IDLE_S} s), a cuff and a thermometer every ${EVERY} s; medians of $ROUNDS round(s)"
echo
if [ ${#WGS[@]} = 1 ]; then
  echo "| measurement | value |"
  echo "|---|---|"
else
  echo "| measurement | A | B | B / A |"
  echo "|---|---|---|---|"
fi
row "bytes written per stored reading, as the daemon's write_bytes" bytes 0
[ -z "$LOOP" ] || row "bytes the block device received per stored reading (ext4 on a loop device, journal included)" device 0
row "readings stored per pack" per_pack 2
row "write calls per pack (syscw)" syscw 2
[ "$STRACE_S" = 0 ] || row "fsync + fdatasync per pack (strace -c -f)" fsync 2
[ "$STRACE_S" = 0 ] || row "write + pwrite64 per pack (strace -c -f)" writes 2
row "wakeups per second, idle (voluntary context switches)" idle_wake 1
row "wakeups per second, active" wake 1
row "publish → PUBACK, median (ms)" ack50 1
row "publish → PUBACK, p99 (ms)" ack99 1
row "publish → PUBACK, longest (ms)" ackmax 1
row "resident memory at the end (MB)" rss 1
row "private dirty memory at the end (MB)" dirty 1
row "database file at the end (KiB)" dbsize 0
