#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The unit's sandboxing: systemd-analyze's exposure score must be 2.0 or
# less. Skipped (77) where systemd-analyze is absent.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { log "skip: no systemd-analyze"; exit 77; }

systemd-analyze security --offline=yes "$SRC/systemd/wardgated.service" \
  >"$T/security.log" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for wardgated.service: \([0-9.]*\).*/\1/p' "$T/security.log")
[ -n "$score" ] || fail "no score: $(tail -5 "$T/security.log")"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score > 2.0"
grep -q '^Type=notify' "$SRC/systemd/wardgated.service" || fail "not Type=notify"
grep -q '^WatchdogSec=' "$SRC/systemd/wardgated.service" || fail "no WatchdogSec"
log "ok (exposure $score)"
