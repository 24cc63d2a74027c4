/* SPDX-License-Identifier: MIT */
/*
 * The local alarm (DESIGN.md section 8): its decisions (hub/alarm_state.c)
 * on a fake monotonic clock, table by table, and its configuration block.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "clinic/alerts.h"
#include "hub/alarm_state.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define W0 1763900000.0 /* the wall clock at monotonic 0 */
#define AFTER 180.0     /* after_min 3 */

static const double timeouts[WG_SEV_COUNT] = {5, 10, 30, 120};
static wg_alerts_t alerts;
static wg_alarm_state_t st;

/* What went on and off, as "+id" and "-id:why" lines. */
static char changes[2048];
static int non, noff;

static void record(void *ud, wg_alarm_entry_t *e, bool on, const char *why) {
  (void)ud;
  snprintf(changes + strlen(changes), sizeof(changes) - strlen(changes),
           "%s%s%s%s\n", on ? "+" : "-", e->id, why ? ":" : "", why ? why : "");
  if (on) {
    non++;
    e->json = strdup("{}"); /* freed with the entry */
  } else {
    noff++;
  }
}

static void setup(wg_severity_t min) {
  wg_alarm_state_free(&st);
  wg_alerts_free(&alerts);
  ASSERT_EQ(wg_alerts_init(&alerts, "gw-1", 1), 0);
  wg_alarm_state_init(&st, AFTER, min, record, NULL);
  /* The start, with no alert open: every alert from here on is new. */
  ASSERT_EQ(wg_alarm_state_sync(&st, &alerts, 0, W0, NULL, NULL), 0);
  changes[0] = '\0';
  non = noff = 0;
}

/* Raise (or repeat) @rule at @sev for patient @p at monotonic @t; the id
 * of the alert. */
static const char *raise_at(const char *p, wg_rule_t rule, wg_severity_t sev,
                            double t) {
  static char id[96];
  wg_alert_event_t ev;
  wg_verdict_t v;

  memset(&v, 0, sizeof(v));
  v.kind = WG_VERDICT_RAISE;
  v.rule = rule;
  v.severity = sev;
  snprintf(v.key, sizeof(v.key), "%s", wg_rule_name(rule));
  snprintf(v.summary, sizeof(v.summary), "%s", wg_rule_name(rule));
  snprintf(v.evidence.n, sizeof(v.evidence.n), "x");
  snprintf(v.evidence.device, sizeof(v.evidence.device), "dev-1");
  v.evidence.flags = WG_READING_HAS_VB;
  v.evidence.vb = true;
  if (rule != WG_RULE_FALL) {
    v.graded = true;
    v.grade = 10 - sev;
  }
  if (wg_alerts_apply(&alerts, p, &v, timeouts, W0 + t, &ev) != 1)
    return "";
  snprintf(id, sizeof(id), "%s", ev.alert.id);
  return id;
}

static int sync_at(double t) {
  return wg_alarm_state_sync(&st, &alerts, t, W0 + t, NULL, NULL);
}

/* The hub never hears of it: on after AFTER, not before; the deadline is
 * the raise plus AFTER. */
static void on_after_the_delay(void) {
  char id[96];

  setup(WG_SEV_HIGH);
  snprintf(id, sizeof(id), "%s",
           raise_at("p-1", WG_RULE_FALL, WG_SEV_HIGH, 10));
  ASSERT_EQ(sync_at(10), 0);
  ASSERT_NEAR(wg_alarm_state_due(&st, 10), 10 + AFTER, 1e-9);
  ASSERT_NEAR(wg_alarm_state_due(&st, 10 + AFTER - 0.001), 10 + AFTER, 1e-9);
  ASSERT_EQ(non, 0);
  ASSERT_EQ(wg_alarm_state_due(&st, 10 + AFTER), 0);
  ASSERT_EQ(non, 1);
  ASSERT_EQ(wg_alarm_state_on(&st), 1);
  ASSERT_CONTAINS(changes, "+gw-1-000001\n");
  /* Once on, it stays on without going on again. */
  ASSERT_EQ(wg_alarm_state_due(&st, 10 + 2 * AFTER), 0);
  ASSERT_EQ(sync_at(10 + 2 * AFTER), 0);
  ASSERT_EQ(non, 1);
  ASSERT_EQ(noff, 0);
}

/* The hub's broker acknowledged it in time: never on; acknowledged after
 * it went on: off, "the hub's broker has it". */
