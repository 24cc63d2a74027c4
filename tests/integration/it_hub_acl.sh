#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub's broker with the shipped ACL (config/mosquitto-hub.acl, used as
# it is) and the security settings of config/mosquitto-hub.conf, on a
# loopback listener with a password file of the test's own: the daemon
# logs in as its gateway and works (status, alerts, the clinical
# application's ack); another gateway's account cannot read this home's
# alerts or acks, cannot forge its alerts, cannot acknowledge and cannot
# take its uplink session by asking for its client id; a console cannot
# acknowledge; anonymous clients are refused.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v mosquitto_passwd >/dev/null || { log "skip: no mosquitto_passwd"; exit 77; }
ACL=$SRC/config/mosquitto-hub.acl
CONF=$SRC/config/mosquitto-hub.conf

# The shipped configuration's access settings, taken as they are.
for want in 'per_listener_settings false' 'allow_anonymous false' \
  'use_username_as_clientid true' 'acl_file /etc/mosquitto/wardgate-hub.acl'; do
  grep -qx "$want" "$CONF" || fail "$CONF lacks \"$want\""
done
# use_username_as_clientid is a listener's setting: after its "listener".
awk '/^listener /{l=1} /^use_username_as_clientid true$/{exit !l}' "$CONF" ||
  fail "$CONF: use_username_as_clientid comes before the listener it is for"
port=$("$FREEPORT")
mkdir -p "$T/hub"
: >"$T/hub/passwd"
mosquitto_passwd -b "$T/hub/passwd" gw-test gw-pw
mosquitto_passwd -b "$T/hub/passwd" gw-0002 gw2-pw
mosquitto_passwd -b "$T/hub/passwd" clinical.app clin-pw
mosquitto_passwd -b "$T/hub/passwd" console.ward con-pw
printf 'gw-pw\n' >"$T/uplink.password"
chmod 600 "$T/uplink.password"
{
  echo "user $(id -un)"
  grep -E '^(per_listener_settings|allow_anonymous) ' "$CONF"
  echo "listener $port 127.0.0.1"
  grep -E '^use_username_as_clientid ' "$CONF"
  echo "password_file $T/hub/passwd"
  echo "acl_file $ACL"
  echo "persistence true"
  echo "persistence_location $T/hub/"
  echo "log_dest file $T/hubbroker.log"
  echo "log_type all"
} >"$T/hub/mosquitto.conf"
mosquitto -c "$T/hub/mosquitto.conf" >>"$T/hubbroker.log" 2>&1 &
track $!
wait_until 5 port_open "$port" || fail "the hub broker did not start"

as() { # USER PASSWORD mosquitto_pub|mosquitto_sub ARGS...
  local u=$1 p=$2 cmd=$3
  shift 3
  "$cmd" -h 127.0.0.1 -p "$port" -u "$u" -P "$p" "$@"
}
watch_as() { # NAME USER PASSWORD TOPIC...: a subscriber writing $T/NAME.sub
  local name=$1 u=$2 p=$3 t args=()
  shift 3
  for t in "$@"; do args+=(-t "$t"); done
  # Not through as(): $! must be mosquitto_sub itself, which a kill ends.
  mosquitto_sub -h 127.0.0.1 -p "$port" -u "$u" -P "$p" -q 1 -v "${args[@]}" \
    >"$T/$name.sub" 2>&1 &
  track $!
  eval "WATCH_$name=$!"
}

start_broker INGEST
UPLINK_PORT=$port
write_config "$T/wardgate.json" '' "$(patients_json 1)"
sed -i "s#\"port\": $port, \"keepalive_s\": 5 }#\"port\": $port, \"keepalive_s\": 5, \"username\": \"gw-test\", \"password_file\": \"$T/uplink.password\" }#" "$T/wardgate.json"
grep -q '"username": "gw-test"' "$T/wardgate.json" || fail "the uplink login was not written"
start_daemon "$T/wardgate.json"
connects=$(grep -c 'connected to' "$T/wardgated.log")

# Anonymous clients are refused at the door.
status=0
mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t wardgate/gw-test/alerts/ack \
  -m '{"id":"x","by":"anon"}' 2>/dev/null || status=$?
[ "$status" != 0 ] || fail "an anonymous client was accepted"

# A console watches gw-test.
watch_as hub console.ward con-pw 'wardgate/gw-test/#'
wait_until 10 sub_has hub 'wardgate/gw-test/status {"state":"online"' ||
  fail "the console cannot read the gateway's status"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "the console did not get the alert"
id=$(raised_id hub)
[ -n "$id" ] || fail "no alert id"

# gw-0002 acknowledges gw-test's alert, forges an alert for gw-test, and
# connects asking for gw-test's uplink client id.
as gw-0002 gw2-pw mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"Mallory\"}" || true
as gw-0002 gw2-pw mosquitto_pub -q 1 -t wardgate/gw-test/alerts \
  -m "{\"id\":\"gw-test-999999\",\"gateway\":\"gw-test\",\"state\":\"raised\",\"summary\":\"forged\"}" || true
