/* SPDX-License-Identifier: MIT */
/* The outbox over a real store: its limit, its compaction, its pump. */
#include <sqlite3.h>
#include <unistd.h>

#include "commit/outbox.h"
#include "commit/store.h"
#include "storedb.h"
#include "test.h"

/* Copies (the FHIR export) stop at 80 % of the outbox, counted once per
 * committed transaction; alert events still go in up to the limit. */
static void outbox_copies_give_way(void) {
  wg_store_t *s;
  wg_outbox_t o;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_outbox_init(&o, s, 10), 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  for (int i = 0; i < 12; i++)
    ASSERT_EQ(wg_outbox_add_copy(&o, "t/fhir/vitals", "{}", 100), 0);
  /* A rollback forgets what it left out. */
  wg_store_rollback(s);
  wg_outbox_rolled_back(&o);
  ASSERT_EQ(o.yielding, 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  for (int i = 0; i < 12; i++)
    ASSERT_EQ(wg_outbox_add_copy(&o, "t/fhir/vitals", "{}", 100), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_outbox_committed(&o);
  ASSERT_EQ(o.depth, 8);
  ASSERT_EQ(o.yielded, 4);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(wg_outbox_add(&o, "t/alerts", "e1", "gw-1-000001", "raised", 101),
            0);
  ASSERT_EQ(
      wg_outbox_add(&o, "t/fhir/alerts", "f1", "gw-1-000001", "raised", 101),
      0);
  ASSERT_EQ(wg_outbox_add_copy(&o, "t/fhir/news2", "{}", 101), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_outbox_committed(&o);
  ASSERT_EQ(o.depth, 10);
  ASSERT_EQ(o.yielded, 5);
  ASSERT_EQ(o.overflow, 0);
  ASSERT_EQ(wg_store_outbox_count(s), 10);
  wg_outbox_free(&o);
  wg_store_close(s);
}

/* At the limit, a newer event supersedes the queued one of its alert on
 * its own topic only: an alert's FHIR Flag never removes an alert event,
 * nor an event its Flag. */
static void outbox_compacts_per_topic(void) {
  static const char *const rows[][3] = {{"t/alerts", "e-raised", "raised"},
                                        {"t/fhir", "f-raised", "raised"},
                                        {"t/alerts", "e-upd-1", "updated"},
                                        {"t/fhir", "f-upd-1", "updated"},
                                        {"t/alerts", "e-upd-2", "updated"}};
  wg_store_t *s;
  wg_outbox_t o;

  remove_db();
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  ASSERT_EQ(wg_outbox_init(&o, s, 3), 0);
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    ASSERT_EQ(wg_store_begin(s), 0);
    ASSERT_EQ(wg_outbox_add(&o, rows[i][0], rows[i][1], "gw-1-000001",
                            rows[i][2], 100),
              0);
    ASSERT_EQ(wg_store_commit(s), 0);
    wg_outbox_committed(&o);
    if (i == 3) { /* the Flag found no room: the event it follows stays */
      ASSERT_EQ(o.overflow, 1);
      ASSERT_EQ(query_int("SELECT count(*) FROM outbox WHERE payload ="
                          " 'e-upd-1'"),
                1);
    }
  }
  /* The next event of the alert took the place of the one it supersedes. */
  ASSERT_EQ(o.depth, 3);
  ASSERT_EQ(query_int("SELECT count(*) FROM outbox WHERE payload IN "
                      "('e-raised', 'f-raised', 'e-upd-2')"),
            3);
  wg_outbox_free(&o);
  wg_store_close(s);
}

typedef struct pumped_s {
  int n;
  char payload[2 * WG_OUTBOX_INFLIGHT][16];
} pumped_t;

static int pump_publish(void *ud, const char *topic, const char *payload,
                        int *mid) {
  pumped_t *p = ud;
  (void)topic;
  if (p->n == 2 * WG_OUTBOX_INFLIGHT)
    return -1;
  snprintf(p->payload[p->n], sizeof(p->payload[0]), "%s", payload);
  *mid = ++p->n;
  return 0;
}

/* A new store and outbox holding the rows "m1" to "m@n", committed. */
static int outbox_with_rows(wg_store_t **s, wg_outbox_t *o, int n) {
  char m[16];
  int rc;

  remove_db();
  if ((rc = wg_store_open(s, db, WG_DURABILITY_PROCESS)) != 0 ||
      (rc = wg_outbox_init(o, *s, 100)) != 0 || (rc = wg_store_begin(*s)) != 0)
    return rc;
  for (int i = 1; i <= n; i++) {
    snprintf(m, sizeof(m), "m%d", i);
    if ((rc = wg_outbox_add(o, "t/alerts", m, NULL, NULL, 100)) != 0)
      return rc;
  }
  if ((rc = wg_store_commit(*s)) == 0)
    wg_outbox_committed(o);
  return rc;
}

/* The rows the broker acknowledged, deleted in a commit of their own. */
static int outbox_commit_acked(wg_store_t *s, wg_outbox_t *o) {
  int rc;

  if ((rc = wg_store_begin(s)) != 0 || (rc = wg_outbox_delete_acked(o)) != 0 ||
      (rc = wg_store_commit(s)) != 0)
    return rc;
  wg_outbox_committed(o);
  return 0;
}

/* The pump fills the window, and refills it only once half of it is
 * acknowledged: one query for many rows, not one per PUBACK. */
#define ROWS (2 * WG_OUTBOX_INFLIGHT - 4) /* the last committed on its own */
static void outbox_refills_by_half(void) {
  pumped_t p = {0};
  wg_store_t *s;
  wg_outbox_t o;
  char want[16];

  ASSERT_EQ(outbox_with_rows(&s, &o, ROWS - 1), 0);
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, WG_OUTBOX_INFLIGHT);
  for (int mid = 1; mid < WG_OUTBOX_INFLIGHT / 2; mid++) {
    ASSERT(wg_outbox_puback(&o, mid));
    wg_outbox_pump(&o, pump_publish, &p);
    ASSERT_EQ(p.n, WG_OUTBOX_INFLIGHT);
  }
  ASSERT(wg_outbox_puback(&o, WG_OUTBOX_INFLIGHT / 2));
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, WG_OUTBOX_INFLIGHT + WG_OUTBOX_INFLIGHT / 2);
  /* The rest, in order, once the window has room again; nothing twice. */
  for (int mid = WG_OUTBOX_INFLIGHT / 2 + 1; mid <= p.n; mid++) {
    ASSERT(wg_outbox_puback(&o, mid));
    wg_outbox_pump(&o, pump_publish, &p);
  }
  ASSERT_EQ(p.n, ROWS - 1);
  for (int i = 0; i < p.n; i++) {
    snprintf(want, sizeof(want), "m%d", i + 1);
    ASSERT_STR_EQ(p.payload[i], want);
  }
  /* The acknowledged rows go with the next commit; one committed later is
   * sent at once, the window being empty. */
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(wg_outbox_delete_acked(&o), 0);
  snprintf(want, sizeof(want), "m%d", ROWS);
  ASSERT_EQ(wg_outbox_add(&o, "t/alerts", want, NULL, NULL, 101), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  wg_outbox_committed(&o);
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, ROWS);
  ASSERT_STR_EQ(p.payload[ROWS - 1], want);
  ASSERT_EQ(wg_store_outbox_count(s), 1);
  wg_outbox_free(&o);
  wg_store_close(s);
}
#undef ROWS

