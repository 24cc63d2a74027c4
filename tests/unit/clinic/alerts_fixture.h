/* SPDX-License-Identifier: MIT */
/*
 * What the alerts' tests share (test_alerts.c: the lifecycle and the
 * indexes; test_alerts_json.c: an alert as JSON and the snapshot): a fixed
 * time, the escalation timeouts, a verdict, the alerts under test and their
 * last event.
 */
#ifndef WG_TEST_ALERTS_FIXTURE_H
#define WG_TEST_ALERTS_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "clinic/alerts.h"

#define T0 1763900000.0

/* Escalation timeouts in minutes: emergency 5, high 10, medium 30, low 120. */
static const double timeouts[WG_SEV_COUNT] = {5, 10, 30, 120};

static wg_verdict_t verdict(wg_verdict_kind_t kind, wg_rule_t rule,
                            wg_severity_t sev, const char *key) {
  wg_verdict_t v;
  memset(&v, 0, sizeof(v));
  v.kind = kind;
  v.rule = rule;
  v.severity = sev;
  snprintf(v.key, sizeof(v.key), "%s", key);
  snprintf(v.summary, sizeof(v.summary), "%s %s", wg_rule_name(rule), key);
  snprintf(v.evidence.n, sizeof(v.evidence.n), "%s", key);
  snprintf(v.evidence.device, sizeof(v.evidence.device), "dev-1");
  v.evidence.flags = WG_READING_HAS_VB;
  v.evidence.vb = true;
  return v;
}

static wg_alerts_t a;
static wg_alert_event_t ev;

#endif
