/* SPDX-License-Identifier: MIT */
/*
 * Devices by class (issue #27): a fall sensor's silence is `medium` after
 * its heartbeat interval, a battery level is no measurement, and a fall
 * sensor repeating itself is coalesced into one alert that still lets a
 * new fall after an ack raise. With a fake clock.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/clinic.h"
#include "clinic/rules.h"
#include "test.h"
#include "testcfg.h"

#define T0 1763900000.0

#define DEVICES(list)                                                          \
  TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":" list "}]}"

/* The device object's class and silent_min, and their bad values. */
static void device_class_configured(void) {
  static const struct {
    const char *json;
    bool ok, fall;
    double silent_min;
  } cases[] = {
      {DEVICES("[\"fall-1\"]"), true, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"class\":\"fall_sensor\"}]"), true, true,
       0},
      /* A device that may report falls is a fall sensor. */
      {DEVICES("[{\"id\":\"fall-1\",\"keys\":[\"fall\",\"battery\"]}]"), true,
       true, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"keys\":[\"fall\"],\"class\":\"other\"}]"),
       true, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"class\":\"fall_sensor\","
               "\"silent_min\":15}]"),
       true, true, 15},
      {DEVICES("[{\"id\":\"oxi-1\",\"silent_min\":0.05}]"), true, false, 0.05},
      {DEVICES("[{\"id\":\"fall-1\",\"class\":\"fall\"}]"), false, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"class\":1}]"), false, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"silent_min\":0}]"), false, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"silent_min\":-5}]"), false, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"silent_min\":\"60\"}]"), false, false, 0},
      {DEVICES("[{\"id\":\"fall-1\",\"heartbeat\":60}]"), false, false, 0},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_config_t *cfg = test_config(cases[i].json);
    if ((cfg != NULL) != cases[i].ok) {
      wg_config_free(cfg);
      FAIL_AT("case %zu: loaded %d, want %d", i, cfg != NULL, cases[i].ok);
    }
    if (cfg == NULL)
      continue;
    ASSERT_EQ(cfg->patients[0].device_conf[0].fall_sensor, cases[i].fall);
    ASSERT_NEAR(cfg->patients[0].device_conf[0].silent_min, cases[i].silent_min,
                1e-9);
    wg_config_free(cfg);
  }
}

static wg_reading_t reading(const char *device, const char *name, double v,
                            double t) {
  wg_reading_t r = {0};

  r.device_id = device;
  r.name = name;
  r.unit = "";
  if (strcmp(name, "fall") == 0) {
    r.vb = v != 0;
    r.flags = WG_READING_HAS_VB;
  } else {
    r.value = v;
    r.flags = WG_READING_HAS_VALUE;
  }
  r.ts = r.received = t;
  return r;
}

/*
 * Silence by class, at the boundary: the fall sensor (heartbeat expected
 * hourly) at 60 min exactly and `medium`; the oximeter with silent_min 30
 * at 30 min and `low`; the plain cup after device_silent_h (24 h) and
 * `low`. The fall sensor's battery levels do not keep it from silence,
 * and the summary says it sends only those; a measurement clears it.
 */
