/* SPDX-License-Identifier: MIT */
/* The SenML parser and validator, on any bytes a device may send. */
#include "common/arena.h"
#include "fuzz.h"
#include "ingest/senml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wg_readings_t out = {0};
  wg_arena_t arena = {0};
  char err[256];

  if (wg_senml_parse((const char *)data, size, 1763900000.0, &arena, &out, err,
                     sizeof(err)) == 0) {
    /* What was taken is whole: every reading named and timed. */
    for (size_t i = 0; i < out.n; i++)
      if (out.v[i].name == NULL || out.v[i].name[0] == '\0')
        __builtin_trap();
  }
  wg_senml_readings_free(&out);
  wg_arena_free(&arena);
  return 0;
}
