/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <time.h>

#include "clinic/alerts.h"
#include "clinic/alerts_internal.h"
#include "common/json_scratch.h"
#include "failalloc.h"
#include "test.h"
#include "wardgate/error.h"

#include "alerts_fixture.h"

static void raise_repeat_escalate_ack(void) {
  wg_verdict_t fall =
      verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  char id[96];

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_RAISED);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000001");
  ASSERT_EQ(ev.alert.escalation, 0);
  ASSERT_EQ(ev.alert.repeats, 0);
  ASSERT_NEAR(ev.alert.raised, T0, 0);
  ASSERT_NEAR(wg_alerts_next_deadline(&a), T0 + 600, 1e-9);
  snprintf(id, sizeof(id), "%s", ev.alert.id);

  /* A second fall while open: the same alert, updated, repeats 1. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0 + 60, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_UPDATED);
  ASSERT_STR_EQ(ev.alert.id, id);
  ASSERT_EQ(ev.alert.repeats, 1);
  ASSERT_EQ(ev.alert.nevidence, 2);
  ASSERT_EQ(a.nopen, 1);
  /* A repeat does not move the deadline. */
  ASSERT_NEAR(wg_alerts_next_deadline(&a), T0 + 600, 1e-9);

  /* Escalation at exactly the timeout, not a moment before. */
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 599.999, &ev), 0);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 600, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_ESCALATED);
  ASSERT_EQ(ev.alert.escalation, 1);
  ASSERT_CONTAINS(ev.cause, "not acknowledged within 10 min");
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 600, &ev), 0);
  /* Again and again, on the same cadence. */
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 1199, &ev), 0);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 1200, &ev), 1);
  ASSERT_EQ(ev.alert.escalation, 2);

  /* The ack stops escalation and, for an event rule, closes the alert. */
  ASSERT_EQ(wg_alerts_ack(&a, id, "nurse-7", NULL, NULL, false, false,
                          T0 + 1300, &ev),
            1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_ACKNOWLEDGED);
  ASSERT_STR_EQ(ev.alert.acked_by, "nurse-7");
  ASSERT(!ev.alert.open);
  ASSERT_EQ(a.nopen, 0);
  ASSERT_NEAR(wg_alerts_next_deadline(&a), 0, 0);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 99999, &ev), 0);
  /* A second ack of a closed alert changes nothing. */
  ASSERT_EQ(wg_alerts_ack(&a, id, "nurse-8", NULL, NULL, false, false,
                          T0 + 1400, &ev),
            WG_EINVAL);

  /* A fall after that is a new alert. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0 + 2000, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_RAISED);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000002");
  wg_alerts_free(&a);
}

static void condition_ack_then_clear(void) {
  wg_verdict_t low =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_MEDIUM, "spo2<90");
  wg_verdict_t ok =
      verdict(WG_VERDICT_CLEAR, WG_RULE_THRESHOLD, WG_SEV_MEDIUM, "spo2<90");
  char id[96];

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 41), 0);
  /* Clearing with nothing open: no event. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &ok, timeouts, T0, &ev), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &low, timeouts, T0, &ev), 1);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000041");
  snprintf(id, sizeof(id), "%s", ev.alert.id);
  /* Another patient, same rule and key: a separate alert. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-2", &low, timeouts, T0, &ev), 1);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000042");
  ASSERT_EQ(a.nopen, 2);

  /* Ack: stays open (the condition holds), no more escalation. */
  ASSERT_EQ(
      wg_alerts_ack(&a, id, "dr-a", NULL, NULL, false, false, T0 + 10, &ev), 1);
  ASSERT(ev.alert.open);
  ASSERT_EQ(a.nopen, 2);
  ASSERT_EQ(
      wg_alerts_ack(&a, id, "dr-a", NULL, NULL, false, false, T0 + 11, &ev),
      0); /* idempotent */
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 1800, &ev), 1);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000042"); /* only the other one */
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 1800, &ev), 0);
  /* A repeat while acknowledged updates, still without escalation. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &low, timeouts, T0 + 20, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_UPDATED);
  ASSERT(ev.alert.acknowledged);

  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &ok, timeouts, T0 + 30, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_CLEARED);
  ASSERT_STR_EQ(ev.alert.id, id);
  ASSERT(!ev.alert.open);
  ASSERT_EQ(a.nopen, 1);
  /* Ack after clear: the alert is no longer open; nothing changes. */
  ASSERT_EQ(
      wg_alerts_ack(&a, id, "dr-b", NULL, NULL, false, false, T0 + 40, &ev),
      WG_EINVAL);
  ASSERT_EQ(a.nopen, 1);
  ASSERT_EQ(wg_alerts_ack(&a, "gw-1-999999", "dr-b", NULL, NULL, false, false,
                          T0, &ev),
            WG_EINVAL);
  wg_alerts_free(&a);
}

