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
. "$SRC/tests/npm.sh"
wg_npm_tree "$SRC/tests/asyncapi" "$WORK" asyncapi
cp "$SRC/tests/asyncapi/check.mjs" "$WORK/"
topics=$(cd "$SRC/tests" && PYTHONDONTWRITEBYTECODE=1 python3 -c 'import schemas; print(" ".join("wardgate/{gateway}/" + t for t in schemas.TOPICS))')
# shellcheck disable=SC2086
node "$WORK/check.mjs" "$SRC/docs/asyncapi.yaml" 'wardgate/dev/{device}/senml' $topics
