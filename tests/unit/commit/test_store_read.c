/* SPDX-License-Identifier: MIT */
/* What the tools read (store_read.c), through a store opened read-only. */
#include <sqlite3.h>
#include <unistd.h>

#include "commit/store.h"
#include "storedb.h"
#include "test.h"
#include "wardgate/error.h"

/* An alert event of @id for @patient, raised at @raised, stored. */
static int put_alert(wg_store_t *s, const char *id, const char *patient,
                     double raised, bool open) {
  wg_alert_event_t ev;
  char payload[64];

  memset(&ev, 0, sizeof(ev));
  snprintf(ev.alert.id, sizeof(ev.alert.id), "%s", id);
  snprintf(ev.alert.patient, sizeof(ev.alert.patient), "%s", patient);
  ev.alert.rule = WG_RULE_FALL;
  ev.alert.severity = WG_SEV_HIGH;
  ev.alert.state = open ? WG_ALERT_RAISED : WG_ALERT_CLEARED;
  ev.alert.open = open;
  ev.alert.raised = ev.alert.ts = raised;
  snprintf(ev.cause, sizeof(ev.cause), "raised: fall");
  snprintf(payload, sizeof(payload), "{\"id\":\"%s\"}", id);
  return wg_store_put_alert_event(s, &ev, payload, true);
}

typedef struct listed_s {
  int n;
  char text[8][64];
  double ts[8];
} listed_t;

static int list_alert(void *ud, const char *payload) {
  listed_t *l = ud;
  if (l->n == 8)
    return 7; /* stops the walk: returned as it is */
  snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", payload);
  return 0;
}

/* Each reading as "patient/name=value@ts". */
static void list_reading(void *ud, const wg_reading_t *r) {
  listed_t *l = ud;
  char v[32];

  if (l->n == 8)
    return;
  if (r->flags & WG_READING_HAS_VALUE)
    snprintf(v, sizeof(v), "%g", r->value);
  else if (r->flags & WG_READING_HAS_VB)
    snprintf(v, sizeof(v), "%s", r->vb ? "true" : "false");
  else
    snprintf(v, sizeof(v), "%s", r->vs ? r->vs : "-");
  l->ts[l->n] = r->ts;
  snprintf(l->text[l->n++], sizeof(l->text[0]), "%s/%s=%s%s@%s",
           r->patient_id ? r->patient_id : "-", r->name, v, r->unit,
           r->device_id);
}

static int list_score(void *ud, const wg_store_score_t *sc) {
  listed_t *l = ud;
  if (l->n == 8)
    return 1;
  l->ts[l->n] = sc->ts;
  snprintf(l->text[l->n++], sizeof(l->text[0]), "%s %d %d %s %s %s %s",
           sc->patient, sc->score, sc->scale, sc->complete ? "yes" : "no",
           sc->band, sc->components, sc->missing);
  return 0;
}

/* What wardgatectl reads, through a store opened read-only: alerts open or
 * all, of a patient or all; readings by time, patient and key, and their
 * count; a patient's scores by time. */
