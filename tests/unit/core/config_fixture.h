/* SPDX-License-Identifier: MIT */
/*
 * What the configuration's tests share: a file written and loaded, the
 * problems reported (with their key paths), and what the daemon logged.
 */
#ifndef WG_TEST_CONFIG_FIXTURE_H
#define WG_TEST_CONFIG_FIXTURE_H

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "test.h"
#include "wardgate/coap.h"
#include "wardgate/error.h"
#include "wardgate/mqtt.h"

static char problems[8192];
static int nproblems;
static char path[64];
static wg_config_t *cfg;

static inline void collect(void *ud, const char *line) {
  (void)ud;
  strncat(problems, line, sizeof(problems) - strlen(problems) - 2);
  strcat(problems, "\n");
  nproblems++;
}

static inline int load_text(const char *text) {
  FILE *f;

  wg_config_free(cfg);
  cfg = NULL;
  problems[0] = '\0';
  nproblems = 0;
  snprintf(path, sizeof(path), "/tmp/wg-test-config-%d.json", (int)getpid());
  f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  return wg_config_load(path, &cfg, collect, NULL);
}

/* The shape every test starts from; %s is spliced into the top level. */
static inline int load_with(const char *extra_top, const char *patient_extra) {
  char text[4096];
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",%s\"ingest\":{\"mqtt\":{}},"
           "\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":\"p-1\","
           "\"devices\":[\"oxi-1\"]%s}]}",
           extra_top, patient_extra);
  return load_text(text);
}

/* The options the drivers read from their blocks. */
static inline const wg_mqtt_opts_t *ingest_mqtt(void) {
  return wg_config_input(cfg, "mqtt");
}
static inline const wg_coap_opts_t *ingest_coap(void) {
  return wg_config_input(cfg, "coap");
}
static inline const wg_mqtt_opts_t *uplink_mqtt(void) { return cfg->uplink; }

static char expect_buf[512];
static inline const char *expect(const char *tail) {
  snprintf(expect_buf, sizeof(expect_buf), "%s: %s", path, tail);
  return expect_buf;
}

/* load_text(), with what the daemon logs meanwhile (its standard error)
 * kept in @logged. */
static char logged[4096];
static inline int load_logged(const char *text) {
  char file[64];
  int saved, fd, rc;
  FILE *f;
  size_t n;

  snprintf(file, sizeof(file), "/tmp/wg-test-log-%d", (int)getpid());
  fflush(stderr);
  saved = dup(2);
  fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (saved < 0 || fd < 0)
    return WG_EIO;
  dup2(fd, 2);
  close(fd);
  rc = load_text(text);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  logged[0] = '\0';
  if ((f = fopen(file, "r")) != NULL) {
    n = fread(logged, 1, sizeof(logged) - 1, f);
    logged[n] = '\0';
    fclose(f);
  }
  unlink(file);
  return rc;
}

static inline void cleanup(void) {
  wg_config_free(cfg);
  cfg = NULL;
  unlink(path);
}

#endif
