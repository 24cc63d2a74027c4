/* SPDX-License-Identifier: MIT */
/* config_versions (commit/store_config.c): each version applied from the
 * hub, the newest for a restart, one by number, and the history. */
#include <unistd.h>

#include "commit/store.h"
#include "test.h"
#include "testcfg.h"

static char db[64];
static int64_t seen[8];
static size_t nseen;
static char last_by[64], last_doc[256];

static int keep(void *ud, const wg_store_config_t *c) {
  (void)ud;
  if (nseen < 8)
    seen[nseen++] = c->version;
  snprintf(last_by, sizeof(last_by), "%s", c->by ? c->by : "(null)");
  snprintf(last_doc, sizeof(last_doc), "%s",
           c->document ? c->document : "(null)");
  return 0;
}

static int stop_at_first(void *ud, const wg_store_config_t *c) {
  (void)ud;
  (void)c;
  nseen++;
  return 7;
}

static void versions_kept(void) {
  wg_store_t *s = NULL, *ro = NULL;
  wg_store_config_t v1 = {1, 100.0, 101.0, "dr-khan", "{\"version\":1}"};
  wg_store_config_t v3 = {3, 300.0, 301.0, NULL, "{\"version\":3}"};

  snprintf(db, sizeof(db), "/tmp/wg-test-store-config-%d.db", (int)getpid());
  test_remove_db(db);
  ASSERT_EQ(wg_store_open(&s, db, WG_DURABILITY_PROCESS), 0);
  /* None yet: the callback is not called. */
  nseen = 0;
  ASSERT_EQ(wg_store_config_latest(s, keep, NULL), 0);
  ASSERT_EQ(nseen, 0);
  ASSERT_EQ(wg_store_begin(s), 0);
  ASSERT_EQ(wg_store_put_config(s, &v1), 0);
  ASSERT_EQ(wg_store_put_config(s, &v3), 0);
  ASSERT_EQ(wg_store_commit(s), 0);
  /* The newest, whole. */
  ASSERT_EQ(wg_store_config_latest(s, keep, NULL), 0);
  ASSERT_EQ(nseen, 1);
  ASSERT_EQ(seen[0], 3);
  ASSERT_STR_EQ(last_by, "(null)");
  ASSERT_STR_EQ(last_doc, "{\"version\":3}");
  /* Read-only, as wardgatectl reads it. */
  ASSERT_EQ(wg_store_open_readonly(&ro, db), 0);
  nseen = 0;
  ASSERT_EQ(wg_store_config_get(ro, 1, keep, NULL), 1);
  ASSERT_STR_EQ(last_by, "dr-khan");
  ASSERT_STR_EQ(last_doc, "{\"version\":1}");
  ASSERT_EQ(wg_store_config_get(ro, 2, keep, NULL), 0);
  ASSERT_EQ(nseen, 1);
  nseen = 0;
  ASSERT_EQ(wg_store_config_history(ro, keep, NULL), 0);
  ASSERT_EQ(nseen, 2);
  ASSERT_EQ(seen[0], 1);
  ASSERT_EQ(seen[1], 3);
  ASSERT_STR_EQ(last_doc, "(null)"); /* the history leaves documents out */
  nseen = 0;
  ASSERT_EQ(wg_store_config_history(ro, stop_at_first, NULL), 7);
  ASSERT_EQ(nseen, 1);
  /* A rolled-back version is not kept (a failed commit). */
  ASSERT_EQ(wg_store_begin(s), 0);
  v1.version = 4;
  ASSERT_EQ(wg_store_put_config(s, &v1), 0);
  wg_store_rollback(s);
  nseen = 0;
  ASSERT_EQ(wg_store_config_latest(s, keep, NULL), 0);
  ASSERT_EQ(seen[0], 3);
  wg_store_close(ro);
  wg_store_close(s);
  test_remove_db(db);
}

TEST_MAIN(T(versions_kept))
