#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The layering of docs/ARCHITECTURE.md, checked on the include graph: the
# pure modules reach no libuv, SQLite or MQTT header, even indirectly, and
# the drivers reach no header of the daemon (their build sees only
# include/; this says so in words when someone widens it). -M, not -MM:
# libuv and the others are system headers.
#   tests/layering.sh GEN_DIR
set -eu
cd "$(dirname "$0")/.."
gen=$1
cc=${CC:-cc}
# shellcheck disable=SC2046
flags="-Iinclude -Idaemon -I$gen $(pkg-config --cflags libuv libmosquitto libcoap-3-openssl libcjson sqlite3)"
fail=0

# The pure stages' libraries find an #error for these headers first
# (CMakeLists.txt, wg_pure_library; tests/purity); this also covers the
# configuration schema, which every stage reads.
for m in $(cd daemon && ls ingest/*.c clinic/*.c common/*.c hub/fhir.c hub/ack.c \
    core/config*.c | sed 's/\.c$//'); do
  # shellcheck disable=SC2086
  deps=$($cc -M $flags "daemon/$m.c" | tr -d '\\' | tr ' ' '\n' | grep -v '^$')
  bad=$(printf '%s\n' "$deps" | grep -E '(^|/)(uv\.h|uv/|sqlite3\.h|mosquitto\.h|coap3/)' || true)
  if [ -n "$bad" ]; then
    echo "daemon/$m.c is pure but reaches: $(echo "$bad" | tr '\n' ' ')"
    fail=1
  fi
done

for d in drivers/*/*.c; do
  # shellcheck disable=SC2086
  deps=$($cc -M -Iinclude $(pkg-config --cflags libuv libmosquitto libcoap-3-openssl) "$d" |
    tr -d '\\' | tr ' ' '\n' | grep -v '^$')
  bad=$(printf '%s\n' "$deps" | grep -E '^daemon/' || true)
  if [ -n "$bad" ]; then
    echo "$d reaches the daemon: $(echo "$bad" | tr '\n' ' ')"
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "layering: ok"
exit "$fail"
