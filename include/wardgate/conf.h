/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief Reading the configuration file.
 *
 * The daemon reads the file and the keys it owns; a driver reads its own
 * block (ingest.mqtt, ingest.coap, uplink.mqtt) with the same helpers, so
 * that every problem is reported in one form, "FILE: key.path: what is
 * wrong", and reading goes on after a problem so that an installer sees all
 * of them at once.
 *
 * Everything a reader allocates lives as long as the configuration. A
 * reading is one thread's (the daemon's loop thread, at start and on
 * reload); the helpers keep no state of their own.
 */
#ifndef WARDGATE_CONF_H
#define WARDGATE_CONF_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/** @brief The size of a key path, as in "ingest.coap.psk_file" or
 * "patients[2].id", with its NUL. */
#define WG_CONF_PATH_MAX 256

/**
 * @brief The longest gateway, patient or device id.
 *
 * An id is 1 to WG_ID_MAX characters of A-Z a-z 0-9 _ - and the extra
 * characters of its kind (wg_conf_id_ok()).
 */
#define WG_ID_MAX 64
/** @brief The extra characters of a gateway id: none. */
#define WG_GATEWAY_ID_EXTRA ""
/** @brief The extra characters of a patient id. */
#define WG_PATIENT_ID_EXTRA "."
/** @brief The extra characters of a device id. */
#define WG_DEVICE_ID_EXTRA ".:"

struct wg_arena_s;

/**
 * @brief One reading of one file.
 *
 * The fields are the reader's own: a driver passes the pointer on to the
 * helpers below and reads nothing but @c problems and @c oom.
 */
typedef struct wg_conf_s {
  const char *file; /**< @brief the file's name, for the problems */
  /** @brief Called with each problem's line; @c line is borrowed. */
  void (*report)(void *ud, const char *line);
  void *ud;                 /**< @brief for @c report */
  int problems;             /**< @brief problems reported so far */
  bool oom;                 /**< @brief an allocation failed */
  struct wg_arena_s *arena; /**< @brief where the reading allocates */
} wg_conf_t;

/**
 * @brief A block a driver reads itself.
 *
 * A driver exports one as a const object (wg_coap_ingest_conf, say).
 */
typedef struct wg_conf_block_s {
  const char *name; /**< @brief its key, under "ingest" or "uplink" */
  /**
   * @brief Check @c obj, found at key path @c path, and return the
   * driver's options for it, allocated with wg_conf_alloc(), or NULL after
   * reporting why (with wg_conf_problem()).
   */
  void *(*read)(wg_conf_t *c, const char *path, const cJSON *obj);
} wg_conf_block_t;

/**
 * @brief Report a problem at @p path.
 * @param c the reading
 * @param path the key path, "" for the file as a whole
 * @param fmt a printf format, then its arguments
 */
__attribute__((format(printf, 3, 4))) void
wg_conf_problem(wg_conf_t *c, const char *path, const char *fmt, ...);

/**
 * @brief @p path "." @p key, shortened with "..." if too long.
 * @param[out] out the key path
 * @param path the parent's key path; "" for the top
 * @param key the member's key
 */
void wg_conf_join(char out[WG_CONF_PATH_MAX], const char *path,
                  const char *key);
/**
 * @brief @p path "[" @p i "]", shortened with "..." if too long.
 * @param[out] out the key path
 * @param path the array's key path
 * @param i the index
 */
void wg_conf_join_index(char out[WG_CONF_PATH_MAX], const char *path, int i);

/**
 * @brief Check that @p obj is an object with no key but @p allowed.
 *
 * Reports each member not in @p allowed, and goes on.
 * @param c the reading
 * @param path the key path of @p obj
 * @param obj the JSON value
 * @param allowed the keys it may have, NULL-terminated
 * @return false (reported) unless @p obj is an object
 */
bool wg_conf_object(wg_conf_t *c, const char *path, const cJSON *obj,
                    const char *const *allowed);

/**
 * @brief Member @p key of @p obj, a string, kept.
 *
 * Empty strings are refused.
 * @param c the reading
 * @param path the key path of @p obj
 * @param obj the object
 * @param key the member's key
 * @param def returned when it is absent, or after a problem
 * @param required report it when absent
 * @param nullable JSON null gives NULL
 * @return the string, allocated in the reading; @p def; or NULL
 */
const char *wg_conf_string(wg_conf_t *c, const char *path, const cJSON *obj,
                           const char *key, const char *def, bool required,
                           bool nullable);

/**
 * @brief Member @p key of @p obj, a number in [@p lo, @p hi].
 * @param c the reading
 * @param path the key path of @p obj
 * @param obj the object
 * @param key the member's key
 * @param def returned when it is absent, or after a problem
 * @param lo the least value allowed
 * @param hi the greatest value allowed
 * @param integer ask for a whole number
 * @param required report it when absent
 * @return the number, or @p def
 */
double wg_conf_number(wg_conf_t *c, const char *path, const cJSON *obj,
                      const char *key, double def, double lo, double hi,
                      bool integer, bool required);

/**
 * @brief Member @p key of @p obj, one of @p choices.
 * @param c the reading
 * @param path the key path of @p obj
 * @param obj the object
 * @param key the member's key
 * @param def returned when it is absent, or after a problem
 * @param choices the strings allowed, NULL-terminated
 * @param required report it when absent
 * @return its index in @p choices, or @p def
 */
int wg_conf_choice(wg_conf_t *c, const char *path, const cJSON *obj,
                   const char *key, int def, const char *const *choices,
                   bool required);

/**
 * @brief @p n zeroed elements of @p size bytes, allocated in the reading.
 *
 * Out of memory sets wg_conf_t::oom, which the load reports.
 * @param c the reading
 * @param n the number of elements; may be 0
 * @param size the size of one
 * @return the memory, freed with the configuration; or NULL
 */
void *wg_conf_alloc(wg_conf_t *c, size_t n, size_t size);
/**
 * @brief A copy of @p s, allocated in the reading.
 * @param c the reading
 * @param s the string
 * @return the copy, freed with the configuration; or NULL (wg_conf_t::oom)
 */
const char *wg_conf_strdup(wg_conf_t *c, const char *s);

/**
 * @brief Report @p file under @p path unless it can be opened for reading.
 * @param c the reading
 * @param path the key path that names it
 * @param file the file; NULL is fine
 */
void wg_conf_readable(wg_conf_t *c, const char *path, const char *file);

/**
 * @brief The first line of @p file (a password), kept.
 * @param c the reading
 * @param path the key path that names it
 * @param file the file
 * @return the line without its newline, allocated in the reading; NULL
 *   after a problem (unreadable or empty)
 */
const char *wg_conf_secret(wg_conf_t *c, const char *path, const char *file);

/**
 * @brief Whether the @p n bytes at @p s are an id.
 * @param s the bytes, not necessarily NUL-terminated
 * @param n how many
 * @param extra the characters allowed beyond the common ones
 *   (WG_DEVICE_ID_EXTRA, say)
 * @return true when they are an id of that kind
 */
bool wg_conf_id_ok(const char *s, size_t n, const char *extra);

#endif
