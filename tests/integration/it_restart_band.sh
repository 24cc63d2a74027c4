#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The NEWS2 band survives a restart (H-CR5): a patient scoring 7 before the
# restart whose expected SpO2 stops after it gets the missed observation at
# the band's severity (high), not at low as for a patient never scored; the
# restored score is not published again. (The RCP interval of 7+, 15 min,
# cannot be shortened, so the expectation here has a fixed 15 s; the unit
# tests restore_news2_band and restore_news2_band_from_the_store cover the
# interval.)
. "$(dirname "$0")/lib.sh"

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' '[{"id":"p-1","devices":["obs-1"],"news2":{},
  "expect":[{"name":"spo2","every_min":0.25}]}]'
start_daemon "$T/wardgate.json"
subscribe hub 'wardgate/gw-test/#' "$UPLINK_PORT"

# rr 25 (3), spo2 95 (1), air (0), sbp 105 (1), hr 115 (2), A (0), 37 (0): 7.
pub obs-1 "[{\"bn\":\"urn:dev:obs-1:\",\"bt\":$(now),\"n\":\"rr\",\"v\":25},{\"n\":\"spo2\",\"v\":95},{\"n\":\"o2\",\"vb\":false},{\"n\":\"sbp\",\"v\":105},{\"n\":\"hr\",\"v\":115},{\"n\":\"acvpu\",\"vs\":\"A\"},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":37}]"
wait_until 10 sub_has hub '"rule":"news2","severity":"emergency","state":"raised"' ||
  fail "no emergency alert: $(grep alerts "$T/hub.sub")"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
sub_has hub '"rule":"missed_obs"' && fail "missed_obs before the restart; too slow to test"
[ "$(sql "SELECT score || ' ' || band FROM scores")" = "7 high" ] ||
  fail "scores: $(sql 'SELECT * FROM scores')"

# After the restart, what the hub hears fresh (not retained).
mosquitto_sub -h 127.0.0.1 -p "$UPLINK_PORT" -q 1 -v -R -t 'wardgate/gw-test/#' >"$T/after.sub" 2>&1 &
track $!
sleep 0.3
start_daemon "$T/wardgate.json"
wait_until 30 sub_has after '"rule":"missed_obs".*"state":"raised"' ||
  fail "missed_obs not raised after the restart"
grep '"rule":"missed_obs"' "$T/after.sub" | grep -q '"severity":"high"' ||
  fail "missed_obs not at the restored band's severity: $(grep missed_obs "$T/after.sub")"
sub_has after 'wardgate/gw-test/news2 ' && fail "the restored score was published again"
[ "$(sql 'SELECT count(*) FROM scores')" = 1 ] || fail "a score was stored again"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
