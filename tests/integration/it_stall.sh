#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon stopped (SIGSTOP) for longer than its watchdog interval and
# its missed-observation interval, then continued (SIGCONT), while the
# device went on publishing to the broker: its watchdog pings resume, every
# pack is stored, and no observation is reported missed — the readings
# were waiting at the broker, the daemon was the one away — while a device
# that really falls silent afterwards is still reported.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" "" \
  '[{"id":"p-001","devices":["oxi-1"],"expect":[{"name":"spo2","every_min":0.1}]}]'

# systemd's side of sd_notify: every datagram, one per line.
python3 - "$T/notify.sock" >"$T/notify.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", " "), flush=True)
PY
track $!
wait_until 5 [ -S "$T/notify.sock" ] || fail "no notify socket"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/+/alerts' "$UPLINK_PORT"
pings() { grep -c 'WATCHDOG=1' "$T/notify.out" || true; }
pings_over() { [ "$(pings)" -gt "$1" ]; }
missed() { sql "SELECT count(*) FROM alerts WHERE rule = 'missed_obs'"; }
missed_raised() { [ "$(missed)" -ge 1 ]; }
wait_until 10 grep -q 'READY=1' "$T/notify.out" || fail "no READY=1"
wait_until 5 pings_over 1 || fail "no watchdog pings"

# The device: an SpO2 reading every half second until told to stop.
(
  while [ ! -e "$T/device-stop" ]; do
    pub oxi-1 "[{\"bt\":$(now),\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]" && echo sent >>"$T/device.out"
    sleep 0.5
  done
) &
device=$!
track $device
sleep 2

kill -STOP "$DAEMON_PID"
log "stopped for 10 s (watchdog 2 s, an SpO2 expected every 6 s)"
sleep 10
before=$(pings)
kill -CONT "$DAEMON_PID"
wait_until 10 pings_over "$before" || fail "no watchdog ping after SIGCONT"
sleep 4
touch "$T/device-stop"
wait $device
untrack $device
sent=$(wc -l <"$T/device.out")
wait_until 20 readings_at_least "$sent" || fail "$sent packs sent, $(count_readings) stored"
[ "$(missed)" = 0 ] || fail "an observation reported missed after the stall: $(sql "SELECT payload FROM alerts WHERE rule = 'missed_obs'")"
grep -q 'held up' "$T/wardgated.log" || fail "the stall was not logged"
log "$sent packs stored, no observation reported missed"

# The rule still works: the device is silent now.
wait_until 20 missed_raised ||
  fail "a silent device was not reported"
wait_until 10 sub_has hub '"rule":"missed_obs"' || fail "missed_obs not at the hub"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
