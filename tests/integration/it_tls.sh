#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The uplink over TLS with a client certificate (mutual TLS), as to a hub:
# the status arrives; with the wrong CA the daemon refuses the hub's
# certificate, says so, keeps retrying and keeps storing readings.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { log "skip: no openssl"; exit 77; }

cd "$T"
openssl_quiet() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
  -keyout ca.key -out ca.pem
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
  -keyout other.key -out other.pem
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
openssl_quiet req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
  -keyout server.key -out server.csr
openssl_quiet x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
  -CAcreateserial -days 2 -extfile san.ext -out server.pem
openssl_quiet req -newkey rsa:2048 -nodes -subj /CN=gw-test \
  -keyout client.key -out client.csr
openssl_quiet x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
  -CAcreateserial -days 2 -out client.pem
cd - >/dev/null

tls_port=$("$FREEPORT")
cat >"$T/tls.conf" <<CONF
user $(id -un)
listener $tls_port 127.0.0.1
cafile $T/ca.pem
certfile $T/server.pem
keyfile $T/server.key
require_certificate true
allow_anonymous true
CONF
mosquitto -c "$T/tls.conf" >"$T/tlsbroker.log" 2>&1 &
track $!
wait_until 5 port_open "$tls_port" || fail "TLS broker did not start"

start_broker INGEST
UPLINK_PORT=$tls_port
write_config "$T/wardgate.json"
sed -i "s#\"keepalive_s\": 5 }#\"keepalive_s\": 5, \"tls\": {\"ca_file\": \"$T/ca.pem\", \"cert_file\": \"$T/client.pem\", \"key_file\": \"$T/client.key\"} }#" "$T/wardgate.json"
grep -q client.key "$T/wardgate.json" || fail "config not rewritten"
"$WARDGATED" --check-config -c "$T/wardgate.json" >/dev/null || fail "TLS config refused"
start_daemon "$T/wardgate.json"

tls_status() {
  timeout 5 mosquitto_sub -h 127.0.0.1 -p "$tls_port" --cafile "$T/ca.pem" \
    --cert "$T/client.pem" --key "$T/client.key" -t wardgate/gw-test/status \
    -C 1 -W 3 2>/dev/null | grep -q '"state":"online"'
}
wait_until 10 tls_status || fail "no status over TLS"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"

# The wrong CA: the hub's certificate is refused; ingest goes on.
sed -i "s#$T/ca.pem#$T/other.pem#" "$T/wardgate.json"
"$WARDGATED" -c "$T/wardgate.json" --log-level debug >>"$T/wardgated.log" 2>&1 &
DAEMON_PID=$!
track $DAEMON_PID
wait_until 10 grep -q 'uplink: cannot connect.*TLS' "$T/wardgated.log" ||
  fail "the bad certificate was not reported"
why=$(grep -m1 'uplink: .*certificate verify failed' "$T/wardgated.log") ||
  fail "the log does not say why"
pub oxi-1 '[{"n":"spo2","v":97,"t":-3}]'
wait_until 10 readings_at_least 1 || fail "ingest stalled while the uplink fails"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok (${why#*: warning: })"
