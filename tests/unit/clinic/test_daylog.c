/* SPDX-License-Identifier: MIT */
/*
 * The daily escalation log from the database alone: a day (Monday
 * 2026-11-30, London) with a response met and one late across a route
 * change, an alert still open from the day before, and alerts of other
 * days left out; as JSON and as CSV.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clinic/alerts.h"
#include "clinic/clinic.h"
#include "clinic/daylog.h"
#include "commit/store.h"
#include "failalloc.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define DAY 1795996800.0 /* 2026-11-30 00:00 GMT */
#define H 3600.0

static const double timeouts[WG_SEV_COUNT] = {5, 10, 30, 120};
static const wg_route_t routes[] = {
    {"virtual-ward", 0x3eu, 8 * 3600, 20 * 3600},
    {"out-of-hours", 0, 0, 0},
};
static char db[64];
static wg_store_t *s;
static wg_alerts_t a;

static wg_verdict_t verdict(wg_verdict_kind_t kind, wg_rule_t rule,
                            const char *key) {
  wg_verdict_t v;
  memset(&v, 0, sizeof(v));
  v.kind = kind;
  v.rule = rule;
  v.severity = WG_SEV_HIGH;
  snprintf(v.key, sizeof(v.key), "%s", key);
  snprintf(v.summary, sizeof(v.summary), "%s", key);
  snprintf(v.evidence.n, sizeof(v.evidence.n), "%s", key);
  snprintf(v.evidence.device, sizeof(v.evidence.device), "dev-1");
  return v;
}

/* Store one event as the commit does. */
static int put(const wg_alert_event_t *ev) {
  char *json = wg_alert_event_to_json(ev);
  int rc = json ? 0 : WG_ENOMEM;

  if (rc == 0 && (rc = wg_store_begin(s)) == 0 &&
      (rc = wg_store_put_alert_event(s, ev, json, true)) == 0)
    rc = wg_store_commit(s);
  free(json);
  return rc;
}

static int raise(const char *patient, wg_rule_t rule, const char *key, double t,
                 char *id) {
  wg_verdict_t v = verdict(WG_VERDICT_RAISE, rule, key);
  wg_alert_event_t ev;

  if (wg_alerts_apply(&a, patient, &v, timeouts, t, &ev) != 1)
    return -1;
  strcpy(id, ev.alert.id);
  return put(&ev);
}

static int ack(const char *id, const char *by, const char *outcome,
               const char *note, double t) {
  wg_alert_event_t ev;
  return wg_alerts_ack(&a, id, by, outcome, note, false, false, t, &ev) == 1
             ? put(&ev)
             : -1;
}

static int clear(const char *patient, const char *key, double t) {
  wg_verdict_t v = verdict(WG_VERDICT_CLEAR, WG_RULE_THRESHOLD, key);
  wg_alert_event_t ev;
  return wg_alerts_apply(&a, patient, &v, timeouts, t, &ev) == 1 ? put(&ev)
                                                                 : -1;
}

/* Every escalation due at @t, as the clinic's tick does. */
static int escalate(double t) {
  wg_alert_event_t ev;
  int rc = 0, n = 0;

  while (rc == 0 && wg_alerts_escalate_due(&a, t, &ev) == 1) {
    rc = put(&ev);
    n++;
  }
  return n > 0 ? rc : -1;
}

static void setup(void) {
  char old[96], prev[96], late[96], fall[96], next[96];

  setenv("TZ", "Europe/London", 1);
  tzset();
  snprintf(db, sizeof(db), "/tmp/wg-test-daylog-%d.db", (int)getpid());
  test_remove_db(db);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  wg_alerts_set_routes(&a, routes, 2);
  /* Sunday: one alert raised and closed, one still open at midnight. */
  ASSERT_EQ(raise("p-9", WG_RULE_FALL, "fall", DAY - 14 * H, old), 0);
  ASSERT_EQ(ack(old, "nurse-z", NULL, NULL, DAY - 13 * H), 0);
  ASSERT_EQ(raise("p-3", WG_RULE_THRESHOLD, "spo2<92", DAY - 1 * H, prev), 0);
  /* Monday 09:00 a fall, acknowledged in 5 minutes: met. */
  ASSERT_EQ(raise("p-1", WG_RULE_FALL, "fall", DAY + 9 * H, fall), 0);
  ASSERT_EQ(
      ack(fall, "nurse-a", "visit", "Bruised, no injury", DAY + 9 * H + 300),
      0);
  /* 19:55 a threshold; escalated at 20:05 into out-of-hours, acknowledged
   * at 20:20: late by 15 minutes; cleared at 21:00. */
  ASSERT_EQ(
      raise("p-2", WG_RULE_THRESHOLD, "hr>130", DAY + 19 * H + 55 * 60, late),
      0);
  ASSERT_EQ(escalate(DAY + 20 * H + 5 * 60), 0);
  ASSERT_EQ(ack(late, "dr-b", "advice", NULL, DAY + 20 * H + 20 * 60), 0);
  ASSERT_EQ(clear("p-2", "hr>130", DAY + 21 * H), 0);
  /* Tuesday: not Monday's. */
  ASSERT_EQ(raise("p-1", WG_RULE_FALL, "fall", DAY + 33 * H, next), 0);
}

