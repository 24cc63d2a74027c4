/* SPDX-License-Identifier: MIT */
/*
 * Escalation rules (DESIGN.md section 8). Pure functions: a reading, the
 * patient's configuration and rule state, and the time in; verdicts out. No
 * I/O and no clock reads, so that every boundary is unit-tested with a fake
 * clock.
 */
#ifndef WG_RULES_H
#define WG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "wardgate/reading.h"

typedef enum {
  WG_RULE_FALL,
  WG_RULE_THRESHOLD,
  WG_RULE_NEWS2,
  WG_RULE_LOW_INTAKE,
  WG_RULE_MISSED_OBS,
  WG_RULE_DEVICE_SILENT,
  WG_RULE_BATTERY_LOW,
  WG_RULE_COUNT
} wg_rule_t;

/* "fall", "threshold", ...; and back (-1 when unknown). */
const char *wg_rule_name(wg_rule_t rule);
int wg_rule_parse(const char *name);

/*
 * Event rules (a fall) have no condition to clear: an acknowledgement
 * closes their alert. All others are condition rules.
 */
bool wg_rule_is_event(wg_rule_t rule);

/* One reading quoted as the evidence for a verdict. */
typedef struct wg_evidence_s {
  char n[64];      /* the reading's name */
  char u[16];      /* its unit, "" for none */
  char device[65]; /* the device that sent it */
  double v;        /* with WG_READING_HAS_VALUE */
  double t;        /* measurement time */
  unsigned flags;  /* WG_READING_HAS_VALUE, WG_READING_HAS_VB */
  bool vb;
} wg_evidence_t;

/* Fill @e from @r (strings truncated to fit). */
void wg_evidence_from_reading(wg_evidence_t *e, const wg_reading_t *r);

typedef enum {
  WG_VERDICT_RAISE, /* the condition holds (again): raise or repeat */
  WG_VERDICT_CLEAR  /* the condition no longer holds */
} wg_verdict_kind_t;

typedef struct wg_verdict_s {
  wg_verdict_kind_t kind;
  wg_rule_t rule;
  wg_severity_t severity;
  char key[96]; /* with patient and rule, names the one open alert */
  char summary[160];
  wg_evidence_t evidence;
} wg_verdict_t;

/* Per threshold of a patient: the run of readings beyond or inside. */
typedef struct wg_threshold_state_s {
  unsigned beyond; /* readings in a row beyond the limit */
  unsigned inside; /* readings in a row back inside */
  bool active;     /* an alert is open for it */
} wg_threshold_state_t;

/* A patient's rule state; one per patient, owned by the caller. */
typedef struct wg_rule_state_s {
  wg_threshold_state_t *thresholds; /* one per patient threshold */
  size_t nthresholds;
} wg_rule_state_t;

/* Set up @st for @p; WG_ENOMEM on failure. Free with wg_rule_state_free. */
int wg_rule_state_init(wg_rule_state_t *st, const wg_patient_t *p);
void wg_rule_state_free(wg_rule_state_t *st);

/* The alert key of threshold @i of @p, as verdicts carry it. */
void wg_threshold_key(const wg_threshold_t *t, char *out, size_t len);

/*
 * Evaluate reading @r of patient @p at @now. Writes at most @max verdicts to
 * @out and returns how many. @r must be new (not a stored duplicate): a
 * retransmission must not count twice.
 */
size_t wg_rules_eval(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, double now, wg_verdict_t *out,
                     size_t max);

#endif
