/* SPDX-License-Identifier: MIT */
/* Whether the box's clock is synchronised (hub/clocksync.h): the judgement
 * of what adjtimex(2) says, and the watch over time on a fake clock. */
#include <sys/timex.h>

#include "clinic/alerts.h"
#include "hub/clocksync.h"
#include "test.h"

static void judge(void) {
  static const struct {
    int state, status;
    long maxerror;
    bool synced;
  } cases[] = {
      {TIME_OK, STA_PLL, 50000, true},
      {TIME_OK, 0, 0, true},
      {TIME_INS, STA_PLL | STA_INS, 1000, true}, /* a leap second ahead */
      {TIME_ERROR, STA_UNSYNC, 16000000, false}, /* after a power cut */
      {TIME_OK, STA_UNSYNC, 1000, false},        /* the bit alone */
      {TIME_ERROR, STA_PLL, 1000, false},        /* the state alone */
      {TIME_OK, STA_PLL, WG_CLOCK_MAXERROR_US, false},
      {TIME_OK, STA_PLL, WG_CLOCK_MAXERROR_US - 1, true},
      {TIME_OK, STA_PLL, -1, false},
      {-1, 0, 0, false}, /* the call failed */
  };

  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
    if (wg_clock_judge(cases[k].state, cases[k].status, cases[k].maxerror) !=
        cases[k].synced)
      FAIL_AT("case %zu: state %d status 0x%x maxerror %ld: expected %d", k,
              cases[k].state, cases[k].status, cases[k].maxerror,
              cases[k].synced);
}

/* Readings at times (s since the start, grace 60 s) and what each says. */
static void watch(void) {
  static const struct {
    const char *name;
    struct {
      double t;
      bool synced;
      wg_clock_event_t ev;
    } steps[8];
  } cases[] = {
      {"synced from the start: nothing",
       {{0, true, WG_CLOCK_NOTHING},
        {60, true, WG_CLOCK_NOTHING},
        {-1, false, WG_CLOCK_NOTHING}}},
      {"unsynced from the start: reported once after the grace",
       {{0, false, WG_CLOCK_NOTHING},
        {59.9, false, WG_CLOCK_NOTHING},
        {60, false, WG_CLOCK_REPORT},
        {120, false, WG_CLOCK_NOTHING},
        {600, false, WG_CLOCK_NOTHING},
        {-1, false, WG_CLOCK_NOTHING}}},
      {"NTP in time: synced, never reported",
       {{0, false, WG_CLOCK_NOTHING},
        {30, true, WG_CLOCK_SYNCED},
        {90, true, WG_CLOCK_NOTHING},
        {-1, false, WG_CLOCK_NOTHING}}},
      {"lost, then reported after the grace from the loss",
       {{0, true, WG_CLOCK_NOTHING},
        {100, false, WG_CLOCK_LOST},
        {159, false, WG_CLOCK_NOTHING},
        {160, false, WG_CLOCK_REPORT},
        {200, true, WG_CLOCK_SYNCED},
        {210, false, WG_CLOCK_LOST},
        {270, false, WG_CLOCK_REPORT},
        {-1, false, WG_CLOCK_NOTHING}}},
      {"first reading late: counted from the start",
       {{61, false, WG_CLOCK_REPORT}, {-1, false, WG_CLOCK_NOTHING}}},
  };

  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_clock_watch_t w;
    wg_clock_watch_init(&w, 60, 0);
    for (size_t i = 0; cases[k].steps[i].t >= 0; i++) {
      wg_clock_event_t ev = wg_clock_watch_step(&w, cases[k].steps[i].t,
                                                cases[k].steps[i].synced);
      if (ev != cases[k].steps[i].ev)
        FAIL_AT("%s: step %zu: %d, expected %d", cases[k].name, i, (int)ev,
                (int)cases[k].steps[i].ev);
    }
  }
}

/* The clock_unsynchronized alert after each reading (grace 60 s): raised
 * at exactly the grace, not before; cleared once synchronised; left as it
 * is before the first reading and within the grace (an alert restored
 * from before a restart is neither cleared nor raised again early). */
