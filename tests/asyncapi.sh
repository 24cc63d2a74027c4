#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/asyncapi.yaml is a valid AsyncAPI 3.0 document (the AsyncAPI
# parser, pinned in tests/asyncapi/package-lock.json, with the JSON Schemas
# it references), and its channels are exactly the topics whose messages
# tests/schemas.py checks, plus the devices' topic. Needs node and npm
# (Debian's nodejs and npm are installed where missing) and the npm
# registry the first time.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WG_BIN:?}/asyncapi-check
if ! command -v npm >/dev/null; then
  . "$SRC/tools/deps.sh"
  wg_need_packages nodejs npm || { echo "asyncapi: skip: nodejs and npm cannot be installed"; exit 77; }
fi
mkdir -p "$WORK"
if ! cmp -s "$SRC/tests/asyncapi/package-lock.json" "$WORK/package-lock.json" ||
  [ ! -d "$WORK/node_modules/@asyncapi/parser" ]; then
  cp "$SRC/tests/asyncapi/package.json" "$SRC/tests/asyncapi/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund >npm.log 2>&1) || {
    tail -5 "$WORK/npm.log"
    echo "asyncapi: skip: npm ci failed (no registry?)"
    exit 77
  }
fi
cp "$SRC/tests/asyncapi/check.mjs" "$WORK/"
topics=$(cd "$SRC/tests" && PYTHONDONTWRITEBYTECODE=1 python3 -c 'import schemas; print(" ".join("wardgate/{gateway}/" + t for t in schemas.TOPICS))')
# shellcheck disable=SC2086
node "$WORK/check.mjs" "$SRC/docs/asyncapi.yaml" 'wardgate/dev/{device}/senml' $topics
