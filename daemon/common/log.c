/* SPDX-License-Identifier: MIT */
#include "wardgate/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int max_level = LOG_INFO;
static int journal = -1; /* unknown until the first line */

static const char *level_name(int level) {
  switch (level) {
  case LOG_EMERG:
  case LOG_ALERT:
  case LOG_CRIT:
  case LOG_ERR:
    return "error";
  case LOG_WARNING:
    return "warning";
  case LOG_NOTICE:
  case LOG_INFO:
    return "info";
  default:
    return "debug";
  }
}

/*
 * The journal's one escaping rule, for every line: a message carries text
 * from outside (an ack's id and by, a device id, a broker's reason), and a
 * newline in it followed by "<0>" would be a forged line at the priority
 * the sender chose; an escape sequence would reach an operator's terminal.
 * So every C0 control character and DEL is written as \xHH: the line
 * stays one line, and what a sender wrote stays visible.
 */
static void log_escape(char *out, size_t size, const char *in) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;

  for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
    bool ctl = *p < 0x20 || *p == 0x7F;
    if (n + (ctl ? 4 : 1) >= size)
      break;
    if (ctl) {
      out[n++] = '\\';
      out[n++] = 'x';
      out[n++] = hex[*p >> 4];
      out[n++] = hex[*p & 15];
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n] = '\0';
}

__attribute__((format(printf, 2, 0))) static void
vlog(int level, const char *fmt, va_list ap) {
  char line[1024], safe[1024];

  if (level > max_level)
    return;
  if (journal < 0)
    journal = getenv("JOURNAL_STREAM") != NULL;
  vsnprintf(line, sizeof(line), fmt, ap);
  log_escape(safe, sizeof(safe), line);
  /* One write per line so lines from a crash do not interleave. */
  if (journal)
    fprintf(stderr, "<%d>%s\n", level, safe);
  else
    fprintf(stderr, "wardgated: %s: %s\n", level_name(level), safe);
}

void wg_log(int level, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

void wg_log_set_level(int level) { max_level = level; }

int wg_log_level_parse(const char *name) {
  static const struct {
    const char *name;
    int level;
  } levels[] = {{"debug", LOG_DEBUG},
                {"info", LOG_INFO},
                {"warning", LOG_WARNING},
                {"error", LOG_ERR}};

  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
    if (strcmp(name, levels[i].name) == 0)
      return levels[i].level;
  return -1;
}

void wg_complain(wg_complaint_t *c, int level, const char *fmt, ...) {
  struct timespec ts;
  double now;
  char line[900];
  va_list ap;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  if (c->last > 0 && now - c->last < c->interval_s) {
    c->suppressed++;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (c->suppressed > 0)
    wg_log(level, "%s (%lu similar suppressed)", line, c->suppressed);
  else
    wg_log(level, "%s", line);
  c->last = now;
  c->suppressed = 0;
}
