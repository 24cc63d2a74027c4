/* SPDX-License-Identifier: MIT */
#include "common/csv.h"

#include <stdarg.h>
#include <string.h>

#include "wardgate/error.h"

void wg_csv_init(wg_csv_t *w, wg_csv_put_fn put, void *ud) {
  w->put = put;
  w->ud = ud;
  w->fields = 0;
  w->rc = 0;
}

int wg_csv_put_file(void *ud, const char *s, size_t n) {
  return fwrite(s, 1, n, ud) == n ? 0 : WG_EIO;
}

static int csv_put(wg_csv_t *w, const char *s, size_t n) {
  if (w->rc == 0 && n > 0)
    w->rc = w->put(w->ud, s, n);
  return w->rc;
}

static void csv_separator(wg_csv_t *w) {
  if (w->fields++ > 0)
    csv_put(w, ",", 1);
}

int wg_csv_text(wg_csv_t *w, const char *s) {
  s = s ? s : "";
  csv_separator(w);
  csv_put(w, "\"", 1);
  /* A spreadsheet takes a cell that starts with one of these for a
   * formula: the quote makes it text. */
  if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
    csv_put(w, "'", 1);
  /* Runs without a quote at once; each quote doubled. */
  while (*s) {
    size_t n = strcspn(s, "\"");
    csv_put(w, s, n);
    s += n;
    if (*s == '"') {
      csv_put(w, "\"\"", 2);
      s++;
    }
  }
  return csv_put(w, "\"", 1);
}

int wg_csv_number(wg_csv_t *w, const char *fmt, ...) {
  char buf[64];
  va_list ap;
  int n;

  csv_separator(w);
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  /* A number is short; one that is not is a caller's bug, not a cell. */
  if (n < 0 || (size_t)n >= sizeof(buf))
    return w->rc ? w->rc : (w->rc = WG_EINVAL);
  return csv_put(w, buf, (size_t)n);
}

int wg_csv_end(wg_csv_t *w) {
  w->fields = 0;
  return csv_put(w, "\n", 1);
}

int wg_csv_header(wg_csv_t *w, const char *const *names) {
  for (; *names != NULL; names++)
    wg_csv_text(w, *names);
  return wg_csv_end(w);
}
