/* SPDX-License-Identifier: MIT */
/*
 * NEWS2 and time (DESIGN.md section 8 "Time"), through the clinic with a
 * fake clock: a late set's news2 message says it is late and when it was
 * measured; a whole back-filled set older than the patient's newest
 * readings is scored on its own, at its own time, marked retrospective,
 * never replacing the newer set, never clearing or raising an alert, and
 * never the patient's entry in news2/latest; sent as seven one-reading
 * packs it is still one score.
 */
#include "clinic/clinic.h"
#include "hub/latest.h"
#include "test.h"
#include "testcfg.h"

/* 2025-11-23 12:13:20 UTC */
#define T0 1763900000.0

static const char cfg_json[] =
    TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"kit-1\"]}]}";

typedef struct obs_s {
  const char *name;
  double v;
} obs_t;

/* A set scoring 0, and one scoring 3+3+3+3 = 12 (emergency). */
static const obs_t normal[] = {{"rr", 16},   {"spo2", 97}, {"o2", 0},
                               {"sbp", 120}, {"hr", 70},   {"acvpu", 0},
                               {"temp", 37}};
static const obs_t sick[] = {{"rr", 28},  {"spo2", 90}, {"o2", 0},
                             {"sbp", 85}, {"hr", 135},  {"acvpu", 0},
                             {"temp", 37}};

static wg_reading_t reading(const obs_t *o, double t, double rt) {
  wg_reading_t r = {0};
  r.device_id = "kit-1";
  r.patient_id = "p-1";
  r.name = o->name;
  r.unit = "";
  if (strcmp(o->name, "o2") == 0) {
    r.vb = o->v != 0;
    r.flags = WG_READING_HAS_VB;
  } else if (strcmp(o->name, "acvpu") == 0) {
    r.vs = "A";
  } else {
    r.value = o->v;
    r.flags = WG_READING_HAS_VALUE;
  }
  r.ts = t;
  r.received = rt;
  return r;
}

/* The set @set measured at @t, received at @rt, as the commit hands it:
 * in one pack, or one pack a reading; then the batch's end. */
static void send_set(wg_clinic_t *cl, const obs_t *set, double t, double rt,
                     bool one_pack) {
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    wg_reading_t r = reading(&set[k], t - k, rt);
    if (k == 0 || !one_pack)
      wg_clinic_pack_begin(cl);
    wg_clinic_reading(cl, 0, 0, &r, rt);
    if (k == WG_NEWS2_NPARAMS - 1 || !one_pack) {
      wg_clinic_pack_end(cl, rt);
      wg_clinic_news2(cl, 0, "kit-1", rt);
    }
  }
  wg_clinic_batch_end(cl, rt);
}

static wg_news2_json_t message(const wg_clinic_score_t *cs) {
  wg_news2_json_t j;
  wg_news2_json(&cs->score, cs->patient, cs->ts, cs->scale, true, &j);
  return j;
}

/* A complete set measured two hours ago, synced now, with nothing newer:
 * scored at its own time (as built), and its message now says so. */
