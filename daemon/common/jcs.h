/* SPDX-License-Identifier: MIT */
/*
 * The JSON Canonicalization Scheme (RFC 8785) of any JSON value: what the
 * hub signs, an ack or a desired configuration (DESIGN.md section 7).
 * Members sorted by the UTF-16 code units of their names at every depth,
 * no whitespace, strings escaped as ECMAScript's JSON.stringify does,
 * numbers written as ECMAScript's Number.prototype.toString writes them.
 * Pure: no I/O.
 */
#ifndef WG_JCS_H
#define WG_JCS_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Deeper values are refused (a checked document is at most 32 deep). */
#define WG_JCS_MAX_DEPTH 32
/* Members of one object, at most. */
#define WG_JCS_MAX_MEMBERS 256

/*
 * Write the canonical text of @v to @out of @size bytes, terminated, and
 * its length to *@len. With @skip, the member of that name of the
 * outermost object is left out ("sig"). 0; WG_ETOOBIG when it does not
 * fit; WG_EINVAL with @why (a static string) for what has no canonical
 * form: a string or name that is not UTF-8, a number that is not finite,
 * more than WG_JCS_MAX_MEMBERS members or WG_JCS_MAX_DEPTH levels.
 */
int wg_jcs(const cJSON *v, const char *skip, char *out, size_t size,
           size_t *len, const char **why);

/*
 * @d as ECMAScript writes a Number (finite): the shortest digits that
 * read back as @d, plain from 1e-6 up to 1e21, else with an exponent;
 * -0 as 0. @out holds at least 32 bytes. Returns the length.
 */
size_t wg_jcs_number(double d, char out[32]);

#endif
