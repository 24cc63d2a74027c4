/* SPDX-License-Identifier: MIT */
/*
 * The clinic with a fake clock: readings, NEWS2, acks, timed rules and
 * escalations in, queued events and scores out. Restore after a restart and
 * the patients carried over a reload are test_clinic_restore.c's.
 */
#include "clinic_fixture.h"

/* A fall raises at once, escalates on the patient's timeout, and the ack
 * closes it; an ack for it after that is no longer the clinic's. */
static void fall_raise_escalate_ack(void) {
  fixture_t f;
  wg_reading_t r = fall(T0);
  const wg_alert_t *al;
  char id[96];

  ASSERT_EQ(setup(&f, patients_json, 42), 0);
  wg_clinic_reading(&f.cl, 0, 1, &r, T0);
  ASSERT_EQ(f.cl.nevents, 1);
  al = &f.cl.events[0].alert;
  ASSERT_EQ(al->state, WG_ALERT_RAISED);
  ASSERT_EQ(al->rule, WG_RULE_FALL);
  ASSERT_STR_EQ(al->id, "gw-1-000042");
  ASSERT_STR_EQ(al->device, "fall-1");
  snprintf(id, sizeof(id), "%s", al->id);
  ASSERT_EQ(f.counters.alerts_raised, 1);
  ASSERT(wg_clinic_committed(&f.cl));
  ASSERT_EQ(f.cl.nevents, 0);
  ASSERT(!wg_clinic_committed(&f.cl));

  /* high: 10 minutes. The earliest deadline is the escalation, before the
   * missed spo2 (60 minutes). */
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0), T0 + 600, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 599.9);
  ASSERT_EQ(f.cl.nevents, 0);
  wg_clinic_tick(&f.cl, T0 + 600);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_ESCALATED);
  ASSERT_EQ(f.cl.events[0].alert.escalation, 1);
  ASSERT_EQ(f.counters.alerts_escalated, 1);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 600), T0 + 1200, 1e-6);

  ASSERT_EQ(
      wg_clinic_ack(&f.cl, id, "Dr Who", NULL, NULL, false, false, T0 + 700),
      1);
  ASSERT_EQ(f.cl.nevents, 2);
  ASSERT_EQ(f.cl.events[1].alert.state, WG_ALERT_ACKNOWLEDGED);
  ASSERT_STR_EQ(f.cl.events[1].alert.acked_by, "Dr Who");
  ASSERT_EQ(f.cl.alerts.nopen, 0);
  ASSERT_EQ(f.counters.alerts_acknowledged, 1);
  /* Closed: the caller looks for it in the audit trail. */
  ASSERT_EQ(
      wg_clinic_ack(&f.cl, id, "Dr Who", NULL, NULL, false, false, T0 + 710),
      WG_EINVAL);
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-999999", "Dr Who", NULL, NULL, false,
                          false, T0),
            WG_EINVAL);
  /* Only the missed observation is left to wait for. */
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 710), T0 + 3600, 1e-6);
  teardown(&f);
}

/* A threshold raised, repeated, acknowledged (still open: a condition),
 * and cleared after two readings back inside. */
static void threshold_lifecycle(void) {
  static const struct {
    double spo2;
    int state; /* of the event it causes, -1 for none */
  } steps[] = {
      {95, -1},
      {89, WG_ALERT_RAISED},
      {88, WG_ALERT_UPDATED},
      {91, -1},
      {89.5, -1}, /* no worse than 88 within the minute: held back */
      {90, -1},   /* the limit itself is inside */
      {97, WG_ALERT_CLEARED},
      {96, -1},
  };
  fixture_t f;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    double t = T0 + (double)i;
    wg_reading_t r = num("oxi-1", "spo2", steps[i].spo2, t);

    wg_clinic_reading(&f.cl, 0, 0, &r, t);
    if (steps[i].state < 0 && f.cl.nevents != 0)
      FAIL_AT("step %zu: %zu events, want none", i, f.cl.nevents);
    if (steps[i].state >= 0 &&
        (f.cl.nevents != 1 ||
         (int)f.cl.events[0].alert.state != steps[i].state))
      FAIL_AT("step %zu: want one %s event, got %zu", i,
              wg_alert_state_name((wg_alert_state_t)steps[i].state),
              f.cl.nevents);
    if (i == 2)
      ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000001", "nurse", NULL, NULL, false,
                              false, t),
                1);
    wg_clinic_committed(&f.cl);
  }
  ASSERT_EQ(f.cl.alerts.nopen, 0);
  ASSERT_EQ(f.counters.alerts_raised, 1);
  ASSERT_EQ(f.counters.alerts_updated, 1);
  ASSERT_EQ(f.counters.alerts_cleared, 1);
  ASSERT_EQ(f.counters.alerts_acknowledged, 1);
  teardown(&f);
}

