/* SPDX-License-Identifier: MIT */
/*
 * The one CSV writer (RFC 4180) for everything wardgate writes as CSV: the
 * daily log (clinic/daylog.c) and wardgatectl's outputs. Every text field
 * is quoted (a quote doubled), and one that starts with = + - @ TAB or CR,
 * which a spreadsheet would take for a formula (or, for TAB and CR, drop
 * and look at what follows), is prefixed with a single quote inside the
 * quotes, as OWASP's CSV injection advice says. Numbers are written as the
 * caller formats them, unquoted. Records end in LF.
 *
 * The writer hands its bytes to a sink (@put); the first error a sink
 * returns is kept, nothing more is written, and every later call returns
 * it.
 */
#ifndef WG_COMMON_CSV_H
#define WG_COMMON_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Takes @n bytes of @s. Returns 0 or a negative error. */
typedef int (*wg_csv_put_fn)(void *ud, const char *s, size_t n);

typedef struct wg_csv_s {
  wg_csv_put_fn put;
  void *ud;
  unsigned fields; /* written on this record so far */
  int rc;          /* the first error of the sink, or 0 */
} wg_csv_t;

/* A writer to a FILE *, as an initializer. */
#define WG_CSV_FILE(f)                                                         \
  { wg_csv_put_file, (f), 0, 0 }

/* A writer to @put (with @ud). */
void wg_csv_init(wg_csv_t *w, wg_csv_put_fn put, void *ud);

/* A sink for wg_csv_init(): @ud is a FILE *; WG_EIO when fwrite fails. */
int wg_csv_put_file(void *ud, const char *s, size_t n);

/* A text field (NULL is ""). Returns 0 or the sink's first error. */
int wg_csv_text(wg_csv_t *w, const char *s);

/* A number the caller formats (printf's @fmt), unquoted. Returns 0 or the
 * sink's first error. */
__attribute__((format(printf, 2, 3))) int wg_csv_number(wg_csv_t *w,
                                                        const char *fmt, ...);

/* The end of a record. Returns 0 or the sink's first error. */
int wg_csv_end(wg_csv_t *w);

/* A record of the NULL-terminated @names, as text fields. */
int wg_csv_header(wg_csv_t *w, const char *const *names);

#endif