static void severity_change_updates(void) {
  wg_verdict_t med =
      verdict(WG_VERDICT_RAISE, WG_RULE_NEWS2, WG_SEV_MEDIUM, "news2");
  wg_verdict_t emer =
      verdict(WG_VERDICT_RAISE, WG_RULE_NEWS2, WG_SEV_EMERGENCY, "news2");

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &med, timeouts, T0, &ev), 1);
  ASSERT_NEAR(ev.alert.next_escalation, T0 + 1800, 1e-9);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &emer, timeouts, T0 + 60, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_UPDATED);
  ASSERT_EQ(ev.alert.severity, WG_SEV_EMERGENCY);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000001");
  ASSERT_CONTAINS(ev.cause, "severity medium -> emergency");
  /* The emergency deadline (5 min) comes forward. */
  ASSERT_NEAR(ev.alert.next_escalation, T0 + 60 + 300, 1e-9);
  ASSERT_EQ(a.nopen, 1);
  wg_alerts_free(&a);
}

/*
 * An ack answers what the clinician saw (DESIGN.md section 8, 2026-12-06):
 * an acknowledged alert whose severity then rises is unacknowledged again
 * and escalates on the new severity's timeout; a repeat at the same
 * severity, a worse value of the same severity or a fall in severity
 * leaves the ack standing.
 */
static void acked_then_worse_escalates_again(void) {
  wg_verdict_t med =
      verdict(WG_VERDICT_RAISE, WG_RULE_NEWS2, WG_SEV_MEDIUM, "news2");
  wg_verdict_t emer =
      verdict(WG_VERDICT_RAISE, WG_RULE_NEWS2, WG_SEV_EMERGENCY, "news2");
  char *json;
  cJSON *o;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  med.graded = emer.graded = true;
  med.grade = 5;
  emer.grade = 7;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &med, timeouts, T0, &ev), 1);
  ASSERT_EQ(wg_alerts_ack(&a, "gw-1-000001", "nurse-7", NULL, NULL, true, false,
                          T0 + 60, &ev),
            1);
  ASSERT_NEAR(wg_alerts_next_deadline(&a), 0, 0);
  /* Worse within its severity (5 to 6): still acknowledged. */
  med.grade = 6;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &med, timeouts, T0 + 120, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_UPDATED);
  ASSERT(ev.alert.acknowledged);
  ASSERT_NEAR(ev.alert.next_escalation, 0, 0);

  /* Up to emergency: unacknowledged, escalating on 5 minutes from now. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &emer, timeouts, T0 + 180, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_UPDATED);
  ASSERT_EQ(ev.alert.severity, WG_SEV_EMERGENCY);
  ASSERT(!ev.alert.acknowledged);
  ASSERT(!ev.alert.acked_local);
  ASSERT_STR_EQ(ev.alert.acked_by, "");
  ASSERT_NEAR(ev.alert.next_escalation, T0 + 180 + 300, 1e-9);
  ASSERT_CONTAINS(ev.cause, "severity medium -> emergency");
  ASSERT_CONTAINS(ev.cause, "the acknowledgement by nurse-7 no longer stands: "
                            "escalates on the emergency timeout of 5 min");
  json = wg_alert_event_to_json(&ev);
  ASSERT(json != NULL);
  o = cJSON_Parse(json);
  ASSERT(o != NULL);
  ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(o, "acknowledged")));
  ASSERT(cJSON_GetObjectItem(o, "by") == NULL);
  ASSERT(cJSON_GetObjectItem(o, "via") == NULL);
  ASSERT_NEAR(cJSON_GetObjectItem(o, "escalates_at")->valuedouble,
              T0 + 180 + 300, 1e-6);
  cJSON_Delete(o);
  free(json);
  ASSERT_NEAR(wg_alerts_next_deadline(&a), T0 + 480, 1e-9);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 479.999, &ev), 0);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 480, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_ESCALATED);
  ASSERT_EQ(ev.alert.escalation, 1);
  ASSERT_CONTAINS(ev.cause, "not acknowledged within 5 min");

  /* A new ack stops it again; a fall back to medium leaves that ack. */
  ASSERT_EQ(wg_alerts_ack(&a, "gw-1-000001", "dr-b", NULL, NULL, false, false,
                          T0 + 500, &ev),
            1);
  ASSERT(ev.alert.acknowledged);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &med, timeouts, T0 + 560, &ev), 1);
  ASSERT_EQ(ev.alert.severity, WG_SEV_MEDIUM);
  ASSERT(ev.alert.acknowledged);
  ASSERT_STR_EQ(ev.alert.acked_by, "dr-b");
  ASSERT_NEAR(wg_alerts_next_deadline(&a), 0, 0);
  wg_alerts_free(&a);
}