/*
 * The wall clock stepped back an hour does not hold the escalation back an
 * hour, and stepped forward it does not fire every deadline at once: the
 * durations keep their length; a small drift is no step.
 */
static void clock_steps(void) {
  wg_reading_t r = fall(T0);
  fixture_t f;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  ASSERT_NEAR(wg_clinic_observe_clock(&f.cl, T0, 100.0), 0, 0);
  wg_clinic_reading(&f.cl, 0, 1, &r, T0);
  wg_clinic_committed(&f.cl);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0), T0 + 600, 1e-6);
  /* 60 s later by the monotonic clock, 1.5 s of drift: no step. */
  ASSERT_NEAR(wg_clinic_observe_clock(&f.cl, T0 + 61.5, 160.0), 0, 0);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 61.5), T0 + 600, 1e-6);
  /* 60 s more, but the wall clock says an hour earlier. */
  ASSERT_NEAR(wg_clinic_observe_clock(&f.cl, T0 + 121.5 - 3600, 220.0), -3600,
              1e-6);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 121.5 - 3600),
              T0 + 600 - 3600, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 600 - 3600);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_ESCALATED);
  wg_clinic_committed(&f.cl);
  /* Forward two hours: the next escalation is still ten minutes on, and
   * the missed spo2 an hour after the start, not overdue. */
  ASSERT_NEAR(wg_clinic_observe_clock(&f.cl, T0 + 600 - 3600 + 7200, 700.0),
              7200 - 1.5, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 600 + 3600);
  ASSERT_EQ(f.cl.nevents, 0);
  ASSERT(wg_clinic_next_deadline(&f.cl, T0 + 600 + 3600) > T0 + 600 + 3600);
  teardown(&f);
}

/*
 * An oximeter at 1 Hz below its limit: one `updated` a minute with the
 * latest evidence and the count, and one at once when the value is worse
 * than any before (DESIGN.md section 8). The loop is the daemon's: the
 * clinic's deadline ticks it.
 */
static void repeats_coalesced(void) {
  double at[8];
  int nupdated = 0;
  fixture_t f;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  for (int s = 0; s <= 200; s++) {
    double t = T0 + s, next = wg_clinic_next_deadline(&f.cl, t);
    wg_reading_t r = num("oxi-1", "spo2", s == 150 ? 85 : s % 2 ? 88 : 89, t);

    if (next > 0 && next <= t)
      wg_clinic_tick(&f.cl, t);
    wg_clinic_reading(&f.cl, 0, 0, &r, t);
    for (size_t i = 0; i < f.cl.nevents; i++) {
      const wg_alert_event_t *ev = &f.cl.events[i];
      if (ev->alert.state != WG_ALERT_UPDATED)
        continue;
      ASSERT(nupdated < 8);
      at[nupdated++] = ev->alert.ts - T0;
      if (nupdated == 2) { /* the first minute's repeats, coalesced */
        ASSERT_CONTAINS(ev->cause, "repeat (59 since the last event)");
        ASSERT_EQ(ev->alert.repeats, 60);
        ASSERT_NEAR(ev->alert.evidence[ev->alert.nevidence - 1].v, 89, 0);
        ASSERT_NEAR(ev->alert.evidence[ev->alert.nevidence - 1].t, T0 + 60, 0);
      }
      if (nupdated == 4)
        ASSERT_CONTAINS(ev->cause, "worse: spo2 85");
    }
    wg_clinic_committed(&f.cl);
  }
  ASSERT_EQ(nupdated, 4);
  ASSERT_NEAR(at[0], 1, 0);   /* 88 after 89: worse, at once */
  ASSERT_NEAR(at[1], 61, 0);  /* a minute after the last event */
  ASSERT_NEAR(at[2], 121, 0); /* and the next */
  ASSERT_NEAR(at[3], 150, 0); /* 85: worse than all before, at once */
  ASSERT_EQ(f.counters.alerts_raised, 1);
  ASSERT_EQ(f.counters.alerts_updated, 4);
  /* What is held back is in the alert itself, for alerts/active. */
  ASSERT_EQ(f.cl.alerts.nopen, 1);
  ASSERT_EQ(wg_alerts_at(&f.cl.alerts, 0)->repeats, 200);
  ASSERT_EQ(wg_alerts_at(&f.cl.alerts, 0)->held, 50);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 200), T0 + 210, 1e-9);
  teardown(&f);
}

