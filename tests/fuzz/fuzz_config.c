/* SPDX-License-Identifier: MIT */
/* The configuration loader, on any file an installer may write. */
#include <stdio.h>
#include <unistd.h>

#include "core/config.h"
#include "fuzz.h"

static void drop(void *ud, const char *line) {
  (void)ud;
  (void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  wg_config_t *cfg = NULL;
  FILE *f;

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
