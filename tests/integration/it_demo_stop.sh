#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C stops the demo within 5 s: tools/demo.sh, on this build's
# binaries and without the hub console, gets SIGINT in its whole process
# group as a terminal sends it, once its daemon is storing readings. It
# must have exited 5 s later (no timing is measured: it is there or not),
# say that it stopped and how long that took, stop wardgated cleanly, and
# leave none of its processes behind.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

exited() { # pid: gone, or a zombie not yet waited for
  ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# Job control on: the demo runs in a process group of its own, and a
# background job keeps SIGINT (a script's background jobs ignore it).
set -m
bash "$SRC/tools/demo.sh" --no-console >"$T/demo.log" 2>&1 &
DEMO=$!
set +m
track "$DEMO"
wait_until 60 grep -q '^== demo running' "$T/demo.log" ||
  fail "the demo did not start: $(tail -5 "$T/demo.log")"
D=$(sed -n 's/^== data in \([^;]*\);.*/\1/p' "$T/demo.log")
[ -n "$D" ] || fail "the demo did not say where its data is"
wait_until 30 grep -q '^== readings stored: [1-9]' "$T/demo.log" ||
  fail "the demo stored nothing"

kill -INT -- "-$DEMO"
for _ in $(seq 50); do
  exited "$DEMO" && break
  sleep 0.1
done
exited "$DEMO" || fail "the demo still runs 5 s after Ctrl-C"
wait "$DEMO" || true
untrack "$DEMO"
grep -q '^== stopped in [0-9.]* s' "$T/demo.log" || fail "the demo did not say it stopped"
grep -q '^wardgated stopped cleanly' "$T/demo.log" ||
  fail "wardgated did not stop cleanly: $(grep -A2 '^== stopping' "$T/demo.log")"
left=$(pgrep -d, -f -- "$D" || true)
[ -z "$left" ] || fail "left running: $(ps -o pid=,args= -p "$left")"
log "ok: $(grep '^== stopped in' "$T/demo.log")"
