/* SPDX-License-Identifier: MIT */
#include "common/json_number.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

static u128 pow10_u128(int s) {
  return s < 20 ? (u128)pow10_u64[s] : (u128)pow10_u64[19] * pow10_u64[s - 19];
}

/* cJSON's way, for what the exact path does not take. */
static size_t number_slow(double d, char *out) {
  double test;
  int n = snprintf(out, WG_JSON_NUMBER_MAX, "%1.15g", d);

  test = strtod(out, NULL);
  if (!(fabs(test - d) <=
        (fabs(test) > fabs(d) ? fabs(test) : fabs(d)) * DBL_EPSILON))
    n = snprintf(out, WG_JSON_NUMBER_MAX, "%1.17g", d);
  return n < 0 ? 0 : (size_t)n;
}

/* @m * 2^-@sh * 10^@s rounded to an integer, ties to even (printf's
 * rounding of the exact binary value). */
static uint64_t number_scaled(uint64_t m, int sh, int s) {
  u128 x = (u128)m * pow10_u128(s);
  u128 q = x >> sh, rem = x & (((u128)1 << sh) - 1), half = (u128)1 << (sh - 1);

  if (rem > half || (rem == half && (q & 1)))
    q++;
  return (uint64_t)q;
}

/* The @p significant digits of d = @m * 2^-@sh (1e-4 <= d < 1e15, not a
 * whole number) as printf's %.{p}g rounds them, and *@x the decimal
 * exponent of the rounded value (a carry to the next power of ten raises
 * it, as it does for %g). False when %g would use the exponent form. */
static bool number_digits(uint64_t m, int sh, int p, uint64_t *n, int *x) {
  int e = (int)floor(log10(ldexp((double)m, -sh)));

  for (int tries = 0; tries < 4; tries++) {
    int s = p - 1 - e;
    if (s < 0 || s > 38 || e < -4)
      return false;
    *n = number_scaled(m, sh, s);
    if (*n >= pow10_u64[p])
      e++;
    else if (*n < pow10_u64[p - 1])
      e--;
    else {
      /* log10 may round a value just below 10^e up to e: then the
       * rounding carried to exactly 10^(p-1), and one exponent lower
       * holds all p digits. */
      uint64_t lower;
      if (*n == pow10_u64[p - 1] && e > -4 &&
          (lower = number_scaled(m, sh, s + 1)) < pow10_u64[p]) {
        *n = lower;
        e--;
      }
      *x = e;
      return e < p;
    }
  }
  return false;
}

/* %g's fixed form of the @p digits @n with decimal exponent @x: trailing
 * zeros of the fraction dropped, and the point with them. */
static size_t number_fixed(bool neg, uint64_t n, int p, int x, char *out) {
  char dig[20];
  size_t len = 0;
  int last = p; /* digits kept */

  for (int i = p - 1; i >= 0; i--, n /= 10)
    dig[i] = (char)('0' + n % 10);
  while (last > 0 && last > x + 1 && dig[last - 1] == '0')
    last--;
  if (neg)
    out[len++] = '-';
  if (x < 0) {
    out[len++] = '0';
    out[len++] = '.';
    for (int i = -1; i > x; i--)
      out[len++] = '0';
    memcpy(out + len, dig, (size_t)last);
    len += (size_t)last;
  } else {
    memcpy(out + len, dig, (size_t)x + 1);
    len += (size_t)x + 1;
    if (last > x + 1) {
      out[len++] = '.';
      memcpy(out + len, dig + x + 1, (size_t)(last - x - 1));
      len += (size_t)(last - x - 1);
    }
  }
  out[len] = '\0';
  return len;
}

/* Whether the 15 digits @n (exponent @x) read back as cJSON checks: the
 * double nearest to them within one unit in the last place of @m *
 * 2^-@sh, decided exactly while it stays in @m's binade; -1 when it
 * leaves it (then strtod decides). */
static int number_reads_back(uint64_t m, int sh, uint64_t n, int x) {
  int s = 14 - x;
  u128 den, num, q, rem;

  if (s < 0 || sh >= 128 - 50)
    return -1;
  /* nearest m' to n * 10^-s * 2^sh */
  den = pow10_u128(s);
  num = (u128)n << sh;
  q = num / den;
  rem = num % den;
  if (rem * 2 > den || (rem * 2 == den && (q & 1)))
    q++;
  if (q < ((u128)1 << 52) || q >= ((u128)1 << 53))
    return -1;
  return (q > m ? q - m : m - q) <= 1;
}

size_t wg_json_number(double d, char out[WG_JSON_NUMBER_MAX]) {
  uint64_t bits, m, n;
  int be, sh, x;
  bool neg;

  if (isnan(d) || isinf(d)) {
    memcpy(out, "null", 5);
    return 4;
  }
  neg = signbit(d);
  if (d == 0) {
    memcpy(out, neg ? "-0" : "0", neg ? 3 : 2);
    return neg ? 2 : 1;
  }
  memcpy(&bits, &d, sizeof(bits));
  be = (int)((bits >> 52) & 0x7ff);
  m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  if (be == 0 || fabs(d) >= 1e15 || fabs(d) < 1e-4)
    return number_slow(d, out);
  sh = 1075 - be; /* |d| = m * 2^-sh, 0 < sh <= 66 in this range */
  if (sh <= 52 && (m & ((1ULL << sh) - 1)) == 0) { /* a whole number */
    char tmp[20];
    size_t len = 0, k = 0;
    for (uint64_t v = m >> sh; v > 0; v /= 10)
      tmp[k++] = (char)('0' + v % 10);
    if (neg)
      out[len++] = '-';
    while (k > 0)
      out[len++] = tmp[--k];
    out[len] = '\0';
    return len;
  }
  if (sh >= 100 || !number_digits(m, sh, 15, &n, &x))
    return number_slow(d, out);
  switch (number_reads_back(m, sh, n, x)) {
  case 1:
    return number_fixed(neg, n, 15, x, out);
  case 0:
    break;
  default:
    return number_slow(d, out);
  }
  if (!number_digits(m, sh, 17, &n, &x))
    return number_slow(d, out);
  return number_fixed(neg, n, 17, x, out);
}

cJSON *wg_json_add_number(cJSON *obj, const char *name, double d) {
  char buf[WG_JSON_NUMBER_MAX];

  wg_json_number(d, buf);
  return cJSON_AddRawToObject(obj, name, buf);
}
