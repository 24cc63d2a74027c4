/* SPDX-License-Identifier: MIT */
/*
 * The clinic across a restart and a reload, with a fake clock: open
 * alerts, the NEWS2 band and the day's intake restored from the store;
 * a reload closing removed patients' alerts and carrying the others'
 * state.
 */
#include "clinic_fixture.h"

/* After a restart: the replayed readings and the restored alerts make the
 * same state as before, so a threshold alert clears instead of being
 * raised again, and the ids go on. */
static void restore_after_restart(void) {
  fixture_t f;
  wg_reading_t r = num("oxi-1", "spo2", 85, T0);
  char *json;

  ASSERT_EQ(setup(&f, patients_json, 7), 0);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0);
  ASSERT_EQ(f.cl.nevents, 1);
  json = wg_alert_to_json(&f.cl.events[0].alert);
  ASSERT(json != NULL);
  teardown(&f);

  ASSERT_EQ(setup(&f, patients_json, 8), 0);
  wg_clinic_replay(&f.cl, 0, 0, &r, T0 + 10);
  ASSERT_EQ(f.cl.nevents, 0);
  ASSERT_EQ(wg_clinic_restore_alert(&f.cl, "{\"id\":", T0 + 10), WG_EINVAL);
  ASSERT_EQ(wg_clinic_restore_alert(&f.cl, json, T0 + 10), 0);
  free(json);
  ASSERT_EQ(f.cl.alerts.nopen, 1);
  ASSERT(f.cl.states[0].thresholds[0].active);
  r = num("oxi-1", "spo2", 84, T0 + 20);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0 + 20);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_UPDATED);
  ASSERT_STR_EQ(f.cl.events[0].alert.id, "gw-1-000007");
  for (int i = 0; i < 2; i++) {
    r = num("oxi-1", "spo2", 97, T0 + 30 + i);
    wg_clinic_reading(&f.cl, 0, 0, &r, T0 + 30 + i);
  }
  ASSERT_EQ(f.cl.nevents, 2);
  ASSERT_EQ(f.cl.events[1].alert.state, WG_ALERT_CLEARED);
  /* The next alert takes the next id. */
  r = fall(T0 + 40);
  wg_clinic_reading(&f.cl, 0, 1, &r, T0 + 40);
  ASSERT_STR_EQ(f.cl.events[2].alert.id, "gw-1-000008");
  teardown(&f);
}

/* p-1's missed observations follow NEWS2. */
static const char news2_expect_json[] =
    "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
    "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
    "{\"id\":\"p-1\",\"devices\":[\"oxi-1\"],\"news2\":{},"
    "\"expect\":[{\"name\":\"spo2\",\"every_min\":\"news2\"}]}]}";

/*
 * H-CR5: the band survives a restart. A patient scoring 13 before it is
 * restored with that score: nothing is published for it, the same score
 * computed again is not published either, and the missed observation comes
 * at the 15 min interval of 7+, at high, not at 4 h and low as for a
 * patient never scored.
 */
