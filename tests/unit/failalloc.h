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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fail_after = -1;
/* Or the nth allocation alone (failalloc_every()). */
static long fail_only = -1;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static bool allocation_fails(void) {
  if (fail_only >= 0)
    return fail_only-- == 0;
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

/* Builds a message: malloc'd text, or NULL when the build failed. */
typedef char *(*failalloc_build_fn)(void *data);

/*
 * No message leaves with a part missing: @build runs once with every
 * allocation granted, then again with the first allocation failing alone,
 * the second alone, and so on, until a run meets no failure. Each run
 * must give NULL or exactly the whole text (the allocations after the one
 * that failed are granted, so a build that goes on regardless is seen). Returns
 * how many runs met a failure (at least one, or the check proved nothing), or
 * -1 after printing the first text that differs.
 */
static inline long failalloc_every(failalloc_build_fn build, void *data) {
  char *whole = build(data), *text;
  long n;

  if (whole == NULL) {
    fprintf(stderr, "failalloc_every: the build failed with no failure\n");
    return -1;
  }
  for (n = 0;; n++) {
    fail_only = n;
    text = build(data);
    bool met = fail_only < 0;
    fail_only = -1;
    if (text != NULL && strcmp(text, whole) != 0) {
      fprintf(stderr, "allocation %ld failing:\n%s\nwhole:\n%s\n", n, text,
              whole);
      free(text);
      free(whole);
      return -1;
    }
    free(text);
    if (!met)
      break;
  }
  free(whole);
  return n;
}

#endif
