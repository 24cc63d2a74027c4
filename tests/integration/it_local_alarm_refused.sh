#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# local_alarm with a hub that is reachable but does not take the alerts:
# over MQTT 5 its broker's ACL refuses the gateway's alerts topic (PUBACK
# 0x87). The fall stays in the outbox, and after after_min (3 s) the local
# alarm goes on, saying the hub's broker refuses the alerts; once the ACL
# is fixed and the retry is taken, it goes off.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
ALOG="$T/alarm.log"
TOPIC=wardgate/gw-test/local/alarm
start_broker INGEST

start_refusing_hub

write_config "$T/wardgate.json" "\"local_alarm\": {\"after_min\": 0.05,
  \"min_severity\": \"high\", \"command\": [\"$SRC/tools/wardgate-alarm\", \"$ALOG\"]},"
sed -i 's/"keepalive_s": 5 }/"keepalive_s": 5, "protocol": "5" }/' "$T/wardgate.json"
grep -q '"protocol": "5"' "$T/wardgate.json" || fail "config not written"
subscribe hub 'wardgate/gw-test/alerts'
start_daemon "$T/wardgate.json"
logged() { grep "\"state\":\"$1\"" "$ALOG" 2>/dev/null | grep -q -- "$2"; }
on() { retained "$TOPIC" "$INGEST_PORT" | grep -q '"summary":"Fall detected by fall-1'; }
off() { [ -z "$(retained "$TOPIC" "$INGEST_PORT")" ]; }

pub fall-1 "$(fall_pack)"
wait_until 20 logged alarm "\"reason\":\"the hub's broker refuses the gateway's alerts\"" ||
  fail "no alarm for the refused fall: $(cat "$ALOG" 2>/dev/null)"
wait_until 10 on || fail "no retained alarm: $(retained "$TOPIC" "$INGEST_PORT")"
! sub_has hub '"state":"raised"' || fail "the ACL let the alert through"
! logged cleared . || fail "cleared while still refused: $(cat "$ALOG")"

hub_acl allow
kill -HUP "$hubpid"
wait_until 90 sub_has hub '"state":"raised"' || fail "the alert was not delivered after the ACL was fixed"
wait_until 10 logged cleared "\"reason\":\"the hub's broker has it\"" ||
  fail "the alarm was not cleared: $(cat "$ALOG")"
wait_until 10 off || fail "the retained alarm stays"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
