/* SPDX-License-Identifier: MIT */
/* clock_unsynchronized (clinic/clinic.h): the gateway's clock, raised on
 * each configured patient's list while the hub's watch says it is to be
 * open, cleared once the clock is synchronised; one per patient, whatever
 * the number of readings of the clock; restored after a restart without a
 * duplicate; acknowledged and escalated like any alert. */
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define T0 1763900000.0
#define TWO_PATIENTS                                                           \
  TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"]},"       \
               "{\"id\":\"p-2\",\"devices\":[\"fall-2\"]}]}"

static void clinic_start(wg_clinic_t *cl, wg_counters_t *counters,
                         const wg_config_t *cfg) {
  ASSERT_EQ(wg_clinic_init(cl, "gw-1", 1, 24, counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(cl, cfg, T0), 0);
}

/* Raised on each patient's list once, cleared on each once. */
static void raised_per_patient_then_cleared(void) {
  wg_config_t *cfg = test_config(TWO_PATIENTS);
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  char *json;

  ASSERT(cfg != NULL);
  clinic_start(&cl, &counters, cfg);
  /* Synchronised from the start: nothing to clear. */
  wg_clinic_clock(&cl, false, 0, false, T0);
  ASSERT_EQ(cl.nevents, 0);
  wg_clinic_clock(&cl, true, 900, true, T0 + 900);
  ASSERT_EQ(cl.nevents, 2);
  for (size_t i = 0; i < 2; i++) {
    const wg_alert_t *al = &cl.events[i].alert;
    ASSERT_EQ(al->state, WG_ALERT_RAISED);
    ASSERT_EQ(al->rule, WG_RULE_CLOCK_UNSYNCHRONIZED);
    ASSERT_EQ(al->severity, WG_SEV_LOW);
    ASSERT_STR_EQ(al->patient, i == 0 ? "p-1" : "p-2");
    ASSERT_STR_EQ(al->key, "gw-1");
    ASSERT_STR_EQ(al->device, "");
    ASSERT_CONTAINS(al->summary, "not synchronised (NTP) for 15 min since "
                                 "its start");
    ASSERT_CONTAINS(al->summary, "may be wrong");
    /* Escalates at the low severity's timeout, as any alert. */
    ASSERT(al->next_escalation > T0 + 900);
  }
  json = wg_alert_to_json(&cl.events[0].alert);
  ASSERT(json != NULL);
  ASSERT_CONTAINS(json, "\"rule\":\"clock_unsynchronized\"");
  ASSERT_CONTAINS(json, "\"patient\":\"p-1\"");
  free(json);
  ASSERT_EQ(counters.alerts_raised, 2);
  wg_clinic_committed(&cl);
  /* Read again a minute later, still unsynchronised: nothing new. */
  wg_clinic_clock(&cl, true, 960, true, T0 + 960);
  ASSERT_EQ(cl.nevents, 0);
  ASSERT(wg_clinic_next_deadline(&cl, T0 + 960) > 0);
  wg_clinic_clock(&cl, false, 0, false, T0 + 1000);
  ASSERT_EQ(cl.nevents, 2);
  for (size_t i = 0; i < 2; i++) {
    ASSERT_EQ(cl.events[i].alert.state, WG_ALERT_CLEARED);
    ASSERT_CONTAINS(cl.events[i].cause, "synchronised (NTP) again");
  }
  wg_clinic_committed(&cl);
  ASSERT_EQ(cl.alerts.nopen, 0);
  wg_clinic_clock(&cl, false, 0, false, T0 + 1060);
  ASSERT_EQ(cl.nevents, 0);
  /* Lost later: raised again, without "since its start". */
  wg_clinic_clock(&cl, true, 1200, false, T0 + 3000);
  ASSERT_EQ(cl.nevents, 2);
  ASSERT(strstr(cl.events[0].alert.summary, "since its start") == NULL);
  ASSERT_EQ(counters.alerts_raised, 4);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

/* After a restart the open alerts come back from the store: the clock's
 * watch raising again at the grace adds nothing; synchronised, each is
 * cleared; a patient configured since gets its own. */
static void restored_without_duplicate(void) {
  wg_config_t *cfg = test_config(TWO_PATIENTS);
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  char *json[2];

  ASSERT(cfg != NULL);
  clinic_start(&cl, &counters, cfg);
  wg_clinic_clock(&cl, true, 900, true, T0 + 900);
  ASSERT_EQ(cl.nevents, 2);
  for (size_t i = 0; i < 2; i++)
    ASSERT((json[i] = wg_alert_to_json(&cl.events[i].alert)) != NULL);
  wg_clinic_free(&cl);

  clinic_start(&cl, &counters, cfg);
  for (size_t i = 0; i < 2; i++) {
    ASSERT_EQ(wg_clinic_restore_alert(&cl, json[i], T0 + 2000), 0);
    free(json[i]);
  }
  ASSERT_EQ(cl.alerts.nopen, 2);
  wg_clinic_clock(&cl, true, 900, true, T0 + 2900);
  ASSERT_EQ(cl.nevents, 0);
  ASSERT_EQ(cl.alerts.nopen, 2);
  wg_clinic_clock(&cl, false, 0, false, T0 + 3000);
  ASSERT_EQ(cl.nevents, 2);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_CLEARED);
  ASSERT_EQ(cl.events[1].alert.state, WG_ALERT_CLEARED);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

/* Acknowledged by the hub: it stays open (the condition holds), is not
 * raised again at the next reading of the clock, and is still cleared by
 * the synchronisation. */
static void acknowledged_then_cleared(void) {
  wg_config_t *cfg = test_config(TWO_PATIENTS);
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  char id[96];

  ASSERT(cfg != NULL);
  clinic_start(&cl, &counters, cfg);
  wg_clinic_clock(&cl, true, 900, true, T0 + 900);
  ASSERT_EQ(cl.nevents, 2);
  memcpy(id, cl.events[0].alert.id, sizeof(id));
  wg_clinic_committed(&cl);
  ASSERT_EQ(
      wg_clinic_ack(&cl, id, "nurse-1", NULL, NULL, false, false, T0 + 1000),
      1);
  ASSERT_EQ(cl.nevents, 1);
  ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_ACKNOWLEDGED);
  wg_clinic_committed(&cl);
  wg_clinic_clock(&cl, true, 1000, true, T0 + 1000);
  ASSERT_EQ(cl.nevents, 0);
  wg_clinic_clock(&cl, false, 0, false, T0 + 1100);
  ASSERT_EQ(cl.nevents, 2);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

/* No patient configured: nothing to raise, nothing breaks. */
static void no_patients(void) {
  wg_config_t *cfg = test_config(TESTCFG_HEAD "\"patients\":[]}");
  wg_counters_t counters = {0};
  wg_clinic_t cl;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  wg_clinic_clock(&cl, true, 900, true, T0); /* before any patients */
  ASSERT_EQ(cl.nevents, 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  wg_clinic_clock(&cl, true, 900, true, T0);
  ASSERT_EQ(cl.nevents, 0);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

TEST_MAIN(T(raised_per_patient_then_cleared), T(restored_without_duplicate),
          T(acknowledged_then_cleared), T(no_patients))