static void restore_news2_band(void) {
  static const struct {
    const char *name;
    double v;
  } obs[] = {
      {"rr", 26}, {"spo2", 91}, {"sbp", 95}, {"hr", 135}, {"temp", 39.5}};
  wg_clinic_score_t saved;
  fixture_t f;
  wg_reading_t r;
  char *json;

  ASSERT_EQ(setup(&f, news2_expect_json, 1), 0);
  for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
    r = num("oxi-1", obs[i].name, obs[i].v, T0 - 60);
    wg_clinic_reading(&f.cl, 0, 0, &r, T0 - 60);
  }
  wg_clinic_news2(&f.cl, 0, "oxi-1", T0 - 60);
  ASSERT_EQ(f.cl.nscores, 1);
  ASSERT_EQ(f.cl.nevents, 1);
  saved = f.cl.scores[0];
  json = wg_alert_to_json(&f.cl.events[0].alert);
  ASSERT(json != NULL);
  teardown(&f);

  /* Without the score, a restart knows no band: 4 h, low. */
  ASSERT_EQ(setup(&f, news2_expect_json, 2), 0);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0), T0 + 4 * 3600, 1e-6);
  teardown(&f);

  ASSERT_EQ(setup(&f, news2_expect_json, 2), 0);
  for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
    r = num("oxi-1", obs[i].name, obs[i].v, T0 - 60);
    wg_clinic_replay(&f.cl, 0, 0, &r, T0);
  }
  wg_clinic_restore_score(&f.cl, 0, &saved.score, saved.ts);
  wg_clinic_restore_score(&f.cl, 5, &saved.score, saved.ts); /* no one */
  ASSERT_EQ(wg_clinic_restore_alert(&f.cl, json, T0), 0);
  free(json);
  ASSERT_EQ(f.cl.nscores, 0);
  ASSERT_EQ(f.cl.nevents, 0);
  ASSERT_NEAR(f.cl.states[0].news2_anchor, T0 - 60, 1e-6);
  /* (The clinic's next deadline is the NEWS2 alert's escalation.) */
  ASSERT_NEAR(wg_rules_next_deadline(&f.cfg->patients[0], &f.cl.states[0], T0,
                                     f.cl.silent_s),
              T0 + 900, 1e-6);
  /* The same set computed again: the hub has it, the alert stands. */
  wg_clinic_news2(&f.cl, 0, "oxi-1", T0 + 1);
  ASSERT_EQ(f.cl.nscores, 0);
  ASSERT_EQ(f.cl.nevents, 0);
  wg_clinic_tick(&f.cl, T0 + 899);
  for (size_t i = 0; i < f.cl.nevents; i++) /* the NEWS2 escalations */
    ASSERT_EQ(f.cl.events[i].alert.rule, WG_RULE_NEWS2);
  wg_clinic_committed(&f.cl);
  wg_clinic_tick(&f.cl, T0 + 900);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.rule, WG_RULE_MISSED_OBS);
  ASSERT_EQ(f.cl.events[0].alert.severity, WG_SEV_HIGH);
  ASSERT_CONTAINS(f.cl.events[0].alert.summary, "expected every 15 min");
  teardown(&f);
}

/* An intake alert restored at start knows what the checkpoint asked for:
 * with today's replayed intake, the drink that makes up the amount clears
 * it, not the one before. */
static void restore_intake(void) {
  static const char alert[] =
      "{\"id\":\"gw-1-000003\",\"gateway\":\"gw-1\",\"patient\":\"p-2\","
      "\"device\":\"cup-2\",\"rule\":\"low_intake\",\"severity\":\"medium\","
      "\"state\":\"raised\",\"escalation\":0,\"ts\":1763900000.0,"
      "\"raised\":1763900000.0,\"summary\":\"low\",\"key\":\"fluid_intake\","
      "\"evidence\":[]}";
  fixture_t f;
  wg_reading_t r = num("cup-2", "fluid_intake", 0.2, T0 + 5);

  ASSERT_EQ(setup(&f, intake_json, 4), 0);
  r.patient_id = "p-2";
  r.value = 0.1;
  wg_clinic_replay(&f.cl, 1, 0, &r, T0);
  r.value = 0.2;
  ASSERT_EQ(wg_clinic_restore_alert(&f.cl, alert, T0), 0);
  ASSERT(f.cl.states[1].intake[0].active);
  ASSERT_NEAR(f.cl.states[1].intake[0].required, 0.375, 1e-9);
  wg_clinic_reading(&f.cl, 1, 0, &r, T0 + 5);
  ASSERT_EQ(f.cl.nevents, 0);
  r.ts = T0 + 6;
  r.value = 0.1;
  wg_clinic_reading(&f.cl, 1, 0, &r, T0 + 6);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_CLEARED);
  teardown(&f);
}

/*
 * An intake alert restored on a day with no intake yet: raised today, a
 * drink short of the amount leaves it open (it is not "a new day"); raised
 * yesterday, the first reading of today clears it as a new day.
 */
