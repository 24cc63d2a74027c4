/* SPDX-License-Identifier: MIT */
/* A unit test's configuration, loaded from JSON text, and its database. */
#ifndef WG_TESTCFG_H
#define WG_TESTCFG_H

#include <stdio.h>
#include <unistd.h>

#include "core/config.h"

static void testcfg_problem(void *ud, const char *line) {
  (void)ud;
  fprintf(stderr, "%s\n", line);
}

/* @json loaded as wardgate.json; NULL (problems printed) when invalid. */
static inline wg_config_t *test_config(const char *json) {
  char path[64];
  wg_config_t *cfg = NULL;
  FILE *f;

  snprintf(path, sizeof(path), "/tmp/wg-test-cfg-%d.json", (int)getpid());
  if ((f = fopen(path, "w")) == NULL)
    return NULL;
  fputs(json, f);
  fclose(f);
  if (wg_config_load(path, &cfg, testcfg_problem, NULL) != 0)
    cfg = NULL;
  unlink(path);
  return cfg;
}

/* Remove the database at @path with its WAL and shared-memory files. */
static inline void test_remove_db(const char *path) {
  char p[256];

  unlink(path);
  snprintf(p, sizeof(p), "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof(p), "%s-shm", path);
  unlink(p);
}

/* The head of a configuration, up to the patients' list. */
#define TESTCFG_HEAD                                                           \
  "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"   \
  "{}},\"uplink\":{\"mqtt\":{}},"

#endif
