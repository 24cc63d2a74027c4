#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon stopped (SIGSTOP) for longer than its watchdog interval, its
# missed-observation interval and an alert's ack timeout, then continued
# (SIGCONT), while the device went on publishing and a clinician
# acknowledged the alert: its watchdog pings resume, every pack is stored,
# no observation is reported missed and the alert is not escalated — the
# readings and the ack were waiting in the sockets, the daemon was the one
# away — while a device that really falls silent afterwards is still
# reported.
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" "" \
  '[{"id":"p-001","devices":["oxi-1","fall-1"],"expect":[{"name":"spo2","every_min":0.1}],
     "escalation":{"ack_timeout_min":{"high":0.1}}}]'
# A keepalive longer than the stop: the sessions survive it.
sed -i 's/"keepalive_s": 5/"keepalive_s": 60/' "$T/wardgate.json"

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
pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "the fall was not raised"
id=$(raised_id)

kill -STOP "$DAEMON_PID"
log "stopped for 10 s (watchdog 2 s, an SpO2 expected every 6 s, ack timeout 6 s)"
sleep 2
mosquitto_pub -p "$UPLINK_PORT" -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"nurse-jones\"}"
sleep 8
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
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "the ack was not applied"
! sub_has hub '"state":"escalated"' || fail "escalated though acknowledged during the stop"
log "$sent packs stored, no observation reported missed, the fall acknowledged, not escalated"

# The rule still works: the device is silent now.
wait_until 20 missed_raised ||
  fail "a silent device was not reported"
wait_until 10 sub_has hub '"rule":"missed_obs"' || fail "missed_obs not at the hub"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
