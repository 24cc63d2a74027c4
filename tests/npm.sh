# SPDX-License-Identifier: MIT
# Sourced by the tests that run a node checker: wg_npm_tree PKG WORK NAME
# installs the packages pinned by PKG/package-lock.json into WORK (once;
# again when the lockfile changes), with node and npm from Debian where
# they are missing. When that cannot be done it says why and exits 77, so
# that CTest reports the test as skipped, never silently passed.
wg_npm_tree() {
  local pkg=$1 work=$2 name=$3 src
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if ! command -v npm >/dev/null; then
    . "$src/tools/deps.sh"
    wg_need_packages nodejs npm ||
      { echo "$name: skip: nodejs and npm cannot be installed"; exit 77; }
  fi
  mkdir -p "$work"
  if cmp -s "$pkg/package-lock.json" "$work/package-lock.json" &&
    [ -d "$work/node_modules" ]; then
    return 0
  fi
  cp "$pkg/package.json" "$pkg/package-lock.json" "$work/"
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund >npm.log 2>&1) || {
    tail -5 "$work/npm.log"
    echo "$name: skip: npm ci failed in $work (no registry?)"
    exit 77
  }
}