static void watch_alert(void) {
  static const struct {
    const char *name;
    struct {
      double t;
      bool synced;
      wg_clock_alert_t alert;
    } steps[8];
  } cases[] = {
      {"unsynced from the start: raised at the grace, kept raised",
       {{0, false, WG_CLOCK_ALERT_KEEP},
        {59.999, false, WG_CLOCK_ALERT_KEEP},
        {60, false, WG_CLOCK_ALERT_RAISE},
        {120, false, WG_CLOCK_ALERT_RAISE},
        {130, true, WG_CLOCK_ALERT_CLEAR},
        {190, true, WG_CLOCK_ALERT_CLEAR},
        {-1, false, WG_CLOCK_ALERT_KEEP}}},
      {"synced in time: cleared (a restored alert closes), never raised",
       {{0, false, WG_CLOCK_ALERT_KEEP},
        {30, true, WG_CLOCK_ALERT_CLEAR},
        {-1, false, WG_CLOCK_ALERT_KEEP}}},
      {"lost: kept within the grace from the loss, raised at it",
       {{0, true, WG_CLOCK_ALERT_CLEAR},
        {100, false, WG_CLOCK_ALERT_KEEP},
        {159, false, WG_CLOCK_ALERT_KEEP},
        {160, false, WG_CLOCK_ALERT_RAISE},
        {161, true, WG_CLOCK_ALERT_CLEAR},
        {162, false, WG_CLOCK_ALERT_KEEP},
        {222, false, WG_CLOCK_ALERT_RAISE},
        {-1, false, WG_CLOCK_ALERT_KEEP}}},
  };
  wg_clock_watch_t w;

  wg_clock_watch_init(&w, 60, 0);
  ASSERT_EQ(wg_clock_watch_alert(&w), WG_CLOCK_ALERT_KEEP); /* not read */
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_clock_watch_init(&w, 60, 0);
    for (size_t i = 0; cases[k].steps[i].t >= 0; i++) {
      wg_clock_alert_t al;
      wg_clock_watch_step(&w, cases[k].steps[i].t, cases[k].steps[i].synced);
      al = wg_clock_watch_alert(&w);
      if (al != cases[k].steps[i].alert)
        FAIL_AT("%s: step %zu: %d, expected %d", cases[k].name, i, (int)al,
                (int)cases[k].steps[i].alert);
    }
  }
}

/* An alert event is marked clock_suspect when its evidence was received
 * before the first synchronisation (the reading's flag), or it was made
 * while the clock had never been synchronised; the mark survives the
 * store's round trip; otherwise it is absent. */
static void alerts_marked(void) {
  static const double timeouts[WG_SEV_COUNT] = {5, 10, 30, 120};
  static const struct {
    unsigned flags;
    bool unsynced;
    bool marked;
  } cases[] = {
      {WG_READING_HAS_VB, false, false},
      {WG_READING_HAS_VB | WG_READING_CLOCK_SUSPECT, false, true},
      {WG_READING_HAS_VB, true, true},
  };

  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_alerts_t a;
    wg_alert_event_t ev;
    wg_alert_t back;
    wg_verdict_t v;
    char *json;

    memset(&v, 0, sizeof(v));
    v.kind = WG_VERDICT_RAISE;
    v.rule = WG_RULE_FALL;
    v.severity = WG_SEV_HIGH;
    snprintf(v.key, sizeof(v.key), "fall");
    snprintf(v.summary, sizeof(v.summary), "Fall");
    snprintf(v.evidence.n, sizeof(v.evidence.n), "fall");
    snprintf(v.evidence.device, sizeof(v.evidence.device), "fall-1");
    v.evidence.flags = cases[k].flags;
    v.evidence.vb = true;
    v.evidence.t = v.evidence.rt = 1763900000.0;
    ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
    a.clock_unsynced = cases[k].unsynced;
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, 1763900000.0, &ev), 1);
    ASSERT_EQ(ev.alert.clock_suspect, cases[k].marked);
    json = wg_alert_to_json(&ev.alert);
    ASSERT(json != NULL);
    if ((strstr(json, "\"clock_suspect\":true") != NULL) != cases[k].marked)
      FAIL_AT("case %zu: %s", k, json);
    ASSERT_EQ(wg_alert_from_json(json, &back), 0);
    ASSERT_EQ(back.clock_suspect, cases[k].marked);
    free(json);
    wg_alerts_free(&a);
  }
}

TEST_MAIN(T(judge), T(watch), T(watch_alert), T(alerts_marked))
