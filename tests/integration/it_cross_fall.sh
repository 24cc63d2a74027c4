#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The cross-built daemon (tools/test-arm64.sh: arm64) under its emulator
# (qemu-user, WG_EMULATOR) against this machine's mosquitto: it connects to
# both brokers, stores a fall pack, raises the alert at the hub's
# subscriber with the documented fields, has it acknowledged out of the
# outbox, and stops cleanly on SIGTERM. Registered in cross builds only.
. "$(dirname "$0")/lib.sh"

[ -n "${WG_EMULATOR:-}" ] || {
  log "skip: no emulator for the cross build (qemu-user-static)"
  exit 77
}
# Not this machine's kind of executable: the emulator is not decorative.
target=$(readelf -h "$WG_BIN/wardgated" | sed -n 's/^ *Machine: *//p')
host=$(readelf -h "$(command -v mosquitto)" | sed -n 's/^ *Machine: *//p')
if [ -z "$target" ] || [ "$target" = "$host" ]; then
  fail "$WG_BIN/wardgated is a '$target' executable, as this machine's '$host'"
fi

start_broker INGEST
start_broker UPLINK
write_config "$T/wardgate.json" '' "$(patients_json 1)"
start_daemon "$T/wardgate.json"
[ "$(readlink "/proc/$DAEMON_PID/exe")" = "$(readlink -f "$(command -v "$WG_EMULATOR")")" ] ||
  fail "the daemon is $(readlink "/proc/$DAEMON_PID/exe"), not $WG_EMULATOR"
subscribe hub 'wardgate/gw-test/alerts' "$UPLINK_PORT"

pub fall-1 "$(fall_pack)"
wait_until 30 sub_has hub '"state":"raised"' || fail "no raised event on the uplink"
ev=$(grep -m1 '"state":"raised"' "$T/hub.sub" | cut -d' ' -f2-)
for field in '"gateway":"gw-test"' '"patient":"p-1"' '"device":"fall-1"' \
  '"rule":"fall"' '"severity":"high"' '"summary":"Fall detected by fall-1"'; do
  echo "$ev" | grep -q -- "$field" || fail "event lacks $field: $ev"
done
# The store written by the arm64 daemon, read by this machine's sqlite3.
[ "$(count_readings "WHERE device_id='fall-1'")" = 1 ] ||
  fail "readings: $(sql 'SELECT * FROM readings')"
wait_until 10 sh -c "[ \$(sqlite3 '$T/wardgate.db' 'SELECT count(*) FROM outbox') = 0 ]" ||
  fail "the outbox keeps the acknowledged event"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "exit status $DAEMON_STATUS"
log "ok ($target under $(basename "$WG_EMULATOR"))"
