/* SPDX-License-Identifier: MIT */
/* The configuration checker, on any file an installer may write and on any
 * desired configuration the hub's broker may deliver (remote_config): the
 * same bytes through both, the document opened with its signature checked
 * (the canonical form over anything) and, unverified, through the file's
 * checker for its patients. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/config_remote.h"
#include "fuzz.h"

static void drop(void *ud, const char *line) {
  (void)ud;
  (void)line;
}

/* A gateway with remote_config and a key, loaded once. */
static wg_config_t *fuzz_base(void) {
  static wg_config_t *base;
  char path[64], key[64], json[512];
  FILE *f;

  if (base != NULL)
    return base;
  snprintf(key, sizeof(key), "/tmp/wg-fuzz-remote-%d.key", (int)getpid());
  snprintf(path, sizeof(path), "/tmp/wg-fuzz-remote-%d.json", (int)getpid());
  if ((f = fopen(key, "w")) == NULL)
    return NULL;
  fputs("fuzz-key-fuzz-key-fuzz-key\n", f);
  fclose(f);
  chmod(key, 0600);
  snprintf(json, sizeof(json),
           "{\"gateway_id\":\"gw-1\",\"remote_config\":true,"
           "\"ingest\":{\"mqtt\":{},\"coap\":{}},"
           "\"uplink\":{\"mqtt\":{},\"ack_key_file\":\"%s\"},\"patients\":[]}",
           key);
  if ((f = fopen(path, "w")) == NULL)
    return NULL;
  fputs(json, f);
  fclose(f);
  if (wg_config_load(path, &base, drop, NULL) != 0)
    base = NULL;
  unlink(path);
  unlink(key);
  return base;
}

static void fuzz_desired(const uint8_t *data, size_t size) {
  const wg_config_t *base = fuzz_base();
  char why[WG_DESIRED_WHY_MAX];
  wg_config_t *cfg = NULL;
  wg_desired_t d;

  if (base == NULL)
    return;
  wg_desired_open(&d, base, data, size, 1800000000.0, true, why, sizeof(why));
  wg_desired_close(&d);
  if (wg_desired_open(&d, base, data, size, 1800000000.0, false, why,
                      sizeof(why)) == 0 &&
      wg_desired_check(&d, base, 0, &cfg, why, sizeof(why)) == 0)
    wg_config_free(cfg);
  wg_desired_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  wg_config_t *cfg = NULL;
  FILE *f;

  fuzz_desired(data, size);
  snprintf(path, sizeof(path), "/tmp/wg-fuzz-config-%d.json", (int)getpid());
  if ((f = fopen(path, "wb")) == NULL)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  if (wg_config_load(path, &cfg, drop, NULL) == 0)
    wg_config_free(cfg);
  unlink(path);
  return 0;
}
