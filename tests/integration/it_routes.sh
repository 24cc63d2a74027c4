#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An alert raised just before its route's window ends is escalated into the
# fallback route, and the escalation says when it moved; the status names
# the route in force; a SIGHUP brings new routes.
. "$(dirname "$0")/lib.sh"

clock() { date -d "@$1" +%H:%M:%S; }
all_days='["mon","tue","wed","thu","fri","sat","sun"]'
routes() { # END: the day team's window ends at that Unix time
  printf '"status_interval_s": 1, "routes": [{"name":"day-team","days":%s,"from":"%s","to":"%s"},{"name":"night-team"}],' \
    "$all_days" "$(clock $(($1 - 3600)))" "$(clock "$1")"
}

start_broker INGEST
start_broker UPLINK
end=$(($(date +%s) + 8))
write_config "$T/wardgate.json" "$(routes "$end")" \
  "$(patients_json 1 ',"escalation":{"ack_timeout_min":{"high":0.15}}')"
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 10 sub_has hub '"state":"raised"' || fail "not raised"
[ "$(date +%s)" -lt "$end" ] || fail "the machine was too slow to raise before $(clock "$end")"
grep '"state":"raised"' "$T/hub.sub" | grep -q '"route":"day-team","respond_by":' ||
  fail "raised without the day team's route: $(grep '"state":"raised"' "$T/hub.sub")"
sub_has hub '/status {"state":"online".*"route":"day-team"' || fail "status lacks the route"
id=$(raised_id)

# Escalated 9 s after the raise, past the window's end.
wait_until 15 sub_has hub '"state":"escalated"' || fail "not escalated"
grep '"state":"escalated"' "$T/hub.sub" | grep -q '"route":"night-team"' ||
  fail "escalated on the wrong route: $(grep '"state":"escalated"' "$T/hub.sub")"
cause=$(sql "SELECT cause FROM alert_events WHERE alert_id='$id' AND state='escalated'")
want="moved from day-team to night-team at $(clock "$end" | cut -c1-5)"
case "$cause" in *"$want") ;; *) fail "cause: $cause; want …$want" ;; esac
wait_until 5 sub_has hub '/status {"state":"online".*"route":"night-team"' ||
  fail "status still names the day team"

# A reload brings new routes.
write_config "$T/wardgate.json" '"status_interval_s": 1, "routes": [{"name":"reloaded"}],' \
  "$(patients_json 1 ',"escalation":{"ack_timeout_min":{"high":0.15}}')"
kill -HUP "$DAEMON_PID"
wait_until 5 sub_has hub '/status {"state":"online".*"route":"reloaded"' ||
  fail "the reload's route is not in force"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
