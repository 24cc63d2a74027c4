#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package from the work tree: wardgate_<version>_<arch>.deb
# in OUTDIR (default dist/), then has lintian check it; exits non-zero on a
# lintian error. The build runs in a scratch copy of the tracked files, so
# that the tree stays clean.
#   tools/package.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD $WG_PKGS_PACKAGE

out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/wardgate"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z | xargs -0 cp -a --parents -t "$work/wardgate"
else
  tar -c --exclude='./build*' --exclude=./dist . | tar -x -C "$work/wardgate"
fi
(cd "$work/wardgate" && dpkg-buildpackage -b -us -uc -j"$(nproc)") \
  >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  echo "package: dpkg-buildpackage failed" >&2
  exit 1
}
deb=$(ls "$work"/wardgate_*.deb)
cp "$deb" "$out/"
deb=$out/$(basename "$deb")
echo "package: $deb"
status=0
lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 ||
  status=$?
grep -v 'root privileges' "$work/lintian.log" || true
[ "$status" = 0 ] || echo "package: lintian found errors" >&2
exit "$status"
