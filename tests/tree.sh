#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shape of the tree (docs/ARCHITECTURE.md): daemon/ holds its stages'
# folders and main.c, nothing loose; no source file of the daemon, the
# drivers or the tools passes 700 lines, and the core's wiring 500; no two
# files of the daemon define a static function of the same name, so grep
# and ctags land in one place.
set -eu
cd "$(dirname "$0")/.."
fail=0

loose=$(find daemon -maxdepth 1 -type f -name '*.[ch]' ! -name main.c)
if [ -n "$loose" ]; then
  echo "daemon/ holds loose modules (each belongs to a stage's folder):" $loose
  fail=1
fi

while read -r n f; do
  [ "$f" = total ] && continue
  limit=700
  [ "$f" = daemon/core/core.c ] && limit=500
  if [ "$n" -gt "$limit" ]; then
    echo "$f has $n lines (at most $limit)"
    fail=1
  fi
done < <(find daemon drivers tools -name '*.c' -print0 | xargs -0 wc -l)

dups=$(for f in $(find daemon -name '*.c'); do
  grep -oE '^static [^=;(]*[^a-z_0-9][a-z_0-9]+\(' "$f" |
    grep -oE '[a-z_0-9]+\($' | tr -d '(' | sort -u | sed "s|\$| $f|"
done | sort | awk '{ n[$1]++; w[$1] = w[$1] " " $2 } END {
  for (k in n) if (n[k] > 1) print k ":" w[k] }')
if [ -n "$dups" ]; then
  echo "static functions defined in more than one file of the daemon:"
  echo "$dups"
  fail=1
fi
[ "$fail" = 0 ] && echo "tree: ok"
exit "$fail"
