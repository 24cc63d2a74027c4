/* SPDX-License-Identifier: MIT */
/*
 * An alert as JSON (clinic/alerts_json.c): its events printed as cJSON
 * prints them, whole or not at all under allocation failures, and the
 * alerts/active snapshot built from each alert's kept JSON.
 */
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

/* The evidence printed once per entry and spliced in gives the text cJSON
 * itself prints for the whole alert, through every shift of the window,
 * and survives the store's round trip. */
static void json_as_cjson_prints_it(void) {
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_MEDIUM, "spo2<92");
  wg_alert_t back;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (int i = 0; i < 11; i++) {
    char *json, *again, *back_json;
    cJSON *parsed;

    v.evidence.t = T0 + i * 0.123457;
    v.evidence.v = 91.5 - i;
    v.evidence.flags = WG_READING_HAS_VALUE | (i % 3 ? 0 : WG_READING_HAS_VB);
    v.evidence.vb = i % 2;
    snprintf(v.evidence.u, sizeof(v.evidence.u), "%s", i % 2 ? "%" : "");
    snprintf(v.evidence.device, sizeof(v.evidence.device), "oxi:%d", i);
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + i, &ev), 1);
    json = wg_alert_event_to_json(&ev);
    again = wg_alert_to_json(&ev.alert); /* every entry printed now */
    ASSERT_STR_EQ(json, again);
    free(again);
    parsed = cJSON_Parse(json);
    ASSERT(parsed != NULL);
    again = cJSON_PrintUnformatted(parsed);
    ASSERT_STR_EQ(json, again);
    ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(parsed, "evidence")),
              i + 1 < WG_ALERT_EVIDENCE_MAX ? i + 1 : WG_ALERT_EVIDENCE_MAX);
    ASSERT_EQ(wg_alert_from_json(json, &back), 0);
    back_json = wg_alert_to_json(&back);
    ASSERT_STR_EQ(back_json, json);
    cJSON_Delete(parsed);
    free(json);
    free(again);
    free(back_json);
  }
  wg_alerts_free(&a);
}

/* An entry the open alert cannot keep (memory is short) is printed again
 * by the next event, and the entries it keeps follow the window as it
 * shifts: every event's JSON and the snapshot as if printed whole. */
static void evidence_kept_under_failures(void) {
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_MEDIUM, "spo2<92");
  char *json, *fresh, *snap, want[8192], device[32];
  size_t len;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (int i = 0; i < 13; i++) {
    v.evidence.v = 91.5 - i;
    v.evidence.t = T0 + i;
    v.evidence.flags = WG_READING_HAS_VALUE;
    snprintf(v.evidence.device, sizeof(v.evidence.device), "oxi:%d", i);
    /* Warm, a repeat's only allocation is its entry's keeping. */
    fail_only = i > 0 && i % 3 != 0 ? 0 : -1;
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + i, &ev), 1);
    fail_only = -1;
    json = wg_alert_event_to_json(&ev);
    fresh = wg_alert_to_json(&ev.alert);
    ASSERT_STR_EQ(json, fresh);
    snprintf(device, sizeof(device), "\"device\":\"oxi:%d\"", i);
    ASSERT_CONTAINS(json, device);
    free(a.open[0]->json); /* the snapshot joins the kept entries */
    a.open[0]->json = NULL;
    snap = wg_alerts_snapshot(&a, T0 + i, &len);
    snprintf(want, sizeof(want), "{\"ts\":%.6f,\"alerts\":[%s]}", T0 + i,
             fresh);
    ASSERT_STR_EQ(snap, want);
    free(snap);
    free(json);
    free(fresh);
  }
  wg_alerts_free(&a);
}

/*
 * cJSON builds an alert's JSON in the scratch arena, whose first block
 * (64 KiB, common/json_scratch.c) stays between builds: an allocation there
 * fails only when the arena must take its next block from malloc. So each
 * build runs with the arena first filled to a different depth, and the
 * next block is taken (and failed, by failalloc_every()) at each of the
 * build's allocations in turn.
 */
#define SCRATCH_BLOCK (64 * 1024)
#define SCRATCH_SWEEP (16 * 1024)