as gw-0002 gw2-pw mosquitto_pub -q 1 -i wardgate-gw-test-uplink -c \
  -t wardgate/gw-0002/status -m '{"state":"online"}' || true
# Then the clinical application acknowledges: the broker handled all of the
# above first, so had any of it reached the daemon, the daemon would have
# taken it before this one.
as clinical.app clin-pw mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"Dr Real\"}" || fail "the clinical application cannot ack"
acked() { [ "$(sql "SELECT count(*) FROM alert_events WHERE alert_id = '$id' AND acked_by = 'Dr Real'")" -ge 1 ]; }
wait_until 15 acked || fail "the clinical application's ack was not recorded"
wait_until 10 sub_has hub '"state":"acknowledged"' || fail "no acknowledged event at the console"
forged=$(sql "SELECT count(*) FROM alert_events WHERE acked_by = 'Mallory'")
[ "$forged" = 0 ] || fail "a forged ack reached the daemon: $(sql 'SELECT * FROM alert_events')"
grep '"state":"acknowledged"' "$T/hub.sub" | grep -q '"by":"Dr Real"' ||
  fail "the acknowledged event does not name Dr Real: $(cat "$T/hub.sub")"
! grep -q 'gw-test-999999' "$T/hub.sub" || fail "gw-0002 forged an alert of gw-test"
# The uplink session was never taken: the daemon connected once.
[ "$(grep -c 'connected to' "$T/wardgated.log")" = "$connects" ] ||
  fail "the uplink was disconnected: $(grep -E 'connected to|lost' "$T/wardgated.log")"
! grep -q 'uplink: connection to .* lost' "$T/wardgated.log" || fail "the uplink session was lost"

# The console's account may not acknowledge either. Its watcher goes first
# (one client per account: the client id is the user name). A late ack for
# the closed fall is audited with its "by", so a forged one would show;
# the clinical application's late ack after it is the sentinel.
kill "$WATCH_hub"
wait "$WATCH_hub" 2>/dev/null || true
untrack "$WATCH_hub"
as console.ward con-pw mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"Console Forger\"}" || true
as clinical.app clin-pw mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"Dr Late\"}" || fail "the clinical application cannot ack"
late() { [ "$(sql "SELECT count(*) FROM alert_events WHERE alert_id = '$id' AND acked_by = 'Dr Late'")" -ge 1 ]; }
wait_until 15 late || fail "the clinical application's late ack was not audited: $(sql 'SELECT * FROM alert_events')"
[ "$(sql "SELECT count(*) FROM alert_events WHERE acked_by = 'Console Forger'")" = 0 ] ||
  fail "a console's ack reached the daemon"

# gw-0002 subscribes to everything of gw-test's, and to its own acks, the
# one of these topics it may read (its client, the account's only one,
# starts now: the client id is the user name). A sentinel there shows it
# subscribed; a second fall of gw-test is raised and acknowledged; once a
# second sentinel arrives, everything of gw-test's published before it
# would have arrived too.
watch_as spy gw-0002 gw2-pw 'wardgate/gw-test/#' wardgate/gw-test/alerts \
  wardgate/gw-test/alerts/ack wardgate/gw-test/status wardgate/gw-0002/alerts/ack
# The spy's subscription takes effect some time after it starts, and a
# sentinel published before it is not delivered: publish again until one
# arrives.
sentinel() {
  local try
  for try in $(seq 1 10); do
    as clinical.app clin-pw mosquitto_pub -q 1 -t wardgate/gw-0002/alerts/ack \
      -m "{\"id\":\"sentinel-$1\",\"by\":\"test\"}" || fail "no sentinel"
    wait_until 1 sub_has spy "^wardgate/gw-0002/alerts/ack {\"id\":\"sentinel-$1\"" &&
      return 0
  done
  fail "gw-0002 cannot read its own acks: $(cat "$T/spy.sub")"
}
sentinel 1
watch_as hub2 console.ward con-pw 'wardgate/gw-test/#'
wait_until 10 sub_has hub2 'wardgate/gw-test/status {"state":"online"' ||
  fail "the console cannot read the gateway's status"
pub fall-1 "$(fall_pack)"
second() { grep '"state":"raised"' "$T/hub2.sub" | grep -qv "\"id\":\"$id\""; }
wait_until 10 second || fail "the second fall was not raised: $(cat "$T/hub2.sub")"
id2=$(grep '"state":"raised"' "$T/hub2.sub" | grep -v "\"id\":\"$id\"" | head -1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
as clinical.app clin-pw mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id2\",\"by\":\"Dr Second\"}" || fail "the clinical application cannot ack"
wait_until 10 sub_has hub2 "\"id\":\"$id2\".*\"state\":\"acknowledged\"" ||
  fail "the second ack was not published: $(cat "$T/hub2.sub")"
sentinel 2
! grep -q '^wardgate/gw-test/' "$T/spy.sub" ||
  fail "gw-0002 read gw-test's messages: $(grep '^wardgate/gw-test/' "$T/spy.sub" | head -3)"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
