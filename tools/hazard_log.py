#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The hazard log (docs/safety/hazard-log.json): render it, and check it.

  hazard_log.py render            write docs/safety/hazard-log.md and the
                                  generated sections of the other files
  hazard_log.py check [--build DIR] [--log FILE]
                                  fail (exit 1) when the log is malformed, a
                                  rating does not follow the matrix, a cited
                                  test does not exist, a control has neither
                                  a test nor a transfer with its reason, a
                                  residual risk is above the acceptability
                                  criteria without its argument, or a
                                  rendered file is stale
  hazard_log.py selftest [--build DIR]
                                  show that check fails on a copy of the log
                                  with a cited test renamed, a control left
                                  without verification, an unargued residual
                                  risk and a stale rendering

A test is cited by its CTest name ("it_alert_fall") or as a unit-test case,
"unit_<module>:<case>", the case being a T(...) entry of TEST_MAIN in
tests/unit/*/test_<module>.c. With --build, the CTest names are those that
`ctest -N` lists in that build directory; without it, those that
tests/CMakeLists.txt declares. Python 3 standard library only.
"""

import argparse
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG = "docs/safety/hazard-log.json"
RENDERED = "docs/safety/hazard-log.md"
# Files with sections generated from the log, between marker comments.
SECTIONS = {
    "docs/safety/safety-case-report.md": ["evidence", "open-hazards"],
    "docs/safety/crm-plan.md": ["matrix"],
    "docs/safety/transferred-controls.md": ["transferred"],
}
ACCEPTABILITY = {
    1: "Acceptable: no further action required.",
    2: "Acceptable where further risk reduction is impractical or its cost "
    "outweighs the benefit.",
    3: "Undesirable: acceptable only where further risk reduction is "
    "impractical; a justification is recorded.",
    4: "Unacceptable: further control mandatory; released only with a "
    "recorded risk-benefit argument accepted by the Clinical Safety Officer.",
    5: "Unacceptable.",
}
RISK_NAMES = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}
STATUSES = ("open", "mitigated", "closed")
HAZARD_KEYS = ("id", "title", "area", "identified_by", "cause", "effect",
               "harm", "initial", "controls", "residual", "status",
               "last_reviewed")
OPTIONAL_KEYS = ("justification", "risk_benefit", "open_actions")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def project_version(root):
    m = re.search(r"project\(\s*\w+\s+VERSION\s+([0-9.]+)",
                  read(os.path.join(root, "CMakeLists.txt")))
    return m.group(1) if m else None


# ---- the tests that exist ---------------------------------------------------

def ctest_names_from_cmake(root):
    """CTest names declared by tests/CMakeLists.txt (its foreach lists)."""
    text = read(os.path.join(root, "tests", "CMakeLists.txt"))
    text = re.sub(r"#[^\n]*", "", text)
    names = set()
    for m in re.finditer(r"foreach\(\s*(\w+)\s+([^)]*)\)(.*?)endforeach\(\)",
                         text, re.S):
        var, items, body = m.group(1), m.group(2).split(), m.group(3)
        if items and items[0] == "IN":
            continue
        items = [i for i in items if not i.startswith("${")]
        for t in re.finditer(r"add_test\(\s*NAME\s+([\w${}]+)", body):
            for item in items:
                leaf = item.split("/")[-1]
                names.add(t.group(1).replace("${m}", leaf)
                          .replace("${" + var + "}", item))
    for t in re.finditer(r"add_test\(\s*NAME\s+([\w]+)\s", text):
        names.add(t.group(1))
    return {n for n in names if "$" not in n}


def ctest_names_from_build(build, ctest="ctest"):
    out = subprocess.run([ctest, "-N", "--test-dir", build],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("ctest -N failed in %s: %s" % (build, out.stderr))
    return set(re.findall(r"^\s*Test\s+#\d+:\s+(\S+)", out.stdout, re.M))


def unit_cases(root):
    """{"unit_alerts": {"raise_repeat_escalate_ack", ...}, ...}"""
    cases = {}
    for path in glob.glob(os.path.join(root, "tests", "unit", "*",
                                       "test_*.c")):
        module = os.path.basename(path)[len("test_"):-2]
        m = re.search(r"TEST_MAIN\((.*?)\)\s*$", read(path), re.S | re.M)
        if m:
            cases["unit_" + module] = set(
                re.findall(r"\bT\(\s*(\w+)\s*\)", m.group(1)))
    return cases


# ---- checks ---------------------------------------------------------------

def rate(doc, r):
    return doc["matrix"][r["likelihood"]][doc["severity"].index(r["severity"])]


def check_log(doc, root, ctest, cases):
    problems = []
    p = problems.append
    version = project_version(root)
    if doc.get("version") != version:
        p("log version %r is not the project's %r" %
          (doc.get("version"), version))
    sev, lik = doc.get("severity", []), doc.get("likelihood", [])
    if len(sev) != 5 or len(lik) != 5 or \
            sorted(doc.get("matrix", {})) != sorted(lik):
        p("the matrix must be 5 x 5 over the likelihood and severity scales")
        return problems
    seen = set()
    for h in doc.get("hazards", []):
        hid = h.get("id", "?")
        for k in HAZARD_KEYS:
            if h.get(k) in (None, "", []):
                p("%s: %s is missing or empty" % (hid, k))
        for k in h:
            if k not in HAZARD_KEYS + OPTIONAL_KEYS:
                p("%s: unknown key %s" % (hid, k))
        if hid in seen:
            p("%s: duplicate id" % hid)
        seen.add(hid)
        if h.get("status") not in STATUSES:
            p("%s: status must be one of %s" % (hid, ", ".join(STATUSES)))
        if h.get("status") == "open" and not h.get("open_actions"):
            p("%s: an open hazard names its open actions" % hid)
        if h.get("last_reviewed") and h["last_reviewed"] != version:
            p("%s: last reviewed in %s, not in this version %s" %
              (hid, h["last_reviewed"], version))
        for k in ("initial", "residual"):
            r = h.get(k) or {}
            if r.get("severity") not in sev or r.get("likelihood") not in lik:
                p("%s: %s rating needs a severity and a likelihood of the "
                  "matrix" % (hid, k))
                continue
            if r.get("risk") != rate(doc, r):
                p("%s: %s risk %s is not the matrix's %s for %s x %s" %
                  (hid, k, r.get("risk"), rate(doc, r), r["severity"],
                   r["likelihood"]))
        res = (h.get("residual") or {}).get("risk", 0)
        if isinstance(res, int) and res >= 3 and not h.get("justification"):
            p("%s: residual risk %d needs a justification that further "
              "reduction is impractical or planned" % (hid, res))
        if isinstance(res, int) and res >= 4 and not h.get("risk_benefit"):
            p("%s: residual risk %d is above the acceptability criteria "
              "without a risk-benefit argument" % (hid, res))
        for i, c in enumerate(h.get("controls") or [], 1):
            cid = "%s.%d" % (hid, i)
            if not c.get("control"):
                p("%s: control without a description" % cid)
            tests, tr = c.get("tests"), c.get("transferred")
            if not tests and not tr:
                p("%s: control has no test and is not transferred" % cid)
            if tr is not None and (not isinstance(tr, dict) or
                                   not tr.get("to") or not tr.get("reason")):
                p("%s: a transferred control names to whom and why" % cid)
            for t in tests or []:
                if ":" in t:
                    exe, case = t.split(":", 1)
                    if exe not in cases:
                        p("%s: cites %s, but there is no unit test %s" %
                          (cid, t, exe))
                    elif case not in cases[exe]:
                        p("%s: cites %s, but %s has no case %s" %
                          (cid, t, exe, case))
                    elif exe not in ctest:
                        p("%s: cites %s, but CTest has no test %s" %
                          (cid, t, exe))
                elif t not in ctest:
                    p("%s: cites %s, but CTest has no such test" % (cid, t))
    return problems


def check_clinical_safety_ids(doc, root):
    """Hazard ids in docs/clinical-safety.md that the log lacks (warnings)."""
    path = os.path.join(root, "docs", "clinical-safety.md")
    if not os.path.exists(path):
        return []
    ids = {h["id"] for h in doc.get("hazards", [])}
    found = set(re.findall(r"\bH-[A-Z]+[0-9]+\b", read(path)))
    return sorted(found - ids)


# ---- rendering --------------------------------------------------------------

def md(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def rating(r):
    return "%s / %s: **%d** (%s)" % (r["severity"], r["likelihood"],
                                      r["risk"], RISK_NAMES[r["risk"]])


def verification(c):
    if c.get("tests"):
        return ", ".join("`%s`" % t for t in c["tests"])
    tr = c["transferred"]
    return "transferred to the %s: %s" % (tr["to"], tr["reason"])


def render_matrix(doc):
    out = ["| likelihood \\ severity | " +
           " | ".join(doc["severity"]) + " |",
           "|---|" + "---|" * len(doc["severity"])]
    for lk in reversed(doc["likelihood"]):
        out.append("| **%s** | %s |" % (lk, " | ".join(
            "%d" % v for v in doc["matrix"][lk])))
    out += ["", "| risk | name | acceptability |", "|---|---|---|"]
    for k in sorted(ACCEPTABILITY, reverse=True):
        out.append("| %d | %s | %s |" % (k, RISK_NAMES[k], ACCEPTABILITY[k]))
    return "\n".join(out)


def render_log(doc):
    hz = doc["hazards"]
    out = [
        "# wardgate hazard log, version %s" % doc["version"],
        "",
        "<!-- Generated by tools/hazard_log.py render from hazard-log.json; "
        "edit the JSON, not this file. -->",
        "",
        "- Owner: %s" % doc["owner"],
        "- Approval: %s" % doc["approval"]["state"],
        "- Hazards: %d (%d open, %d mitigated, %d closed)" % (
            len(hz), sum(h["status"] == "open" for h in hz),
            sum(h["status"] == "mitigated" for h in hz),
            sum(h["status"] == "closed" for h in hz)),
        "- Ratings use the matrix of the [clinical risk management plan]"
        "(crm-plan.md#4-risk-estimation-and-acceptability): severity / "
        "likelihood: risk.",
        "- Status: *open*, a control is still to be built; *mitigated*, "
        "every control is built and verified (or transferred) and the "
        "residual risk awaits the Clinical Safety Officer's acceptance; "
        "*closed*, accepted by the Clinical Safety Officer.",
        "",
        "## Summary",
        "",
        "| id | hazard | initial | residual | status |",
        "|---|---|---|---|---|",
    ]
    for h in hz:
        out.append("| [%s](#%s) | %s | %d | %d | %s |" % (
            h["id"], h["id"].lower(), md(h["title"]), h["initial"]["risk"],
            h["residual"]["risk"], h["status"]))
    for h in hz:
        out += ["", "## %s" % h["id"], "",
                "**%s** (%s; identified by %s)" % (
                    md(h["title"]), h["area"], h["identified_by"]), "",
                "- Cause: %s" % h["cause"],
                "- Effect: %s" % h["effect"],
                "- Harm: %s" % h["harm"],
                "- Initial risk: %s" % rating(h["initial"]),
                "- Residual risk: %s" % rating(h["residual"]),
                "- Status: %s; last reviewed in %s" % (h["status"],
                                                     h["last_reviewed"])]
        if h.get("justification"):
            out.append("- Justification: %s" % h["justification"])
        if h.get("risk_benefit"):
            out.append("- Risk-benefit: %s" % h["risk_benefit"])
        for a in h.get("open_actions", []):
            out.append("- Open: %s" % a)
        out += ["", "| control | description | verification |",
                "|---|---|---|"]
        for i, c in enumerate(h["controls"], 1):
            out.append("| %s.%d | %s | %s |" % (
                h["id"], i, md(c["control"]), md(verification(c))))
    return "\n".join(out) + "\n"


def render_evidence(doc):
    out = ["| hazard | residual | status | tests that verify its controls |"
           " controls transferred |", "|---|---|---|---|---|"]
    for h in doc["hazards"]:
        tests = []
        for c in h["controls"]:
            for t in c.get("tests") or []:
                if t not in tests:
                    tests.append(t)
        ntr = sum(1 for c in h["controls"] if c.get("transferred"))
        out.append("| [%s](hazard-log.md#%s) %s | %d | %s | %s | %s |" % (
            h["id"], h["id"].lower(), md(h["title"]), h["residual"]["risk"],
            h["status"], ", ".join("`%s`" % t for t in tests) or "none",
            ntr or "none"))
    return "\n".join(out)


def render_open(doc):
    out = []
    for h in doc["hazards"]:
        if h["status"] == "open":
            out.append("- **%s** %s (residual %d): %s" % (
                h["id"], h["title"], h["residual"]["risk"],
                " ".join(h["open_actions"])))
    return "\n".join(out)


def render_transferred(doc):
    out = ["| control | hazard | what the deploying organisation does |"
           " why it is theirs |", "|---|---|---|---|"]
    for h in doc["hazards"]:
        for i, c in enumerate(h["controls"], 1):
            tr = c.get("transferred")
            if tr:
                out.append("| %s.%d | [%s](hazard-log.md#%s) %s | %s | %s |"
                           % (h["id"], i, h["id"], h["id"].lower(),
                              md(h["title"]), md(c["control"]),
                              md(tr["reason"])))
    return "\n".join(out)


GENERATORS = {"evidence": render_evidence, "open-hazards": render_open,
              "matrix": render_matrix, "transferred": render_transferred}


def fill_sections(text, doc, names, path):
    for name in names:
        begin = "<!-- BEGIN GENERATED %s: tools/hazard_log.py render -->" \
            % name
        end = "<!-- END GENERATED %s -->" % name
        i, j = text.find(begin), text.find(end)
        if i < 0 or j < i:
            raise ValueError("%s: no %s markers" % (path, name))
        text = (text[:i + len(begin)] + "\n" + GENERATORS[name](doc) + "\n" +
                text[j:])
    return text


def rendered_files(doc, root):
    """{path: expected text} for every file generated from the log."""
    files = {RENDERED: render_log(doc)}
    for path, names in SECTIONS.items():
        files[path] = fill_sections(read(os.path.join(root, path)), doc,
                                    names, path)
    return files


def check_rendered(doc, root):
    problems = []
    for path, text in rendered_files(doc, root).items():
        full = os.path.join(root, path)
        if not os.path.exists(full) or read(full) != text:
            problems.append("%s is stale: run tools/hazard_log.py render" %
                            path)
    return problems


# ---- commands ---------------------------------------------------------------

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run_check(root, log_path, build, ctest_cmd="ctest"):
    doc = load(log_path)
    ctest = ctest_names_from_build(build, ctest_cmd) if build else \
        ctest_names_from_cmake(root)
    problems = check_log(doc, root, ctest, unit_cases(root))
    if not problems:
        problems += check_rendered(doc, root)
    return doc, problems


def cmd_render(args):
    doc = load(os.path.join(ROOT, LOG))
    problems = check_log(doc, ROOT, ctest_names_from_cmake(ROOT),
                         unit_cases(ROOT))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    for path, text in rendered_files(doc, ROOT).items():
        with open(os.path.join(ROOT, path), "w", encoding="utf-8") as f:
            f.write(text)
    print("rendered %s and %d generated sections" % (
        RENDERED, sum(len(v) for v in SECTIONS.values())))
    return 0


def cmd_check(args):
    doc, problems = run_check(ROOT, args.log or os.path.join(ROOT, LOG),
                              args.build, args.ctest)
    for i in check_clinical_safety_ids(doc, ROOT):
        print("warning: %s is in docs/clinical-safety.md but not in the "
              "hazard log" % i, file=sys.stderr)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("hazard log: %d problems" % len(problems), file=sys.stderr)
        return 1
    ntests = sum(len(c.get("tests") or []) for h in doc["hazards"]
                 for c in h["controls"])
    print("hazard log: %d hazards, %d test citations, all found; rendering "
          "up to date" % (len(doc["hazards"]), ntests))
    return 0


def cmd_selftest(args):
    """Each mutation of a copy of the log must make the check fail with the
    expected message; the log itself must pass."""
    doc = load(os.path.join(ROOT, LOG))
    ctest = ctest_names_from_build(args.build, args.ctest) if args.build \
        else ctest_names_from_cmake(ROOT)
    cases = unit_cases(ROOT)
    failures = 0

    def expect(name, mutated, needle, root=ROOT):
        nonlocal failures
        found = check_log(mutated, root, ctest, cases)
        if root != ROOT or not found:
            found += check_rendered(mutated, root)
        hit = [x for x in found if needle in x]
        print("%s %s%s" % ("ok  " if hit else "FAIL", name,
                           (": " + hit[0]) if hit else ""))
        failures += 0 if hit else 1

    base = check_log(doc, ROOT, ctest, cases)
    print("%s the log as committed passes" % ("FAIL" if base else "ok  "))
    failures += 1 if base else 0

    # A cited CTest test renamed, as a rename in tests/CMakeLists.txt would.
    m = copy.deepcopy(doc)
    c = next(c for h in m["hazards"] for c in h["controls"]
             if any(":" not in t for t in c.get("tests") or []))
    i = next(i for i, t in enumerate(c["tests"]) if ":" not in t)
    old = c["tests"][i]
    c["tests"][i] = old + "_renamed"
    expect("a renamed CTest test (%s) is caught" % old, m,
           "cites %s_renamed, but CTest has no such test" % old)

    # A cited unit-test case renamed.
    m = copy.deepcopy(doc)
    c = next(c for h in m["hazards"] for c in h["controls"]
             if any(":" in t for t in c.get("tests") or []))
    i = next(i for i, t in enumerate(c["tests"]) if ":" in t)
    old = c["tests"][i]
    c["tests"][i] = old + "_renamed"
    expect("a renamed unit-test case (%s) is caught" % old, m,
           "has no case %s_renamed" % old.split(":")[1])

    # A control with neither test nor transfer; a transfer without reason.
    m = copy.deepcopy(doc)
    c = m["hazards"][0]["controls"][0]
    c.pop("tests", None)
    c.pop("transferred", None)
    expect("a control without verification is caught", m,
           "control has no test and is not transferred")
    m = copy.deepcopy(doc)
    c = next(c for h in m["hazards"] for c in h["controls"]
             if c.get("transferred"))
    c["transferred"]["reason"] = ""
    expect("a transfer without its reason is caught", m,
           "a transferred control names to whom and why")

    # A residual risk above the criteria without an argument.
    m = copy.deepcopy(doc)
    h = m["hazards"][0]
    h["residual"] = {"severity": "Catastrophic", "likelihood": "High",
                     "risk": rate(m, {"severity": "Catastrophic",
                                      "likelihood": "High"})}
    h.pop("risk_benefit", None)
    expect("an unargued residual risk of 5 is caught", m,
           "without a risk-benefit argument")

    # A rating that does not follow the matrix.
    m = copy.deepcopy(doc)
    m["hazards"][0]["initial"]["risk"] = 1
    expect("a rating off the matrix is caught", m, "is not the matrix's")

    # A stale rendering: a hazard retitled, the Markdown not rendered again.
    with tempfile.TemporaryDirectory() as tmp:
        for rel in [RENDERED, "CMakeLists.txt"] + list(SECTIONS):
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)) or tmp,
                        exist_ok=True)
            with open(os.path.join(tmp, rel), "w", encoding="utf-8") as f:
                f.write(read(os.path.join(ROOT, rel)))
        m = copy.deepcopy(doc)
        m["hazards"][0]["title"] += " (retitled)"
        expect("a stale rendering is caught", m, "is stale", root=tmp)

    print("%d failed" % failures)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("render")
    c = sub.add_parser("check")
    c.add_argument("--build", help="build directory for ctest -N")
    c.add_argument("--log", help="check this log instead of the project's")
    c.add_argument("--ctest", default="ctest", help="the ctest to run")
    s = sub.add_parser("selftest")
    s.add_argument("--build", help="build directory for ctest -N")
    s.add_argument("--ctest", default="ctest", help="the ctest to run")
    args = ap.parse_args()
    return {"render": cmd_render, "check": cmd_check,
            "selftest": cmd_selftest}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
