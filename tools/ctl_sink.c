/* SPDX-License-Identifier: MIT */
/*
 * wardgatectl's two sinks for text, one escaping rule each: the terminal
 * (ctl_term) here, and CSV (wg_csv_*, common/csv.c, the writer the daily
 * log uses too). Whatever wardgatectl prints that came
 * from outside it (a device's values, the hub's names and notes, the
 * database, the daemon's answers) goes through one of them; --json and
 * SenML are JSON, escaped by cJSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"
#include "wardgatectl.h"

/* Characters a terminal acts on or that reorder or break what is around
 * them, beyond C0 and DEL: C1 (ECMA-48 CSI is U+009B), the line and
 * paragraph separators, and the bidirectional controls. */
static bool term_shown_as_code(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
         cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

/* The character or the bad byte at @p as it is shown: its bytes in *@put
 * (@code when it is escaped), their count in *@plen; returns how many bytes
 * of @p it takes. */
static size_t term_unit(const unsigned char *p, char code[8], const char **put,
                        size_t *plen) {
  uint32_t cp = 0;
  size_t n = wg_utf8_decode(p, &cp);

  *put = code;
  if (n == 0 || (n == 1 && (cp < 0x20 || cp == 0x7F)))
    snprintf(code, 8, "\\x%02x", p[0]);
  else if (n == 1 && cp == '\\')
    snprintf(code, 8, "\\\\");
  else if (term_shown_as_code(cp))
    snprintf(code, 8, "\\u%04x", (unsigned)cp);
  else
    *put = (const char *)p;
  n = n ? n : 1;
  *plen = *put == code ? strlen(code) : n;
  return n;
}

const char *ctl_term(const char *s, char *out, size_t len) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  const char *put;
  char code[8];
  size_t o = 0, total = 0, reserve, plen, n;

  if (len == 0)
    return out;
  for (const unsigned char *q = p; *q; q += n) {
    n = term_unit(q, code, &put, &plen);
    total += plen;
  }
  reserve = total + 1 > len && len >= 4 ? 3 : 0;
  for (; *p; p += n) {
    n = term_unit(p, code, &put, &plen);
    /* Whole characters and whole escapes only; when it does not all fit,
     * room is kept for "..." so that the cut is seen. */
    if (o + plen + reserve + 1 > len) {
      if (reserve > 0) {
        memcpy(out + o, "...", 3);
        o += 3;
      }
      break;
    }
    memcpy(out + o, put, plen);
    o += plen;
  }
  out[o] = '\0';
  return out;
}