static void late_timer_escalates_once(void) {
  wg_verdict_t fall =
      verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0, &ev), 1);
  /* The box slept through three deadlines: one escalation now, the next
   * one a full timeout later. */
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 2000, &ev), 1);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 2000, &ev), 0);
  ASSERT_NEAR(wg_alerts_next_deadline(&a), T0 + 2600, 1e-9);
  wg_alerts_free(&a);
}

static void ids_unique_across_restart(void) {
  wg_verdict_t fall =
      verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  wg_alert_t back;
  char *json;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (int i = 0; i < 3; i++) {
    char patient[16];
    snprintf(patient, sizeof(patient), "p-%d", i);
    ASSERT_EQ(wg_alerts_apply(&a, patient, &fall, timeouts, T0, &ev), 1);
  }
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000003");
  /* What the store keeps is the published JSON; it must come back whole. */
  json = wg_alert_to_json(&ev.alert);
  ASSERT(json != NULL);
  ASSERT_CONTAINS(json, "{\"id\":\"gw-1-000003\",\"gateway\":\"gw-1\","
                        "\"patient\":\"p-2\",\"device\":\"dev-1\",\"rule\":"
                        "\"fall\",\"severity\":\"high\",\"state\":\"raised\","
                        "\"escalation\":0,");
  ASSERT_CONTAINS(json, "\"evidence\":[{\"n\":\"fall\",\"vb\":true,");
  wg_alerts_free(&a);

  /* A restart: the sequence resumes after the restored alert. */
  ASSERT_EQ(wg_alert_from_json(json, &back), 0);
  free(json);
  ASSERT_EQ(back.seq, 3);
  ASSERT_STR_EQ(back.patient, "p-2");
  ASSERT_EQ(back.rule, WG_RULE_FALL);
  ASSERT_EQ(back.severity, WG_SEV_HIGH);
  ASSERT_NEAR(back.next_escalation, T0 + 600, 1e-6);
  ASSERT_EQ(back.nevidence, 1);
  ASSERT_EQ(back.evidence[0].vb, 1);
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_restore(&a, &back), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-9", &fall, timeouts, T0, &ev), 1);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000004");
  /* The restored alert is still the open one for p-2. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-2", &fall, timeouts, T0 + 60, &ev), 1);
  ASSERT_EQ(ev.alert.state, WG_ALERT_UPDATED);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-000003");
  /* Past a million the id grows a digit; it never wraps. */
  wg_alerts_free(&a);
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1000000), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0, &ev), 1);
  ASSERT_STR_EQ(ev.alert.id, "gw-1-1000000");
  ASSERT_EQ(wg_alert_from_json("{\"id\":1}", &back), WG_EINVAL);
  ASSERT_EQ(wg_alert_from_json("not json", &back), WG_EINVAL);
  wg_alerts_free(&a);
}

