#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# uplink.mqtt.protocol "5": a hub's broker whose ACL refuses the gateway's
# alerts topic answers each alert with PUBACK reason 0x87 (Not authorized).
# The event is not delivered: it stays in the outbox, is sent again with
# backoff, counted (outbox_refused) and reported once (errors, journal,
# with the reason). Once the ACL allows it, the retry delivers it and the
# outbox empties.
. "$(dirname "$0")/lib.sh"

start_broker INGEST

# The hub's broker refuses the alerts topic until its ACL is reloaded.
start_refusing_hub "persistence true" "persistence_location $T/hubb/" "log_type notice"

write_config "$T/wardgate.json"
sed -i 's/"keepalive_s": 5 }/"keepalive_s": 5, "protocol": "5" }/' "$T/wardgate.json"
grep -q '"protocol": "5"' "$T/wardgate.json" || fail "config not written"
subscribe errors 'wardgate/gw-test/errors'
subscribe hub 'wardgate/gw-test/alerts'
start_daemon "$T/wardgate.json"

pub fall-1 "$(fall_pack)"
refused() { sub_has errors 'refused a message from the outbox: Not authorized (0x87)'; }
wait_until 10 refused || fail "the refusal was not reported"
# Retried with backoff (1 s, 2 s, …): refused again, counted, reported once.
sleep 4
[ "$(sql 'SELECT count(*) FROM outbox')" -ge 1 ] || fail "a refused alert left the outbox"
[ "$(sub_count errors 'refused a message from the outbox')" = 1 ] ||
  fail "reported $(sub_count errors 'refused a message from the outbox') times"
[ "$(grep -c 'refused a message from the outbox: Not authorized' "$T/wardgated.log")" -ge 1 ] ||
  fail "not in the journal"
! sub_has hub '"state":"raised"' || fail "the ACL let the alert through"

# The hub's operators fix the ACL: the next retry delivers.
hub_acl allow
kill -HUP "$hubpid"
wait_until 90 sub_has hub '"state":"raised"' || fail "the alert was not delivered after the ACL was fixed"
outbox_empty() { [ "$(sql 'SELECT count(*) FROM outbox')" = 0 ]; }
wait_until 10 outbox_empty || fail "the delivered alert stays in the outbox"

stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
case "$(retained wardgate/gw-test/status)" in
*'"outbox_refused":'[2-9]* | *'"outbox_refused":'[1-9][0-9]*) ;;
*) fail "outbox_refused not counted: $(retained wardgate/gw-test/status)" ;;
esac
log "ok"
