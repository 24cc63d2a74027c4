#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A 2.04 over CoAP means committed: devices post continuously, the daemon is
# killed with SIGKILL mid-stream, and every pack that was answered 2.04 is
# in `readings`. Packs not answered are the device's to send again.
. "$(dirname "$0")/lib.sh"

start_with_coap

# Several devices at once, as several sensors in a home would post.
for k in oxi bp temp; do
  "$SIM" --coap "$COAP_PORT" -n 2 -r 400 -d 30 --kinds "$k" \
    >"$T/sim-$k.out" 2>/dev/null &
  track $!
  eval "sim_$k=$!"
done
enough_answered() {
  [ "$(cat "$T"/sim-*.out 2>/dev/null | grep -c -- '-> 2.04$')" -ge 300 ]
}
wait_until 20 enough_answered || fail "devices not answered"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
untrack "$DAEMON_PID"
for k in oxi bp temp; do
  eval "kill -TERM \$sim_$k" 2>/dev/null || true
done
sleep 0.5

# Every answered pack: its device and bt, and the readings it holds.
cat "$T"/sim-*.out | grep -- '-> 2.04$' |
  sed -n 's/^\([a-z]*-[0-9]*\) .*"bt":\([0-9.]*\),.*/\1 \2/p' >"$T/answered"
n=$(wc -l <"$T/answered")
[ "$n" -ge 300 ] || fail "only $n answers parsed"
missing=$(sqlite3 -batch -noheader "$T/check.db" <<SQL
CREATE TABLE answered(dev TEXT, bt REAL);
.separator " "
.import $T/answered answered
ATTACH '$T/wardgate.db' AS w;
SELECT count(*) FROM answered a WHERE NOT EXISTS (SELECT 1 FROM w.readings r
  WHERE r.device_id = a.dev AND abs(r.ts - a.bt) < 0.0000005);
SQL
)
[ "$missing" = 0 ] || fail "$missing of $n packs answered 2.04 are not stored"
log "ok: $n packs answered 2.04 before SIGKILL, all stored"
