#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manual pages render without a warning, and wardgate.json(5) names
# every key of the README's configuration table.
set -eu
cd "$(dirname "$0")/.."
command -v groff >/dev/null || { echo "man: groff is missing (groff-base)"; exit 77; }
fail=0
for page in man/*.[0-9]; do
  out=$(groff -man -ww -z "$page" 2>&1) || true
  if [ -n "$out" ]; then
    echo "$page: $out"
    fail=1
  fi
done
text=$(groff -man -Tutf8 man/wardgate.json.5 2>/dev/null | sed 's/.\x08//g')
for key in $(awk '/^## Configuration/,/^## Devices/' README.md | grep '^| `' |
  cut -d'|' -f2 | tr -d ' `'); do
  printf '%s\n' "$text" | grep -qF -- "$key" || { echo "wardgate.json(5) lacks $key"; fail=1; }
done
[ "$fail" = 0 ] && echo "man: ok"
exit "$fail"
