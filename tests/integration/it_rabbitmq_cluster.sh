#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hub's broker is a three-node RabbitMQ cluster (join_cluster). The
# gateway's uplink.mqtt.hosts lists node A, then C, then B; the hub
# subscribes on node B with a persistent session. While falls flow
# (escalating every 3 s), node A is stopped: the gateway moves to another
# node, every alert reaches the hub at least once, each alert's events
# arrive in the order they happened, and the daemon's counters show no
# loss (no outbox overflow, every raised alert counted, the outbox empty).
#
# The hub side needs: durable MQTT sessions on quorum queues
# (mqtt.durable_queue_type = quorum), so that the hub's queue and each
# gateway's queue of acks survive the loss of a node (a classic queue
# lives on one node and is gone with it); and subscription_ttl long enough
# for a gateway's longest outage (the default expires an idle session's
# queue). Retained messages (status, alerts/active, log/daily) are kept by
# the node that received them, not the cluster: a hub reads them from the
# node the gateway is connected to, or relies on its persistent session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rabbitmq.sh"

FALLS=30
conf='mqtt.durable_queue_type = quorum
mqtt.subscription_ttl = 86400000'
rmq_start a "$conf"
rmq_start b "$conf"
rmq_start c "$conf"
for n in b c; do
  rmq $n stop_app >/dev/null && rmq $n join_cluster wg-a@localhost >/dev/null &&
    rmq $n start_app >/dev/null || fail "node $n did not join the cluster"
done
rmq a cluster_status 2>/dev/null | grep -q 'wg-c@localhost' || fail "no cluster"
log "cluster of three: A $RMQ_A_PORT, B $RMQ_B_PORT, C $RMQ_C_PORT"

start_broker INGEST
host() { printf '{"host":"127.0.0.1","port":%s}' "$1"; }
cat >"$T/wardgate.json" <<CONF
{ "gateway_id": "gw-test", "database": "$T/wardgate.db", "durability": "process",
  "control_socket": "$T/ctl.sock",
  "status_interval_s": 1,
  "ingest": { "mqtt": { "port": $INGEST_PORT } },
  "uplink": { "mqtt": { "hosts": [$(host "$RMQ_A_PORT"),$(host "$RMQ_C_PORT"),$(host "$RMQ_B_PORT")],
                        "keepalive_s": 5 } },
  "patients": $(patients_json $FALLS ',"escalation":{"ack_timeout_min":{"high":0.05}}') }
CONF
UPLINK_PORT=$RMQ_A_PORT start_daemon "$T/wardgate.json"
subscribe_durable hub 'wardgate/gw-test/alerts' "$RMQ_B_PORT"

# Falls, one every 200 ms; node A stops a third of the way through.
(
  for i in $(seq 1 $FALLS); do
    pub "fall-$i" "$(fall_pack)"
    sleep 0.2
  done
) &
falls=$!
track $falls
wait_until 20 sub_has hub '"patient":"p-10".*"state":"raised"' || fail "the falls did not start"
rmq_stop a
log "node A stopped"
wait $falls
untrack $falls
wait_until 30 grep -q "uplink: connected to 127.0.0.1:$RMQ_C_PORT" "$T/wardgated.log" ||
  fail "the gateway did not move to node C"

# Every fall at the hub, raised, and escalated at least once after.
raised_all() { [ "$(grep '"state":"raised"' "$T/hub.sub" | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)" -ge $FALLS ]; }
wait_until 60 raised_all || fail "only $(grep -c '"state":"raised"' "$T/hub.sub") of $FALLS falls reached the hub"
drained() { [ "$(sql 'SELECT count(*) FROM outbox')" = 0 ]; }
wait_until 30 drained || fail "the outbox did not drain: $(sql 'SELECT count(*) FROM outbox')"
[ "$(sql "SELECT count(*) FROM alerts WHERE rule = 'fall'")" = $FALLS ] || fail "not $FALLS fall alerts"

# Per alert, the events in the order they happened: raised first, then
# escalations 1, 2, … (a repeat after a reconnect is allowed, going back
# in time is not).
sed -n 's/^wardgate\/gw-test\/alerts //p' "$T/hub.sub" | python3 -c '
import json, sys
last, bad = {}, 0
for line in sys.stdin:
    e = json.loads(line)
    k = (e["state"] != "raised", e["escalation"], e["ts"])
    if e["id"] in last and k < last[e["id"]]:
        print("out of order: %s %s %d after %s" % (e["id"], e["state"], e["escalation"], last[e["id"]]))
        bad += 1
    last[e["id"]] = max(k, last.get(e["id"], k))
sys.exit(1 if bad else 0)' || fail "events out of order"

# The daemon's counters, from the daemon itself: nothing lost.
status=$("$WG_BIN/wardgatectl" -c "$T/wardgate.json" status --json)
echo "$status" | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
assert c["outbox_overflow"] == 0 and c["outbox_depth"] == 0, c
assert c["alerts_raised"] >= int(sys.argv[1]), c' $FALLS || fail "counters: $status"
log "$FALLS falls through a node failure: $(grep -c '"state":"raised"' "$T/hub.sub") raised events received for $FALLS alerts, $(grep -c '"state":"escalated"' "$T/hub.sub") escalations"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
