/* SPDX-License-Identifier: MIT */
/*
 * The strict JSON checker, and its promise: what it accepts, cJSON parses
 * to the end, and the duplicate check runs on it.
 */
#include <cjson/cJSON.h>

#include "common/json_strict.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[200];
  cJSON *root;

  if (wg_json_check((const char *)data, size, 32, err, sizeof(err)) != 0)
    return 0;
  root = cJSON_ParseWithLength((const char *)data, size);
  if (root == NULL)
    __builtin_trap(); /* checked as JSON, refused by the parser */
  wg_json_check_duplicates(root, err, sizeof(err));
  cJSON_Delete(root);
  return 0;
}