static void confirmed_by_the_hub(void) {
  char id[96];

  setup(WG_SEV_HIGH);
  snprintf(id, sizeof(id), "%s", raise_at("p-1", WG_RULE_FALL, WG_SEV_HIGH, 0));
  sync_at(0);
  wg_alarm_state_confirm(&st, id, WG_SEV_HIGH);
  ASSERT_EQ(wg_alarm_state_due(&st, AFTER * 10), 0);
  ASSERT_EQ(non, 0);

  setup(WG_SEV_HIGH);
  snprintf(id, sizeof(id), "%s", raise_at("p-1", WG_RULE_FALL, WG_SEV_HIGH, 0));
  sync_at(0);
  wg_alarm_state_due(&st, AFTER);
  ASSERT_EQ(non, 1);
  wg_alarm_state_confirm(&st, "gw-1-999999", WG_SEV_HIGH); /* another */
  ASSERT_EQ(noff, 0);
  wg_alarm_state_confirm(&st, id, WG_SEV_HIGH);
  ASSERT_EQ(noff, 1);
  ASSERT_CONTAINS(changes, "-gw-1-000001:the hub's broker has it\n");
  ASSERT_EQ(wg_alarm_state_on(&st), 0);
  ASSERT_EQ(wg_alarm_state_due(&st, AFTER * 10), 0);
  ASSERT_EQ(non, 1);
}

/* Acknowledged at the home, or at the hub: off, and why. An event rule's
 * alert closes with its ack. */
static void acknowledged(void) {
  static const struct {
    bool local;
    const char *why;
  } cases[] = {{true, "acknowledged at the home"},
               {false, "acknowledged at the hub"}};

  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_alert_event_t ev;
    char id[96];

    setup(WG_SEV_HIGH);
    snprintf(id, sizeof(id), "%s",
             raise_at("p-1", WG_RULE_FALL, WG_SEV_HIGH, 0));
    sync_at(0);
    wg_alarm_state_due(&st, AFTER);
    ASSERT_EQ(non, 1);
    wg_alarm_state_acked(&st, id, cases[k].local);
    ASSERT_EQ(noff, 0); /* not before the commit applied it */
    ASSERT_EQ(wg_alerts_ack(&alerts, id, "nurse", NULL, NULL, cases[k].local,
                            false, W0 + AFTER + 1, &ev),
              1);
    sync_at(AFTER + 1);
    ASSERT_EQ(noff, 1);
    ASSERT_CONTAINS(changes, cases[k].why);
    ASSERT_EQ(wg_alarm_state_due(&st, AFTER * 10), 0);
    ASSERT_EQ(non, 1);
  }
}

/* A condition alert acknowledged stays open: off all the same; one closed
 * (cleared) without an ack: off, "closed". */
static void condition_alerts(void) {
  wg_alert_event_t ev;
  char id[96];

  setup(WG_SEV_MEDIUM);
  snprintf(id, sizeof(id), "%s",
           raise_at("p-1", WG_RULE_THRESHOLD, WG_SEV_MEDIUM, 0));
  sync_at(0);
  wg_alarm_state_due(&st, AFTER);
  ASSERT_EQ(non, 1);
  ASSERT_EQ(wg_alerts_ack(&alerts, id, "dr", NULL, NULL, false, false,
                          W0 + AFTER, &ev),
            1);
  sync_at(AFTER);
  ASSERT_CONTAINS(changes, "acknowledged at the hub");

  setup(WG_SEV_MEDIUM);
  snprintf(id, sizeof(id), "%s",
           raise_at("p-1", WG_RULE_THRESHOLD, WG_SEV_MEDIUM, 0));
  sync_at(0);
  wg_alarm_state_due(&st, AFTER);
  ASSERT_EQ(wg_alerts_close(&alerts, id, "gone", W0 + AFTER, &ev), 1);
  sync_at(AFTER);
  ASSERT_EQ(noff, 1);
  ASSERT_CONTAINS(changes, "the alert is closed");
}

/* Below min_severity: never watched. A rise to it: watched from the rise;
 * a rise the hub has not had after it had the lower one: waits again. */