static void evidence_bounded(void) {
  wg_verdict_t fall =
      verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  /* A minute apart, so that each repeat is published (issue #27: repeats
   * of a fall within the minute are coalesced). */
  for (int i = 0; i < 20; i++) {
    fall.evidence.t = T0 + 60 * i;
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0 + 60 * i, &ev), 1);
  }
  ASSERT_EQ(ev.alert.repeats, 19);
  ASSERT_EQ(ev.alert.nevidence, WG_ALERT_EVIDENCE_MAX);
  /* The newest evidence is kept. */
  ASSERT_NEAR(ev.alert.evidence[WG_ALERT_EVIDENCE_MAX - 1].t, T0 + 60 * 19, 0);
  wg_alerts_free(&a);
}

/*
 * The indexes against a plain model: 600 keys over 60 patients raised,
 * repeated, acknowledged and cleared in a fixed pseudo-random order; after
 * every step each key is found exactly when the model has it open, by key
 * and by id, and the snapshot lists the open alerts oldest first.
 */
static void index_matches_model(void) {
  enum { NKEYS = 600 };
  static struct {
    bool open;
    char id[96];
    uint64_t seq;
  } model[NKEYS];
  unsigned x = 12345;
  size_t nopen = 0;

  memset(model, 0, sizeof(model));
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (int step = 0; step < 6000; step++) {
    char patient[16], key[16];
    wg_verdict_t v;
    int k, rc;

    x = x * 1103515245u + 12345u;
    k = (int)((x >> 8) % NKEYS);
    snprintf(patient, sizeof(patient), "p-%d", k % 60);
    snprintf(key, sizeof(key), "k%d", k / 60);
    if ((x >> 4) % 3 == 0 && model[k].open) {
      v = verdict(WG_VERDICT_CLEAR, WG_RULE_THRESHOLD, WG_SEV_LOW, key);
      ASSERT_EQ(wg_alerts_apply(&a, patient, &v, timeouts, T0 + step, &ev), 1);
      ASSERT_EQ(ev.alert.state, WG_ALERT_CLEARED);
      model[k].open = false;
      nopen--;
    } else if ((x >> 4) % 3 == 1 && model[k].open) {
      ASSERT_EQ(wg_alerts_ack(&a, model[k].id, "n", NULL, NULL, false, false,
                              T0 + step, &ev) >= 0,
                1);
    } else {
      v = verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_LOW, key);
      rc = wg_alerts_apply(&a, patient, &v, timeouts, T0 + step, &ev);
      ASSERT_EQ(rc, 1);
      if (!model[k].open) {
        ASSERT_EQ(ev.alert.state, WG_ALERT_RAISED);
        model[k].open = true;
        model[k].seq = ev.alert.seq;
        snprintf(model[k].id, sizeof(model[k].id), "%s", ev.alert.id);
        nopen++;
      } else {
        ASSERT_STR_EQ(ev.alert.id, model[k].id);
      }
    }
    ASSERT_EQ(a.nopen, nopen);
    if (step % 500 != 499)
      continue;
    for (int j = 0; j < NKEYS; j++) {
      const wg_alert_t *al;
      snprintf(patient, sizeof(patient), "p-%d", j % 60);
      snprintf(key, sizeof(key), "k%d", j / 60);
      al = wg_alerts_find(&a, patient, WG_RULE_THRESHOLD, key);
      ASSERT_EQ(al != NULL, model[j].open);
      if (al != NULL)
        ASSERT_STR_EQ(al->id, model[j].id);
      /* Acknowledging an open alert by id finds it; a closed id is unknown. */
      ASSERT_EQ(wg_alerts_ack(&a, model[j].id, "n", NULL, NULL, false, false,
                              T0 + step, &ev) >= 0,
                model[j].open);
    }
    for (size_t i = 1; i < a.nopen; i++)
      ASSERT(wg_alerts_at(&a, i - 1)->seq < wg_alerts_at(&a, i)->seq);
  }
  ASSERT(nopen > 100); /* the indexes grew and shrank under load */
  wg_alerts_free(&a);
}

/*
 * The indexes allocate as they grow: each allocation of each raise fails
 * alone in turn, and a raise that meets one is WG_ENOMEM with nothing
 * changed (never exit(), never an alert in one index and not the other),
 * unless it was the last, the keeping of its evidence's printed text;
 * enough raises that the indexes grow their buckets while failing.
 */