typedef struct {
  char *(*build)(void *data);
  void *data;
  size_t fill;
} filled_t;

static char *build_filled(void *data) {
  filled_t *f = data;
  wg_arena_mark_t m = wg_json_scratch_begin();
  char *text;

  (void)cJSON_malloc(f->fill); /* the arena's, dropped at its end */
  text = f->build(f->data);
  wg_json_scratch_end(m);
  return text;
}

/* How many fills met a failure in the arena besides those outside it (the
 * copies kept past the build): how many of the build's allocations were
 * failed in the arena. -1 when a text came out with a part missing. */
static long fail_across_arena(char *(*build)(void *), void *data) {

  filled_t f = {build, data, 0};
  long spilled = 0, outside = failalloc_every(build, data);

  if (outside < 0)
    return -1;

  for (f.fill = SCRATCH_BLOCK - SCRATCH_SWEEP; f.fill < SCRATCH_BLOCK;
       f.fill += 16) {
    long n = failalloc_every(build_filled, &f);
    if (n < 0)
      return -1;
    spilled += n > outside;
  }
  return spilled;
}

static char *event_json(void *data) { return wg_alert_event_to_json(data); }

/* The last event's JSON is its alert's printed whole, and quotes @quote. */
static void event_printed_whole(const char *quote) {
  char *json = wg_alert_event_to_json(&ev),
       *fresh = wg_alert_to_json(&ev.alert);

  ASSERT_STR_EQ(json, fresh);
  ASSERT_CONTAINS(json, quote);
  free(json);
  free(fresh);
}

/* An entry memory could not print when its event was made (the arena's
 * next block refused, and every allocation after) is not left out of the
 * event without a word: the event's JSON prints its list again, and says
 * what a list printed whole says. */
static void evidence_unprinted_at_event(void) {
  int unprinted = 0;

  for (size_t fill = SCRATCH_BLOCK - SCRATCH_SWEEP; fill < SCRATCH_BLOCK;
       fill += 16) {
    wg_verdict_t v =
        verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_HIGH, "spo2<90");
    wg_arena_mark_t m;
    int rc;

    v.graded = true;
    v.grade = 1;
    v.evidence.flags = WG_READING_HAS_VALUE;
    v.evidence.v = 91;
    ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0, &ev), 1);
    v.grade = 3;
    v.evidence.v = 85;
    v.evidence.t = T0 + 1;
    m = wg_json_scratch_begin();
    (void)cJSON_malloc(fill); /* the arena's, dropped at its end */
    fail_after = 0;
    rc = wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 1, &ev);
    fail_after = -1;
    wg_json_scratch_end(m);
    ASSERT_EQ(rc, 1);
    unprinted += ev.evidence[0] == '\0';
    event_printed_whole("\"v\":85");
    wg_alerts_free(&a);
  }
  ASSERT(unprinted > 0);
}

/* A restored alert (its evidence read back from the store, none printed
 * since), and one whose held repeats pushed out every entry it had kept:
 * the next event quotes its evidence as if all printed at once. */
static void evidence_restored_and_pushed_out(void) {
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_MEDIUM, "spo2<92");
  wg_alert_t back;
  char *json;

  v.evidence.flags = WG_READING_HAS_VALUE;
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  for (int i = 0; i < 9; i++) {
    v.evidence.v = 91 - i;
    v.evidence.t = T0 + i;
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + i, &ev), 1);
  }
  json = wg_alert_event_to_json(&ev);
  ASSERT_EQ(wg_alert_from_json(json, &back), 0);
  free(json);
  wg_alerts_free(&a);
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_restore(&a, &back), 0);
  v.evidence.v = 70;
  v.evidence.t = T0 + 20;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 20, &ev), 1);
  event_printed_whole("\"v\":70");
  wg_alerts_free(&a);

  v = verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_HIGH, "spo2<90");
  v.evidence.flags = WG_READING_HAS_VALUE;
  v.graded = true;
  v.grade = 2;
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0, &ev), 1);
  v.grade = 1; /* not worse: held back, each adding its entry */
  for (int i = 1; i <= 10; i++) {
    v.evidence.v = 90 - i;
    v.evidence.t = T0 + i;
    ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + i, &ev), 0);
  }
  v.grade = 3;
  v.evidence.v = 60;
  v.evidence.t = T0 + 11;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 11, &ev), 1);
  event_printed_whole("\"v\":60");
  json = wg_alert_event_to_json(&ev);
  ASSERT(strstr(json, "\"v\":89") == NULL); /* pushed out */
  free(json);
  wg_alerts_free(&a);
}

