/* SPDX-License-Identifier: MIT */
/*
 * One deterioration, one alert to act on (issue #27): a threshold alert
 * and the NEWS2 alert raised by the same reading are linked (`related`),
 * only the more urgent escalates while both wait, and one ack answers
 * both. Through the clinic, with a fake clock.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/clinic.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define T0 1763900000.0

/* SpO2 below 90 is `high` for p-1; pulse above 85 `low` (scores 0 at 86). */
static const char cfg_json[] =
    TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"],"
                 "\"news2\":{},\"expect\":[],"
                 "\"thresholds\":[{\"name\":\"spo2\",\"below\":90,"
                 "\"severity\":\"high\"},{\"name\":\"hr\",\"above\":85,"
                 "\"severity\":\"low\"}]}]}";

typedef struct fixture_s {
  wg_config_t *cfg;
  wg_counters_t counters;
  wg_clinic_t cl;
} fixture_t;

static int setup(fixture_t *f) {
  memset(f, 0, sizeof(*f));
  if ((f->cfg = test_config(cfg_json)) == NULL ||
      wg_clinic_init(&f->cl, "gw-1", 1, 24, &f->counters) != 0)
    return -1;
  return wg_clinic_set_patients(&f->cl, f->cfg, T0);
}

static void teardown(fixture_t *f) {
  wg_clinic_free(&f->cl);
  wg_config_free(f->cfg);
}

/* One pack of reading @name @v at @t, then its NEWS2, as the commit does. */
static void pack(fixture_t *f, const char *name, double v, double t) {
  wg_reading_t r = {0};

  r.device_id = "oxi-1";
  r.patient_id = "p-1";
  r.name = name;
  r.unit = "";
  r.value = v;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = r.received = t;
  wg_clinic_pack_begin(&f->cl);
  wg_clinic_reading(&f->cl, 0, 0, &r, t);
  wg_clinic_pack_end(&f->cl, t);
  wg_clinic_news2(&f->cl, 0, "oxi-1", t);
}

static const wg_alert_event_t *event_of(const fixture_t *f, wg_rule_t rule) {
  for (size_t i = 0; i < f->cl.nevents; i++)
    if (f->cl.events[i].alert.rule == rule)
      return &f->cl.events[i];
  return NULL;
}

/*
 * SpO2 85: the `high` threshold and a NEWS2 single 3 (`medium`), both
 * raised by one reading: both raise events name each other; only the
 * threshold (more urgent) escalates, for both; an ack of the NEWS2 alert
 * answers the threshold too.
 */
static void one_reading_two_alerts_linked(void) {
  fixture_t f;
  const wg_alert_event_t *th, *n2;
  char th_id[96], n2_id[96];
  char *json;
  wg_alert_t back;

  ASSERT_EQ(setup(&f), 0);
  pack(&f, "spo2", 85, T0);
  ASSERT_EQ(f.cl.nevents, 2);
  th = event_of(&f, WG_RULE_THRESHOLD);
  n2 = event_of(&f, WG_RULE_NEWS2);
  ASSERT(th != NULL && n2 != NULL);
  ASSERT_EQ(th->alert.severity, WG_SEV_HIGH);
  ASSERT_EQ(n2->alert.severity, WG_SEV_MEDIUM);
  ASSERT_STR_EQ(th->alert.related, n2->alert.id);
  ASSERT_STR_EQ(n2->alert.related, th->alert.id);
  strcpy(th_id, th->alert.id);
  strcpy(n2_id, n2->alert.id);
  /* The wire says so, and reads back. */
  json = wg_alert_event_to_json(n2);
  ASSERT(json != NULL);
  ASSERT_CONTAINS(json, "\"related\":\"gw-1-000001\"");
  ASSERT_EQ(wg_alert_from_json(json, &back), 0);
  ASSERT_STR_EQ(back.related, th_id);
  free(json);
  wg_clinic_committed(&f.cl);

  /* The threshold's 10 min, not the NEWS2 alert's 30, and once. */
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0), T0 + 600, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 600);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_STR_EQ(f.cl.events[0].alert.id, th_id);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_ESCALATED);
  ASSERT_CONTAINS(f.cl.events[0].cause, "for gw-1-000002 too");
  wg_clinic_committed(&f.cl);
  /* At 30 min the NEWS2 alert's own deadline passes: still one asks. */
  wg_clinic_tick(&f.cl, T0 + 1800);
  for (size_t i = 0; i < f.cl.nevents; i++)
    ASSERT_STR_EQ(f.cl.events[i].alert.id, th_id);
  wg_clinic_committed(&f.cl);

  /* One ack, both answered. */
  ASSERT_EQ(wg_clinic_ack(&f.cl, n2_id, "nurse", "visit", NULL, false, false,
                          T0 + 1900),
            1);
  ASSERT_EQ(f.cl.nevents, 2);
  ASSERT_STR_EQ(f.cl.events[1].alert.id, th_id);
  ASSERT_EQ(f.cl.events[1].alert.state, WG_ALERT_ACKNOWLEDGED);
  ASSERT_CONTAINS(f.cl.events[1].cause, "one deterioration");
  ASSERT_STR_EQ(f.cl.events[1].outcome, "visit");
  wg_clinic_committed(&f.cl);
  ASSERT_EQ(wg_alerts_next_deadline(&f.cl.alerts), 0); /* none escalates */
  teardown(&f);
}

/*
 * The more urgent escalates: at NEWS2 7+ (emergency) the NEWS2 alert does,
 * for the `high` threshold; when the NEWS2 alert closes, the threshold,
 * unanswered past its deadline, escalates on its own at once.
 */
