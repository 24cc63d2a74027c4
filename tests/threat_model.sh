#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/threat-model.md cites only tests that exist: in each threat row
# (HOME-n, HUB-n) every name in backquotes in the last column is a CTest
# name that `ctest -N` lists in the build directory, or a unit-test case
# "unit_<module>:<case>" (a T(...) entry of TEST_MAIN in
# tests/unit/*/test_<module>.c); a row without a test says "open" with
# its issue, or "deployment"; ids are unique. Then the same check is shown
# failing on a copy with a cited test renamed and a row left unverified.
#   tests/threat_model.sh BUILD_DIR [CTEST]
set -euo pipefail
BUILD=${1:?usage: threat_model.sh BUILD_DIR [CTEST]}
CTEST=${2:-ctest}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$CTEST" -N --test-dir "$BUILD" | sed -n 's/^ *Test *#[0-9]*: *//p' >"$T/ctest"
[ -s "$T/ctest" ] || { echo "no tests listed by ctest -N in $BUILD" >&2; exit 1; }

check() { # $1: the threat model to check
  python3 - "$SRC" "$T/ctest" "$1" <<'EOF'
import glob, os, re, sys

src, ctest_list, doc = sys.argv[1:4]
names = set(open(ctest_list).read().split())
cases = {}
for path in glob.glob(os.path.join(src, "tests", "unit", "*", "test_*.c")):
    m = re.search(r"TEST_MAIN\((.*?)\)\s*$", open(path).read(), re.S | re.M)
    if m:
        module = os.path.basename(path)[len("test_"):-2]
        cases["unit_" + module] = set(re.findall(r"\bT\(\s*(\w+)\s*\)", m.group(1)))

problems, seen, rows = [], set(), 0
for n, line in enumerate(open(doc, encoding="utf-8"), 1):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if not line.startswith("|") or not re.fullmatch(r"(HOME|HUB)-\d+", cells[0]):
        continue
    rows += 1
    tid, last = cells[0], cells[-1]
    if tid in seen:
        problems.append("%s:%d: %s appears twice" % (doc, n, tid))
    seen.add(tid)
    cited = re.findall(r"`([^`]+)`", last)
    for c in cited:
        if ":" in c:
            module, case = c.split(":", 1)
            ok = case in cases.get(module, ())
        else:
            ok = c in names
        if not ok:
            problems.append("%s:%d: %s cites %s, which is not a test" % (doc, n, tid, c))
    if re.search(r"\bopen\b", last) and not re.search(r"#\d+", last):
        problems.append("%s:%d: %s is open without its issue" % (doc, n, tid))
    if not cited and not re.search(r"\b(open|deployment)\b", last):
        problems.append("%s:%d: %s has no test, and is neither open nor deployment" % (doc, n, tid))
if rows == 0:
    problems.append("%s: no threat rows found" % doc)
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
}

check "$SRC/docs/threat-model.md" || exit 1

# The check fails where it should.
sed -e '/^| HOME-3 |/s/`it_coap_trust`/`it_coap_trusted`/' \
  -e '/^| HUB-1 |/s/| `it_hub_acl` |$/| nothing |/' \
  "$SRC/docs/threat-model.md" >"$T/broken.md"
if check "$T/broken.md" 2>"$T/broken.err"; then
  echo "the check passed a threat model with a renamed test" >&2
  exit 1
fi
grep -q 'cites it_coap_trusted' "$T/broken.err" &&
  grep -q 'has no test, and is neither' "$T/broken.err" || {
  echo "the check did not say why: $(cat "$T/broken.err")" >&2
  exit 1
}
echo "threat model: every cited test exists"
