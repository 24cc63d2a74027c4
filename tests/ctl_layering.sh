#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wardgatectl is the operator's tool, not a second daemon: it runs without
# the event loop or a driver (no libuv, libmosquitto or libcoap in its
# binary), and it reads the database through the store alone, so that the
# store's schema check applies to it: no SQL text in its own sources or
# objects, no <sqlite3.h>, no call of a sqlite3_ function.
#   tests/ctl_layering.sh WARDGATECTL 'OBJECT;OBJECT;...'
set -eu
cd "$(dirname "$0")/.."
bin=$1
IFS=';' read -r -a objects <<<"$2"
sql='\<(SELECT|INSERT|UPDATE|DELETE|PRAGMA|CREATE)\>'
fail=0

say() {
  echo "$*"
  fail=1
}

[ -x "$bin" ] || say "no wardgatectl at $bin: build it first"
if libs=$(ldd "$bin" 2>&1); then
  bad=$(printf '%s\n' "$libs" | grep -E 'libuv|libmosquitto|libcoap' || true)
  [ -z "$bad" ] || say "wardgatectl links what only the daemon needs" \
    "(wardgatectl links wg_store, not the wardgate library):" "$bad"
else
  say "ldd $bin: $libs"
fi

sources=(tools/wardgatectl*.[ch] tools/ctl_*.[ch])
[ "${#sources[@]}" -ge 2 ] || say "wardgatectl's sources not found in tools/"
bad=$(grep -nE "$sql" "${sources[@]}" || true)
[ -z "$bad" ] || say "SQL in wardgatectl's sources; a query belongs in the" \
  "store (daemon/commit/store_read.c, declared in store.h):" "$bad"
bad=$(grep -nE 'sqlite3' "${sources[@]}" || true)
[ -z "$bad" ] || say "wardgatectl uses SQLite itself; read through the" \
  "store's functions instead:" "$bad"

[ "${#objects[@]}" -ge 2 ] || say "wardgatectl's objects not given: ${2:-}"
for o in "${objects[@]}"; do
  [ -f "$o" ] || {
    say "no object $o: build wardgatectl first"
    continue
  }
  bad=$(nm -u "$o" | awk '$2 ~ /^sqlite3_/ { print $2 }' || true)
  [ -z "$bad" ] || say "$o calls SQLite:" "$(printf "%s" "$bad" | tr "\n" " ")"
  bad=$(strings -a "$o" | grep -E "$sql" || true)
  [ -z "$bad" ] || say "$o holds SQL text:" "$bad"
done
[ "$fail" = 0 ] && echo "wardgatectl: no libuv, no SQL of its own" \
  "(${#sources[@]} sources, ${#objects[@]} objects)"
exit "$fail"