/* An evidence entry as an event prints it once for all its events. */
static char *evidence_json(void *data) {
  char out[WG_ALERT_EVIDENCE_JSON_MAX];

  alerts__evidence_json(data, out, sizeof(out));
  return out[0] ? strdup(out) : NULL;
}

/* Every kind of event, with evidence, with and without its evidence
 * printed already: its JSON whole or not at all. */
static void event_json_fails_whole(void) {
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_HIGH, "spo2<90");
  wg_alert_event_t evs[5];
  size_t nev = 0;
  char id[96];

  v.evidence.flags = WG_READING_HAS_VALUE | WG_READING_HAS_VB;
  v.evidence.v = 89;
  snprintf(v.evidence.u, sizeof(v.evidence.u), "%%");
  ASSERT(fail_across_arena(evidence_json, &v.evidence) >= 30);
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0, &evs[nev++]), 1);
  snprintf(id, sizeof(id), "%s", evs[0].alert.id);
  v.severity = WG_SEV_EMERGENCY;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 60, &evs[nev++]), 1);
  ASSERT_EQ(wg_alerts_escalate_due(&a, T0 + 400, &evs[nev++]), 1);
  ASSERT_EQ(wg_alerts_ack(&a, id, "nurse-a", "visit", "Seen, \"fine\"", true,
                          false, T0 + 500, &evs[nev++]),
            1);
  v.kind = WG_VERDICT_CLEAR;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 600, &evs[nev++]), 1);
  for (size_t i = 0; i < nev; i++) {
    ASSERT_EQ(evs[i].alert.state, (wg_alert_state_t)i);
    ASSERT(evs[i].alert.nevidence >= 1);
    ASSERT(fail_across_arena(event_json, &evs[i]) >= 150);
    evs[i].evidence[0] = '\0'; /* printed again */
    ASSERT(fail_across_arena(event_json, &evs[i]) >= 150);
  }
  wg_alerts_free(&a);
}

/* The snapshot from the first alert's kept JSON and the others' built
 * again: whole or not at all. */
static char *snapshot_rebuilt(void *data) {
  size_t len;
  char *text;

  (void)data;
  for (size_t i = 1; i < a.nopen; i++) {
    free(a.open[i]->json);
    a.open[i]->json = NULL;
  }
  text = wg_alerts_snapshot(&a, T0 + 10, &len);
  if (text != NULL && len != strlen(text))
    text[0] = '\0'; /* differs from the whole text */
  return text;
}

static void snapshot_fails_whole(void) {
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_LOW, "spo2<92");
  char *kept;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0, &ev), 1);
  kept = wg_alert_event_to_json(&ev);
  wg_alerts_keep_json(&a, &ev.alert, kept, strlen(kept));
  free(kept);
  ASSERT_EQ(wg_alerts_apply(&a, "p-2", &v, timeouts, T0 + 1, &ev), 1);
  ASSERT_EQ(wg_alerts_apply(&a, "p-3", &v, timeouts, T0 + 2, &ev), 1);
  ASSERT(a.open[0]->json != NULL);
  /* Outside the arena: each rebuilt alert's copy, and the snapshot. */
  ASSERT(failalloc_every(snapshot_rebuilt, NULL) >= 3);
  ASSERT(fail_across_arena(snapshot_rebuilt, NULL) >= 150);
  wg_alerts_free(&a);
}

/* The snapshot: every open alert oldest first, each alert's JSON as its
 * event's; the cached JSON follows the alert's changes. */
