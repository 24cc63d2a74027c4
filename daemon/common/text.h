/* SPDX-License-Identifier: MIT */
/*
 * Small string helpers for the paths every reading takes, where
 * snprintf's format parsing costs more than the copy itself.
 */
#ifndef WG_TEXT_H
#define WG_TEXT_H

#include <stddef.h>
#include <string.h>

/* @src into @dst of @size (> 0) bytes, cut to fit and always terminated,
 * as snprintf(dst, size, "%s", src) would. */
static inline void wg_copy(char *dst, size_t size, const char *src) {
  size_t n = strnlen(src, size - 1);

  memcpy(dst, src, n);
  dst[n] = '\0';
}

#endif
