/* SPDX-License-Identifier: MIT */
/*
 * A minimal test harness after libuv's test/task.h: assertions print both
 * values and the place, a table of tests runs in order, the last line is
 * "N passed, M failed" for the test runner.
 */
#ifndef WG_TEST_H
#define WG_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
typedef struct test_case_s {
  const char *name;
  test_fn fn;
} test_case_t;

static int test_failed_now;

#define FAIL_AT(...)                                                           \
  do {                                                                         \
    fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                            \
    fprintf(stderr, __VA_ARGS__);                                              \
    fprintf(stderr, "\n");                                                     \
    test_failed_now = 1;                                                       \
    return;                                                                    \
  } while (0)

#define ASSERT(cond)                                                           \
  do {                                                                         \
    if (!(cond))                                                               \
      FAIL_AT("assertion failed: %s", #cond);                                  \
  } while (0)

#define ASSERT_EQ(a, b)                                                        \
  do {                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                        \
    if (a_ != b_)                                                              \
      FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_);                       \
  } while (0)

#define ASSERT_NEAR(a, b, eps)                                                 \
  do {                                                                         \
    double a_ = (double)(a), b_ = (double)(b);                                 \
    if (!(fabs(a_ - b_) <= (eps)))                                             \
      FAIL_AT("%s ~= %s: %.9g != %.9g", #a, #b, a_, b_);                       \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
  do {                                                                         \
    const char *a_ = (a), *b_ = (b);                                           \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                       \
      FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",        \
              b_ ? b_ : "(null)");                                             \
  } while (0)

#define ASSERT_CONTAINS(hay, needle)                                           \
  do {                                                                         \
    const char *h_ = (hay), *n_ = (needle);                                    \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                  \
      FAIL_AT("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);       \
  } while (0)

static inline int run_tests(const test_case_t *tests, size_t n) {
  int passed = 0, failed = 0;

  for (size_t i = 0; i < n; i++) {
    test_failed_now = 0;
    tests[i].fn();
    printf("%s %s\n", test_failed_now ? "FAIL" : "ok  ", tests[i].name);
    if (test_failed_now)
      failed++;
    else
      passed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                         \
  int main(void) {                                                             \
    static const test_case_t tests_[] = {__VA_ARGS__};                         \
    return run_tests(tests_, sizeof(tests_) / sizeof(tests_[0]));              \
  }

#define T(fn)                                                                  \
  { #fn, fn }

#endif
