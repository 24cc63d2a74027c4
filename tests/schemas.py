#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks wardgate's messages against docs/schemas (JSON Schema 2020-12).

  schemas.py check                      every schema is a valid schema
  schemas.py hub FILE...                lines "topic payload" as captured by
                                        mosquitto_sub -v on wardgate/<gw>/#
  schemas.py SCHEMA FILE...             each file one JSON document

Prints one line per message refused, with the path and the reason, and
exits 1 if any was; with "hub", also prints how many messages of each topic
and which alert states were seen, for the caller to check coverage.
"""
import collections
import glob
import json
import os
import sys

from jsonschema import Draft202012Validator, FormatChecker

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "schemas")

# The topic under wardgate/<gateway>/ and the schema its payloads follow.
TOPICS = {
    "status": "status.json",
    "alerts": "alert-event.json",
    "alerts/active": "alerts-active.json",
    "alerts/ack": "ack.json",
    "news2": "news2.json",
    "news2/latest": "news2-latest.json",
    "errors": "error.json",
    "log/daily": "daily-log.json",
    "fhir/vitals": "fhir-bundle.json",
    "fhir/news2": "fhir-bundle.json",
    "fhir/alerts": "fhir-bundle.json",
    "config/desired": "config-desired.json",
    "config/reported": "config-reported.json",
    "local/alarm": "local-alarm.json",
}


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return json.load(f)


def inline(node):
    """The schema with each "$ref" to a sibling file replaced by that file,
    so that any jsonschema release resolves it the same way."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.endswith(".json"):
            target = load(ref)
            target.pop("$schema", None)
            target.pop("$id", None)
            return inline(target)
        return {k: inline(v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v) for v in node]
    return node


VALIDATORS = {}


def validator(name):
    if name not in VALIDATORS:
        VALIDATORS[name] = Draft202012Validator(inline(load(name)), format_checker=FormatChecker())
    return VALIDATORS[name]


def problems(name, doc):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in validator(name).iter_errors(doc)]


def main(argv):
    bad = 0
    if len(argv) == 2 and argv[1] == "check":
        for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
            with open(path, encoding="utf-8") as f:
                Draft202012Validator.check_schema(json.load(f))
        print("schemas: %d valid" % len(glob.glob(os.path.join(HERE, "*.json"))))
        return 0
    if len(argv) >= 3 and argv[1] == "hub":
        seen, states = collections.Counter(), collections.Counter()
        for path in argv[2:]:
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    topic, _, payload = line.rstrip("\n").partition(" ")
                    parts = topic.split("/")
                    if len(parts) < 3 or parts[0] != "wardgate":
                        continue
                    sub = "/".join(parts[2:])
                    if sub not in TOPICS:
                        print("%s:%d: no schema for topic %s" % (path, n, topic))
                        bad += 1
                        continue
                    try:
                        doc = json.loads(payload)
                    except ValueError as e:
                        print("%s:%d: %s: not JSON: %s" % (path, n, topic, e))
                        bad += 1
                        continue
                    seen[sub] += 1
                    if sub == "alerts":
                        states[doc.get("state")] += 1
                    for p in problems(TOPICS[sub], doc):
                        print("%s:%d: %s: %s" % (path, n, topic, p))
                        bad += 1
        print("topics: " + " ".join("%s=%d" % kv for kv in sorted(seen.items())))
        print("states: " + " ".join("%s=%d" % kv for kv in sorted(states.items())))
        return 1 if bad else 0
    if len(argv) >= 3:
        for path in argv[2:]:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            for p in problems(argv[1], doc):
                print("%s: %s" % (path, p))
                bad += 1
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
