#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it: installs what is missing (Debian 12),
# builds with -Werror under AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included), builds the benchmarks in Release mode, and runs
# every unit and integration test with CTest; then builds the fuzz targets
# with clang and libFuzzer and runs each for WG_FUZZ_SECONDS (30; 0 skips
# them) under the same sanitizers (CTest label fuzz).
# Everything a test would install for itself is installed first: the suite
# runs two tests at a time, and a test that found apt busy would skip. With
# CI=true (.ci/run sets it) a test that would skip fails (tests/CMakeLists.txt
# drops the skip code), and the run fails if any test was skipped all the same.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
heavy=$WG_PKGS_TEST_HEAVY
command -v npm >/dev/null || heavy="$heavy nodejs npm"
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD $WG_PKGS_TEST $WG_PKGS_PACKAGE $heavy
wg_need_arm64 # the test arm64: a cross build run under qemu-user

jobs=$(nproc)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=ON \
  -DWG_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DWG_WERROR=ON \
  -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-release -j"$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=$(mktemp "${TMPDIR:-/tmp}/wardgate-ctest.XXXXXX")
rc=0
(cd build-test && ctest --output-on-failure -j2 "$@") 2>&1 | tee "$log" ||
  rc=$?
skipped=$(grep -E '^[[:space:]]*[0-9]+ - .*\(Skipped\)' "$log" || true)
rm -f "$log"
[ "$rc" = 0 ] || exit "$rc"
if [ -n "$skipped" ] && [ "${CI:-}" = true ]; then
  echo "test.sh: CI=true and these tests were skipped (a dependency missing):" >&2
  echo "$skipped" >&2
  exit 1
fi

fuzz_s=${WG_FUZZ_SECONDS:-30}
if [ "$fuzz_s" != 0 ]; then
  CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=ON \
    -DWG_FUZZ=ON -DWG_FUZZ_SECONDS="$fuzz_s" >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzz
  cd build-fuzz
  ctest --output-on-failure -j2 -L fuzz
fi
