/* SPDX-License-Identifier: MIT */
/*
 * device_refused (rules_device.h): a configured device whose packs keep
 * being refused, or whose clock is off beyond the time bounds, raises a
 * technical alert to the hub; its packs taken again clear it. The pure
 * rule, table-driven, then through the clinic (its events, the restart).
 */
#include "clinic/clinic.h"
#include "clinic/rules_device.h"
#include "test.h"
#include "testcfg.h"

#define T0 1763900000.0

/* One pack per character: 'r' refused, 't' taken; the verdicts expected
 * after each: '.' none, 'R' raise, 'C' clear. */
static void run_in_a_row(void) {
  static const struct {
    const char *packs;
    const char *want;
  } cases[] = {
      {"rr", ".."},
      {"rrr", "..R"},
      {"rrrrrr", "..R..."},     /* one alert, not one a pack */
      {"rrtrrtrr", "........"}, /* never three in a row */
      {"rrrt", "..R."},         /* one pack taken does not clear */
      {"rrrtt", "..R.C"},       /* two in a row do */
      {"rrrtrtt", "..R...C"},   /* a refusal between starts them again */
      {"rrrttrrr", "..R.C..R"}, /* and a new run raises again */
      {"tttrrrtt", ".....R.C"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_device_refusals_t st = {"oxi-1", 0, 0, false};
    for (size_t k = 0; cases[i].packs[k] != '\0'; k++) {
      wg_verdict_t v;
      bool refused = cases[i].packs[k] == 'r';
      bool got = wg_rules_device_pack(
          &st, refused ? "spo2 101 % outside 0-100" : NULL, T0 + (double)k, &v);
      char want = cases[i].want[k];
      if (got != (want != '.'))
        FAIL_AT("case %zu pack %zu: verdict %d, want %c", i, k, got, want);
      if (!got)
        continue;
      if (v.kind != (want == 'R' ? WG_VERDICT_RAISE : WG_VERDICT_CLEAR) ||
          v.rule != WG_RULE_DEVICE_REFUSED || v.severity != WG_SEV_LOW ||
          strcmp(v.key, "oxi-1") != 0 || strcmp(v.evidence.device, "oxi-1"))
        FAIL_AT("case %zu pack %zu: wrong verdict", i, k);
    }
  }
}

/* The summary names the device, the run and the last reason; a time out
 * of bounds is said to be the device's clock. */
static void summary_names_the_clock(void) {
  static const struct {
    const char *reason;
    bool clock;
  } cases[] = {
      {"temp measured before 2020-01-01: the device's clock was reset?", true},
      {"record 0: time more than 5 minutes in the future", true},
      {"spo2 measured 40.0 days ago: older than the retention of 30 days",
       true},
      {"record 1: battery 101 %EL outside 0-100", false},
      {"device cup-1 may not send over mqtt", false},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_device_refusals_t st = {"temp-1", 0, 0, false};
    wg_verdict_t v;
    for (int k = 0; k < WG_DEVICE_REFUSED_AFTER - 1; k++)
      ASSERT(!wg_rules_device_pack(&st, cases[i].reason, T0, &v));
    ASSERT(wg_rules_device_pack(&st, cases[i].reason, T0 + 5, &v));
    ASSERT_CONTAINS(v.summary, "temp-1: 3 packs in a row refused, its data "
                               "is not reaching the record");
    ASSERT_CONTAINS(v.summary, cases[i].reason);
    if ((strstr(v.summary, "its clock looks wrong") != NULL) != cases[i].clock)
      FAIL_AT("case %zu: %s", i, v.summary);
    ASSERT_NEAR(v.evidence.t, T0 + 5, 1e-9);
    ASSERT_NEAR(v.evidence.v, 3, 1e-9);
  }
}

/* Through the clinic: one raised event for the device's patient, the
 * other device unaffected; cleared by two packs taken; after a restart
 * the open alert is marked, so that taken packs clear it. */
static void through_the_clinic(void) {
  wg_config_t *cfg = test_config(
      TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\","
                   "\"temp-1\"]}]}");
  wg_counters_t counters = {0};
  wg_clinic_t cl, cl2;
  const wg_alert_event_t *ev;
  char *json;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  for (int k = 0; k < 5; k++)
    wg_clinic_device_pack(&cl, 0, "temp-1",
                          "temp measured before 2020-01-01: the device's "
                          "clock was reset?",
                          T0 + k);
  wg_clinic_device_pack(&cl, 0, "oxi-1", NULL, T0 + 6);
  ASSERT_EQ(cl.nevents, 1);
  ev = &cl.events[0];
  ASSERT_EQ(ev->alert.state, WG_ALERT_RAISED);
  ASSERT_STR_EQ(wg_rule_name(ev->alert.rule), "device_refused");
  ASSERT_EQ(ev->alert.severity, WG_SEV_LOW);
  ASSERT_STR_EQ(ev->alert.patient, "p-1");
  ASSERT_CONTAINS(ev->alert.summary, "its clock looks wrong");
  ASSERT((json = wg_alert_event_to_json(ev)) != NULL);
  ASSERT_CONTAINS(json, "\"rule\":\"device_refused\"");
  ASSERT_CONTAINS(json, "\"device\":\"temp-1\"");
  wg_clinic_committed(&cl);

  /* A restart: the alert comes back from its JSON, and clears. */
  ASSERT_EQ(wg_clinic_init(&cl2, "gw-1", 2, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl2, cfg, T0 + 10), 0);
  ASSERT_EQ(wg_clinic_restore_alert(&cl2, json, T0 + 10), 0);
  free(json);
  wg_clinic_device_pack(&cl2, 0, "temp-1", NULL, T0 + 11);
  ASSERT_EQ(cl2.nevents, 0);
  wg_clinic_device_pack(&cl2, 0, "temp-1", NULL, T0 + 12);
  ASSERT_EQ(cl2.nevents, 1);
  ASSERT_EQ(cl2.events[0].alert.state, WG_ALERT_CLEARED);
  ASSERT_EQ(cl2.alerts.nopen, 0);

  /* Before the restart, the same. */
  wg_clinic_device_pack(&cl, 0, "temp-1", NULL, T0 + 7);
  wg_clinic_device_pack(&cl, 0, "temp-1", NULL, T0 + 8);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_CLEARED);
  wg_clinic_free(&cl2);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

TEST_MAIN(T(run_in_a_row), T(summary_names_the_clock), T(through_the_clinic))
