/* SPDX-License-Identifier: MIT */
/*
 * Reading the configuration file. The daemon reads the file and the keys it
 * owns; a driver reads its own block (ingest.mqtt, ingest.coap,
 * uplink.mqtt) with the same helpers, so that every problem is reported in
 * one form, "FILE: key.path: what is wrong", and reading goes on after a
 * problem so that an installer sees all of them at once.
 *
 * Everything a reader allocates lives as long as the configuration.
 */
#ifndef WARDGATE_CONF_H
#define WARDGATE_CONF_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* A key path, as in "ingest.coap.psk_file" or "patients[2].id". */
#define WG_CONF_PATH_MAX 256

/* Gateway, patient and device ids: 1 to WG_ID_MAX characters of A-Z a-z
 * 0-9 _ - and the extra characters of their kind. */
#define WG_ID_MAX 64
#define WG_GATEWAY_ID_EXTRA ""
#define WG_PATIENT_ID_EXTRA "."
#define WG_DEVICE_ID_EXTRA ".:"

struct wg_arena_s;

/* One reading of one file. The fields are the reader's own. */
typedef struct wg_conf_s {
  const char *file;
  void (*report)(void *ud, const char *line);
  void *ud;
  int problems;
  bool oom;
  struct wg_arena_s *arena;
} wg_conf_t;

/*
 * A block a driver reads itself: @name is its key (under "ingest" or
 * "uplink"); @read checks @obj, found at key path @path, and returns the
 * driver's options for it, allocated with wg_conf_alloc(), or NULL after
 * reporting why.
 */
typedef struct wg_conf_block_s {
  const char *name;
  void *(*read)(wg_conf_t *c, const char *path, const cJSON *obj);
} wg_conf_block_t;

/* Report a problem at @path ("" for the file as a whole). */
__attribute__((format(printf, 3, 4))) void
wg_conf_problem(wg_conf_t *c, const char *path, const char *fmt, ...);

/* @path "." @key, and @path "[" @i "]", shortened with "..." if too long. */
void wg_conf_join(char out[WG_CONF_PATH_MAX], const char *path,
                  const char *key);
void wg_conf_join_index(char out[WG_CONF_PATH_MAX], const char *path, int i);

/* False (reported) unless @obj is an object; reports each member not in
 * the NULL-terminated @allowed. */
bool wg_conf_object(wg_conf_t *c, const char *path, const cJSON *obj,
                    const char *const *allowed);

/*
 * Member @key of @obj, kept. Absent: @def (reported with @required). JSON
 * null gives NULL where @nullable. Empty strings are refused.
 */
const char *wg_conf_string(wg_conf_t *c, const char *path, const cJSON *obj,
                           const char *key, const char *def, bool required,
                           bool nullable);

/* A number in [lo, hi]; @integer asks for a whole number. */
double wg_conf_number(wg_conf_t *c, const char *path, const cJSON *obj,
                      const char *key, double def, double lo, double hi,
                      bool integer, bool required);

/* One of the NULL-terminated @choices: its index, or @def. */
int wg_conf_choice(wg_conf_t *c, const char *path, const cJSON *obj,
                   const char *key, int def, const char *const *choices,
                   bool required);

/* @n zeroed elements of @size bytes (n may be 0), or NULL (out of memory,
 * which the load reports). */
void *wg_conf_alloc(wg_conf_t *c, size_t n, size_t size);
const char *wg_conf_strdup(wg_conf_t *c, const char *s);

/* Report @file under @path unless it can be opened for reading; NULL is
 * fine. */
void wg_conf_readable(wg_conf_t *c, const char *path, const char *file);

/* The first line of @file (a password), kept; NULL after a problem. */
const char *wg_conf_secret(wg_conf_t *c, const char *path, const char *file);

/* True when the @n bytes at @s are an id whose characters beyond the
 * common ones are in @extra. */
bool wg_conf_id_ok(const char *s, size_t n, const char *extra);

#endif