/*
 * A heart rate alternating 90/91 (NEWS2 0 and 1, the same band) computed
 * every second: one news2 a minute with the latest score; a band change
 * goes out at once, whatever the last message's age (DESIGN.md section 8).
 * The alert rule still sees every computation.
 */
static void news2_coalesced(void) {
  static const struct {
    const char *name;
    double v;
  } fixed[] = {{"rr", 16}, {"spo2", 97}, {"sbp", 120}, {"temp", 37}};
  double at[16], ts[16];
  int n = 0;
  fixture_t f;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
    wg_reading_t r = num("oxi-1", fixed[i].name, fixed[i].v, T0);
    wg_clinic_reading(&f.cl, 0, 0, &r, T0);
  }
  for (int s = 0; s <= 210; s++) {
    double t = T0 + s, next = wg_clinic_next_deadline(&f.cl, t);
    wg_reading_t r = num("oxi-1", "hr", s >= 205 ? 135 : s % 2 ? 91 : 90, t);

    if (next > 0 && next <= t)
      wg_clinic_tick(&f.cl, t);
    wg_clinic_reading(&f.cl, 0, 0, &r, t);
    wg_clinic_news2(&f.cl, 0, "oxi-1", t);
    for (size_t i = 0; i < f.cl.nscores; i++) {
      ASSERT(n < 16);
      at[n] = s;
      ts[n++] = f.cl.scores[i].ts - T0;
    }
    wg_clinic_committed(&f.cl);
  }
  ASSERT_EQ(n, 5);
  ASSERT_NEAR(at[0], 0, 0); /* the first score */
  /* Then a minute after the last message, the latest score as computed. */
  ASSERT_NEAR(at[1], 60, 0);
  ASSERT_NEAR(ts[1], 59, 0);
  ASSERT_NEAR(at[2], 120, 0);
  ASSERT_NEAR(at[3], 180, 0);
  ASSERT_NEAR(at[4], 205, 0);             /* hr 135 scores 3: at once */
  ASSERT_EQ(f.counters.alerts_raised, 1); /* the single 3: medium, at once */
  teardown(&f);
}

/* NEWS2 once per call, published when it changed, with the alert it
 * drives; a reading of an unknown patient index changes nothing. */
static void news2_scores_and_alert(void) {
  static const struct {
    const char *name;
    double v;
  } obs[] = {
      {"rr", 26}, {"spo2", 91}, {"sbp", 95}, {"hr", 135}, {"temp", 39.5}};
  fixture_t f;
  wg_reading_t r;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
    r = num("oxi-1", obs[i].name, obs[i].v, T0);
    wg_clinic_reading(&f.cl, 0, 0, &r, T0);
  }
  wg_clinic_committed(&f.cl); /* the spo2 threshold is not NEWS2's */
  wg_clinic_news2(&f.cl, 0, "oxi-1", T0);
  ASSERT_EQ(f.cl.nscores, 1);
  ASSERT_STR_EQ(f.cl.scores[0].patient, "p-1");
  ASSERT(!f.cl.scores[0].score.complete);
  /* rr 3 + spo2 3 + sbp 2 + hr 3 + temp 2: 13, emergency. */
  ASSERT_EQ(f.cl.scores[0].score.score, 13);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.rule, WG_RULE_NEWS2);
  ASSERT_EQ(f.cl.events[0].alert.severity, WG_SEV_EMERGENCY);
  ASSERT_STR_EQ(f.cl.events[0].alert.device, "oxi-1");

  /* The same score again is neither published nor stored. */
  wg_clinic_news2(&f.cl, 0, "oxi-1", T0 + 1);
  ASSERT_EQ(f.cl.nscores, 1);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT(wg_clinic_committed(&f.cl));
  ASSERT_EQ(f.cl.nscores, 0);

  wg_clinic_news2(&f.cl, 7, "oxi-1", T0);
  r = num("oxi-1", "spo2", 80, T0);
  wg_clinic_reading(&f.cl, 7, 0, &r, T0);
  wg_clinic_replay(&f.cl, 7, 0, &r, T0);
  ASSERT_EQ(f.cl.nscores, 0);
  ASSERT_EQ(f.cl.nevents, 0);
  teardown(&f);
}

