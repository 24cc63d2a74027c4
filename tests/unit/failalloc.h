/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure from the nth allocation on, for the daemon's own code:
 * a test that includes this is linked with --wrap=malloc,calloc,realloc
 * (tests/CMakeLists.txt). Set fail_after to n before the code under test
 * and back to -1 after it.
 */
#ifndef WG_FAILALLOC_H
#define WG_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

static long fail_after = -1;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static bool allocation_fails(void) {
  if (fail_after == 0)
    return true;
  if (fail_after > 0)
    fail_after--;
  return false;
}

void *__wrap_malloc(size_t n) {
  return allocation_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size) {
  return allocation_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n) {
  return allocation_fails() ? NULL : __real_realloc(p, n);
}

#endif
