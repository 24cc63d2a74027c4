#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it: installs what is missing (Debian 12),
# builds with -Werror under AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included), builds the benchmarks in Release mode, and runs
# every unit and integration test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
# shellcheck disable=SC2086
wg_need_packages $WG_PKGS_BUILD $WG_PKGS_TEST

jobs=$(nproc)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=ON \
  -DWG_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DWG_WERROR=ON \
  -DWG_BUILD_TESTS=OFF >/dev/null
cmake --build build-release -j"$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-test
ctest --output-on-failure -j2 "$@"
