#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CoAP ingest with coap-client as the device: a good pack is answered 2.04
# only once its readings are in `readings`; every refusal has its code and
# diagnostic payload and is reported on the errors topic; a 40 KiB pack
# arrives block-wise; a retransmitted CON (same message id and token), a
# repeat after the answer and the same pack as a new request store nothing
# twice; /.well-known/core and /status answer; a fall over CoAP raises the
# same alert as over MQTT; garbage datagrams and SIGHUP leave it serving.
. "$(dirname "$0")/lib.sh"

start_with_coap
grep -q "coap: listening on 127.0.0.1 port $COAP_PORT (UDP)" \
  "$T/wardgated.log" || fail "CoAP is not listening"
subscribe errors 'wardgate/gw-test/errors'
subscribe alerts 'wardgate/gw-test/alerts'

expect() { # ANSWER-REGEX DEVICE PAYLOAD [coap-client options...]
  local want=$1 got
  shift
  got=$(coap_post "$@")
  printf '%s\n' "$got" | grep -Eq -- "^$want\$" ||
    fail "POST to $1: expected '$want', got '$got'"
}

# A good pack: 2.04, and the readings are there when the answer is.
bt=$(now)
expect '2\.04' oxi-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":96},{\"n\":\"hr\",\"v\":71}]" -t 110
n=$(count_readings "WHERE device_id='oxi-1' AND abs(ts-$bt)<0.001")
[ "$n" = 2 ] || fail "2.04 came before the readings were committed ($n of 2)"
# No Content-Format is accepted as SenML too.
expect '2\.04' bp-1 "[{\"bt\":$bt,\"n\":\"sbp\",\"u\":\"mmHg\",\"v\":121}]"
[ "$(count_readings "WHERE device_id='bp-1'")" = 1 ] || fail "bp-1 not stored"

# Refusals, each with its diagnostic.
expect '4\.00 record 0: spo2 101 % outside 0-100' oxi-2 \
  "[{\"bt\":$bt,\"n\":\"spo2\",\"u\":\"%\",\"v\":101}]"
expect '4\.00 .*leading zero.*' oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":01}]"
expect '4\.03 unknown device' stranger-1 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":90}]"
expect '4\.15 Content-Format 50; send 110 \(application/senml\+json\) or none' \
  oxi-2 "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":90}]" -t 50
expect '4\.04 post packs to /dev/<device_id>/senml' 'oxi-2/extra' '[]'
# Over 64 KiB, block-wise: refused with 4.13 before it is all sent.
big=$(printf '{"n":"note","vs":"%01000d"},' $(seq 1 70))
expect '4\.13 pack larger than 65536 bytes' oxi-2 "[{\"bt\":$bt,\"n\":\"x\",\"v\":1},${big%,}]" -b 1024
# Too many records is too large as well.
many=$(printf '{"n":"x","v":1},%.0s' $(seq 1 1001))
expect '4\.13 pack of 1001 records exceeds the limit of 1000' oxi-2 "[${many%,}]" -b 1024
[ "$(count_readings "WHERE device_id IN ('oxi-2','stranger-1')")" = 0 ] ||
  fail "a refused pack left readings"
wait_until 10 sub_has errors '"transport":"coap".*leading zero' ||
  fail "no errors report for a refused CoAP pack"
sub_has errors '"device":"oxi-2".*Content-Format 50' ||
  fail "no errors report for the wrong content format"
sub_has errors 'larger than 65536' || fail "no errors report for 4.13"

# 40 KiB, block-wise in 1 KiB blocks: 2.04 and every record stored.
recs=""
for i in $(seq 1 450); do
  recs="$recs,{\"n\":\"hr\",\"v\":$((60 + i % 50)),\"t\":$i,\"u\":\"beat/min\"}"
  recs="$recs,{\"n\":\"skin_probe_$i\",\"v\":$i.25,\"t\":$i,\"u\":\"Cel\"}"