static void tools_read_through_the_store(void) {
  wg_store_t *s;
  wg_reading_t r = reading("spo2", 97, 1000);
  listed_t l = {0};
  char plan[1024];

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(put_alert(s, "gw-1-000002", "p-2", 200, true), 0);
  ASSERT_EQ(put_alert(s, "gw-1-000001", "p-1", 100, false), 0);
  ASSERT_EQ(put_alert(s, "gw-1-000003", "p-1", 300, true), 0);
  ASSERT_EQ(put(s, &r, 1), 1);
  r = reading("hr", 61, 990);
  r.unit = "beat/min";
  ASSERT_EQ(put(s, &r, 1), 1);
  r = reading("fall", 0, 1010);
  r.flags = WG_READING_HAS_VB;
  r.vb = true;
  r.unit = "";
  ASSERT_EQ(put(s, &r, 1), 1);
  r = reading("note", 0, 1020);
  r.flags = 0;
  r.vs = "ok";
  r.unit = "";
  r.patient_id = NULL; /* an accepted unknown device */
  r.device_id = "x-9";
  ASSERT_EQ(put(s, &r, 1), 1);
  r = reading("spo2", 91, 500); /* before the window */
  ASSERT_EQ(put(s, &r, 1), 1);
  ASSERT_EQ(wg_store_put_score(s, "p-1", 900, 3, 1, true, "low-medium",
                               "{\"spo2\":1}", "[]"),
            0);
  ASSERT_EQ(wg_store_put_score(s, "p-1", 1100, 5, 2, false, "medium",
                               "{\"spo2\":3}", "[\"temp\"]"),
            0);
  ASSERT_EQ(wg_store_put_score(s, "p-2", 1000, 1, 1, true, "low", "{}", "[]"),
            0);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_store_close(s);

  ASSERT_EQ(wg_store_open_readonly(&s, db), 0);
  /* Alerts: open ones by the time raised; all of them; one patient's. */
  ASSERT_EQ(wg_store_alerts_list(s, false, NULL, list_alert, &l), 0);
  ASSERT_EQ(l.n, 2);
  ASSERT_STR_EQ(l.text[0], "{\"id\":\"gw-1-000002\"}");
  ASSERT_STR_EQ(l.text[1], "{\"id\":\"gw-1-000003\"}");
  l.n = 0;
  ASSERT_EQ(wg_store_alerts_list(s, true, NULL, list_alert, &l), 0);
  ASSERT_EQ(l.n, 3);
  ASSERT_STR_EQ(l.text[0], "{\"id\":\"gw-1-000001\"}");
  l.n = 0;
  ASSERT_EQ(wg_store_alerts_list(s, true, "p-1", list_alert, &l), 0);
  ASSERT_EQ(l.n, 2);
  ASSERT_STR_EQ(l.text[1], "{\"id\":\"gw-1-000003\"}");
  l.n = 0;
  ASSERT_EQ(wg_store_alerts_list(s, false, "p-3", list_alert, &l), 0);
  ASSERT_EQ(l.n, 0);
  l.n = 8; /* the callback stops the walk: its value comes back */
  ASSERT_EQ(wg_store_alerts_list(s, true, NULL, list_alert, &l), 7);

  /* Readings: oldest first, from @since, of a patient, of a key. */
  l.n = 0;
  ASSERT_EQ(wg_store_readings_each(s, 990, "p-1", NULL, list_reading, &l), 0);
  ASSERT_EQ(l.n, 3);
  ASSERT_STR_EQ(l.text[0], "p-1/hr=61beat/min@oxi-1");
  ASSERT_STR_EQ(l.text[1], "p-1/spo2=97%@oxi-1");
  ASSERT_STR_EQ(l.text[2], "p-1/fall=true@oxi-1");
  ASSERT(l.ts[0] == 990 && l.ts[1] == 1000 && l.ts[2] == 1010);
  ASSERT_EQ(wg_store_readings_count(s, 990, "p-1", NULL), 3);
  l.n = 0;
  ASSERT_EQ(wg_store_readings_each(s, 0, "p-1", "spo2", list_reading, &l), 0);
  ASSERT_EQ(l.n, 2);
  ASSERT_STR_EQ(l.text[0], "p-1/spo2=91%@oxi-1");
  ASSERT_EQ(wg_store_readings_count(s, 0, "p-1", "spo2"), 2);
  /* No patient: every reading, the unknown device's too. */
  l.n = 0;
  ASSERT_EQ(wg_store_readings_each(s, 1000, NULL, NULL, list_reading, &l), 0);
  ASSERT_EQ(l.n, 3);
  ASSERT_STR_EQ(l.text[2], "-/note=ok@x-9");
  ASSERT_EQ(wg_store_readings_count(s, 1000, NULL, NULL), 3);
  ASSERT_EQ(wg_store_readings_count(s, 0, "p-404", NULL), 0);

  /* Scores: one patient's, from @since, oldest first, every column. */
  l.n = 0;
  ASSERT_EQ(wg_store_scores_each(s, "p-1", 0, list_score, &l), 0);
  ASSERT_EQ(l.n, 2);
  ASSERT_STR_EQ(l.text[0], "p-1 3 1 yes low-medium {\"spo2\":1} []");
  ASSERT_STR_EQ(l.text[1], "p-1 5 2 no medium {\"spo2\":3} [\"temp\"]");
  ASSERT(l.ts[0] == 900 && l.ts[1] == 1100);
  l.n = 0;
  ASSERT_EQ(wg_store_scores_each(s, "p-1", 1000, list_score, &l), 0);
  ASSERT_EQ(l.n, 1);
  l.n = 8;
  ASSERT_EQ(wg_store_scores_each(s, "p-1", 0, list_score, &l), 1);

  /* Read-only: a writer fails and changes nothing. */
  r = reading("spo2", 99, 2000);
  ASSERT_EQ(put(s, &r, 1), WG_EIO);
  wg_store_close(s);
  ASSERT_EQ(query_int("SELECT count(*) FROM readings"), 5);

  /* The readings walk and count search the time index, never sort. */
  query_plan(wg_store_sql("readings_range"), plan, sizeof(plan));
  ASSERT_CONTAINS(plan, "INDEX sqlite_autoindex_readings_1 (ts>?");
  ASSERT(strstr(plan, "TEMP B-TREE") == NULL);
  query_plan(wg_store_sql("readings_count"), plan, sizeof(plan));
  ASSERT_CONTAINS(plan, "INDEX sqlite_autoindex_readings_1 (ts>?");
  query_plan(wg_store_sql("scores_range"), plan, sizeof(plan));
  ASSERT_CONTAINS(plan, "INDEX scores_patient (patient_id=? AND ts>?");
  ASSERT(strstr(plan, "TEMP B-TREE") == NULL);
}

