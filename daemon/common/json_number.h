/* SPDX-License-Identifier: MIT */
/*
 * Numbers printed as cJSON prints them, without its printf and scanf.
 */
#ifndef WG_JSON_NUMBER_H
#define WG_JSON_NUMBER_H

#include <cjson/cJSON.h>
#include <stddef.h>

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

#endif