static void json_tells_each_story(void) {
  int rc;
  char *text = wg_daylog_text("gw-1", DAY, false, wg_store_day_log, s, &rc);
  cJSON *o = cJSON_Parse(text), *al, *x;

  ASSERT(text != NULL);
  ASSERT_EQ(rc, 0);
  ASSERT_STR_EQ(cJSON_GetObjectItem(o, "day")->valuestring, "2026-11-30");
  ASSERT_NEAR(cJSON_GetObjectItem(o, "to")->valuedouble, DAY + 24 * H, 0);
  al = cJSON_GetObjectItem(o, "alerts");
  ASSERT_EQ(cJSON_GetArraySize(al), 3);
  /* Oldest first: Sunday's still open, unanswered. */
  x = cJSON_GetArrayItem(al, 0);
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "patient")->valuestring, "p-3");
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "response")->valuestring, "none");
  ASSERT_EQ(cJSON_GetObjectItem(x, "escalations")->valueint, 1);
  ASSERT(cJSON_GetObjectItem(x, "cleared") == NULL);
  ASSERT_STR_EQ(
      cJSON_GetArrayItem(cJSON_GetObjectItem(x, "routes"), 0)->valuestring,
      "out-of-hours");
  x = cJSON_GetArrayItem(al, 1);
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "rule")->valuestring, "fall");
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "acknowledged_by")->valuestring,
                "nurse-a");
  ASSERT_NEAR(cJSON_GetObjectItem(x, "acknowledged_at")->valuedouble,
              DAY + 9 * H + 300, 0);
  ASSERT_NEAR(cJSON_GetObjectItem(x, "respond_by")->valuedouble,
              DAY + 9 * H + 600, 0);
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "response")->valuestring, "met");
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "outcome")->valuestring, "visit");
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "note")->valuestring,
                "Bruised, no injury");
  x = cJSON_GetArrayItem(al, 2);
  ASSERT_EQ(cJSON_GetObjectItem(x, "escalations")->valueint, 1);
  ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(x, "routes")), 2);
  ASSERT_STR_EQ(
      cJSON_GetArrayItem(cJSON_GetObjectItem(x, "routes"), 0)->valuestring,
      "virtual-ward");
  ASSERT_STR_EQ(
      cJSON_GetArrayItem(cJSON_GetObjectItem(x, "routes"), 1)->valuestring,
      "out-of-hours");
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "response")->valuestring, "late");
  ASSERT_EQ(cJSON_GetObjectItem(x, "late_min")->valueint, 15);
  ASSERT_STR_EQ(cJSON_GetObjectItem(x, "outcome")->valuestring, "advice");
  ASSERT(cJSON_GetObjectItem(x, "note") == NULL);
  ASSERT_NEAR(cJSON_GetObjectItem(x, "cleared")->valuedouble, DAY + 21 * H, 0);
  cJSON_Delete(o);
  free(text);
}

static void csv_for_a_supervisor(void) {
  int rc;
  char *text = wg_daylog_text("gw-1", DAY, true, wg_store_day_log, s, &rc);

  ASSERT(text != NULL);
  ASSERT_CONTAINS(text, "\"id\",\"patient\",\"rule\",\"severity\",\"raised\","
                        "\"routes\",\"escalations\",\"acknowledged_by\","
                        "\"acknowledged_at\",\"respond_by\",\"response\","
                        "\"late_min\",\"outcome\",\"note\",\"cleared\"\n");
  ASSERT_CONTAINS(text,
                  "\",\"p-1\",\"fall\",\"high\",\"2026-11-30 09:00:00\","
                  "\"virtual-ward\",0,\"nurse-a\",\"2026-11-30 09:05:00\","
                  "\"2026-11-30 09:10:00\",\"met\",\"\",\"visit\","
                  "\"Bruised, no injury\",\"\"\n");
  ASSERT_CONTAINS(text,
                  "\",\"p-2\",\"threshold\",\"high\",\"2026-11-30 "
                  "19:55:00\",\"virtual-ward out-of-hours\",1,\"dr-b\","
                  "\"2026-11-30 20:20:00\",\"2026-11-30 20:05:00\","
                  "\"late\",15,\"advice\",\"\",\"2026-11-30 21:00:00\"\n");
  /* Four lines: the header and three alerts. */
  {
    int lines = 0;
    for (const char *p = text; *p; p++)
      lines += *p == '\n';
    ASSERT_EQ(lines, 4);
  }
  free(text);
}

