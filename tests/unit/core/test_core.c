/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "core/core.h"
#include "failalloc.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

static int ingest(wg_core_t *core, const char *device, const char *json,
                  char *err) {
  return wg_core_ingest(core, "mqtt", device, json, strlen(json), err, 256);
}

/* A configuration with its database at @db and the patients @patients. */
static wg_config_t *core_config(const char *db, const char *patients) {
  char text[512];

  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"database\":\"%s\",\"ingest\":{\"mqtt\":"
           "{}},\"uplink\":{\"mqtt\":{}},\"patients\":%s}",
           db, patients);
  return test_config(text);
}

static void db_path(char *out, size_t len) {
  snprintf(out, len, "/tmp/wg-test-core-%d.db", (int)getpid());
  unlink(out);
}

/* Ingest without a running loop: validation, device lookup and counters. */
static void ingest_counts_and_rejects(void) {
  char dbpath[64], err[256];
  wg_config_t *cfg;
  wg_core_t *core;
  uv_loop_t loop;

  db_path(dbpath, sizeof(dbpath));
  cfg = core_config(dbpath, "[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"]}]");
  ASSERT(cfg != NULL);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  ASSERT_EQ(wg_core_new(&core, &loop, cfg), 0);

  ASSERT_EQ(ingest(core, "oxi-1", "[{\"n\":\"spo2\",\"v\":97}]", err), 0);
  ASSERT_EQ(ingest(core, "nobody", "[{\"n\":\"spo2\",\"v\":97}]", err),
            WG_ENODEV);
  ASSERT_STR_EQ(err, "unknown device");
  ASSERT_EQ(ingest(core, "oxi-1", "[{\"n\":\"spo2\"}]", err), WG_EINVAL);
  ASSERT_EQ(wg_core_counters(core)->packs_received, 3);
  ASSERT_EQ(wg_core_counters(core)->packs_rejected, 2);

  char *status = wg_core_status_json(core, true, true);
  ASSERT_CONTAINS(status, "\"state\":\"online\",\"gateway\":\"gw-1\"");
  ASSERT_CONTAINS(status, "\"packs_rejected\":2");
  ASSERT_CONTAINS(status, "\"readings_pending\":1");
  free(status);
  status = wg_core_status_json(core, false, false);
  ASSERT_CONTAINS(status, "\"state\":\"offline\"");
  ASSERT(strstr(status, "counters") == NULL);
  free(status);

  wg_core_free(core);
  ASSERT_EQ(uv_loop_close(&loop), 0);
  unlink(dbpath);
}

/*
 * A reload that runs out of memory at any point keeps the old patients
 * whole and leaks nothing; once memory suffices it takes the new ones. A
 * probe pack that is invalid tells a known device (WG_EINVAL) from an
 * unknown one (WG_ENODEV) without adding to the batch.
 */
static void reload_out_of_memory(void) {
  static const char bad[] = "[{\"n\":\"spo2\"}]";
  static const char reloaded[] =
      "[{\"id\":\"p-2\",\"devices\":[\"cup-2\"],\"thresholds\":[{\"name\":"
      "\"hr\",\"above\":120,\"severity\":\"medium\"}]},{\"id\":\"p-1\","
      "\"devices\":[\"oxi-1\"]}]";
  char dbpath[64], err[256];
  wg_config_t *cfg;
  wg_core_t *core;
  uv_loop_t loop;
  long n;

  db_path(dbpath, sizeof(dbpath));
  cfg = core_config(dbpath, "[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"]}]");
  ASSERT(cfg != NULL);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  ASSERT_EQ(wg_core_new(&core, &loop, cfg), 0);
  for (n = 0;; n++) {
    ASSERT(n < 1000);
    ASSERT((cfg = core_config(dbpath, reloaded)) != NULL);
    fail_after = n;
    wg_core_reload(core, cfg);
    fail_after = -1;
    if (ingest(core, "cup-2", bad, err) == WG_EINVAL)
      break;
    ASSERT_EQ(ingest(core, "cup-2", bad, err), WG_ENODEV);
    ASSERT_EQ(ingest(core, "oxi-1", bad, err), WG_EINVAL);
  }
  ASSERT(n > 0); /* some allocation did fail */
  ASSERT_EQ(ingest(core, "oxi-1", bad, err), WG_EINVAL);
  wg_core_free(core);
  ASSERT_EQ(uv_loop_close(&loop), 0);
  unlink(dbpath);
}

static void error_names(void) {
  ASSERT_STR_EQ(wg_strerror(WG_EINVAL), "invalid argument");
  ASSERT_STR_EQ(wg_err_name(WG_EINVAL), "WG_EINVAL");
  ASSERT_STR_EQ(wg_err_name(WG_EAUTH), "WG_EAUTH");
  ASSERT_STR_EQ(wg_strerror(0), "success");
  ASSERT_STR_EQ(wg_err_name(-12345), "WG_EUNKNOWN");
  ASSERT(WG_ENOMEM < 0 && WG_EAUTH < 0);
}

TEST_MAIN(T(ingest_counts_and_rejects), T(reload_out_of_memory), T(error_names))
