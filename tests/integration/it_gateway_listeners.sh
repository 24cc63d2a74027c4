#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shipped home broker (config/mosquitto-gateway.conf) never listens
# plain MQTT off the loopback: every listener its lines open is bound to
# the loopback or has a certificate and key (TLS), and there is no default
# listener (port, bind_address). Its queue for the daemon's session is
# bounded in messages and bytes. The LAN listener the file ships commented
# out, enabled as the README says, speaks TLS only: run on loopback with a
# certificate made here, a TLS client gets through with its password and a
# plain client does not. The daemon still works through the shipped file
# (it_gateway_broker, it_gateway_takeover).
. "$(dirname "$0")/lib.sh"
command -v mosquitto_passwd >/dev/null || { log "skip: no mosquitto_passwd"; exit 77; }
command -v openssl >/dev/null || { log "skip: no openssl"; exit 77; }

SRC=$(cd "$(dirname "$0")/../.." && pwd)
CONF="$SRC/config/mosquitto-gateway.conf"

# listeners FILE: "PORT ADDRESS TLS" for each listener the file opens
# (ADDRESS "*" for every interface, TLS yes when its block has a
# certificate and a key), and "default PORT" for a default listener.
listeners() {
  awk '
    function flush() {
      if (port != "") print port, (addr == "" ? "*" : addr), (cert && key ? "yes" : "no")
    }
    /^[ \t]*#/ || /^[ \t]*$/ { next }
    $1 == "listener" { flush(); port = $2; addr = $3; cert = 0; key = 0; next }
    $1 == "certfile" { cert = 1 }
    $1 == "keyfile" { key = 1 }
    $1 == "port" || $1 == "bind_address" || $1 == "bind_interface" { print "default", $2 }
    END { flush() }
  ' "$1"
}

# check_listeners FILE: fails when a listener is plain and off the loopback.
check_listeners() {
  local n=0 port addr tls
  while read -r port addr tls; do
    [ "$port" != default ] || fail "$1 has a default listener ($port $addr)"
    n=$((n + 1))
    case "$addr" in
    127.* | ::1 | localhost) continue ;;
    esac
    [ "$tls" = yes ] || fail "$1: listener $port on $addr is plain MQTT off the loopback"
  done < <(listeners "$1")
  [ "$n" -gt 0 ] || fail "$1 opens no listener"
}

check_listeners "$CONF"
listeners "$CONF" | grep -qx '1883 127.0.0.1 no' ||
  fail "the daemon's listener is not 1883 on 127.0.0.1: $(listeners "$CONF")"

# The check itself refuses what the file used to say.
printf 'listener 1883\nprotocol mqtt\n' >"$T/old.conf"
(check_listeners "$T/old.conf") 2>/dev/null && fail "a plain listener on every interface passed"
printf 'port 1883\n' >"$T/old.conf"
(check_listeners "$T/old.conf") 2>/dev/null && fail "a default listener passed"

# The queue for the daemon's session: bounded, and for at least 24 h of a
# home's readings (the file argues 100,000 packs a day of 100-300 bytes).
msgs=$(awk '$1 == "max_queued_messages" { print $2 }' "$CONF")
bytes=$(awk '$1 == "max_queued_bytes" { print $2 }' "$CONF")
[ -n "$msgs" ] && [ "$msgs" -ge 100000 ] || fail "max_queued_messages '$msgs' below a day of readings"
[ -n "$bytes" ] && [ "$bytes" -gt 0 ] || fail "max_queued_bytes '$bytes' is unbounded"
[ "$bytes" -ge $((100000 * 300)) ] || fail "max_queued_bytes $bytes below a day of readings"

# The LAN listener as the README enables it: its four lines uncommented.
sed -E 's/^#(listener 8883|certfile |keyfile |tls_version )/\1/' "$CONF" >"$T/lan.conf"
grep -q '^listener 8883$' "$T/lan.conf" || fail "the LAN listener is not in the shipped file"
check_listeners "$T/lan.conf"
listeners "$T/lan.conf" | grep -qx '8883 \* yes' ||
  fail "the LAN listener is not TLS: $(listeners "$T/lan.conf")"

# Run it, on loopback ports and with a certificate made here.
cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout home.key -out home.crt \
  >/dev/null 2>&1 || fail "openssl failed"
mkdir -p gw
: >gw/passwd
mosquitto_passwd -b gw/passwd oxi-1 oxi1-pw
cp "$SRC/config/mosquitto-gateway.acl" gw/acl
plain=$("$FREEPORT")
tls=$("$FREEPORT")
sed -e "s#^listener 1883 127.0.0.1\$#user $(id -un)\nlistener $plain 127.0.0.1#" \
  -e "s#^listener 8883\$#listener $tls 127.0.0.1#" \
  -e "s#/etc/mosquitto/certs/wardgate-home.crt#$T/home.crt#" \
  -e "s#/etc/mosquitto/certs/wardgate-home.key#$T/home.key#" \
  -e "s#/etc/mosquitto/wardgate.passwd#$T/gw/passwd#" \
  -e "s#/etc/mosquitto/wardgate.acl#$T/gw/acl#" \
  -e "s#/var/lib/mosquitto/#$T/gw/#" \
  "$T/lan.conf" >gw/mosquitto.conf
mosquitto -c gw/mosquitto.conf >"$T/gwbroker.log" 2>&1 &
track $!
wait_until 5 port_open "$tls" || fail "the broker with the LAN listener did not start: $(cat "$T/gwbroker.log")"

pub() { timeout 10 mosquitto_pub -h 127.0.0.1 -q 1 -u oxi-1 -P oxi1-pw \
  -t wardgate/dev/oxi-1/senml -m '[{"n":"spo2","v":97}]' "$@"; }
pub -p "$tls" --cafile home.crt || fail "a device over TLS was refused"
status=0
pub -p "$tls" 2>/dev/null || status=$?
[ "$status" != 0 ] || fail "plain MQTT was accepted on the LAN listener"
pub -p "$plain" || fail "the loopback listener refused a device on the box"
log "ok"