static void severity(void) {
  char id[96];

  setup(WG_SEV_HIGH);
  snprintf(id, sizeof(id), "%s",
           raise_at("p-1", WG_RULE_THRESHOLD, WG_SEV_MEDIUM, 0));
  sync_at(0);
  ASSERT_EQ(wg_alarm_state_due(&st, AFTER * 10), 0);
  ASSERT_EQ(non, 0);
  raise_at("p-1", WG_RULE_THRESHOLD, WG_SEV_HIGH, 100);
  sync_at(100);
  ASSERT_NEAR(wg_alarm_state_due(&st, 100), AFTER, 1e-9); /* from the raise */

  setup(WG_SEV_MEDIUM);
  snprintf(id, sizeof(id), "%s",
           raise_at("p-1", WG_RULE_THRESHOLD, WG_SEV_MEDIUM, 0));
  sync_at(0);
  wg_alarm_state_confirm(&st, id, WG_SEV_MEDIUM);
  ASSERT_EQ(wg_alarm_state_due(&st, 1000), 0);
  raise_at("p-1", WG_RULE_THRESHOLD, WG_SEV_EMERGENCY, 1000);
  sync_at(1000);
  ASSERT_NEAR(wg_alarm_state_due(&st, 1000), 1000 + AFTER, 1e-9);
  /* The hub had the lower severity only: still waiting. */
  wg_alarm_state_confirm(&st, id, WG_SEV_MEDIUM);
  wg_alarm_state_due(&st, 1000 + AFTER);
  ASSERT_EQ(non, 1);
  wg_alarm_state_confirm(&st, id, WG_SEV_EMERGENCY);
  ASSERT_EQ(noff, 1);
}

static bool pending_p2(void *ud, const char *id) {
  (void)ud;
  return strcmp(id, "gw-1-000002") == 0;
}

/* At start: an alert with nothing in the outbox was had before; one with
 * an event there has waited since its raise (by the wall clock), so one
 * raised long ago alarms at once. */
static void restart(void) {
  wg_alarm_state_free(&st);
  wg_alerts_free(&alerts);
  ASSERT_EQ(wg_alerts_init(&alerts, "gw-1", 1), 0);
  wg_alarm_state_init(&st, AFTER, WG_SEV_HIGH, record, NULL);
  changes[0] = '\0';
  raise_at("p-1", WG_RULE_FALL, WG_SEV_HIGH, -1000);
  raise_at("p-2", WG_RULE_FALL, WG_SEV_HIGH, -1000);
  raise_at("p-3", WG_RULE_FALL, WG_SEV_HIGH, -10);
  ASSERT_EQ(wg_alarm_state_sync(&st, &alerts, 0, W0, pending_p2, NULL), 0);
  ASSERT_EQ(wg_alarm_state_due(&st, 0), 0);
  ASSERT_STR_EQ(changes, "+gw-1-000002\n");
  /* Later alerts are new, whatever the outbox said at start. */
  raise_at("p-4", WG_RULE_FALL, WG_SEV_HIGH, 5);
  sync_at(5);
  ASSERT_NEAR(wg_alarm_state_due(&st, 5), 5 + AFTER, 1e-9);

  /* A wall clock behind the alert's raise counts it as raised now, not
   * later. */
  wg_alarm_state_free(&st);
  wg_alerts_free(&alerts);
  ASSERT_EQ(wg_alerts_init(&alerts, "gw-1", 1), 0);
  wg_alarm_state_init(&st, AFTER, WG_SEV_HIGH, record, NULL);
  changes[0] = '\0';
  raise_at("p-1", WG_RULE_FALL, WG_SEV_HIGH, 500);
  raise_at("p-2", WG_RULE_FALL, WG_SEV_HIGH, 500);
  ASSERT_EQ(wg_alarm_state_sync(&st, &alerts, 0, W0, pending_p2, NULL), 0);
  ASSERT_NEAR(wg_alarm_state_due(&st, 0), AFTER, 1e-9); /* gw-1-000002 */
  ASSERT_EQ(wg_alarm_state_due(&st, AFTER), 0);
  ASSERT_STR_EQ(changes, "+gw-1-000002\n");
}

/* Many alerts at once: each its own alarm. */
static void many(void) {
  char p[16];

  setup(WG_SEV_LOW);
  for (int i = 0; i < 100; i++) {
    snprintf(p, sizeof(p), "p-%d", i);
    raise_at(p, WG_RULE_FALL, WG_SEV_HIGH, i);
  }
  ASSERT_EQ(sync_at(100), 0);
  ASSERT_EQ(wg_alarm_state_due(&st, 100 + AFTER), 0);
  ASSERT_EQ(non, 100);
  ASSERT_EQ(wg_alarm_state_on(&st), 100);
}

/* ---- the configuration block -------------------------------------------- */

static char problems[4096];

static void collect(void *ud, const char *line) {
  (void)ud;
  strncat(problems, line, sizeof(problems) - strlen(problems) - 2);
  strcat(problems, "\n");
}

