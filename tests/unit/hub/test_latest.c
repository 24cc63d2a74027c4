/* SPDX-License-Identifier: MIT */
/*
 * The latest NEWS2 of every patient (hub/latest.c): a patient's entry
 * follows its last news2 message, the snapshot lists them in the order of
 * the configuration, a patient removed by a reload leaves it, and out of
 * memory leaves the snapshot whole or absent.
 */
#include "test.h"
#include "failalloc.h"
#include "hub/latest.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define P(id, score)                                                           \
  "{\"patient\":\"" id "\",\"ts\":1763900000.000000,\"score\":" #score         \
  ",\"scale\":1,\"complete\":false,\"missing\":[\"o2\"],\"components\":{"      \
  "\"rr\":" #score "},\"band\":\"low\"}"

static wg_config_t *three_patients(const char *extra) {
  char json[512];

  snprintf(json, sizeof(json),
           TESTCFG_HEAD "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"d-1\"]},"
                        "{\"id\":\"p-2\",\"devices\":[\"d-2\"]},"
                        "{\"id\":\"p-3\",\"devices\":[\"d-3\"]}%s]}",
           extra);
  return test_config(json);
}

static int learn(wg_latest_t *l, const char *json) {
  return wg_latest_learn(l, json, strlen(json));
}

static char *snapshot(const wg_latest_t *l) {
  size_t len = 0;
  char *text = wg_latest_snapshot(l, 1763900060.5, &len);

  if (text != NULL && len != strlen(text)) {
    free(text);
    return NULL;
  }
  return text;
}

/* Each patient's last message, in the configuration's order, whatever
 * the order they came in; the same text again changes nothing. */
static void latest_updated(void) {
  wg_config_t *cfg = three_patients("");
  wg_latest_t l;
  char *s;

  ASSERT(cfg != NULL);
  wg_latest_init(&l);
  ASSERT_EQ(wg_latest_set_patients(&l, cfg), 0);
  ASSERT(!l.changed);
  ASSERT(wg_latest_wants(&l, "p-1"));
  ASSERT(!wg_latest_wants(&l, "p-9"));
  s = snapshot(&l);
  ASSERT_STR_EQ(s, "{\"ts\":1763900060.5,\"patients\":[]}");
  free(s);

  ASSERT_EQ(learn(&l, P("p-3", 1)), 1);
  ASSERT_EQ(learn(&l, P("p-1", 2)), 1);
  ASSERT_EQ(learn(&l, P("p-3", 7)), 1);
  ASSERT(l.changed);
  ASSERT(!wg_latest_wants(&l, "p-1"));
  ASSERT_EQ(wg_latest_count(&l), 2);
  s = snapshot(&l);
  ASSERT_STR_EQ(s, "{\"ts\":1763900060.5,\"patients\":[" P("p-1", 2) "," P(
                       "p-3", 7) "]}");
  free(s);

  l.changed = false;
  ASSERT_EQ(learn(&l, P("p-3", 7)), 1); /* sent again after a reconnect */
  ASSERT(!l.changed);
  ASSERT_EQ(learn(&l, P("p-9", 4)), 0); /* not a patient here */
  ASSERT(!l.changed);
  ASSERT_EQ(learn(&l, "{\"n\":2}"), WG_EINVAL);
  ASSERT_EQ(learn(&l, "not json"), WG_EINVAL);
  ASSERT(!l.changed);
  ASSERT_EQ(learn(&l, P("p-2", 5)), 1);
  ASSERT(l.changed);
  s = snapshot(&l);
  ASSERT_STR_EQ(s, "{\"ts\":1763900060.5,\"patients\":[" P("p-1", 2) "," P(
                       "p-2", 5) "," P("p-3", 7) "]}");
  free(s);
  wg_latest_free(&l);
  wg_config_free(cfg);
}

/* A reload without p-2: p-2 leaves with its score and is not let back in
 * by a message sent late; a new patient joins without a score. */