done
big="[{\"bn\":\"urn:dev:mac:0024befffe804ff1:\",\"bt\":$(($(date +%s) - 3600)),\"n\":\"hr\",\"v\":70}${recs}]"
[ "${#big}" -ge 40960 ] || fail "test pack is only ${#big} bytes"
expect '2\.04' oxi-1 "$big" -b 1024
n=$(count_readings "WHERE device_id='oxi-1' AND ts < $(date +%s) - 3000")
[ "$n" = 901 ] || fail "block-wise pack: $n of 901 readings stored"

# Retransmissions: the same datagram twice at once, then again after the
# answer; then the same pack as a new request. Stored once.
bt=$(now)
pack="[{\"bt\":$bt,\"n\":\"spo2\",\"v\":93},{\"n\":\"hr\",\"v\":88}]"
"$WG_BIN/tests/coap_resend" "$COAP_PORT" oxi-2 "$pack" >"$T/resend.out" ||
  fail "retransmitted request not answered twice: $(cat "$T/resend.out")"
# Every answer is 2.04: piggybacked on the ACK, or, for a retransmission
# that came while its pack waited for the commit, an empty ACK at once and
# the 2.04 separately. Which one depends on timing; the readings do not.
! grep -Ev '^(ACK 0\.00|ACK 2\.04|CON 2\.04)$' "$T/resend.out" ||
  fail "retransmissions answered: $(cat "$T/resend.out")"
expect '2\.04' oxi-2 "$pack"
n=$(count_readings "WHERE device_id='oxi-2' AND abs(ts-$bt)<0.001")
[ "$n" = 2 ] || fail "retransmissions stored $n readings, not 2"

# Two distinct packs with the same (empty) token, at once: two exchanges,
# told apart by their message ids, never taken for a retransmission.
bt=$(now)
"$WG_BIN/tests/coap_resend" "$COAP_PORT" oxi-2 "[{\"bt\":$bt,\"n\":\"hr\",\"v\":71}]" \
  "[{\"bt\":$bt,\"n\":\"spo2\",\"v\":97}]" >"$T/token.out" ||
  fail "two packs with one token not both answered: $(cat "$T/token.out")"
! grep -Ev '^(ACK 0\.00|ACK 2\.04|CON 2\.04)$' "$T/token.out" ||
  fail "two packs with one token answered: $(cat "$T/token.out")"
n=$(count_readings "WHERE device_id='oxi-2' AND abs(ts-$bt)<0.001")
[ "$n" = 2 ] || fail "two packs with one token: $n of 2 readings stored"

# While the database is locked the pack waits, unanswered: the
# retransmission is ACKed at once, and the 2.04 follows, separately and
# confirmable, when the lock is gone; the repeat after that is answered
# on the ACK.
(echo 'BEGIN IMMEDIATE;'; sleep 2; echo 'COMMIT;') | sqlite3 "$T/wardgate.db" &
lockpid=$!
track $lockpid
sleep 0.5
bt=$(now)
"$WG_BIN/tests/coap_resend" "$COAP_PORT" oxi-2 "[{\"bt\":$bt,\"n\":\"hr\",\"v\":77}]" \
  >"$T/resend.out" || fail "not answered after the lock: $(cat "$T/resend.out")"
[ "$(tr '\n' ' ' <"$T/resend.out")" = "ACK 0.00 CON 2.04 ACK 2.04 " ] ||
  fail "answers around the lock: $(cat "$T/resend.out")"
wait $lockpid
untrack $lockpid
[ "$(count_readings "WHERE device_id='oxi-2' AND abs(ts-$bt)<0.001")" = 1 ] ||
  fail "the pack sent during the lock is not stored once"

# Non-confirmable works too, with a non-confirmable answer.
bt=$(now)
expect '2\.04' temp-1 "[{\"bt\":$bt,\"n\":\"temp\",\"u\":\"Cel\",\"v\":36.9}]" -N
[ "$(count_readings "WHERE device_id='temp-1'")" = 1 ] || fail "NON not stored"

