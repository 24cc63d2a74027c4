/* SPDX-License-Identifier: MIT */
/*
 * The rules' test fixture, shared by test_rules.c and test_rules_obs.c:
 * readings made up at a fake time T0, and the steps of a sequence of
 * readings with the verdict expected after each.
 */
#ifndef WG_TEST_RULES_FIXTURE_H
#define WG_TEST_RULES_FIXTURE_H

#include <time.h>

#include "clinic/rules.h"
#include "test.h"

#define T0 1763900000.0

static inline wg_reading_t num(const char *name, double v, const char *unit) {
  wg_reading_t r = {0};
  r.device_id = "oxi-1";
  r.name = name;
  r.unit = unit;
  r.value = v;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = T0;
  return r;
}

static inline wg_reading_t flag(const char *name, bool vb) {
  wg_reading_t r = {0};
  r.device_id = "fall-1";
  r.name = name;
  r.unit = "";
  r.vb = vb;
  r.flags = WG_READING_HAS_VB;
  r.ts = T0;
  return r;
}

/* A step of a threshold sequence: the value, then the verdict expected. */
typedef struct step_s {
  double value;
  int expect; /* -1 none, WG_VERDICT_RAISE or WG_VERDICT_CLEAR */
} step_t;

#endif
