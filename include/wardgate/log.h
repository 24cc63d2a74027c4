/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief Logging for the daemon and its drivers.
 *
 * Lines go to stderr: under systemd (JOURNAL_STREAM set) with the
 * sd-daemon(3) "<N>" priority prefix, on a terminal with the level spelled
 * out. Start each message with the module name ("store: ...").
 *
 * For the loop's thread: the level and the rate limits are not locked.
 */
#ifndef WARDGATE_LOG_H
#define WARDGATE_LOG_H

#include <stdbool.h>
#include <syslog.h>

/**
 * @brief Log at a syslog level.
 * @param level LOG_ERR, LOG_WARNING, LOG_INFO or LOG_DEBUG
 * @param fmt a printf format, then its arguments
 */
void wg_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * @brief Messages above @p level are dropped.
 *
 * LOG_INFO until this is called.
 * @param level a syslog level
 */
void wg_log_set_level(int level);

/**
 * @brief Parse "debug", "info", "warning" or "error".
 * @param name the level's name
 * @return its syslog level; -1 if none of them
 */
int wg_log_level_parse(const char *name);

/**
 * @brief A rate limit for a repeating complaint, after collectd's
 * c_complain: at most one line per @c interval_s, with the number suppressed
 * in between.
 *
 * Zero-initialise and set interval_s. The caller owns it; keep one per kind
 * of complaint, for as long as it may repeat.
 */
typedef struct wg_complaint_s {
  double interval_s;        /**< @brief seconds between lines, at least */
  double last;              /**< @brief monotonic seconds of the last line */
  unsigned long suppressed; /**< @brief lines dropped since then */
} wg_complaint_t;

/**
 * @brief Log through @p c unless it logged less than interval_s ago.
 * @param c the complaint's rate limit
 * @param level a syslog level
 * @param fmt a printf format, then its arguments
 */
void wg_complain(wg_complaint_t *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