static wg_config_t *load_alarm(const char *block) {
  char text[2048], path[64];
  wg_config_t *cfg = NULL;
  FILE *f;

  problems[0] = '\0';
  snprintf(text, sizeof(text),
           TESTCFG_HEAD "\"local_alarm\":%s,"
                        "\"patients\":[]}",
           block);
  snprintf(path, sizeof(path), "/tmp/wg-test-alarm-%d.json", (int)getpid());
  if ((f = fopen(path, "w")) == NULL)
    return NULL;
  fputs(text, f);
  fclose(f);
  if (wg_config_load(path, &cfg, collect, NULL) != 0)
    cfg = NULL;
  unlink(path);
  return cfg;
}

static void config_read(void) {
  wg_config_t *cfg = load_alarm("{\"after_min\":0.05,\"min_severity\":"
                                "\"medium\",\"command\":[\"/bin/true\","
                                "\"--flag\"]}");

  ASSERT(cfg != NULL);
  ASSERT(cfg->local_alarm != NULL);
  ASSERT_NEAR(cfg->local_alarm->after_min, 0.05, 1e-12);
  ASSERT_EQ(cfg->local_alarm->min_severity, WG_SEV_MEDIUM);
  ASSERT_EQ(cfg->local_alarm->ncommand, 2);
  ASSERT_STR_EQ(cfg->local_alarm->command[0], "/bin/true");
  ASSERT_STR_EQ(cfg->local_alarm->command[1], "--flag");
  ASSERT(cfg->local_alarm->command[2] == NULL);
  wg_config_free(cfg);
  cfg = load_alarm("null");
  ASSERT(cfg != NULL);
  ASSERT(cfg->local_alarm == NULL);
  wg_config_free(cfg);
}

/* Each bad block: refused, with the key path and why. */
static void config_refused(void) {
  static const struct {
    const char *block;
    const char *problem;
  } cases[] = {
      {"{\"min_severity\":\"high\",\"command\":[\"/bin/true\"]}",
       "local_alarm.after_min: required"},
      {"{\"after_min\":0,\"min_severity\":\"high\",\"command\":[\"/bin/"
       "true\"]}",
       "local_alarm.after_min: must be between"},
      {"{\"after_min\":\"5\",\"min_severity\":\"high\",\"command\":[\"/bin/"
       "true\"]}",
       "local_alarm.after_min: "},
      {"{\"after_min\":5,\"command\":[\"/bin/true\"]}",
       "local_alarm.min_severity: required"},
      {"{\"after_min\":5,\"min_severity\":\"urgent\",\"command\":[\"/bin/"
       "true\"]}",
       "local_alarm.min_severity: "},
      {"{\"after_min\":5,\"min_severity\":\"high\"}",
       "local_alarm.command: required"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[]}",
       "local_alarm.command: must be an array of 1 to 64 strings"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":\"/bin/true\"}",
       "local_alarm.command: must be an array"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[\"/bin/true\","
       "3]}",
       "local_alarm.command[1]: must be a non-empty string"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[\"true\"]}",
       "local_alarm.command[0]: must be an absolute path"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[\"/nonexistent/"
       "alarm\"]}",
       "local_alarm.command[0]: /nonexistent/alarm is not an executable file"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[\"/tmp/"
       "wg-test-alarm-plain\"]}",
       "/tmp/wg-test-alarm-plain is not an executable file"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[\"/tmp\"]}",
       "/tmp is not an executable file"},
      {"{\"after_min\":5,\"min_severity\":\"high\",\"command\":[\"/bin/true\"],"
       "\"shell\":true}",
       "local_alarm.shell: unknown key"},
      {"[1]", "local_alarm: must be an object"},
  };

  FILE *f = fopen("/tmp/wg-test-alarm-plain", "w");

  ASSERT(f != NULL);
  fputs("#!/bin/sh\n", f);
  fclose(f);
  chmod("/tmp/wg-test-alarm-plain", 0644);
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_config_t *cfg = load_alarm(cases[k].block);
    if (cfg != NULL) {
      wg_config_free(cfg);
      FAIL_AT("case %zu taken: %s", k, cases[k].block);
    }
    if (strstr(problems, cases[k].problem) == NULL)
      FAIL_AT("case %zu: \"%s\" not in:\n%s", k, cases[k].problem, problems);
  }
  unlink("/tmp/wg-test-alarm-plain");
}

static void cleanup(void) {
  wg_alarm_state_free(&st);
  wg_alerts_free(&alerts);
}

TEST_MAIN(T(on_after_the_delay), T(confirmed_by_the_hub), T(acknowledged),
          T(condition_alerts), T(severity), T(restart), T(many), T(config_read),
          T(config_refused), T(cleanup))
