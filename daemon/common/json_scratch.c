/* SPDX-License-Identifier: MIT */
#include "common/json_scratch.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static wg_arena_t scratch = {NULL, 64 * 1024};
static int scratch_depth;
static unsigned long build_failures; /* cJSON allocations that failed */

static void *scratch_counted(void *p) {
  if (p == NULL)
    build_failures++;
  return p;
}

static void *scratch_alloc(size_t n) {
  return scratch_counted(wg_arena_alloc(&scratch, n));
}

static void scratch_free(void *p) { (void)p; }

static void *scratch_malloc(size_t n) { return scratch_counted(malloc(n)); }

/* cJSON with malloc and free, failures counted. */
static void scratch_hooks_heap(void) {
  cJSON_Hooks hooks = {scratch_malloc, free};
  cJSON_InitHooks(&hooks);
}

wg_json_build_t wg_json_build_begin(void) {
  static bool counting;

  if (!counting && scratch_depth == 0) {
    scratch_hooks_heap();
    counting = true;
  }
  return (wg_json_build_t){build_failures};
}

bool wg_json_build_failed(wg_json_build_t b) {
  return build_failures != b.failures;
}

void wg_json_append(cJSON *array, cJSON *item) {
  if (!cJSON_AddItemToArray(array, item))
    cJSON_Delete(item);
}

wg_arena_mark_t wg_json_scratch_begin(void) {
  if (scratch_depth++ == 0) {
    cJSON_Hooks hooks = {scratch_alloc, scratch_free};
    cJSON_InitHooks(&hooks);
  }
  return wg_arena_mark(&scratch);
}

void wg_json_scratch_end(wg_arena_mark_t m) {
  if (--scratch_depth == 0) {
    scratch_hooks_heap(); /* back to malloc and free */
    wg_arena_reset(&scratch);
  } else {
    wg_arena_rollback(&scratch, m);
  }
}

char *wg_json_scratch_keep(const char *text) {
  size_t len = text != NULL ? strlen(text) + 1 : 0;
  char *copy;

  if (text == NULL || (copy = malloc(len)) == NULL)
    return NULL;
  return memcpy(copy, text, len);
}