static void latest_patient_removed(void) {
  wg_config_t *cfg = three_patients(""), *cfg2 = NULL;
  wg_latest_t l;
  char *s;

  ASSERT(cfg != NULL);
  cfg2 = test_config(TESTCFG_HEAD
                     "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"d-1\"]},"
                     "{\"id\":\"p-3\",\"devices\":[\"d-3\"]},"
                     "{\"id\":\"p-4\",\"devices\":[\"d-4\"]}]}");
  ASSERT(cfg2 != NULL);
  wg_latest_init(&l);
  ASSERT_EQ(wg_latest_set_patients(&l, cfg), 0);
  ASSERT_EQ(learn(&l, P("p-1", 1)), 1);
  ASSERT_EQ(learn(&l, P("p-2", 2)), 1);
  ASSERT_EQ(learn(&l, P("p-3", 3)), 1);
  l.changed = false;

  ASSERT_EQ(wg_latest_set_patients(&l, cfg2), 0);
  ASSERT(l.changed);
  ASSERT(wg_latest_wants(&l, "p-4"));
  ASSERT(!wg_latest_wants(&l, "p-2"));
  ASSERT_EQ(learn(&l, P("p-2", 6)), 0);
  s = snapshot(&l);
  ASSERT_STR_EQ(s, "{\"ts\":1763900060.5,\"patients\":[" P("p-1", 1) "," P(
                       "p-3", 3) "]}");
  free(s);
  ASSERT_EQ(learn(&l, P("p-4", 4)), 1);
  s = snapshot(&l);
  ASSERT_CONTAINS(s, P("p-3", 3) "," P("p-4", 4) "]}");
  free(s);

  /* The same patients again: nothing changes. */
  l.changed = false;
  ASSERT_EQ(wg_latest_set_patients(&l, cfg2), 0);
  ASSERT(!l.changed);
  ASSERT_EQ(wg_latest_count(&l), 3);
  /* A patient without a score leaving changes no snapshot. */
  ASSERT_EQ(wg_latest_set_patients(&l, cfg), 0);
  ASSERT(l.changed); /* p-4 had one */
  ASSERT_EQ(wg_latest_count(&l), 2);
  wg_latest_free(&l);
  wg_config_free(cfg);
  wg_config_free(cfg2);
}

/* ---- out of memory ------------------------------------------------------ */

static char *build_snapshot(void *data) { return snapshot(data); }

/* The set from scratch, each message learnt, then its snapshot: an
 * allocation that fails anywhere leaves no text or the whole one (a
 * patient not in the set would be a message missing). */
static char *build_learnt(void *data) {
  const wg_config_t *cfg = data;
  wg_latest_t l;
  char *s = NULL;

  wg_latest_init(&l);
  if (wg_latest_set_patients(&l, cfg) == 0 && learn(&l, P("p-1", 1)) == 1 &&
      learn(&l, P("p-2", 2)) == 1 && learn(&l, P("p-3", 3)) == 1 &&
      learn(&l, P("p-3", 7)) == 1)
    s = snapshot(&l);
  wg_latest_free(&l);
  return s;
}

static void latest_whole_or_none(void) {
  wg_config_t *cfg = three_patients("");
  wg_latest_t l;

  ASSERT(cfg != NULL);
  wg_latest_init(&l);
  ASSERT_EQ(wg_latest_set_patients(&l, cfg), 0);
  ASSERT_EQ(learn(&l, P("p-1", 1)), 1);
  ASSERT_EQ(learn(&l, P("p-2", 2)), 1);
  ASSERT_EQ(learn(&l, P("p-3", 3)), 1);
  ASSERT(failalloc_every(build_snapshot, &l) >= 8);
  ASSERT(failalloc_every(build_learnt, cfg) >= 10);

  /* A message that cannot be copied leaves the one kept before. */
  l.changed = false;
  fail_after = 0;
  ASSERT_EQ(learn(&l, P("p-3", 7)), WG_ENOMEM);
  fail_after = -1;
  ASSERT(!l.changed);
  {
    char *s = snapshot(&l);
    ASSERT_CONTAINS(s, P("p-3", 3));
    free(s);
  }
  wg_latest_free(&l);
  wg_config_free(cfg);
}

TEST_MAIN(T(latest_updated), T(latest_patient_removed), T(latest_whole_or_none))
