#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# arm64, on an x86-64 Debian 12: cross-builds wardgate with Debian's cross
# compiler against the multiarch arm64 -dev packages
# (cmake/arm64-linux-gnu.cmake), then runs the unit tests and the fuzz
# corpora's replays under qemu-user, which CMake puts in front of each
# test executable (CMAKE_CROSSCOMPILING_EMULATOR), and one integration test,
# it_cross_fall: the arm64 daemon under qemu-user against this machine's
# mosquitto, a fall raised at the hub. Installs what is missing
# (dpkg --add-architecture arm64 included). Arguments go to ctest.
# CTest runs it as the test "arm64" (label arm64).
#   tools/test-arm64.sh [CTEST_ARGS...]
# Environment: WG_ARM64_BUILD (the build directory, build-arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
# Exit 77 (CTest: skipped, or failed under CI=true) when they cannot be had.
wg_need_arm64 || {
  echo "test-arm64: skip: the arm64 cross compiler and packages cannot be installed" >&2
  exit 77
}

# it_cross_fall's brokers, clients and store reader are this machine's.
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_RUN

B=${WG_ARM64_BUILD:-build-arm64}
# The sanitizers are left out: their shadow memory does not map under
# qemu-user.
cmake -S . -B "$B" -DCMAKE_TOOLCHAIN_FILE=cmake/arm64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Debug -DWG_WERROR=ON -DWG_SANITIZE=OFF >/dev/null
cmake --build "$B" -j"$(nproc)"
readelf -h "$B/wardgated" | grep -q 'Machine:.*AArch64' ||
  { echo "test-arm64: $B/wardgated is not an arm64 executable" >&2; exit 1; }
cd "$B"
# Sanitizer options of a sanitized suite around it mean nothing here.
unset ASAN_OPTIONS UBSAN_OPTIONS
ctest --output-on-failure -j"$(nproc)" -R '^(unit_|fuzz_regress_|it_cross_fall$)' "$@"