static void restore_intake_without_readings(void) {
  static const struct {
    double raised;
    int events; /* after a drink short of the amount */
  } cases[] = {{T0, 0}, {T0 - 86400 - 3600, 1}};

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char alert[512];
    fixture_t f;
    wg_reading_t r = num("cup-2", "fluid_intake", 0.2, T0 + 5);

    snprintf(alert, sizeof(alert),
             "{\"id\":\"gw-1-000003\",\"gateway\":\"gw-1\",\"patient\":"
             "\"p-2\",\"device\":\"cup-2\",\"rule\":\"low_intake\","
             "\"severity\":\"medium\",\"state\":\"raised\",\"escalation\":0,"
             "\"ts\":%.1f,\"raised\":%.1f,\"summary\":\"low\",\"key\":"
             "\"fluid_intake\",\"evidence\":[]}",
             cases[i].raised, cases[i].raised);
    ASSERT_EQ(setup(&f, intake_json, 4), 0);
    ASSERT_EQ(wg_clinic_restore_alert(&f.cl, alert, T0), 0);
    r.patient_id = "p-2";
    wg_clinic_reading(&f.cl, 1, 0, &r, T0 + 5);
    if ((int)f.cl.nevents != cases[i].events)
      FAIL_AT("case %zu: %zu events, want %d", i, f.cl.nevents,
              cases[i].events);
    if (cases[i].events == 1) {
      ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_CLEARED);
      ASSERT_CONTAINS(f.cl.events[0].cause, "a new day");
    }
    teardown(&f);
  }
}

/*
 * After a restart the checkpoints an open intake alert already stands for
 * are not weighed again: no event comes of them. A checkpoint passed after
 * the alert's last event (while the daemon was down) still is.
 */
static void restore_intake_checkpoints(void) {
  static const char two_checkpoints[] =
      "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
      "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
      "{\"id\":\"p-1\",\"devices\":[\"oxi-1\"]},"
      "{\"id\":\"p-2\",\"devices\":[\"cup-2\"],"
      "\"intake\":[{\"name\":\"fluid_intake\",\"daily_target\":1.5,"
      "\"checkpoints\":{\"00:00\":0.25,\"12:00\":0.5}}]}]}";
  /* T0 is 12:13 UTC: the last event at T0 saw both checkpoints, the one an
   * hour before only the first. */
  static const struct {
    double last;
    size_t events; /* over the two minutes after the restart */
  } cases[] = {{T0, 0}, {T0 - 3600, 1}};

  setenv("TZ", "UTC", 1);
  tzset();
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char alert[512];
    fixture_t f;
    size_t events = 0;

    snprintf(alert, sizeof(alert),
             "{\"id\":\"gw-1-000003\",\"gateway\":\"gw-1\",\"patient\":"
             "\"p-2\",\"device\":\"\",\"rule\":\"low_intake\","
             "\"severity\":\"medium\",\"state\":\"updated\",\"escalation\":0,"
             "\"ts\":%.1f,\"raised\":%.1f,\"summary\":\"low\",\"key\":"
             "\"fluid_intake\",\"evidence\":[{\"n\":\"fluid_intake\",\"v\":0,"
             "\"u\":\"l\",\"t\":%.1f,\"device\":\"\"}]}",
             cases[i].last, T0 - 7200, cases[i].last);
    ASSERT_EQ(setup(&f, two_checkpoints, 4), 0);
    ASSERT_EQ(wg_clinic_restore_alert(&f.cl, alert, T0 + 10), 0);
    for (double t = T0 + 10; t <= T0 + 130; t += 10) {
      wg_clinic_tick(&f.cl, t);
      events += f.cl.nevents;
      wg_clinic_committed(&f.cl);
    }
    if (events != cases[i].events)
      FAIL_AT("case %zu: %zu events, want %zu", i, events, cases[i].events);
    ASSERT_NEAR(f.cl.states[1].intake[0].required, 0.75, 1e-9);
    teardown(&f);
  }
}

/*
 * A patient removed from the configuration by a reload: each of their open
 * alerts is closed with the reason (a `cleared` event, in the journal and
 * the audit trail) and escalates no more; the alerts of a patient who
 * stays are left as they are.
 */