/* A row the broker refused (MQTT 5 reason code 0x80 or more) is not
 * delivered: it stays, counted, and goes again at the retry; the rows in
 * flight or acknowledged meanwhile are not sent twice. */
static void outbox_refused_stays(void) {
  pumped_t p = {0};
  wg_store_t *s;
  wg_outbox_t o;

  ASSERT_EQ(outbox_with_rows(&s, &o, 4), 0);
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, 4);
  ASSERT(!wg_outbox_refused(&o, 99)); /* not ours */
  ASSERT(wg_outbox_refused(&o, 2));
  ASSERT(wg_outbox_puback(&o, 1));
  ASSERT(wg_outbox_puback(&o, 3));
  ASSERT(wg_outbox_has_refused(&o));
  ASSERT_EQ(o.refused, 1);
  /* Nothing goes again before the retry. */
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, 4);
  /* The deletion commits what was taken; the refused row stays. */
  ASSERT_EQ(outbox_commit_acked(s, &o), 0);
  ASSERT_EQ(wg_store_outbox_count(s), 2);
  wg_outbox_retry_refused(&o);
  ASSERT(!wg_outbox_has_refused(&o));
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, 5); /* m2 again; m4 is still in flight */
  ASSERT_STR_EQ(p.payload[4], "m2");
  ASSERT(wg_outbox_puback(&o, 5));
  ASSERT(wg_outbox_puback(&o, 4));
  ASSERT_EQ(outbox_commit_acked(s, &o), 0);
  ASSERT_EQ(wg_store_outbox_count(s), 0);
  ASSERT(wg_outbox_drained(&o));
  wg_outbox_free(&o);
  wg_store_close(s);
}

/* The uplink's client replaced (a clean session after a persistent one):
 * what was in flight will never be acknowledged, so every row goes again
 * from the oldest, and a stale PUBACK is not one of ours. After a mere
 * disconnect what is in flight stays so (libmosquitto sends it again). */
static void outbox_inflight_lost(void) {
  pumped_t p = {0};
  wg_store_t *s;
  wg_outbox_t o;

  ASSERT_EQ(outbox_with_rows(&s, &o, 3), 0);
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, 3);
  wg_outbox_disconnected(&o);
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, 3); /* still in flight: not sent twice */
  wg_outbox_inflight_lost(&o);
  ASSERT(!wg_outbox_puback(&o, 1)); /* an id of the old client */
  wg_outbox_pump(&o, pump_publish, &p);
  ASSERT_EQ(p.n, 6);
  ASSERT_STR_EQ(p.payload[3], "m1");
  ASSERT_STR_EQ(p.payload[5], "m3");
  for (int mid = 4; mid <= 6; mid++)
    ASSERT(wg_outbox_puback(&o, mid));
  ASSERT_EQ(outbox_commit_acked(s, &o), 0);
  ASSERT(wg_outbox_drained(&o));
  wg_outbox_free(&o);
  wg_store_close(s);
}

static void cleanup(void) { remove_db(); }

static void setup(void) {
  snprintf(db, sizeof(db), "/tmp/wg-test-outbox-%d.db", (int)getpid());
}

TEST_MAIN(T(setup), T(outbox_copies_give_way), T(outbox_compacts_per_topic),
          T(outbox_inflight_lost), T(outbox_refills_by_half),
          T(outbox_refused_stays), T(cleanup))