static void snapshot_follows_changes(void) {
  wg_verdict_t v1 = verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_LOW,
                            "spo2"),
               v2 =
                   verdict(WG_VERDICT_RAISE, WG_RULE_FALL, WG_SEV_HIGH, "fall");
  char *snap, *json1, *json2, want[4096];
  size_t len;

  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  snap = wg_alerts_snapshot(&a, T0, &len);
  ASSERT_STR_EQ(snap, "{\"ts\":1763900000.000000,\"alerts\":[]}");
  ASSERT_EQ(len, strlen(snap));
  free(snap);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v1, timeouts, T0, &ev), 1);
  ASSERT_EQ(wg_alerts_apply(&a, "p-2", &v2, timeouts, T0 + 1, &ev), 1);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v1, timeouts, T0 + 2, &ev), 1);
  json1 = wg_alert_to_json(wg_alerts_at(&a, 0));
  json2 = wg_alert_to_json(wg_alerts_at(&a, 1));
  snprintf(want, sizeof(want), "{\"ts\":1763900005.000000,\"alerts\":[%s,%s]}",
           json1, json2);
  snap = wg_alerts_snapshot(&a, T0 + 5, &len);
  ASSERT_STR_EQ(snap, want);
  ASSERT_CONTAINS(snap, "\"repeats\":1");
  free(snap);
  free(json1);
  /* Acknowledged: its cached JSON is replaced. */
  ASSERT_EQ(wg_alerts_ack(&a, wg_alerts_at(&a, 0)->id, "nurse", NULL, NULL,
                          false, false, T0 + 6, &ev),
            1);
  json1 = wg_alert_to_json(wg_alerts_at(&a, 0));
  ASSERT_CONTAINS(json1, "\"acknowledged\":true");
  snprintf(want, sizeof(want), "{\"ts\":1763900007.000000,\"alerts\":[%s,%s]}",
           json1, json2);
  snap = wg_alerts_snapshot(&a, T0 + 7, &len);
  ASSERT_STR_EQ(snap, want);
  free(snap);
  free(json1);
  free(json2);
  wg_alerts_free(&a);
}

/* The snapshot shows an alert as its last event did: the event's JSON, as
 * the commit printed it, even when repeats were held back since; an event
 * that is no longer the last is not kept. */
static void snapshot_keeps_event_json(void) {
  wg_verdict_t v =
      verdict(WG_VERDICT_RAISE, WG_RULE_THRESHOLD, WG_SEV_HIGH, "spo2<90");
  wg_alert_event_t first;
  char *json, *snap, want[4096];
  size_t len;

  v.graded = true;
  v.grade = 2;
  ASSERT_EQ(wg_alerts_init(&a, "gw-1", 1), 0);
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0, &first), 1);
  json = wg_alert_to_json(&first.alert);
  wg_alerts_keep_json(&a, &first.alert, "{\"kept\":1}", 10);
  v.grade = 1; /* not worse: held back */
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 1, &ev), 0);
  ASSERT_EQ(wg_alerts_at(&a, 0)->held, 1);
  snap = wg_alerts_snapshot(&a, T0 + 2, &len);
  ASSERT_STR_EQ(snap, "{\"ts\":1763900002.000000,\"alerts\":[{\"kept\":1}]}");
  free(snap);
  /* A worse value is an event: the kept text is the old event's no more. */
  v.grade = 3;
  ASSERT_EQ(wg_alerts_apply(&a, "p-1", &v, timeouts, T0 + 3, &ev), 1);
  wg_alerts_keep_json(&a, &first.alert, "{\"stale\":1}", 11);
  snap = wg_alerts_snapshot(&a, T0 + 4, &len);
  free(json);
  json = wg_alert_to_json(&ev.alert);
  snprintf(want, sizeof(want), "{\"ts\":1763900004.000000,\"alerts\":[%s]}",
           json);
  ASSERT_STR_EQ(snap, want);
  ASSERT_CONTAINS(snap, "\"repeats\":2");
  free(snap);
  free(json);
  wg_alerts_free(&a);
}

TEST_MAIN(T(snapshot_follows_changes), T(snapshot_keeps_event_json),
          T(json_as_cjson_prints_it), T(evidence_kept_under_failures),
          T(evidence_unprinted_at_event), T(evidence_restored_and_pushed_out),
          T(event_json_fails_whole), T(snapshot_fails_whole))
