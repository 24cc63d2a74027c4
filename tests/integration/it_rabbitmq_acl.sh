#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's RabbitMQ permissions (Deployment, the hub's broker) on a
# private RabbitMQ node with the MQTT plugin and no anonymous login: the
# daemon logs in as its gateway, gw-test, and its alerts reach the clinical
# application, whose ack is applied; another gateway's account, gw-0002,
# cannot read gw-test's alerts and cannot acknowledge them (RabbitMQ's
# topic permissions on amq.topic, {username} expanded); a console's account
# reads alerts and cannot acknowledge.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rabbitmq.sh"

rmq_start a 'mqtt.allow_anonymous = false'
port=$RMQ_A_PORT
outputs='status|alerts|alerts\.active|news2|news2\.latest|errors|fhir\.[^.]+|log\.daily|config\.reported'
user() { # NAME PASSWORD CLIENT_ID_PREFIX TOPIC_WRITE TOPIC_READ
  local q="mqtt-subscription-$3.*"
  rmq a add_user "$1" "$2" >/dev/null || fail "add_user $1"
  rmq a set_permissions -p / "$1" "^$q\$" "^(amq\\.topic|$q)\$" "^(amq\\.topic|$q)\$" >/dev/null ||
    fail "set_permissions $1"
  rmq a set_topic_permissions -p / "$1" amq.topic "$4" "$5" >/dev/null || fail "set_topic_permissions $1"
}
user gw-test gw-test-secret wardgate-gw-test-uplink \
  "^wardgate\\.{username}\\.($outputs)\$" '^wardgate\.{username}\.(alerts\.ack|config\.desired)$'
user gw-0002 gw-0002-secret wardgate-gw-0002-uplink \
  "^wardgate\\.{username}\\.($outputs)\$" '^wardgate\.{username}\.(alerts\.ack|config\.desired)$'
user clinical.app clinical-secret clinical-app \
  '^wardgate\.[^.]+\.(alerts\.ack|config\.desired)$' '^wardgate\..*$'
user console console-secret console-1 '^$' "^wardgate\\.[^.]+\\.($outputs)\$"

as() { # USER PASSWORD CLIENT_ID mosquitto_pub|mosquitto_sub ARGS...
  local u=$1 p=$2 id=$3 cmd=$4
  shift 4
  "$cmd" -h 127.0.0.1 -p "$port" -u "$u" -P "$p" -i "$id" "$@"
}
watch_as() { # NAME USER PASSWORD CLIENT_ID TOPIC: a subscriber writing $T/NAME.sub
  # Not through as(): $! must be mosquitto_sub itself, which a kill ends.
  mosquitto_sub -h 127.0.0.1 -p "$port" -u "$2" -P "$3" -i "$4" -q 1 -v -t "$5" \
    >"$T/$1.sub" 2>&1 &
  track $!
}

start_broker INGEST
UPLINK_PORT=$port
printf 'gw-test-secret\n' >"$T/uplink.password"
chmod 600 "$T/uplink.password"
write_config "$T/wardgate.json" '' "$(patients_json 2)"
sed -i "s#\"port\": $port, \"keepalive_s\": 5 }#\"port\": $port, \"keepalive_s\": 5, \"username\": \"gw-test\", \"password_file\": \"$T/uplink.password\" }#" "$T/wardgate.json"
grep -q '"username": "gw-test"' "$T/wardgate.json" || fail "the uplink login was not written"
start_daemon "$T/wardgate.json"

watch_as clinical clinical.app clinical-secret clinical-app 'wardgate/gw-test/alerts'
watch_as console console console-secret console-1 'wardgate/gw-test/alerts'
watch_as spy gw-0002 gw-0002-secret wardgate-gw-0002-uplink 'wardgate/gw-test/alerts'
watch_as spyack gw-0002 gw-0002-secret wardgate-gw-0002-spy 'wardgate/gw-test/alerts/ack'
sleep 1

pub fall-1 "$(fall_pack)"
wait_until 15 sub_has clinical '"state":"raised"' || fail "the alert did not reach the clinical application"
id=$(raised_id clinical)
wait_until 5 sub_has console "\"id\":\"$id\"" || fail "the console's account cannot read alerts"

# gw-0002 acknowledges gw-test's alert: refused by the topic permissions.
as gw-0002 gw-0002-secret wardgate-gw-0002-ack mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"mallory\"}" >/dev/null 2>&1 || true
as console console-secret console-2 mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"console\"}" >/dev/null 2>&1 || true
sleep 2
[ "$(sql "SELECT state FROM alerts WHERE id='$id'")" = raised ] ||
  fail "another gateway's or a console's account acknowledged: $(sql "SELECT state, cause FROM alert_events WHERE alert_id='$id'")"
! grep -q 'mallory\|by console' "$T/wardgated.log" || fail "the daemon received a forbidden ack"
# The clinical application may.
as clinical.app clinical-secret clinical-app-ack mosquitto_pub -q 1 -t wardgate/gw-test/alerts/ack \
  -m "{\"id\":\"$id\",\"by\":\"dr-rabbit\"}" || fail "the clinical application cannot acknowledge"
wait_until 15 sub_has clinical "\"id\":\"$id\".*\"state\":\"acknowledged\"" ||
  fail "the clinical application's ack was not applied"

# gw-0002 read nothing of gw-test's.
pub fall-2 "$(fall_pack)"
wait_until 15 sub_has clinical '"patient":"p-2".*"state":"raised"' || fail "second alert"
sleep 1
! grep -q 'wardgate/gw-test/alerts {' "$T/spy.sub" || fail "gw-0002 read gw-test's alerts: $(head -3 "$T/spy.sub")"
! grep -q 'dr-rabbit' "$T/spyack.sub" || fail "gw-0002 read gw-test's acks"
log "gw-0002 subscribing to gw-test's alerts: $(head -1 "$T/spy.sub" | cut -c1-100)"
daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