static void more_urgent_escalates_partner_closed(void) {
  fixture_t f;
  char th_id[96];

  ASSERT_EQ(setup(&f), 0);
  pack(&f, "rr", 26, T0);  /* rr 3: NEWS2 medium alone */
  pack(&f, "sbp", 88, T0); /* sbp 3 + rr 3 = 6, medium */
  wg_clinic_committed(&f.cl);
  pack(&f, "spo2", 85, T0 + 60); /* + spo2 3: 9, emergency, linked */
  ASSERT(event_of(&f, WG_RULE_THRESHOLD) != NULL);
  strcpy(th_id, event_of(&f, WG_RULE_THRESHOLD)->alert.id);
  ASSERT_EQ(event_of(&f, WG_RULE_NEWS2)->alert.severity, WG_SEV_EMERGENCY);
  ASSERT_STR_EQ(event_of(&f, WG_RULE_NEWS2)->alert.related, th_id);
  wg_clinic_committed(&f.cl);
  /* The NEWS2 alert was raised at T0 (medium, 30 min), rose to emergency
   * at T0 + 60 (5 min): its deadline comes first and is the pair's. */
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 60), T0 + 360, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 660);
  for (size_t i = 0; i < f.cl.nevents; i++)
    ASSERT(strcmp(f.cl.events[i].alert.id, th_id) != 0);
  wg_clinic_committed(&f.cl);
  /* Recovery: two fresh sets at 0 close the NEWS2 alert; the threshold
   * needs a second SpO2 inside its limit: open, and overdue, it asks on
   * its own at once. */
  pack(&f, "rr", 16, T0 + 700);
  pack(&f, "sbp", 120, T0 + 700);
  pack(&f, "spo2", 97, T0 + 710); /* one reading inside: still open */
  pack(&f, "hr", 70, T0 + 720);   /* the second set at 0 */
  wg_clinic_committed(&f.cl);
  ASSERT(wg_alerts_find(&f.cl.alerts, "p-1", WG_RULE_THRESHOLD, "spo2<90") !=
         NULL);
  if (wg_alerts_find(&f.cl.alerts, "p-1", WG_RULE_NEWS2, "news2") == NULL) {
    wg_clinic_tick(&f.cl, T0 + 721);
    ASSERT(f.cl.nevents >= 1);
    ASSERT_STR_EQ(f.cl.events[0].alert.id, th_id);
    ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_ESCALATED);
  } else {
    FAIL_AT("the NEWS2 alert should have cleared");
  }
  teardown(&f);
}

/* A threshold whose parameter does not score in the set (a pulse of 86
 * above a limit of 85 scores 0) is not the NEWS2 alert's deterioration. */
static void unrelated_threshold_not_linked(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  pack(&f, "rr", 26, T0);
  wg_clinic_committed(&f.cl);
  pack(&f, "hr", 86, T0 + 60);
  ASSERT(event_of(&f, WG_RULE_THRESHOLD) != NULL);
  ASSERT_STR_EQ(event_of(&f, WG_RULE_THRESHOLD)->alert.related, "");
  ASSERT_STR_EQ(
      wg_alerts_find(&f.cl.alerts, "p-1", WG_RULE_NEWS2, "news2")->related, "");
  teardown(&f);
}

/* The link survives a restart, read back from either half. */
static void link_restored(void) {
  fixture_t f, g;
  char *json[2];
  size_t n = 0;

  ASSERT_EQ(setup(&f), 0);
  pack(&f, "spo2", 85, T0);
  ASSERT_EQ(f.cl.nevents, 2);
  /* The threshold as stored before the link (its first event) and the
   * NEWS2 alert with it. */
  for (size_t i = 0; i < 2; i++) {
    wg_alert_event_t ev = f.cl.events[i];
    if (ev.alert.rule == WG_RULE_THRESHOLD)
      ev.alert.related[0] = '\0';
    json[n++] = wg_alert_event_to_json(&ev);
  }
  ASSERT_EQ(setup(&g), 0);
  for (size_t i = 0; i < n; i++)
    ASSERT_EQ(wg_clinic_restore_alert(&g.cl, json[i], T0 + 1), 0);
  ASSERT_STR_EQ(
      wg_alerts_find(&g.cl.alerts, "p-1", WG_RULE_THRESHOLD, "spo2<90")
          ->related,
      wg_alerts_find(&g.cl.alerts, "p-1", WG_RULE_NEWS2, "news2")->id);
  ASSERT_NEAR(wg_clinic_next_deadline(&g.cl, T0 + 1), T0 + 600, 1e-6);
  for (size_t i = 0; i < n; i++)
    free(json[i]);
  teardown(&f);
  teardown(&g);
}

/* Linking refuses what is not two open, unlinked alerts. */
static void link_refused(void) {
  fixture_t f;

  ASSERT_EQ(setup(&f), 0);
  pack(&f, "spo2", 85, T0);
  ASSERT_EQ(wg_alerts_link(&f.cl.alerts, "gw-1-000001", "gw-1-000001"),
            WG_EINVAL);
  ASSERT_EQ(wg_alerts_link(&f.cl.alerts, "gw-1-000001", "gw-1-000099"),
            WG_EINVAL);
  pack(&f, "hr", 135, T0 + 1); /* hr threshold: a third alert */
  ASSERT_EQ(wg_alerts_link(&f.cl.alerts, "gw-1-000003", "gw-1-000001"),
            WG_EINVAL); /* already linked to the NEWS2 alert */
  ASSERT_EQ(wg_alerts_link(&f.cl.alerts, "gw-1-000002", "gw-1-000001"), 0);
  teardown(&f);
}

TEST_MAIN(T(one_reading_two_alerts_linked),
          T(more_urgent_escalates_partner_closed),
          T(unrelated_threshold_not_linked), T(link_restored), T(link_refused))