static void reload_closes_removed_patients_alerts(void) {
  static const char only_p2[] =
      "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
      "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
      "{\"id\":\"p-2\",\"devices\":[\"cup-2\"]}]}";
  fixture_t f;
  wg_config_t *cfg2 = test_config(only_p2);
  wg_reading_t r = num("oxi-1", "spo2", 85, T0);

  ASSERT(cfg2 != NULL);
  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0);
  r = fall(T0 + 1);
  wg_clinic_reading(&f.cl, 0, 1, &r, T0 + 1);
  r = num("cup-2", "battery", 10, T0 + 2);
  r.patient_id = "p-2";
  wg_clinic_reading(&f.cl, 1, 0, &r, T0 + 2);
  ASSERT_EQ(f.cl.nevents, 3);
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000001", "nurse", NULL, NULL, false,
                          false, T0 + 3),
            1);
  wg_clinic_committed(&f.cl);
  ASSERT_EQ(f.cl.alerts.nopen, 3);

  ASSERT_EQ(wg_clinic_set_patients(&f.cl, cfg2, T0 + 10), 0);
  ASSERT_EQ(f.cl.nevents, 2);
  for (size_t i = 0; i < f.cl.nevents; i++) {
    const wg_alert_event_t *ev = &f.cl.events[i];
    ASSERT_EQ(ev->alert.state, WG_ALERT_CLEARED);
    ASSERT_STR_EQ(ev->alert.patient, "p-1");
    ASSERT(!ev->alert.open);
    ASSERT_NEAR(ev->alert.next_escalation, 0, 0);
    ASSERT_NEAR(ev->alert.ts, T0 + 10, 0);
    ASSERT_CONTAINS(ev->cause,
                    "closed: patient p-1 removed from the configuration");
    ASSERT_CONTAINS(ev->alert.summary,
                    "Closed (patient p-1 removed from the configuration)");
  }
  ASSERT_STR_EQ(f.cl.events[0].alert.id, "gw-1-000001");
  ASSERT_STR_EQ(f.cl.events[1].alert.id, "gw-1-000002");
  ASSERT_EQ(f.counters.alerts_cleared, 2);
  /* p-2's battery alert is open; nothing of p-1's escalates any more. */
  ASSERT_EQ(f.cl.alerts.nopen, 1);
  ASSERT_STR_EQ(wg_alerts_at(&f.cl.alerts, 0)->patient, "p-2");
  ASSERT(wg_clinic_committed(&f.cl));
  wg_clinic_tick(&f.cl, T0 + 7200);
  for (size_t i = 0; i < f.cl.nevents; i++)
    ASSERT_STR_EQ(f.cl.events[i].alert.patient, "p-2");
  /* An ack for a closed alert is no longer the clinic's. */
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000002", "nurse", NULL, NULL, false,
                          false, T0 + 7300),
            WG_EINVAL);
  wg_clinic_free(&f.cl);
  wg_config_free(f.cfg);
  wg_config_free(cfg2);
}

/* A reload keeps the state of a patient that stays, drops the one that
 * goes, and marks the conditions of the open
 * alerts in the new states. */
static void reload_carries_state(void) {
  static const char reloaded[] =
      "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
      "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
      "{\"id\":\"p-3\",\"devices\":[\"x-3\"]},"
      "{\"id\":\"p-1\",\"devices\":[\"fall-1\",\"oxi-1\"],"
      "\"thresholds\":[{\"name\":\"spo2\",\"below\":90,\"severity\":\"high\"},"
      "{\"name\":\"hr\",\"above\":120,\"severity\":\"medium\"}]}]}";
  fixture_t f;
  wg_config_t *cfg2 = test_config(reloaded);
  wg_reading_t r = num("oxi-1", "spo2", 85, T0);

  ASSERT(cfg2 != NULL);
  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0);
  ASSERT_EQ(f.cl.nevents, 1);
  wg_clinic_committed(&f.cl);
  ASSERT_EQ(wg_clinic_set_patients(&f.cl, cfg2, T0 + 1), 0);
  ASSERT_EQ(f.cl.nstates, 2);
  ASSERT(f.cl.states[1].thresholds[0].active);
  ASSERT(!f.cl.states[1].thresholds[1].active);
  /* p-1 is now index 1, oxi-1 its device 1. */
  r = num("oxi-1", "spo2", 84, T0 + 2);
  wg_clinic_reading(&f.cl, 1, 1, &r, T0 + 2);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_UPDATED);
  r = num("oxi-1", "hr", 130, T0 + 3);
  wg_clinic_reading(&f.cl, 1, 1, &r, T0 + 3);
  ASSERT_EQ(f.cl.nevents, 2);
  ASSERT_EQ(f.cl.events[1].alert.state, WG_ALERT_RAISED);
  ASSERT_EQ(f.cl.events[1].alert.severity, WG_SEV_MEDIUM);
  wg_clinic_free(&f.cl);
  wg_config_free(f.cfg);
  wg_config_free(cfg2);
}

TEST_MAIN(T(restore_after_restart), T(restore_news2_band), T(restore_intake),
          T(restore_intake_without_readings), T(restore_intake_checkpoints),
          T(reload_closes_removed_patients_alerts), T(reload_carries_state))