static void late_set_marked(void) {
  wg_config_t *cfg = test_config(cfg_json);
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  wg_news2_json_t j;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
  send_set(&cl, sick, T0 - 7200, T0, true);
  ASSERT_EQ(cl.nscores, 1);
  ASSERT_EQ(cl.scores[0].score.score, 12);
  ASSERT(cl.scores[0].score.late);
  ASSERT(!cl.scores[0].score.retrospective);
  ASSERT_NEAR(cl.scores[0].score.measured_at, T0 - 7200, 1e-6);
  j = message(&cl.scores[0]);
  ASSERT_CONTAINS(j.message, "\"band\":\"high\",\"late\":true,"
                             "\"measured_at\":1763892800.000000}");
  ASSERT(strstr(j.message, "retrospective") == NULL);
  wg_clinic_committed(&cl);
  /* A fresh set after it: no marker. */
  send_set(&cl, normal, T0 + 60, T0 + 60, true);
  ASSERT_EQ(cl.nscores, 1);
  ASSERT(!cl.scores[0].score.late);
  j = message(&cl.scores[0]);
  ASSERT(strstr(j.message, "late") == NULL);
  ASSERT(strstr(j.message, "measured_at") == NULL);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

/*
 * The patient is sick now (an emergency NEWS2 alert open); the morning's
 * round, normal, is synced: one score of its own (0, retrospective, late,
 * at its measured time), no event, the alert open, the current set kept.
 * Then the other way round: a sick round of the past raises nothing while
 * the patient is well now. Each in one pack and in seven.
 */
static void backfilled_set_on_its_own(void) {
  for (int one_pack = 0; one_pack < 2; one_pack++) {
    wg_config_t *cfg = test_config(cfg_json);
    wg_counters_t counters = {0};
    wg_latest_t latest;
    wg_clinic_t cl;
    wg_news2_json_t j;
    const wg_clinic_score_t *cs;

    ASSERT(cfg != NULL);
    ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
    ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
    wg_latest_init(&latest);
    ASSERT_EQ(wg_latest_set_patients(&latest, cfg), 0);

    send_set(&cl, sick, T0, T0, true);
    ASSERT_EQ(cl.nevents, 1);
    ASSERT_EQ(cl.events[0].alert.state, WG_ALERT_RAISED);
    ASSERT_EQ(cl.events[0].alert.severity, WG_SEV_EMERGENCY);
    ASSERT_EQ(cl.nscores, 1);
    j = message(&cl.scores[0]);
    ASSERT_EQ(wg_latest_learn(&latest, j.message, strlen(j.message)), 1);
    wg_clinic_committed(&cl);
    latest.changed = false;

    send_set(&cl, normal, T0 - 7200, T0 + 60, one_pack != 0);
    if (cl.nscores != 1)
      FAIL_AT("one_pack %d: %zu scores, want 1", one_pack, cl.nscores);
    cs = &cl.scores[0];
    ASSERT_EQ(cs->score.score, 0);
    ASSERT(cs->score.complete);
    ASSERT(cs->score.retrospective);
    ASSERT(cs->score.late);
    ASSERT_NEAR(cs->score.measured_at, T0 - 7200, 1e-6);
    ASSERT_NEAR(cs->ts, T0 - 7200, 1e-6);
    ASSERT_EQ(cl.nevents, 0);
    ASSERT_EQ(cl.alerts.nopen, 1);
    ASSERT_EQ(cl.states[0].news2_last.score, 12);
    ASSERT_NEAR(cl.states[0].news2_anchor, T0, 1e-6);
    j = message(cs);
    ASSERT_CONTAINS(j.message, "\"score\":0,");
    ASSERT_CONTAINS(j.message, "\"late\":true,\"retrospective\":true,"
                               "\"measured_at\":1763892800.000000}");
    /* news2/latest keeps the newer set. */
    ASSERT_EQ(wg_latest_learn(&latest, j.message, strlen(j.message)), 0);
    ASSERT(!latest.changed);
    wg_clinic_committed(&cl);

    /* The current set repeated: still open (no fresh set below the band
     * has come, and the past one did not count as one). */
    send_set(&cl, sick, T0 + 120, T0 + 120, true);
    ASSERT_EQ(cl.alerts.nopen, 1);
    wg_clinic_committed(&cl);
    wg_latest_free(&latest);
    wg_clinic_free(&cl);

    /* Well now; a sick round of the past raises nothing. */
    ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
    ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, T0), 0);
    send_set(&cl, normal, T0, T0, true);
    wg_clinic_committed(&cl);
    send_set(&cl, sick, T0 - 3000, T0 + 60, one_pack != 0);
    ASSERT_EQ(cl.nscores, 1);
    ASSERT_EQ(cl.scores[0].score.score, 12);
    ASSERT(cl.scores[0].score.retrospective);
    ASSERT(!cl.scores[0].score.late); /* 50 min: within the fresh limit */
    j = message(&cl.scores[0]);
    ASSERT_CONTAINS(j.message, "\"late\":false,\"retrospective\":true,");
    ASSERT_EQ(cl.nevents, 0);
    ASSERT_EQ(cl.alerts.nopen, 0);
    ASSERT_EQ(cl.states[0].news2_last.score, 0);
    wg_clinic_free(&cl);
    wg_config_free(cfg);
  }
}

TEST_MAIN(T(late_set_marked), T(backfilled_set_on_its_own))
