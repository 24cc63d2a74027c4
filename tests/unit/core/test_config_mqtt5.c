/* SPDX-License-Identifier: MIT */
/* uplink.mqtt.session_expiry_s and will_delay_s (MQTT 5 only): read,
 * defaulted, and each bad value refused with its key path. */
#include "core/config.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/mqtt.h"

static char problems[4096];

static void collect(void *ud, const char *line) {
  (void)ud;
  strncat(problems, line, sizeof(problems) - strlen(problems) - 2);
  strcat(problems, "\n");
}

/* @uplink: the members of uplink.mqtt. */
static wg_config_t *load(const char *uplink) {
  char text[1024], path[64];
  wg_config_t *cfg = NULL;
  FILE *f;

  problems[0] = '\0';
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{"
           "\"mqtt\":{}},\"uplink\":{\"mqtt\":{%s}},\"patients\":[]}",
           uplink);
  snprintf(path, sizeof(path), "/tmp/wg-test-mqtt5-%d.json", (int)getpid());
  if ((f = fopen(path, "w")) == NULL)
    return NULL;
  fputs(text, f);
  fclose(f);
  if (wg_config_load(path, &cfg, collect, NULL) != 0)
    cfg = NULL;
  unlink(path);
  return cfg;
}

static void read_and_defaults(void) {
  static const struct {
    const char *uplink;
    unsigned long expiry, delay;
  } cases[] = {
      {"\"protocol\":\"5\"", 0, 0}, /* 0: never expires; no delay */
      {"\"protocol\":\"5\",\"session_expiry_s\":3600,\"will_delay_s\":30", 3600,
       30},
      {"\"protocol\":\"5\",\"session_expiry_s\":4294967295", 4294967295UL, 0},
      {"\"protocol\":\"5\",\"will_delay_s\":86400", 0, 86400},
      {"", 0, 0},
  };

  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_config_t *cfg = load(cases[k].uplink);
    const wg_mqtt_opts_t *o;
    if (cfg == NULL)
      FAIL_AT("case %zu refused: %s", k, problems);
    o = cfg->uplink;
    ASSERT_EQ(o->session_expiry_s, cases[k].expiry);
    ASSERT_EQ(o->will_delay_s, cases[k].delay);
    wg_config_free(cfg);
  }
}

static void refused(void) {
  static const struct {
    const char *uplink;
    const char *problem;
  } cases[] = {
      {"\"session_expiry_s\":60",
       "uplink.mqtt.session_expiry_s: needs \"protocol\": \"5\""},
      {"\"protocol\":\"3.1.1\",\"will_delay_s\":5",
       "uplink.mqtt.will_delay_s: needs \"protocol\": \"5\""},
      {"\"protocol\":\"5\",\"session_expiry_s\":0",
       "uplink.mqtt.session_expiry_s: must be between 1 and"},
      {"\"protocol\":\"5\",\"session_expiry_s\":4294967296",
       "uplink.mqtt.session_expiry_s: must be between"},
      {"\"protocol\":\"5\",\"session_expiry_s\":1.5",
       "uplink.mqtt.session_expiry_s: must be a whole number"},
      {"\"protocol\":\"5\",\"will_delay_s\":-1",
       "uplink.mqtt.will_delay_s: must be between 0 and 86400"},
      {"\"protocol\":\"5\",\"will_delay_s\":\"30\"",
       "uplink.mqtt.will_delay_s: "},
  };

  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    wg_config_t *cfg = load(cases[k].uplink);
    if (cfg != NULL) {
      wg_config_free(cfg);
      FAIL_AT("case %zu taken: %s", k, cases[k].uplink);
    }
    if (strstr(problems, cases[k].problem) == NULL)
      FAIL_AT("case %zu: \"%s\" not in:\n%s", k, cases[k].problem, problems);
  }
}

TEST_MAIN(T(read_and_defaults), T(refused))
