#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shipped home broker configuration (config/mosquitto-gateway.conf and
# its ACL, as installed, not a copy edited for the test) binds client ids to
# users: a device credential that connects with the daemon's client id gets
# its own session, not the daemon's. Falls published meanwhile and
# acknowledged by the broker are all stored, and the daemon never finds its
# session lost.
. "$(dirname "$0")/lib.sh"
command -v mosquitto_passwd >/dev/null || { log "skip: no mosquitto_passwd"; exit 77; }

start_gateway_broker oxi-1:oxi1-pw fall-1:fall1-pw

INGEST_PORT=$port
start_broker UPLINK
write_config "$T/wardgate.json"
sed -i "s#\"port\": $port }#\"port\": $port, \"username\": \"wardgated\", \"password_file\": \"$T/ingest.password\" }#" "$T/wardgate.json"
subscribe errors 'wardgate/gw-test/errors'
start_daemon "$T/wardgate.json"

# The impostor: oxi-1's credential with the daemon's client id (the default
# one, and the user name the broker gives the daemon), reconnecting for as
# long as the falls go on.
impostor() {
  while :; do
    for id in wardgate-gw-test-ingest wardgated; do
      timeout 1 mosquitto_sub -h 127.0.0.1 -p "$port" -u oxi-1 -P oxi1-pw \
        -i "$id" -c -q 1 -t 'wardgate/dev/+/senml' >>"$T/impostor.out" 2>&1 || true
    done
  done
}
impostor &
imp=$!
track $imp

acked=0
base=$(date +%s)
for i in $(seq 1 40); do
  if mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -u fall-1 -P fall1-pw \
    -t wardgate/dev/fall-1/senml -m "[{\"bt\":$((base - 100 + i)),\"n\":\"fall\",\"vb\":true}]"; then
    acked=$((acked + 1))
  fi
  sleep 0.05
done
kill "$imp" 2>/dev/null || true
wait "$imp" 2>/dev/null || true
untrack $imp
[ "$acked" -ge 30 ] || fail "only $acked of 40 falls acknowledged by the broker"

falls() { count_readings "WHERE device_id='fall-1'"; }
all_stored() { [ "$(falls)" -ge "$acked" ]; }
wait_until 20 all_stored || fail "acknowledged falls lost: $acked acknowledged, $(falls) stored"
[ ! -s "$T/impostor.out" ] || fail "the impostor read device packs: $(head -c 300 "$T/impostor.out")"
! sub_has errors 'session lost' || fail "the daemon lost its session"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
case "$(retained wardgate/gw-test/status "$UPLINK_PORT")" in
*'"sessions_lost":0'*) ;;
*) fail "sessions lost: $(retained wardgate/gw-test/status "$UPLINK_PORT")" ;;
esac
log "ok ($acked falls acknowledged, all stored)"