static void index_out_of_memory(void) {
  enum { NRAISE = 400 };
  long failed = 0;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (int i = 0; i < NRAISE; i++) {
    char key[16];
    wg_verdict_t v;
    int rc;

    snprintf(key, sizeof(key), "k%d", i);
    v = verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_LOW, key);
    for (long n = 0;; n++) {
      bool met;
      fail_only = n;
      rc = wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + i, &ev);
      met = fail_only < 0;
      fail_only = -1;
      if (!met)
        break;
      failed++;
      if (rc == 1) { /* its evidence's text not kept: printed again, later */
        const wg_open_alert_t *oa = a.open[a.nopen - 1];
        ASSERT(oa->evidence_to == oa->evidence_from);
        break;
      }
      ASSERT_EQ(rc, WG_ENOMEM);
      ASSERT_EQ(a.nopen, i);
      ASSERT(wg_alerts_find(&a, "p-1", WG_RULE_THRESHOLD, key) == NULL);
    }
    ASSERT_EQ(rc, 1);
    ASSERT_EQ(ev.alert.seq, i + 1);
    ASSERT(wg_alerts_find(&a, "p-1", WG_RULE_THRESHOLD, key) != NULL);
    ASSERT(wg_alerts_by_id(&a, ev.alert.id) != NULL);
  }
  for (int i = 0; i < NRAISE; i++) {
    char key[16], id[96];
    const wg_alert_t *al;

    snprintf(key, sizeof(key), "k%d", i);
    snprintf(id, sizeof(id), "gw-1-%06d", i + 1);
    al = wg_alerts_find(&a, "p-1", WG_RULE_THRESHOLD, key);
    ASSERT(al != NULL && al == wg_alerts_by_id(&a, id));
  }
  /* Each raise's entry and its evidence's text (but where the list grew:
   * the growth, once made, is kept, and the text is then the allocation
   * last failed), the two indexes' first table and buckets, and at least
   * one growth of their buckets each failed. */
  ASSERT(failed > 2 * NRAISE + 4);
  wg_alerts_free(&a);
}

/* An alert takes the route in force when it is raised and again at each
 * escalation; the event says when it moved. Monday 2026-11-30, London. */
static void route_at_raise_and_escalation(void) {
  static const wg_route_t routes[] = {
      {"virtual-ward", 0x3eu, 8 * 3600, 20 * 3600},
      {"out-of-hours", 0, 0, 0},
  };
  wg_verdict_t fall =
      verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  double raised = 1796068500; /* 19:55 */
  char *json, want[128];

  setenv("TZ", "Europe/London", 1);
  tzset();
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  wg_alerts_set_routes(&a, routes, 2);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, raised, &ev), 1);
  ASSERT_STR_EQ(ev.alert.route, "virtual-ward");
  json = wg_alert_to_json(&ev.alert);
  snprintf(want, sizeof(want),
           "\"route\":\"virtual-ward\",\"respond_by\":%.0f}", raised + 600);
  ASSERT_CONTAINS(json, want);
  free(json);
  /* A repeat keeps the route it was raised with. */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, raised + 360, &ev), 1);
  ASSERT_STR_EQ(ev.alert.route, "virtual-ward");
  /* Escalated at 20:05: out of hours now. */
  ASSERT_EQ(wg_alerts_escalate_due(&a, raised + 600, &ev), 1);
  ASSERT_STR_EQ(ev.alert.route, "out-of-hours");
  ASSERT_STR_EQ(ev.cause, "not acknowledged within 10 min; moved from "
                          "virtual-ward to out-of-hours at 20:00");
  json = wg_alert_to_json(&ev.alert);
  ASSERT_CONTAINS(json, "\"route\":\"out-of-hours\"");
  free(json);
  /* Again, out of hours still: no move to tell of. */
  ASSERT_EQ(wg_alerts_escalate_due(&a, raised + 1200, &ev), 1);
  ASSERT_STR_EQ(ev.cause, "not acknowledged within 10 min");
  /* An alert stored before routes existed moves from "hub". */
  {
    wg_alert_t old = ev.alert;
    snprintf(old.id, sizeof(old.id), "gw-1-000050");
    old.seq = 50;
    snprintf(old.patient, sizeof(old.patient), "p-old");
    old.route[0] = '\0';
    old.acknowledged = false;
    old.next_escalation = raised + 1800;
    ASSERT_EQ(wg_alerts_restore(&a, &old), 0);
    while (wg_alerts_escalate_due(&a, raised + 1800, &ev) == 1 &&
           strcmp(ev.alert.id, "gw-1-000050") != 0)
      ;
    ASSERT_STR_EQ(ev.alert.id, "gw-1-000050");
    ASSERT_CONTAINS(ev.cause, "; moved from hub to out-of-hours");
  }
  /* Without routes every alert's route is "hub". */
  wg_alerts_set_routes(&a, NULL, 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-2", &fall, timeouts, raised, &ev), 1);
  json = wg_alert_to_json(&ev.alert);
  ASSERT_CONTAINS(json, "\"route\":\"hub\"");
  free(json);
  wg_alerts_free(&a);
}

