#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C sources follow .clang-format. Skipped (77) without clang-format.
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "skip: no clang-format"; exit 77; }
files=$(find daemon drivers include tools tests bench -name '*.[ch]' | sort)
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "format: $(echo "$files" | wc -l) files ok"
