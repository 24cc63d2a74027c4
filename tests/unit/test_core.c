/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "core.h"
#include "ingest.h"
#include "test.h"
#include "wardgate/error.h"

static void device_from_topic(void) {
  static const struct {
    const char *filter, *topic, *device;
  } cases[] = {
      {"wardgate/dev/+/senml", "wardgate/dev/oxi-1/senml", "oxi-1"},
      {"wardgate/dev/+/senml", "wardgate/dev/a:b.c_d/senml", "a:b.c_d"},
      {"+/senml", "oxi-1/senml", "oxi-1"},
      {"home/+", "home/oxi-1", "oxi-1"},
      {"wardgate/dev/+/senml", "wardgate/dev//senml", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/oxi-1/senml/x", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/oxi-1", NULL},
      {"wardgate/dev/+/senml", "wardgate/dav/oxi-1/senml", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/ox i/senml", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/oxi$/senml", NULL},
      {"wardgate/dev/+/senml",
       "wardgate/dev/"
       "0123456789012345678901234567890123456789012345678901234567890123456789/"
       "senml",
       NULL},
  };
  char dev[65];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = wg_ingest_device_from_topic(cases[i].filter, cases[i].topic, dev,
                                         sizeof(dev));
    if (cases[i].device == NULL) {
      if (rc != WG_EINVAL)
        FAIL_AT("%s: accepted as %s", cases[i].topic, dev);
    } else {
      ASSERT_EQ(rc, 0);
      ASSERT_STR_EQ(dev, cases[i].device);
    }
  }
}

static int ingest(wg_core_t *core, const char *device, const char *json,
                  char *err) {
  return wg_core_ingest(core, "mqtt", device, json, strlen(json), err, 256);
}

static void problem(void *ud, const char *line) {
  (void)ud;
  fprintf(stderr, "%s\n", line);
}

/* Ingest without a running loop: validation, device lookup and counters. */
static void ingest_counts_and_rejects(void) {
  char path[64], dbpath[64], text[512], err[256];
  wg_config_t *cfg;
  wg_core_t *core;
  uv_loop_t loop;
  FILE *f;

  snprintf(path, sizeof(path), "/tmp/wg-test-core-%d.json", (int)getpid());
  snprintf(dbpath, sizeof(dbpath), "/tmp/wg-test-core-%d.db", (int)getpid());
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"database\":\"%s\",\"ingest\":{\"mqtt\":"
           "{}},\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":\"p-1\","
           "\"devices\":[\"oxi-1\"]}]}",
           dbpath);
  f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  ASSERT_EQ(wg_config_load(path, &cfg, problem, NULL), 0);
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
  unlink(path);
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

TEST_MAIN(T(device_from_topic), T(ingest_counts_and_rejects), T(error_names))
