/* SPDX-License-Identifier: MIT */
/*
 * Strict JSON (RFC 8259) checks that cJSON does not make. cJSON accepts
 * leading zeros, overflowing numbers, NUL bytes in strings and duplicate
 * member names; a medical gateway must not guess what such a payload meant.
 */
#ifndef WG_JSON_H
#define WG_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "common/arena.h"

/*
 * Check that @buf (@len bytes, not necessarily NUL-terminated) is exactly
 * one JSON value, optionally surrounded by whitespace: valid UTF-8, no NUL
 * byte raw or escaped, numbers without leading zeros and finite as doubles,
 * nesting no deeper than @max_depth. The scan is iterative and linear.
 * Returns 0, or WG_EINVAL with a reason naming the byte offset in @err.
 */
int wg_json_check(const char *buf, size_t len, int max_depth, char *err,
                  size_t errlen);

/*
 * Check that no object in @item has two members of the same name (compared
 * after unescaping). Returns 0, or WG_EINVAL with the name in @err.
 */
int wg_json_check_duplicates(const cJSON *item, char *err, size_t errlen);

/* Room for any number wg_json_number() prints, with its terminator. */
#define WG_JSON_NUMBER_MAX 32

/*
 * @d as cJSON prints a number, byte for byte ("%1.15g" where that reads
 * back within an epsilon, else "%1.17g"; "null" for NaN and infinities),
 * into @out; returns its length. The numbers a gateway prints most (whole
 * numbers, timestamps, vital signs) take an exact integer path instead of
 * three calls of printf and scanf; the others take cJSON's own.
 */
size_t wg_json_number(double d, char out[WG_JSON_NUMBER_MAX]);

/* Add @d to @obj as @name, printed by wg_json_number(). NULL when out of
 * memory. */
cJSON *wg_json_add_number(cJSON *obj, const char *name, double d);

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

#endif