/*
 * DESIGN.md section 7 (2026-12-06): every event carries measured_at and
 * received_at (the evidence that caused it), late and retrospective, and
 * each evidence entry its rt beside t; an escalation keeps what the alert
 * was raised on, and the stored JSON reads back the same.
 */
static void times_on_every_event(void) {
  wg_verdict_t fall =
      verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  wg_alert_t back;
  char *json, *again, want[160];

  fall.evidence.t = T0 - 16080; /* 4 h 28 min before it came */
  fall.evidence.rt = T0;
  fall.late = true;
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0 + 1, &ev), 1);
  json = wg_alert_to_json(&ev.alert);
  snprintf(want, sizeof(want),
           "\"measured_at\":%.0f,\"received_at\":%.0f,\"late\":true,"
           "\"retrospective\":false",
           T0 - 16080, T0);
  ASSERT_CONTAINS(json, want);
  snprintf(want, sizeof(want), "\"t\":%.0f,\"rt\":%.0f,", T0 - 16080, T0);
  ASSERT_CONTAINS(json, want);
  ASSERT_EQ(wg_alert_from_json(json, &back), 0);
  again = wg_alert_to_json(&back);
  ASSERT_STR_EQ(again, json);
  free(again);
  free(json);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 1 + 600, &ev), 1);
  json = wg_alert_to_json(&ev.alert);
  ASSERT_CONTAINS(json, "\"late\":true");
  free(json);
  /* A fresh reading: received when measured, neither late nor past. */
  fall.evidence.t = fall.evidence.rt = T0 + 700;
  fall.late = false;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &fall, timeouts, T0 + 700, &ev), 1);
  json = wg_alert_to_json(&ev.alert);
  snprintf(want, sizeof(want),
           "\"measured_at\":%.0f,\"received_at\":%.0f,\"late\":false,"
           "\"retrospective\":false",
           T0 + 700, T0 + 700);
  ASSERT_CONTAINS(json, want);
  free(json);
  wg_alerts_free(&a);
}

/* The respond_by of @al as its event JSON says, and as it reads back. */
static double respond_by_of(const wg_alert_t *al, double *back) {
  char *json = wg_alert_to_json(al);
  cJSON *o = json ? cJSON_Parse(json) : NULL;
  const cJSON *x = cJSON_GetObjectItem(o, "respond_by");
  double t = cJSON_IsNumber(x) ? x->valuedouble : -1;
  wg_alert_t again;

  *back = json && wg_alert_from_json(json, &again) == 0 ? again.respond_by : -1;
  cJSON_Delete(o);
  free(json);
  return t;
}

/*
 * respond_by is fixed when the current obligation began (issue #28 item
 * 5): the raise, or the rise that undid an ack; never recomputed from
 * the current severity. A medium alert raised at T0 (30 min) that rises
 * to high 40 min later keeps T0 + 30 min: it is late, and the audit must
 * say so. Acknowledged, then risen to emergency at T0 + 50 min: a new
 * obligation, due 5 min later. A fall, an escalation, a repeat and a
 * restart leave it.
 */
