/* SPDX-License-Identifier: MIT */
/*
 * Strict JSON (RFC 8259) checks that cJSON does not make. cJSON accepts
 * leading zeros, overflowing numbers, NUL bytes in strings and duplicate
 * member names; a medical gateway must not guess what such a payload meant.
 */
#ifndef WG_JSON_STRICT_H
#define WG_JSON_STRICT_H

#include <cjson/cJSON.h>
#include <stddef.h>

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

#endif
