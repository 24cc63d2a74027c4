/* SPDX-License-Identifier: MIT */
/*
 * Where cJSON allocates: a scratch arena for trees that are only read or
 * printed, and a count of the allocations that failed, so that a tree
 * built with unchecked cJSON_Add*() calls fails whole instead of going out
 * with a member missing.
 */
#ifndef WG_JSON_SCRATCH_H
#define WG_JSON_SCRATCH_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "common/arena.h"

/*
 * cJSON allocates every node and every string of a tree with malloc, and
 * cJSON_Delete() frees them one by one. A tree that lives only while it is
 * read or printed is built in a scratch arena instead: from
 * wg_json_scratch_begin() to the matching wg_json_scratch_end(), cJSON
 * allocates from the arena and frees nothing, and the end drops all that
 * was allocated since the begin, at once. Scopes nest. Nothing made inside
 * may be kept past its end, nor given to cJSON_Delete() outside it. cJSON's
 * hooks are global: for the loop's thread only. The arena's first block
 * stays for the next scope, so a typical scope allocates nothing.
 */
wg_arena_mark_t wg_json_scratch_begin(void);
void wg_json_scratch_end(wg_arena_mark_t m);

/* A malloc'd copy of @text, to outlive a scratch scope; NULL when @text is
 * NULL or memory is short. */
char *wg_json_scratch_keep(const char *text);

/*
 * cJSON_Add*() and cJSON_Create*() return NULL when memory is short, and a
 * message built with one of them unchecked would go out with a member
 * missing. So every allocation cJSON makes goes through hooks that count
 * the ones that fail (in the scratch arena or with malloc), and a build
 * fails whole when the count moved while it ran:
 *
 *   wg_json_build_t b = wg_json_build_begin();
 *   ...cJSON_Add*() calls, unchecked...
 *   if (wg_json_build_failed(b)) → drop the tree, report WG_ENOMEM
 *
 * Builds nest; the count is for the loop's thread, as cJSON's hooks are.
 */
typedef struct wg_json_build_s {
  unsigned long failures;
} wg_json_build_t;

wg_json_build_t wg_json_build_begin(void);
bool wg_json_build_failed(wg_json_build_t b);

/* Add @item to @array, as cJSON_AddItemToArray(); when that fails (@array
 * or @item NULL from an allocation that failed), @item is deleted rather
 * than leaked, and the build's failure is left for wg_json_build_failed()
 * to report. */
void wg_json_append(cJSON *array, cJSON *item);

#endif