/*
 * A NEWS2 alert acknowledged at medium that deteriorates to 7 or more is
 * unacknowledged by the `updated` event and escalates on the emergency
 * timeout (DESIGN.md section 8, 2026-12-06).
 */
static void news2_acked_then_worse(void) {
  fixture_t f;
  wg_reading_t r = num("oxi-1", "rr", 26, T0);
  const wg_alert_t *al;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0);
  wg_clinic_news2(&f.cl, 0, "oxi-1", T0); /* rr 3: a single 3, medium */
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.severity, WG_SEV_MEDIUM);
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000001", "nurse", NULL, NULL, false,
                          false, T0 + 60),
            1);
  wg_clinic_committed(&f.cl);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 60), T0 + 3600, 1e-6);

  /* hr 135 and sbp 95: 3 + 3 + 2 = 8, emergency. */
  r = num("oxi-1", "hr", 135, T0 + 120);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0 + 120);
  r = num("oxi-1", "sbp", 95, T0 + 120);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0 + 120);
  wg_clinic_news2(&f.cl, 0, "oxi-1", T0 + 120);
  ASSERT_EQ(f.cl.nevents, 1);
  al = &f.cl.events[0].alert;
  ASSERT_EQ(al->state, WG_ALERT_UPDATED);
  ASSERT_EQ(al->severity, WG_SEV_EMERGENCY);
  ASSERT(!al->acknowledged);
  ASSERT_CONTAINS(f.cl.events[0].cause, "no longer stands");
  wg_clinic_committed(&f.cl);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 120), T0 + 420, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 420);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_ESCALATED);
  ASSERT_EQ(f.cl.events[0].alert.escalation, 1);
  ASSERT_EQ(f.counters.alerts_escalated, 1);
  teardown(&f);
}

/* The timed rules: a missed observation raised at its deadline exactly and
 * cleared by the next reading; next_deadline() follows the last reading. */
static void timed_rules_deadlines(void) {
  fixture_t f;
  wg_reading_t r;

  ASSERT_EQ(setup(&f, patients_json, 1), 0);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0), T0 + 3600, 1e-6);
  r = num("oxi-1", "spo2", 97, T0 + 60);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0 + 60);
  ASSERT_NEAR(wg_clinic_next_deadline(&f.cl, T0 + 60), T0 + 3660, 1e-6);
  wg_clinic_tick(&f.cl, T0 + 3659);
  ASSERT_EQ(f.cl.nevents, 0);
  wg_clinic_tick(&f.cl, T0 + 3660);
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.rule, WG_RULE_MISSED_OBS);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_RAISED);
  /* No second raise while it is open. */
  wg_clinic_tick(&f.cl, T0 + 7300);
  ASSERT_EQ(f.cl.nevents, 1);
  r = num("oxi-1", "spo2", 97, T0 + 7400);
  wg_clinic_reading(&f.cl, 0, 0, &r, T0 + 7400);
  ASSERT_EQ(f.cl.nevents, 2);
  ASSERT_EQ(f.cl.events[1].alert.state, WG_ALERT_CLEARED);
  teardown(&f);
}

/* No event of @f's queue quotes an empty evidence entry. */
static bool no_empty_evidence(const fixture_t *f) {
  for (size_t i = 0; i < f->cl.nevents; i++)
    for (size_t k = 0; k < f->cl.events[i].alert.nevidence; k++)
      if (f->cl.events[i].alert.evidence[k].n[0] == '\0')
        return false;
  return true;
}