/* The clinic asks for the log once the local day is over. */
static void clinic_asks_after_midnight(void) {
  wg_config_t *cfg = test_config(TESTCFG_HEAD "\"patients\":[]}");
  wg_counters_t counters = {0};
  wg_clinic_t cl;

  ASSERT(cfg != NULL);
  ASSERT_EQ(wg_clinic_init(&cl, "gw-1", 1, 24, &counters), 0);
  ASSERT_EQ(wg_clinic_set_patients(&cl, cfg, DAY + 23 * H), 0);
  ASSERT_NEAR(wg_clinic_next_deadline(&cl, DAY + 23 * H), DAY + 24 * H, 0);
  wg_clinic_tick(&cl, DAY + 23.5 * H);
  ASSERT(!cl.daylog.due);
  wg_clinic_tick(&cl, DAY + 24 * H + 2);
  ASSERT(cl.daylog.due);
  ASSERT_NEAR(cl.daylog.day, DAY, 0);
  ASSERT_NEAR(wg_clinic_next_deadline(&cl, DAY + 24 * H + 2), DAY + 48 * H, 0);
  wg_clinic_committed(&cl);
  ASSERT(!cl.daylog.due);
  wg_clinic_free(&cl);
  wg_config_free(cfg);
}

/* A source of rows with no database: a day's two alerts, every field of
 * the log in use (a CSV cell to quote among them). */
static int rows_fixed(wg_store_t *source, double from, double to,
                      wg_store_day_cb cb, void *ud) {
  static const wg_store_day_entry_t rows[] = {
      {"gw-1-000007", "p-1", "fall", "high", DAY + 9 * H, "virtual-ward", 0,
       "nurse-a", DAY + 9 * H + 300, "visit", "Bruised, \"no\" injury",
       DAY + 9 * H + 600, 0},
      {"gw-1-000008", "p-2", "threshold", "high", DAY + 19 * H,
       "virtual-ward out-of-hours", 2, "dr-b", DAY + 20 * H + 20 * 60, "advice",
       NULL, DAY + 19 * H + 600, DAY + 21 * H},
  };
  int rc = 0;

  (void)source;
  if (from != DAY || to != DAY + 24 * H)
    return WG_EINVAL;
  for (size_t i = 0; rc == 0 && i < sizeof(rows) / sizeof(rows[0]); i++)
    rc = cb(ud, &rows[i]);
  return rc;
}

/* A day's alert acknowledged from the hub with a `by` and a `note` made to
 * be formulas and to break the row. */
static int rows_forged(wg_store_t *source, double from, double to,
                       wg_store_day_cb cb, void *ud) {
  static const wg_store_day_entry_t row = {"gw-1-000009",
                                           "p-1",
                                           "fall",
                                           "high",
                                           DAY + 9 * H,
                                           "virtual-ward",
                                           0,
                                           "=HYPERLINK(\"http://x\")",
                                           DAY + 9 * H + 300,
                                           "visit",
                                           "@SUM(1)\n\"gw-1-000010\",\"p-2\"",
                                           DAY + 9 * H + 600,
                                           0};

  (void)source;
  (void)from;
  (void)to;
  return cb(ud, &row);
}

/* What the hub wrote stays one cell of text each: quoted, its quotes
 * doubled, its line break inside the quotes, formulas made text; the
 * record count is the header and one alert. */
static void csv_cells_from_the_hub_stay_text(void) {
  int rc;
  char *text = wg_daylog_text("gw-1", DAY, true, rows_forged, NULL, &rc);

  ASSERT_EQ(rc, 0);
  ASSERT(text != NULL);
  ASSERT_CONTAINS(text, ",0,\"'=HYPERLINK(\"\"http://x\"\")\",");
  ASSERT_CONTAINS(text, ",\"visit\",\"'@SUM(1)\n\"\"gw-1-000010\"\","
                        "\"\"p-2\"\"\",\"\"\n");
  {
    /* Outside quotes, two line breaks: the records. */
    int records = 0;
    bool quoted = false;
    for (const char *p = text; *p; p++) {
      if (*p == '"')
        quoted = !quoted;
      records += *p == '\n' && !quoted;
    }
    ASSERT_EQ(records, 2);
  }
  free(text);
}

/* The log as JSON, or as CSV when *@data. */
static char *log_text(void *data) {
  const bool *csv = data;
  int rc;
  char *text = wg_daylog_text("gw-1", DAY, *csv, rows_fixed, NULL, &rc);

  if ((text == NULL) != (rc != 0)) { /* *rc says what happened */
    free(text);
    return strdup("rc differs");
  }
  return text;
}

/* The log, JSON or CSV, is whole or not made at all. */
static void log_fails_whole(void) {
  bool as_csv = false;
  long json = failalloc_every(log_text, &as_csv), csv;

  as_csv = true;
  csv = failalloc_every(log_text, &as_csv);
  ASSERT(json >= 60);
  ASSERT(csv >= 2);
}

static void cleanup(void) {
  wg_alerts_free(&a);
  wg_store_close(s);
  test_remove_db(db);
}

TEST_MAIN(T(setup), T(json_tells_each_story), T(csv_for_a_supervisor),
          T(csv_cells_from_the_hub_stay_text), T(clinic_asks_after_midnight),
          T(log_fails_whole), T(cleanup))
