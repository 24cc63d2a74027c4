#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub's broker is a three-node RabbitMQ cluster left with its default
# classic session queues (no mqtt.durable_queue_type = quorum). A classic
# queue lives on one node: when node A, where the gateway's session queue
# is, stops, the gateway's persistent session cannot be served by the
# others, which drop it right after each CONNACK (issue #31: 27 alerts held
# for a whole run). After 3 rounds of every node doing so the gateway
# falls back to a clean session, says so (journal, errors, sessions_lost)
# and delivers every alert; the hub's subscriber sits on node B.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rabbitmq.sh"

FALLS=12
# On failure, what the surviving nodes said too.
rfail() {
  grep -h -i 'mqtt\|error\|queue' "$T"/rmq-b/log/*.log "$T"/rmq-c/log/*.log 2>/dev/null | tail -n 40 >&2
  fail "$@"
}
rmq_start a
rmq_start b
rmq_start c
for n in b c; do
  rmq $n stop_app >/dev/null && rmq $n join_cluster wg-a@localhost >/dev/null &&
    rmq $n start_app >/dev/null || fail "node $n did not join the cluster"
done
rmq a cluster_status 2>/dev/null | grep -q 'wg-c@localhost' || fail "no cluster"
log "cluster of three, classic queues: A $RMQ_A_PORT, B $RMQ_B_PORT, C $RMQ_C_PORT"

start_broker INGEST
host() { printf '{"host":"127.0.0.1","port":%s}' "$1"; }
cat >"$T/wardgate.json" <<CONF
{ "gateway_id": "gw-test", "database": "$T/wardgate.db", "durability": "process",
  "control_socket": "$T/ctl.sock",
  "ingest": { "mqtt": { "port": $INGEST_PORT } },
  "uplink": { "mqtt": { "hosts": [$(host "$RMQ_A_PORT"),$(host "$RMQ_C_PORT"),$(host "$RMQ_B_PORT")],
                        "keepalive_s": 5 } },
  "patients": $(patients_json $FALLS) }
CONF
UPLINK_PORT=$RMQ_A_PORT start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/#' "$RMQ_B_PORT"
pub fall-1 "$(fall_pack)"
wait_until 20 sub_has hub '"patient":"p-1".*"state":"raised"' || fail "the first fall did not reach the hub"

rmq_stop a
log "node A stopped"
for i in $(seq 2 $FALLS); do pub "fall-$i" "$(fall_pack)"; done
wait_until 120 grep -q 'uplink: every node dropped the persistent session' "$T/wardgated.log" ||
  rfail "no fallback to a clean session: $(grep -c 'uplink: connected to' "$T/wardgated.log") connects"
raised_all() { [ "$(grep '"state":"raised"' "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)" -ge $FALLS ]; }
wait_until 60 raised_all ||
  rfail "only $(grep '"state":"raised"' "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort -u | wc -l) of $FALLS falls reached the hub"
drained() { [ "$(sql 'SELECT count(*) FROM outbox')" = 0 ]; }
wait_until 30 drained || fail "the outbox did not drain: $(sql 'SELECT count(*) FROM outbox')"
sub_has hub 'wardgate/gw-test/errors .*"source":"uplink".*session lost' ||
  fail "the lost session was not reported on errors"
status=$("$WG_BIN/wardgatectl" -c "$T/wardgate.json" status --json)
echo "$status" | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
assert c["sessions_lost"] >= 1 and c["outbox_depth"] == 0, c' || fail "counters: $status"
drops=$(grep -c 'uplink: connection to .* lost' "$T/wardgated.log" || true)
log "$FALLS falls delivered after node A stopped; $drops connections dropped before the fallback"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