/*
 * An unacknowledged intake alert does not close itself at local midnight:
 * it goes on escalating, and the new day's 00:00 checkpoint may update
 * it; no event quotes empty evidence.
 */
static void intake_alert_survives_midnight(void) {
  fixture_t f;
  double midnight;

  setenv("TZ", "UTC", 1);
  tzset();
  midnight = wg_rules_next_local_midnight(T0);
  ASSERT_EQ(setup(&f, intake_json, 1), 0);
  /* A sip recorded (a cup that reports nothing at all raises its own
   * technical alert, test_intake_cup.c), then the 00:00 checkpoint. */
  wg_reading_t sip = num("cup-2", "fluid_intake", 0.05, T0 - 1);
  sip.patient_id = "p-2";
  wg_clinic_reading(&f.cl, 1, 0, &sip, T0 - 1);
  wg_clinic_tick(&f.cl, T0); /* 00:00 checkpoint passed, short */
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_RAISED);
  ASSERT_EQ(f.cl.events[0].alert.rule, WG_RULE_LOW_INTAKE);
  wg_clinic_committed(&f.cl);
  /* Escalated every 30 minutes, across midnight; never cleared. */
  for (double t = T0 + 60; t <= midnight + 1200; t += 60) {
    wg_clinic_tick(&f.cl, t);
    ASSERT(no_empty_evidence(&f));
    for (size_t i = 0; i < f.cl.nevents; i++)
      if (f.cl.events[i].alert.state == WG_ALERT_CLEARED)
        FAIL_AT("cleared at midnight%+g s: %s", t - midnight,
                f.cl.events[i].cause);
    wg_clinic_committed(&f.cl);
  }
  /* The shortfall's alert, and the new day's 00:00 checkpoint with no
   * reading at all from the cup: its own technical alert (issue #27). */
  ASSERT_EQ(f.cl.alerts.nopen, 2);
  ASSERT(wg_alerts_find(&f.cl.alerts, "p-2", WG_RULE_LOW_INTAKE,
                        "fluid_intake") != NULL);
  ASSERT(wg_alerts_find(&f.cl.alerts, "p-2", WG_RULE_MISSED_OBS,
                        "fluid_intake") != NULL);
  ASSERT(f.counters.alerts_escalated > 0);
  ASSERT_EQ(f.counters.alerts_cleared, 0);
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000001", "nurse", NULL, NULL, false,
                          false, midnight + 1300),
            1);
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000002", "nurse", NULL, NULL, false,
                          false, midnight + 1300),
            1);
  wg_clinic_committed(&f.cl);
  ASSERT_NEAR(wg_alerts_next_deadline(&f.cl.alerts), 0, 0);
  teardown(&f);
}

/*
 * The same alert acknowledged before midnight: the new day's checkpoint,
 * missed again, updates it as a new shortfall and it escalates again.
 */
static void intake_new_day_undoes_ack(void) {
  static const char noon_json[] =
      "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
      "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
      "{\"id\":\"p-2\",\"devices\":[\"cup-2\"],"
      "\"intake\":[{\"name\":\"fluid_intake\",\"daily_target\":1.5,"
      "\"checkpoints\":{\"12:00\":0.25}}]}]}";
  fixture_t f;
  double midnight;

  setenv("TZ", "UTC", 1);
  tzset();
  midnight = wg_rules_next_local_midnight(T0);
  ASSERT_EQ(setup(&f, noon_json, 1), 0);
  /* A sip recorded (the cup reports), then the noon checkpoint missed. */
  wg_reading_t sip = num("cup-2", "fluid_intake", 0.05, T0 - 1);
  sip.patient_id = "p-2";
  wg_clinic_reading(&f.cl, 0, 0, &sip, T0 - 1);
  wg_clinic_tick(&f.cl, T0); /* 12:13: the noon checkpoint missed */
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(wg_clinic_ack(&f.cl, "gw-1-000001", "nurse", NULL, NULL, false,
                          false, T0 + 60),
            1);
  wg_clinic_committed(&f.cl);
  wg_clinic_tick(&f.cl, midnight);
  ASSERT_EQ(f.cl.nevents, 0);
  /* The cup records nothing drunk (0 l; one that reports nothing at all
   * raises its own technical alert instead, test_intake_cup.c). */
  sip.value = 0;
  sip.ts = sip.received = midnight + 3600;
  wg_clinic_reading(&f.cl, 0, 0, &sip, midnight + 3600);
  wg_clinic_tick(&f.cl, midnight + 12 * 3600 + 600); /* noon's spread */
  ASSERT_EQ(f.cl.nevents, 1);
  ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_UPDATED);
  ASSERT_STR_EQ(f.cl.events[0].alert.id, "gw-1-000001");
  ASSERT(!f.cl.events[0].alert.acknowledged);
  ASSERT_CONTAINS(f.cl.events[0].cause, "no longer stands");
  ASSERT(no_empty_evidence(&f));
  wg_clinic_committed(&f.cl);
  ASSERT_NEAR(wg_alerts_next_deadline(&f.cl.alerts),
              midnight + 12 * 3600 + 600 + 1800, 1e-6);
  teardown(&f);
}

