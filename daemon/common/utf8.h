/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as RFC 3629 has it, one sequence at a time, for the checks and the
 * escaping of text that comes from outside (an ack's note and by, what
 * wardgatectl shows on a terminal).
 */
#ifndef WG_UTF8_H
#define WG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the UTF-8 sequence at @p (NUL-terminated text) and its code
 * point in *@cp, or 0 for a byte that does not start a valid one: no
 * overlong form, surrogate or code point past U+10FFFF, no sequence cut
 * short (a terminator is not a continuation byte, so nothing is read past
 * it).
 */
static inline size_t wg_utf8_decode(const unsigned char *p, uint32_t *cp) {
  unsigned c = p[0];
  size_t n = c < 0x80         ? 1
             : (c >> 5) == 6  ? 2
             : (c >> 4) == 14 ? 3
             : (c >> 3) == 30 ? 4
                              : 0;
  unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;

  if (n == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4)
    return 0;
  if (n > 1 && (p[1] < lo || p[1] > hi))
    return 0;
  *cp = n == 1 ? c : c & (0x7Fu >> n);
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    *cp = *cp << 6 | (p[i] & 0x3Fu);
  }
  return n;
}

#endif
