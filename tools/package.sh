#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package from the work tree: wardgate_<version>_<arch>.deb
# in OUTDIR (default dist/), then has lintian check it; exits non-zero on a
# lintian error. The build runs in a scratch copy of the tracked files, so
# that the tree stays clean. With --arch arm64 it cross-builds the arm64
# package with Debian's cross compiler against the multiarch arm64 libraries
# (dpkg-buildpackage --host-arch: debhelper's cmake build for the host
# architecture, dpkg-shlibdeps reading the arm64 libraries' dependencies),
# installing what is missing through tools/deps.sh (wg_need_arm64).
#   tools/package.sh [--arch ARCH] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
arch=$(dpkg --print-architecture)
if [ "${1:-}" = --arch ]; then
  arch=${2:?package: --arch needs an architecture}
  shift 2
fi
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD $WG_PKGS_PACKAGE
cross=()
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  [ "$arch" = arm64 ] || {
    echo "package: cannot build for $arch (this machine builds for itself and arm64)" >&2
    exit 2
  }
  wg_need_arm64
  cross=(--host-arch "$arch")
fi

out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/wardgate"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z | xargs -0 cp -a --parents -t "$work/wardgate"
else
  tar -c --exclude='./build*' --exclude=./dist . | tar -x -C "$work/wardgate"
fi
(cd "$work/wardgate" && dpkg-buildpackage -b -us -uc -j"$(nproc)" "${cross[@]}") \
  >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  echo "package: dpkg-buildpackage failed" >&2
  exit 1
}
deb=$(ls "$work"/wardgate_*_"$arch".deb)
cp "$deb" "$out/"
deb=$out/$(basename "$deb")
echo "package: $deb"
status=0
lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 ||
  status=$?
grep -v 'root privileges' "$work/lintian.log" || true
[ "$status" = 0 ] || echo "package: lintian found errors" >&2
exit "$status"