static void respond_by_fixed_at_obligation(void) {
  static const struct {
    int what; /* 0 apply a raise of @sev, 1 ack, 2 escalate due */
    wg_severity_t sev;
    double at;         /* minutes after T0 */
    double respond_by; /* minutes after T0 */
  } steps[] = {
      {0, WG_SEV_MEDIUM, 0, 30},     {0, WG_SEV_HIGH, 40, 30},
      {2, WG_SEV_HIGH, 41, 30},      {1, WG_SEV_HIGH, 45, 30},
      {0, WG_SEV_EMERGENCY, 50, 55}, {0, WG_SEV_MEDIUM, 52, 55},
      {0, WG_SEV_MEDIUM, 53, 55},    {2, WG_SEV_MEDIUM, 90, 55},
  };
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_NEWS2, WG_SEV_MEDIUM, "news2");

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    double now = T0 + steps[i].at * 60, back;
    int rc;

    v.severity = steps[i].sev;
    if (steps[i].what == 0)
      rc = wg_alerts_apply(&a, "p-1", &v, timeouts, now, &ev);
    else if (steps[i].what == 1)
      rc = wg_alerts_ack(&a, "gw-1-000001", "nurse", NULL, NULL, false, false,
                         now, &ev);
    else
      rc = wg_alerts_escalate_due(&a, now, &ev);
    ASSERT_EQ(rc, 1);
    ASSERT_NEAR(ev.alert.respond_by, T0 + steps[i].respond_by * 60, 1e-6);
    ASSERT_NEAR(respond_by_of(&ev.alert, &back), T0 + steps[i].respond_by * 60,
                1e-6);
    ASSERT_NEAR(back, T0 + steps[i].respond_by * 60, 1e-6);
  }
  /* Stored before respond_by was kept: raised + its timeout, as before. */
  {
    wg_alert_t old;
    ASSERT_EQ(wg_alert_from_json("{\"id\":\"gw-1-000009\",\"gateway\":\"gw-1\","
                                 "\"patient\":\"p-1\",\"rule\":\"news2\","
                                 "\"severity\":\"medium\",\"state\":\"raised\","
                                 "\"key\":\"news2\",\"raised\":100,"
                                 "\"ack_timeout_s\":1800}",
                                 &old),
              0);
    ASSERT_NEAR(old.respond_by, 1900, 0);
  }
  wg_alerts_free(&a);
}

/*
 * The acknowledged event says whether the ack's signature was checked
 * (issue #30 item 1, DESIGN.md section 7, 2026-12-06): "verified" beside
 * "by" and "via", read back at start; the audit's cause says so when it
 * was; an ack undone by a rise of severity takes it away with "by".
 */
static void ack_says_verified(void) {
  static const struct {
    bool local, verified;
    const char *json, *cause;
  } cases[] = {
      {false, true, "\"via\":\"hub\",\"verified\":true",
       "acknowledged by dr-khan; outcome visit; signature verified"},
      {false, false, "\"via\":\"hub\",\"verified\":false",
       "acknowledged by dr-khan; outcome visit"},
      {true, false, "\"via\":\"local\",\"verified\":false",
       "acknowledged at the home by dr-khan; outcome visit"},
  };
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_NEWS2, WG_SEV_MEDIUM, "news2");

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wg_alert_t back;
    char *json;

    ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
    v.severity = WG_SEV_MEDIUM;
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0, &ev), 1);
    ASSERT_EQ(wg_alerts_ack(&a, "gw-1-000001", "dr-khan", "visit", NULL,
                            cases[i].local, cases[i].verified, T0 + 60, &ev),
              1);
    ASSERT_STR_EQ(ev.cause, cases[i].cause);
    json = wg_alert_event_to_json(&ev);
    ASSERT(json != NULL);
    ASSERT_CONTAINS(json, cases[i].json);
    ASSERT_EQ(wg_alert_from_json(json, &back), 0);
    free(json);
    ASSERT_EQ(back.acked_verified, cases[i].verified);
    v.severity = WG_SEV_EMERGENCY; /* the ack no longer stands */
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 120, &ev), 1);
    ASSERT(!ev.alert.acked_verified);
    json = wg_alert_event_to_json(&ev);
    ASSERT(json != NULL && strstr(json, "\"verified\"") == NULL);
    free(json);
    wg_alerts_free(&a);
  }
}

TEST_MAIN(T(times_on_every_event), T(raise_repeat_escalate_ack),
          T(condition_ack_then_clear), T(severity_change_updates),
          T(acked_then_worse_escalates_again), T(late_timer_escalates_once),
          T(ids_unique_across_restart), T(evidence_bounded),
          T(index_matches_model), T(index_out_of_memory),
          T(route_at_raise_and_escalation), T(respond_by_fixed_at_obligation),
          T(ack_says_verified))