static void silence_by_class(void) {
  static const char json[] =
      DEVICES("[{\"id\":\"fall-1\",\"keys\":[\"fall\",\"battery\"]},"
              "{\"id\":\"oxi-1\",\"silent_min\":30},\"cup-1\"]");
  static const struct {
    double at; /* seconds after T0 */
    const char *key;
    wg_severity_t sev;
    const char *says;
  } raised[] = {
      {1800, "oxi-1", WG_SEV_LOW, "No reading from oxi-1 for 30 min"},
      {3600, "fall-1", WG_SEV_MEDIUM,
       "No reading from fall-1 for 1 h (battery level only): falls are "
       "not being watched"},
      {86400, "cup-1", WG_SEV_LOW, "No reading from cup-1 for 24 h"},
  };
  wg_config_t *cfg = test_config(json);
  wg_rule_state_t st;
  wg_verdict_t v[8];
  wg_reading_t r;

  ASSERT(cfg != NULL);
  const wg_patient_t *p = &cfg->patients[0];
  ASSERT_EQ(wg_rule_state_init(&st, p, T0), 0);
  /* The fall sensor sends battery levels only. */
  for (double t = T0 + 600; t < T0 + 3600; t += 600) {
    r = reading("fall-1", "battery", 80, t);
    ASSERT_EQ(wg_rules_eval(p, &st, &r, 0, t, v, 8), 0);
  }
  ASSERT_NEAR(wg_rules_next_deadline(p, &st, T0, 86400), T0 + 1800, 1e-6);
  for (size_t i = 0; i < sizeof(raised) / sizeof(raised[0]); i++) {
    double at = T0 + raised[i].at;
    ASSERT_EQ(wg_rules_tick(p, &st, at - 0.001, 86400, v, 8), 0);
    ASSERT_EQ(wg_rules_tick(p, &st, at, 86400, v, 8), 1);
    ASSERT_EQ(v[0].rule, WG_RULE_DEVICE_SILENT);
    ASSERT_STR_EQ(v[0].key, raised[i].key);
    ASSERT_EQ(v[0].severity, raised[i].sev);
    ASSERT_STR_EQ(v[0].summary, raised[i].says);
  }
  /* Another battery level: still silent; a heartbeat (no fall) clears. */
  r = reading("fall-1", "battery", 79, T0 + 90000);
  ASSERT_EQ(wg_rules_eval(p, &st, &r, 0, T0 + 90000, v, 8), 0);
  r = reading("fall-1", "fall", 0, T0 + 90001);
  ASSERT_EQ(wg_rules_eval(p, &st, &r, 0, T0 + 90001, v, 8), 1);
  ASSERT_EQ(v[0].kind, WG_VERDICT_CLEAR);
  ASSERT_STR_EQ(v[0].key, "fall-1");
  ASSERT_NEAR(wg_rules_next_deadline(p, &st, T0 + 90001, 86400),
              T0 + 90001 + 3600, 1e-6);
  wg_rule_state_free(&st);
  wg_config_free(cfg);
}

/*
 * H-F3: 200 fall packs from one sensor in 100 s. Before: 202 hub events.
 * Now: one raise at once, then at most one `updated` a minute carrying
 * the count, its summary saying the sensor chatters; an ack closes it and
 * the next fall raises a new alert at once.
 */
static void chattering_fall_sensor(void) {
  static const char json[] =
      DEVICES("[{\"id\":\"fall-1\",\"class\":\"fall_sensor\"}]");
  wg_config_t *cfg = test_config(json);
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  size_t events = 0, updated = 0;
  char id[96] = "";

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  for (int i = 0; i < 200; i++) {
    double t = T0 + 0.5 * i;
    wg_reading_t r = reading("fall-1", "fall", 1, t);
    wg_clinic_reading(&cl, 0, 0, &r, t);
    wg_clinic_tick(&cl, t);
    for (size_t k = 0; k < cl.nevents; k++) {
      if (cl.events[k].alert.rule != WG_RULE_FALL)
        continue;
      events++;
      if (cl.events[k].alert.state == WG_ALERT_RAISED) {
        ASSERT_EQ(t, T0); /* the first, at once */
        strcpy(id, cl.events[k].alert.id);
      }
      if (cl.events[k].alert.state == WG_ALERT_UPDATED)
        updated++;
    }
    wg_clinic_committed(&cl);
  }
  /* Held repeats go out a minute after the last event. */
  wg_clinic_tick(&cl, T0 + 200);
  for (size_t k = 0; k < cl.nevents; k++) {
    events++;
    updated += cl.events[k].alert.state == WG_ALERT_UPDATED;
  }
  ASSERT(updated >= 1 && updated <= 2);
  ASSERT_EQ(events, 1 + updated);
  ASSERT_EQ(cl.events[cl.nevents - 1].alert.repeats, 199);
  ASSERT_CONTAINS(cl.events[cl.nevents - 1].alert.summary,
                  "falls reported within a minute: check the sensor");
  wg_clinic_committed(&cl);

  /* The ack closes it; a new fall after it raises, at once. */
  ASSERT_EQ(wg_clinic_ack(&cl, id, "nurse", NULL, NULL, false, false, T0 + 201),
            1);
  wg_clinic_committed(&cl);
  wg_reading_t r = reading("fall-1", "fall", 1, T0 + 202);
  wg_clinic_reading(&cl, 0, 0, &r, T0 + 202);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_RAISED);
  ASSERT(strcmp(cl.events[0].alert.id, id) != 0);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

TEST_MAIN(T(device_class_configured), T(silence_by_class),
          T(chattering_fall_sensor))
