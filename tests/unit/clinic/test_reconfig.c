/* SPDX-License-Identifier: MIT */
/*
 * Open alerts under a patient's changed configuration (clinic/reconfig.c),
 * with a fake clock: a threshold removed closes its alert at once, one
 * whose limit changed is closed by the next reading of its name and that
 * reading is judged by the new limit; after a restart the same.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "clinic/clinic.h"
#include "test.h"
#include "testcfg.h"

#define T0 1763900000.0
#define HEAD                                                                   \
  "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"   \
  "{}},\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":\"p-1\",\"devices\":"    \
  "[\"oxi-1\",\"cuff-1\"],\"expect\":[]"

static const char below90[] = HEAD ",\"thresholds\":[{\"name\":\"spo2\","
                                   "\"below\":90,\"severity\":\"high\"}]}]}";
static const char below88[] = HEAD ",\"thresholds\":[{\"name\":\"spo2\","
                                   "\"below\":88,\"severity\":\"high\"}]}]}";
static const char none[] = HEAD "}]}";
static const char cup[] = HEAD ",\"intake\":[{\"name\":\"fluid_intake\","
                               "\"daily_target\":1.5,\"checkpoints\":"
                               "{\"12:00\":0.25}}]}]}";

static wg_reading_t spo2(double v, double ts) {
  wg_reading_t r = {0};
  r.device_id = "oxi-1";
  r.patient_id = "p-1";
  r.name = "spo2";
  r.unit = "%";
  r.value = v;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = r.received = ts;
  return r;
}

static wg_counters_t counters;

/* The last queued event's state and summary. */
static const wg_alert_event_t *last(const wg_clinic_t *cl) {
  return cl->nevents ? &cl->events[cl->nevents - 1] : NULL;
}

static void limit_changed(void) {
  wg_config_t *a = test_config(below90), *b = test_config(below88);
  wg_clinic_t cl;
  wg_reading_t r;

  ASSERT(a != NULL && b != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, a, T0), 0);
  r = spo2(85, T0 + 10);
  wg_clinic_reading(&cl, 0, 0, &r, T0 + 10);
  ASSERT_EQ(cl.alerts.nopen, 1);
  ASSERT_EQ(last(&cl)->alert.state, WG_ALERT_RAISED);
  wg_clinic_committed(&cl);
  /* The limit changes: the alert stays open until the next reading. */
  snprintf(cl.discharged_by, sizeof(cl.discharged_by),
           "configuration version 2");
  ASSERT_EQ(wg_clinic_set_patients(&cl, b, T0 + 20), 0);
  cl.discharged_by[0] = '\0';
  ASSERT_EQ(cl.nevents, 0);
  ASSERT_EQ(cl.alerts.nopen, 1);
  ASSERT_EQ(cl.nsuperseded, 1);
  /* 89: inside the new limit. The old alert closes and says why; no new
   * one. */
  r = spo2(89, T0 + 30);
  wg_clinic_reading(&cl, 0, 0, &r, T0 + 30);
  ASSERT_EQ(cl.alerts.nopen, 0);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(last(&cl)->alert.state, WG_ALERT_CLEARED);
  ASSERT_CONTAINS(last(&cl)->alert.summary,
                  "Closed (threshold spo2<90 replaced by spo2<88 in "
                  "configuration version 2; the next reading, spo2 89, is "
                  "judged by the new limit)");
  ASSERT_EQ(cl.nsuperseded, 0);
  wg_clinic_committed(&cl);
  /* 85 is beyond the new limit too: a new alert, keyed by it. */
  r = spo2(85, T0 + 40);
  wg_clinic_reading(&cl, 0, 0, &r, T0 + 40);
  ASSERT_EQ(cl.alerts.nopen, 1);
  ASSERT_STR_EQ(wg_alerts_at(&cl.alerts, 0)->key, "spo2<88");
  wg_clinic_free(&cl);
  wg_config_free(a);
  wg_config_free(b);
}

static void threshold_removed(void) {
  wg_config_t *a = test_config(below90), *b = test_config(none);
  wg_clinic_t cl;
  wg_reading_t r = spo2(85, T0 + 10);

  ASSERT(a != NULL && b != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, a, T0), 0);
  wg_clinic_reading(&cl, 0, 0, &r, T0 + 10);
  wg_clinic_committed(&cl);
  ASSERT_EQ(wg_clinic_set_patients(&cl, b, T0 + 20), 0);
  ASSERT_EQ(cl.alerts.nopen, 0);
  ASSERT_EQ(last(&cl)->alert.state, WG_ALERT_CLEARED);
  ASSERT_CONTAINS(last(&cl)->alert.summary,
                  "Closed (threshold spo2<90 of patient p-1 no longer in the "
                  "configuration)");
  /* Nothing left to escalate: a tick long after queues nothing. */
  wg_clinic_committed(&cl);
  wg_clinic_tick(&cl, T0 + 3600);
  ASSERT_EQ(cl.nevents, 0);
  wg_clinic_free(&cl);
  wg_config_free(a);
  wg_config_free(b);
}

/* Changed while the daemon was down: the open alert from the store is
 * judged the same way when it comes back. */
