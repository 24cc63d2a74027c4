/* SPDX-License-Identifier: MIT */
/*
 * SenML (RFC 8428) JSON packs in, validated readings out. Pure: no I/O, no
 * clock reads; the receive time is a parameter.
 */
#ifndef WG_SENML_H
#define WG_SENML_H

#include <stddef.h>

#include "common/arena.h"
#include "wardgate/reading.h"

#define WG_SENML_MAX_BYTES (64 * 1024)
#define WG_SENML_MAX_RECORDS 1000
#define WG_SENML_MAX_NAME 255
/* Times below 2^28 are relative to now (RFC 8428 section 4.5.3). */
#define WG_SENML_RELATIVE_LIMIT 268435456.0
/* How far in the future a reading may lie (clock skew of a device). */
#define WG_SENML_MAX_FUTURE_S 300.0

/* A growable array of readings with an upper bound. */
typedef struct wg_readings_s {
  wg_reading_t *v;
  size_t n;
  size_t cap;
} wg_readings_t;

/* Append room for @extra readings; WG_ENOMEM on failure. */
int wg_senml_readings_reserve(wg_readings_t *r, size_t extra);
void wg_senml_readings_free(wg_readings_t *r);

/*
 * Parse the pack in @buf (@len bytes) received at @now (Unix seconds) and
 * append its readings to @out, with strings allocated from @arena.
 * device_id and patient_id are left NULL for the caller to fill in.
 *
 * The pack is all or nothing: on error @out->n is unchanged (the caller
 * rolls @arena back) and @err holds a one-line reason naming the record.
 * Returns 0, WG_ETOOBIG (over WG_SENML_MAX_BYTES or WG_SENML_MAX_RECORDS),
 * WG_EINVAL (anything else wrong) or WG_ENOMEM.
 */
int wg_senml_parse(const char *buf, size_t len, double now, wg_arena_t *arena,
                   wg_readings_t *out, char *err, size_t errlen);

/*
 * The falls (vb true) of the pack in @buf that wg_senml_parse() refused,
 * appended to @out (strings from @arena), so that a fall is never lost
 * with the rest of its pack (DESIGN.md section 5, 2026-12-06). Each record
 * is read on its own, with the pack's base fields as they stand there: a
 * bad record is skipped, and a time that is not finite or more than
 * WG_SENML_MAX_FUTURE_S ahead counts as @now. Returns how many; 0 for a
 * text that is not a SenML array within the limits.
 */
size_t wg_senml_falls(const char *buf, size_t len, double now,
                      wg_arena_t *arena, wg_readings_t *out);

/*
 * The canonical unit of a known key ("spo2" -> "%"), "" for keys without a
 * unit, NULL for keys that are not known.
 */
const char *wg_senml_canonical_unit(const char *key);

/* The @i-th known key (DESIGN.md section 5's table), or NULL past the last. */
const char *wg_senml_key_at(size_t i);

#endif