# Discovery and status.
wk=$(timeout 10 "$COAP_CLIENT" -B 4 -m get "coap://127.0.0.1:$COAP_PORT/.well-known/core")
printf '%s' "$wk" | grep -q '</dev/oxi-1/senml>;[^,]*ct=110' ||
  fail "/.well-known/core lacks the device resource: $wk"
printf '%s' "$wk" | grep -q '</status>' || fail "/.well-known/core lacks /status"
st=$(timeout 10 "$COAP_CLIENT" -B 4 -m get "coap://127.0.0.1:$COAP_PORT/status")
printf '%s' "$st" | grep -q '"state":"online","gateway":"gw-test"' ||
  fail "/status: $st"
printf '%s' "$st" | grep -Eq '"readings_stored":[0-9]+' || fail "/status has no counters: $st"
# In 64-byte blocks (Block2), whole.
st=$(timeout 10 "$COAP_CLIENT" -B 4 -b 64 -m get "coap://127.0.0.1:$COAP_PORT/status")
printf '%s' "$st" | grep -Eq '^\{"state":"online".*\}\}$' || fail "/status in blocks: $st"

# A fall over CoAP: the same alert as over MQTT.
expect '2\.04' fall-1 "$(fall_pack)"
wait_until 10 sub_has alerts '"rule":"fall"' || fail "no alert for a fall over CoAP"
grep '"rule":"fall"' "$T/alerts.sub" | grep -q '"patient":"p-001","device":"fall-1","rule":"fall","severity":"high","state":"raised"' ||
  fail "fall alert differs: $(cat "$T/alerts.sub")"

! grep 'coap: libcoap:' "$T/wardgated.log" || fail "libcoap complained"

# Garbage datagrams (random bytes, a truncated header, a request whose
# option runs past the end) are dropped; the daemon keeps answering.
for i in $(seq 1 50); do
  head -c $((i * 7)) /dev/urandom >"/dev/udp/127.0.0.1/$COAP_PORT"
done
printf '\x40' >"/dev/udp/127.0.0.1/$COAP_PORT"
printf '\x40\x02\x12\x34\xbd\xff' >"/dev/udp/127.0.0.1/$COAP_PORT"
# SIGHUP reloads the patients, here with a new thermometer; CoAP stays up
# and lists the new device.
write_config "$T/wardgate.json" "" '[{"id":"p-001","devices":["oxi-1","bp-1","temp-1","obs-1","cup-1","fall-1","temp-9"]},{"id":"p-002","devices":["oxi-2","bp-2","temp-2","obs-2","cup-2","fall-2"]}]'
kill -HUP "$DAEMON_PID"
wait_until 10 grep -q 'core: reloaded' "$T/wardgated.log" || fail "no reload"
bt=$(now)
expect '2\.04' temp-2 "[{\"bt\":$bt,\"n\":\"temp\",\"u\":\"Cel\",\"v\":37.1}]"
[ "$(count_readings "WHERE device_id='temp-2'")" = 1 ] ||
  fail "not stored after garbage and SIGHUP"
expect '2\.04' temp-9 "[{\"bt\":$bt,\"n\":\"temp\",\"u\":\"Cel\",\"v\":36.9}]"
[ "$(count_readings "WHERE device_id='temp-9' AND patient_id='p-001'")" = 1 ] ||
  fail "the device added by SIGHUP is not stored"
wk=$(timeout 10 "$COAP_CLIENT" -B 4 -m get "coap://127.0.0.1:$COAP_PORT/.well-known/core")
printf '%s' "$wk" | grep -q '</dev/temp-9/senml>' ||
  fail "/.well-known/core lacks the device added by SIGHUP: $wk"
daemon_alive || fail "daemon died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok"
