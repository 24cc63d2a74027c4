/* SPDX-License-Identifier: MIT */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_number.h"
#include "common/json_scratch.h"
#include "failalloc.h"
#include "test.h"

/* What cJSON itself prints for @d. */
static void cjson_print(double d, char *out, size_t size) {
  cJSON *n = cJSON_CreateNumber(d);
  char *s = cJSON_PrintUnformatted(n);

  snprintf(out, size, "%s", s ? s : "?");
  free(s);
  cJSON_Delete(n);
}

static int mismatches;

static void same_as_cjson(double d) {
  char want[64], got[WG_JSON_NUMBER_MAX];
  size_t len = wg_json_number(d, got);

  cjson_print(d, want, sizeof(want));
  if (strcmp(got, want) != 0 || len != strlen(want)) {
    if (mismatches++ < 10)
      fprintf(stderr, "%.17g: cJSON \"%s\", wg_json_number \"%s\"\n", d, want,
              got);
  }
}

/* xorshift64*: the same values on every run. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545F4914F6CDD1DULL;
}
static double unit(void) { return (double)(next() >> 11) / 9007199254740992.0; }

/* The numbers a gateway prints, and every kind around them, byte for byte
 * as cJSON prints them. */
static void numbers_as_cjson(void) {
  static const double fixed[] = {0.0,
                                 -0.0,
                                 1.0,
                                 -1.0,
                                 72,
                                 97.5,
                                 37.1,
                                 0.1,
                                 0.0001,
                                 0.00009999999999999999,
                                 0.001234,
                                 9.9999999999999995,
                                 99999999999999.99,
                                 999999999999999.9,
                                 1e15,
                                 123456789012345.6,
                                 2147483647.0,
                                 2147483648.0,
                                 -2147483649.0,
                                 1796066907.123456,
                                 1796066907.5,
                                 1796066907.1234567,
                                 1763900000.1,
                                 0.5,
                                 2.5,
                                 1e300,
                                 -1e-300,
                                 5e-324,
                                 DBL_MAX,
                                 DBL_MIN,
                                 NAN,
                                 INFINITY,
                                 -INFINITY,
                                 7.50061683,
                                 129.7606711599};

  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    same_as_cjson(fixed[i]);
  /* Just below and above each power of ten of the exact path, where a
   * rounded log10 or a carry moves the exponent. */
  for (int k = -5; k <= 16; k++) {
    double below = pow(10, k), above = below;
    for (int i = 0; i < 3000; i++) {
      below = nextafter(below, 0);
      above = nextafter(above, INFINITY);
      same_as_cjson(below);
      same_as_cjson(above);
      same_as_cjson(-below);
    }
  }
  same_as_cjson(99999.999999999913);
  for (int i = 0; i < 200000; i++) {
    double t = 1.6e9 + unit() * 4e8; /* timestamps */
    uint64_t bits = next();
    double any;

    same_as_cjson(t);
    same_as_cjson(floor(t * 1e3) / 1e3);
    same_as_cjson(floor(t * 1e6) / 1e6);
    same_as_cjson(floor(unit() * 3000) / 10);   /* vitals, one decimal */
    same_as_cjson(floor(unit() * 30000) / 100); /* two decimals */
    same_as_cjson(-unit() * pow(10, (int)(next() % 22) - 6));
    same_as_cjson(unit() * pow(10, (int)(next() % 22) - 6));
    memcpy(&any, &bits, sizeof(any)); /* any bit pattern */
    same_as_cjson(any);
  }
  ASSERT_EQ(mismatches, 0);
}

/* Trees in the scratch arena: what a scope allocated is given back at its
 * end, an inner scope's at its own end, and afterwards cJSON allocates
 * with malloc again (ASan would refuse the free() below otherwise). */
static void scratch_scopes(void) {
  wg_arena_mark_t outer, inner;
  cJSON *a, *b, *first;
  char *text, *kept;
  void *p;

  outer = wg_json_scratch_begin();
  first = cJSON_CreateObject();
  wg_json_scratch_end(outer);
  outer = wg_json_scratch_begin();
  a = cJSON_CreateObject();
  ASSERT(a == first); /* the same memory: nothing was kept */
  ASSERT(cJSON_AddStringToObject(a, "k", "v") != NULL);
  inner = wg_json_scratch_begin();
  b = cJSON_CreateArray();
  ASSERT(b != NULL);
  ASSERT(cJSON_AddItemToArray(b, cJSON_CreateNumber(1)));
  text = cJSON_PrintUnformatted(b);
  ASSERT_STR_EQ(text, "[1]");
  wg_json_scratch_end(inner);
  /* The outer tree is whole, and the inner scope's memory is reused. */
  first = cJSON_CreateNumber(2);
  ASSERT(first == b);
  ASSERT(cJSON_AddItemToObject(a, "n", first));
  text = cJSON_PrintUnformatted(a);
  ASSERT_STR_EQ(text, "{\"k\":\"v\",\"n\":2}");
  kept = wg_json_scratch_keep(text);
  wg_json_scratch_end(outer);
  ASSERT_STR_EQ(kept, "{\"k\":\"v\",\"n\":2}");
  free(kept);
  p = cJSON_malloc(16);
  ASSERT(p != NULL);
  free(p);
  a = cJSON_CreateObject();
  ASSERT(cJSON_AddStringToObject(a, "k", "v") != NULL);
  cJSON_Delete(a);
}

/* A build fails whole when any of cJSON's allocations failed in it, on the
 * heap or in the scratch arena, nested or not. */
static void build_failures(void) {
  static char big[96 * 1024];
  wg_json_build_t outer, inner;
  wg_arena_mark_t m;
  cJSON *o;

  memset(big, 'x', sizeof(big) - 1);

  outer = wg_json_build_begin();
  o = cJSON_CreateObject();
  ASSERT(cJSON_AddStringToObject(o, "k", "v") != NULL);
  ASSERT(!wg_json_build_failed(outer));
  fail_after = 0;
  ASSERT(cJSON_AddStringToObject(o, "lost", "v") == NULL);
  fail_after = -1;
  ASSERT(wg_json_build_failed(outer));
  cJSON_Delete(o);

  outer = wg_json_build_begin();
  m = wg_json_scratch_begin();
  inner = wg_json_build_begin();
  o = cJSON_CreateObject();
  ASSERT(o != NULL);
  ASSERT(!wg_json_build_failed(inner));
  /* Past the arena's first block, its next comes from malloc. */
  fail_after = 0;
  ASSERT(cJSON_AddStringToObject(o, "big", big) == NULL);
  fail_after = -1;
  ASSERT(wg_json_build_failed(inner));
  wg_json_scratch_end(m);
  ASSERT(wg_json_build_failed(outer));
  ASSERT(!wg_json_build_failed(wg_json_build_begin()));
}

/* A cJSON message built with unchecked calls, as the daemon builds them. */
static char *build_sample(void *data) {
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject(), *a;
  char *text = NULL;

  (void)data;
  cJSON_AddStringToObject(o, "id", "a-1");
  wg_json_add_number(o, "ts", 1764000000.5);
  a = cJSON_AddArrayToObject(o, "evidence");
  wg_json_append(a, cJSON_CreateString("spo2"));
  if (!wg_json_build_failed(b))
    text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

static void build_fails_whole(void) {
  ASSERT(failalloc_every(build_sample, NULL) >= 4);
}

TEST_MAIN(T(numbers_as_cjson), T(scratch_scopes), T(build_failures),
          T(build_fails_whole))
