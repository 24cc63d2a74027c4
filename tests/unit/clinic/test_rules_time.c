/* SPDX-License-Identifier: MIT */
/*
 * DESIGN.md section 8 "Time" (2026-12-06), rule by rule, with a fake clock:
 * the measurement time t and the receipt time rt of each reading, late
 * readings (rt - t beyond the rule's fresh limit), retrospective ones
 * (older than the newest already seen) and future ones.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/rules.h"
#include "test.h"

/* 2025-11-23 12:13:20 UTC */
#define T0 1763900000.0

static wg_reading_t at(const char *device, const char *name, double v, double t,
                       double rt) {
  wg_reading_t r = {0};
  r.device_id = device;
  r.name = name;
  r.unit = "";
  if (strcmp(name, "fall") == 0 || strcmp(name, "o2") == 0) {
    r.vb = v != 0;
    r.flags = WG_READING_HAS_VB;
  } else if (strcmp(name, "acvpu") == 0) {
    r.vs = "A";
  } else {
    r.value = v;
    r.flags = WG_READING_HAS_VALUE;
  }
  r.ts = t;
  r.received = rt;
  return r;
}

/*
 * Late is rt - t beyond the rule's fresh limit (fall 5 min, threshold
 * 10 min), boundaries included; a late verdict's summary says when it was
 * measured, when reported and how late; both times reach the evidence.
 */
static void late_marked(void) {
  static const struct {
    const char *name;
    double v;
    double age; /* rt - t */
    bool late;
    const char *summary;
  } cases[] = {
      {"fall", 1, 0, false, "Fall detected by dev-1"},
      {"fall", 1, 300, false, "Fall detected by dev-1"},
      {"fall", 1, 301, true,
       "Fall at 12:08, reported 12:13 — 5 min late (dev-1; possible long "
       "lie)"},
      {"fall", 1, 4 * 3600 + 28 * 60, true,
       "Fall at 07:45, reported 12:13 — 4 h 28 min late (dev-1; possible "
       "long lie)"},
      {"fall", 1, 3 * 86400 + 60, true,
       "Fall at 12:12 on 2025-11-20, reported 12:13 — 3 d 0 h 1 min late "
       "(dev-1; possible long lie)"},
      {"spo2", 85, 600, false, "spo2 85 % below the limit of 90"},
      {"spo2", 85, 601, true,
       "spo2 85 % below the limit of 90; measured at 12:03, reported 12:13 "
       "— 10 min late"},
  };
  wg_threshold_t th = {.name = "spo2",
                       .below = 90,
                       .has_below = true,
                       .severity = WG_SEV_HIGH,
                       .confirm = 1};
  const char *devs[] = {"dev-1"};
  wg_patient_t p = {.id = "p-1",
                    .devices = devs,
                    .ndevices = 1,
                    .thresholds = &th,
                    .nthresholds = 1};
  wg_verdict_t v[4];

  setenv("TZ", "UTC", 1);
  tzset();
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_rule_state_t st;
    wg_reading_t r =
        at("dev-1", cases[i].name, cases[i].v, T0 - cases[i].age, T0);
    size_t n;

    ASSERT_EQ(wg_rule_state_init(&st, &p, T0 - 5 * 86400), 0);
    r.unit = cases[i].name[0] == 's' ? "%" : "";
    n = wg_rules_eval(&p, &st, &r, 0, T0, v, 4);
    if (n != 1 || v[0].late != cases[i].late ||
        strcmp(v[0].summary, cases[i].summary) != 0)
      FAIL_AT("case %zu: %zu verdicts, late %d, \"%s\"; want late %d, \"%s\"",
              i, n, n ? v[0].late : -1, n ? v[0].summary : "", cases[i].late,
              cases[i].summary);
    ASSERT(!v[0].retrospective);
    ASSERT_NEAR(v[0].evidence.t, T0 - cases[i].age, 0);
    ASSERT_NEAR(v[0].evidence.rt, T0, 0);
    wg_rule_state_free(&st);
  }
}

TEST_MAIN(T(late_marked))
