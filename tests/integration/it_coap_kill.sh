#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A 2.04 over CoAP means committed: devices post continuously, the daemon is
# stopped mid-stream, with SIGKILL and then with SIGTERM, and every pack
# that was answered 2.04 is in `readings`. Packs not answered are the
# device's to send again.
. "$(dirname "$0")/lib.sh"

start_with_coap

# stream_then SIGNAL ROUND: several devices post at once, as several
# sensors in a home would; once 300 packs are answered the daemon gets
# SIGNAL; then every answered pack is looked up.
stream_then() {
  local sig=$1 round=$2 k n missing
  for k in oxi bp temp; do
    "$SIM" --coap "$COAP_PORT" -n 2 -r 400 -d 30 --kinds "$k" \
      >"$T/sim-$round-$k.out" 2>/dev/null &
    track $!
    eval "sim_$k=$!"
  done
  wait_until 20 enough_answered "$round" || fail "$round: devices not answered"
  stop_daemon "$sig"
  for k in oxi bp temp; do
    eval "kill -TERM \$sim_$k; untrack \$sim_$k" 2>/dev/null || true
  done
  sleep 0.5

  # Every answered pack: its device and bt, and the readings it holds.
  cat "$T"/sim-"$round"-*.out | grep -- '-> 2.04$' |
    sed -n 's/^\([a-z]*-[0-9]*\) .*"bt":\([0-9.]*\),.*/\1 \2/p' >"$T/answered"
  n=$(wc -l <"$T/answered")
  [ "$n" -ge 300 ] || fail "$round: only $n answers parsed"
  rm -f "$T/check.db"
  missing=$(sqlite3 -batch -noheader "$T/check.db" <<SQL
CREATE TABLE answered(dev TEXT, bt REAL);
.separator " "
.import $T/answered answered
ATTACH '$T/wardgate.db' AS w;
SELECT count(*) FROM answered a WHERE NOT EXISTS (SELECT 1 FROM w.readings r
  WHERE r.device_id = a.dev AND abs(r.ts - a.bt) < 0.0000005);
SQL
  )
  [ "$missing" = 0 ] || fail "$round: $missing of $n packs answered 2.04 are not stored"
  log "$round: $n packs answered 2.04 before SIG$sig, all stored"
}
enough_answered() {
  [ "$(cat "$T"/sim-"$1"-*.out 2>/dev/null | grep -c -- '-> 2.04$')" -ge 300 ]
}

stream_then KILL kill
start_daemon "$T/wardgate.json"
stream_then TERM term
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS after SIGTERM"
log "ok"