/*
 * The read-only store checks the schema as the daemon does, and stricter:
 * the daemon migrates an older one and refuses a newer one (WG_EIO, no
 * store); a tool refuses both, and any file that is not a wardgate
 * database of this build, with the same WG_EIO and no store.
 */
static void readonly_refuses_another_schema(void) {
  static const char *const schemas[] = {
      "PRAGMA user_version=4",
      "PRAGMA user_version=99",
      "PRAGMA journal_mode=WAL; CREATE TABLE readings(x); PRAGMA "
      "user_version=0",
  };
  wg_store_t *s;
  sqlite3 *h;

  for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
    remove_db();
    if (i < 2) {
      ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
      wg_store_close(s);
    }
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, schemas[i], NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    s = (wg_store_t *)&h; /* not NULL: the refusal must clear it */
    ASSERT_EQ(wg_store_open_readonly(&s, db), WG_EIO);
    ASSERT(s == NULL);
  }
  /* As the daemon refuses the newer one. */
  remove_db();
  ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
  sqlite3_exec(h, "PRAGMA user_version=99", NULL, NULL, NULL);
  sqlite3_close(h);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), WG_EIO);
  ASSERT(s == NULL);
  ASSERT_EQ(wg_store_open_readonly(&s, db), WG_EIO);
  ASSERT(s == NULL);
  /* And no database at all. */
  remove_db();
  ASSERT_EQ(wg_store_open_readonly(&s, db), WG_EIO);
  ASSERT(s == NULL);
  ASSERT_EQ(access(db, F_OK), -1);
}

static void cleanup(void) { remove_db(); }

static void setup(void) {
  snprintf(db, sizeof(db), "/tmp/wg-test-store-read-%d.db", (int)getpid());
}

TEST_MAIN(T(setup), T(tools_read_through_the_store),
          T(readonly_refuses_another_schema), T(cleanup))
