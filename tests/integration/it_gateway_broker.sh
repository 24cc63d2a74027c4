#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# config/mosquitto-gateway.conf and its ACL, run for real: devices need
# their password, may publish only to their own topic, and wardgated (as
# user wardgated, password from a file) receives what they publish.
. "$(dirname "$0")/lib.sh"
command -v mosquitto_passwd >/dev/null || { log "skip: no mosquitto_passwd"; exit 77; }

start_gateway_broker oxi-1:oxi1-pw oxi-2:oxi2-pw

INGEST_PORT=$port
start_broker UPLINK
write_config "$T/wardgate.json"
sed -i "s#\"port\": $port }#\"port\": $port, \"username\": \"wardgated\", \"password_file\": \"$T/ingest.password\" }#" "$T/wardgate.json"
start_daemon "$T/wardgate.json"

dev_pub() { # USER PASSWORD DEVICE-IN-TOPIC PAYLOAD
  mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -u "$1" -P "$2" \
    -t "wardgate/dev/$3/senml" -m "$4"
}
dev_pub oxi-1 oxi1-pw oxi-1 '[{"n":"spo2","v":97,"t":-1}]' || fail "oxi-1 refused"
# oxi-1 pretending to be oxi-2: the broker drops it (the ACL).
dev_pub oxi-1 oxi1-pw oxi-2 '[{"n":"spo2","v":80,"t":-2}]' || true
# A wrong password and no password are refused at the door.
status=0
dev_pub oxi-2 wrong oxi-2 '[{"n":"spo2","v":81,"t":-3}]' 2>/dev/null || status=$?
[ "$status" != 0 ] || fail "a wrong password was accepted"
status=0
mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t wardgate/dev/oxi-2/senml \
  -m '[{"n":"spo2","v":82}]' 2>/dev/null || status=$?
[ "$status" != 0 ] || fail "an anonymous device was accepted"
dev_pub oxi-2 oxi2-pw oxi-2 '[{"n":"spo2","v":96,"t":-4}]' || fail "oxi-2 refused"

wait_until 10 readings_at_least 2 || fail "readings not received: $(count_readings)"
sleep 0.5
[ "$(count_readings "WHERE device_id='oxi-1' AND value=97")" = 1 ] || fail "oxi-1 missing"
[ "$(count_readings "WHERE device_id='oxi-2' AND value=96")" = 1 ] || fail "oxi-2 missing"
[ "$(count_readings)" = 2 ] || fail "a forbidden publish got through: $(sql 'SELECT device_id, value FROM readings')"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