/*
 * Issue #26 item 6: a back-filled burst (a cuff syncing a day, a fall
 * sensor flushing its buffer) taken as one pack yields at most one alert
 * per rule and key, whose summary gives the range, not an event a reading:
 * one raise for the worst or the latest, and a clear after it when the
 * burst ends back inside. A pack of one reading is as before.
 */
static void backfilled_burst_one_alert(void) {
  static const struct {
    const char *what;
    size_t n;       /* readings, 5 min apart, received a day later */
    int episode;    /* 0: all below 90; N: N below, N inside, ...; -1 falls */
    bool ends_open; /* the alert is open after the burst */
    size_t events;  /* events of the pack */
    const char *says;
  } cases[] = {
      {"all below", 288, 0, true, 1, "288 readings"},
      {"episodes, ends inside", 300, 10, false, 2, "150 readings"},
      {"episodes, ends below", 290, 10, true, 1, "150 readings"},
      {"falls", 6, -1, true, 1, "6 readings"},
      {"one reading", 1, 0, true, 1, "below the limit of 90"},
  };

  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    double t0 = T0 - 86400.0, now = T0;
    fixture_t f;

    ASSERT_EQ(setup(&f, patients_json, 1), 0);
    wg_clinic_pack_begin(&f.cl);
    for (size_t i = 0; i < cases[c].n; i++) {
      double t = t0 + 300.0 * (double)i;
      bool below =
          cases[c].episode == 0 ||
          (cases[c].episode > 0 && (i / (size_t)cases[c].episode) % 2 == 0);
      wg_reading_t r =
          cases[c].episode < 0
              ? fall(t)
              : num("oxi-1", "spo2", below ? 80 + (double)(i % 9) : 96, t);
      r.received = now;
      wg_clinic_reading(&f.cl, 0, cases[c].episode < 0 ? 1 : 0, &r, now);
    }
    wg_clinic_pack_end(&f.cl, now);
    if (f.cl.nevents != cases[c].events)
      FAIL_AT("%s: %zu events, want %zu", cases[c].what, f.cl.nevents,
              cases[c].events);
    ASSERT_EQ(f.counters.alerts_raised, 1);
    ASSERT_EQ(f.cl.events[0].alert.state, WG_ALERT_RAISED);
    ASSERT_CONTAINS(f.cl.events[0].alert.summary, cases[c].says);
    ASSERT_EQ(f.cl.alerts.nopen, cases[c].ends_open ? 1u : 0u);
    if (cases[c].events == 2)
      ASSERT_EQ(f.cl.events[1].alert.state, WG_ALERT_CLEARED);
    teardown(&f);
  }
}

TEST_MAIN(T(fall_raise_escalate_ack), T(backfilled_burst_one_alert),
          T(threshold_lifecycle), T(repeats_coalesced), T(news2_coalesced),
          T(clock_steps), T(news2_scores_and_alert), T(news2_acked_then_worse),
          T(timed_rules_deadlines), T(intake_alert_survives_midnight),
          T(intake_new_day_undoes_ack))