static void restored_under_new_limit(void) {
  wg_config_t *a = test_config(below90), *b = test_config(below88);
  wg_clinic_t cl, cl2;
  wg_reading_t r = spo2(85, T0 + 10);
  char *json;

  ASSERT(a != NULL && b != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, a, T0), 0);
  wg_clinic_reading(&cl, 0, 0, &r, T0 + 10);
  json = wg_alert_event_to_json(last(&cl));
  ASSERT(json != NULL);
  ASSERT_EQ(wg_clinic_init(&cl2, "gw-1", 2, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl2, b, T0 + 100), 0);
  ASSERT_EQ(wg_clinic_restore_alert(&cl2, json, T0 + 100), 0);
  ASSERT_EQ(cl2.alerts.nopen, 1);
  ASSERT_EQ(cl2.nsuperseded, 1);
  r = spo2(92, T0 + 110);
  wg_clinic_reading(&cl2, 0, 0, &r, T0 + 110);
  ASSERT_EQ(cl2.alerts.nopen, 0);
  ASSERT_CONTAINS(last(&cl2)->alert.summary, "replaced by spo2<88 in the "
                                             "configuration");
  free(json);
  wg_clinic_free(&cl);
  wg_clinic_free(&cl2);
  wg_config_free(a);
  wg_config_free(b);
}

/* An unused cup's alert (missed_obs on the intake's key, not an expected
 * observation) is still configured after a restart: kept open. */
static void cup_alert_kept_at_restart(void) {
  wg_config_t *a = test_config(cup);
  double day = floor(T0 / 86400) * 86400;
  wg_clinic_t cl, cl2;
  char *json;

  setenv("TZ", "UTC", 1);
  tzset();
  ASSERT(a != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, a, day + 3600), 0);
  wg_clinic_tick(&cl, day + 12 * 3600 + 600); /* noon and its spread */
  ASSERT(last(&cl) != NULL);
  ASSERT_EQ(last(&cl)->alert.rule, WG_RULE_MISSED_OBS);
  ASSERT_STR_EQ(last(&cl)->alert.key, "fluid_intake");
  json = wg_alert_event_to_json(last(&cl));
  ASSERT(json != NULL);
  ASSERT_EQ(wg_clinic_init(&cl2, "gw-1", 2, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl2, a, day + 12 * 3600 + 660), 0);
  ASSERT_EQ(wg_clinic_restore_alert(&cl2, json, day + 12 * 3600 + 660), 0);
  ASSERT_EQ(cl2.alerts.nopen, 1);
  ASSERT_EQ(cl2.nevents, 0);
  free(json);
  wg_clinic_free(&cl);
  wg_clinic_free(&cl2);
  wg_config_free(a);
}

/* A NEWS2 set of patient p-1 (device obs-1) at @ts, SpO2 @spo2 off oxygen,
 * the rest normal, scored. */
static void news2_set(wg_clinic_t *cl, double spo2_v, double ts) {
  static const char *const names[] = {"rr", "sbp", "hr", "temp"};
  static const double values[] = {16, 120, 70, 37};
  wg_reading_t r = spo2(spo2_v, ts);

  r.device_id = "obs-1";
  wg_clinic_reading(cl, 0, 0, &r, ts);
  for (size_t k = 0; k < 4; k++) {
    r.name = names[k];
    r.value = values[k];
    r.unit = k == 3 ? "Cel" : "";
    wg_clinic_reading(cl, 0, 0, &r, ts);
  }
  r.name = "o2";
  r.flags = WG_READING_HAS_VB;
  r.vb = false;
  wg_clinic_reading(cl, 0, 0, &r, ts);
  r.name = "acvpu";
  r.flags = 0;
  r.vs = "A";
  wg_clinic_reading(cl, 0, 0, &r, ts);
  wg_clinic_news2(cl, 0, "obs-1", ts);
}

/* Scale 2 prescribed under an open NEWS2 alert: the alert goes on, and its
 * next event says the scale changed. */
static void scale_changed(void) {
  wg_config_t *a = test_config(HEAD "}]}"),
              *b = test_config(HEAD ",\"news2\":{\"scale\":2}}]}");
  const wg_alert_event_t *ev = NULL;
  wg_clinic_t cl;

  ASSERT(a != NULL && b != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, a, T0), 0);
  news2_set(&cl, 89, T0 + 10); /* scale 1: SpO2 89 scores 3 */
  ASSERT_EQ(cl.alerts.nopen, 1);
  ASSERT_EQ(wg_alerts_at(&cl.alerts, 0)->rule, WG_RULE_NEWS2);
  wg_clinic_committed(&cl);
  snprintf(cl.discharged_by, sizeof(cl.discharged_by),
           "configuration version 2");
  ASSERT_EQ(wg_clinic_set_patients(&cl, b, T0 + 20), 0);
  cl.discharged_by[0] = '\0';
  ASSERT_EQ(cl.alerts.nopen, 1); /* carried on */
  ASSERT_EQ(cl.nevents, 0);
  /* Scale 2: SpO2 89 off oxygen scores 0; two such sets clear it. */
  for (int k = 0; k < 2 && ev == NULL; k++) {
    news2_set(&cl, 89, T0 + 30 + 10 * k);
    for (size_t e = 0; e < cl.nevents && ev == NULL; e++)
      if (cl.events[e].alert.rule == WG_RULE_NEWS2)
        ev = &cl.events[e];
  }
  ASSERT(ev != NULL);
  ASSERT_CONTAINS(ev->alert.summary, "NEWS2 on SpO2 scale 2 since "
                                     "configuration version 2 (was scale 1)");
  ASSERT_EQ(cl.nsuperseded, 0); /* said once */
  wg_clinic_free(&cl);
  wg_config_free(a);
  wg_config_free(b);
}

TEST_MAIN(T(limit_changed), T(threshold_removed), T(restored_under_new_limit),
          T(cup_alert_kept_at_restart), T(scale_changed))
