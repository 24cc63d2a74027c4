/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemon and its drivers. Lines go to stderr: under systemd
 * (JOURNAL_STREAM set) with the sd-daemon(3) "<N>" priority prefix, on a
 * terminal with the level spelled out. Start each message with the module
 * name ("store: ...").
 */
#ifndef WARDGATE_LOG_H
#define WARDGATE_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Log at a syslog level (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG). */
void wg_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Messages above @level (a syslog level) are dropped. */
void wg_log_set_level(int level);

/* Parse "debug", "info", "warning" or "error"; -1 if none of them. */
int wg_log_level_parse(const char *name);

/*
 * A rate limit for a repeating complaint, after collectd's c_complain: at
 * most one line per @interval_s, with the number suppressed in between.
 * Zero-initialise and set interval_s.
 */
typedef struct wg_complaint_s {
  double interval_s;
  double last; /* monotonic seconds of the last line */
  unsigned long suppressed;
} wg_complaint_t;

/* Log through @c unless it logged less than interval_s ago. */
void wg_complain(wg_complaint_t *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
