#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What RabbitMQ 3.10 does with a publish it refuses: one node whose topic
# permissions (amq.topic, the MQTT plugin's exchange) let the gateway
# write everything but its alerts topic. RabbitMQ 3.10 speaks MQTT 3.1.1
# only, so it cannot answer a refusal in the PUBACK: it closes the
# connection instead, with no PUBACK. The fall stays in the outbox (never
# deleted), is sent again at every reconnect and refused again; nothing
# after it in the outbox is delivered meanwhile, the status keeps going
# through, and the local alarm goes on at the home (the hub's broker
# "cannot be reached" between the closes or "has not acknowledged it").
# Once the permission is given, the fall is delivered and the alarm is off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rabbitmq.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
ALOG="$T/alarm.log"
rmq_start a
rmq a set_topic_permissions -p / guest amq.topic '^(?!wardgate\.gw-test\.alerts$).*' '.*' >/dev/null ||
  fail "topic permissions not set"

start_broker INGEST
cat >"$T/wardgate.json" <<CONF
{ "gateway_id": "gw-test", "database": "$T/wardgate.db", "durability": "process",
  "status_interval_s": 1,
  "local_alarm": { "after_min": 0.05, "min_severity": "high",
                   "command": ["$SRC/tools/wardgate-alarm", "$ALOG"] },
  "ingest": { "mqtt": { "port": $INGEST_PORT } },
  "uplink": { "mqtt": { "port": $RMQ_A_PORT, "keepalive_s": 5 } },
  "patients": $(patients_json 2) }
CONF
UPLINK_PORT=$RMQ_A_PORT start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/#' "$RMQ_A_PORT"
connects() { grep -c 'uplink: connected to' "$T/wardgated.log" || true; }
before=$(connects)

pub fall-1 "$(fall_pack)"
# RabbitMQ closes the connection on the refused publish; the gateway comes
# back, sends it again, and is closed again.
wait_until 30 [ "$(connects)" -ge $((before + 2)) ] 2>/dev/null ||
  wait_until 30 sh -c "[ \$(grep -c 'uplink: connected to' '$T/wardgated.log') -ge $((before + 2)) ]" ||
  fail "RabbitMQ did not close the connection on the refused publish"
grep -h 'access_refused\|not authorized\|authori' "$T"/rmq-a/log/*.log | head -n 3 >"$T/refusal"
[ -s "$T/refusal" ] || fail "no refusal in RabbitMQ's log"
log "RabbitMQ 3.10 on a refused publish: $(sed 's/^.*\[error\] <[^>]*> //' "$T/refusal" | head -n 1)"
[ "$(sql 'SELECT count(*) FROM outbox')" -ge 1 ] || fail "the refused fall left the outbox"
! sub_has hub '^wardgate/gw-test/alerts {"id"' || fail "the refused alert reached the hub"
sub_has hub '^wardgate/gw-test/status ' || fail "the status did not go through"
wait_until 30 sh -c "grep -q '\"state\":\"alarm\"' '$ALOG'" ||
  fail "no local alarm for the refused fall"

# A second fall waits behind the first: the outbox is sent in order.
pub fall-2 "$(fall_pack)"
sleep 3
! sub_has hub '^wardgate/gw-test/alerts {.*"patient":"p-2"' || fail "fall 2 overtook fall 1"

rmq a set_topic_permissions -p / guest amq.topic '.*' '.*' >/dev/null ||
  fail "topic permissions not given"
wait_until 60 sub_has hub '^wardgate/gw-test/alerts {.*"patient":"p-2".*"state":"raised"' ||
  fail "the falls were not delivered once permitted"
sub_has hub '^wardgate/gw-test/alerts {.*"patient":"p-1".*"state":"raised"' || fail "fall 1 missing"
wait_until 30 sh -c "grep -q '\"state\":\"cleared\"' '$ALOG'" || fail "the local alarm stays on"
drained() { [ "$(sql 'SELECT count(*) FROM outbox')" = 0 ]; }
wait_until 30 drained || fail "the outbox did not drain"
log "$(( $(connects) - before )) connections closed and made again while the publish was refused"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
