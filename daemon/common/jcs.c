/* SPDX-License-Identifier: MIT */
#include "common/jcs.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "wardgate/error.h"

/* ---- numbers (ECMAScript Number::toString, RFC 8785 section 3.2.2.3) ---- */

size_t wg_jcs_number(double d, char out[32]) {
  char buf[40], digits[20];
  int prec, k = 0, e;
  size_t n = 0;
  char *p;

  if (d == 0) {
    memcpy(out, "0", 2);
    return 1;
  }
  /* The fewest significant digits that read back as d: %.*e rounds
   * correctly, so the first precision that round-trips is the closest
   * shortest form. */
  for (prec = 0; prec < 17; prec++) {
    snprintf(buf, sizeof(buf), "%.*e", prec, d);
    if (strtod(buf, NULL) == d)
      break;
  }
  p = buf;
  if (*p == '-')
    out[n++] = *p++;
  for (; *p != 'e'; p++)
    if (*p != '.')
      digits[k++] = *p;
  e = atoi(p + 1) + 1; /* the value is 0.digits x 10^e */
  while (k > 1 && digits[k - 1] == '0')
    k--;
  if (k <= e && e <= 21) { /* digits, then zeros */
    memcpy(out + n, digits, (size_t)k);
    n += (size_t)k;
    for (int i = k; i < e; i++)
      out[n++] = '0';
  } else if (0 < e && e <= 21) { /* a point inside the digits */
    memcpy(out + n, digits, (size_t)e);
    n += (size_t)e;
    out[n++] = '.';
    memcpy(out + n, digits + e, (size_t)(k - e));
    n += (size_t)(k - e);
  } else if (-6 < e && e <= 0) { /* 0.000ddd */
    out[n++] = '0';
    out[n++] = '.';
    for (int i = e; i < 0; i++)
      out[n++] = '0';
    memcpy(out + n, digits, (size_t)k);
    n += (size_t)k;
  } else { /* d.ddde+x */
    out[n++] = digits[0];
    if (k > 1) {
      out[n++] = '.';
      memcpy(out + n, digits + 1, (size_t)(k - 1));
      n += (size_t)(k - 1);
    }
    n += (size_t)snprintf(out + n, 32 - n, "e%c%d", e - 1 < 0 ? '-' : '+',
                          abs(e - 1));
  }
  out[n] = '\0';
  return n;
}

/* ---- names, strings, values --------------------------------------------- */

/* The next UTF-16 code unit of valid UTF-8 text at *@p; 0 at its end.
 * *@low holds the low surrogate still owed. */
static unsigned jcs_utf16_next(const unsigned char **p, unsigned *low) {
  uint32_t cp = 0;
  size_t n;

  if (*low) {
    unsigned unit = *low;
    *low = 0;
    return unit;
  }
  if (**p == 0 || (n = wg_utf8_decode(*p, &cp)) == 0)
    return 0;
  *p += n;
  if (cp < 0x10000)
    return cp;
  *low = 0xDC00 + ((cp - 0x10000) & 0x3FF);
  return 0xD800 + ((cp - 0x10000) >> 10);
}

/* RFC 8785 section 3.2.3: names compared as arrays of UTF-16 code units. */
static int jcs_name_cmp(const void *a, const void *b) {
  const cJSON *ma = *(const cJSON *const *)a, *mb = *(const cJSON *const *)b;
  const unsigned char *x = (const unsigned char *)ma->string;
  const unsigned char *y = (const unsigned char *)mb->string;
  unsigned lx = 0, ly = 0;

  for (;;) {
    unsigned ux = jcs_utf16_next(&x, &lx), uy = jcs_utf16_next(&y, &ly);
    if (ux != uy || ux == 0)
      return ux < uy ? -1 : ux > uy ? 1 : 0;
  }
}

static bool jcs_utf8_ok(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  uint32_t cp;
  size_t n;

  for (; *p; p += n)
    if ((n = wg_utf8_decode(p, &cp)) == 0)
      return false;
  return true;
}

typedef struct jcs_out_s {
  char *p, *end;
  const char **why;
} jcs_out_t;

static int jcs_put(jcs_out_t *w, const char *s, size_t n) {
  if ((size_t)(w->end - w->p) <= n)
    return WG_ETOOBIG;
  memcpy(w->p, s, n);
  w->p += n;
  return 0;
}

/* RFC 8785 section 3.2.2.2: the two-character escapes, \u00xx (lower
 * case) for the other controls, everything else as it is. */
static int jcs_put_string(jcs_out_t *w, const char *s) {
  static const char hex[] = "0123456789abcdef";
  static const char short_esc[] = "btn\0fr"; /* \b \t \n, \f \r */
  int rc;

  if (!jcs_utf8_ok(s)) {
    *w->why = "a string is not UTF-8";
    return WG_EINVAL;
  }
  rc = jcs_put(w, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p; p++) {
    char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
    if (*p == '"' || *p == '\\') {
      esc[1] = (char)*p;
      rc = jcs_put(w, esc, 2);
    } else if (*p >= 0x20) {
      rc = jcs_put(w, (const char *)p, 1);
    } else if (*p >= 8 && *p <= 13 && short_esc[*p - 8] != '\0') {
      esc[1] = short_esc[*p - 8];
      rc = jcs_put(w, esc, 2);
    } else {
      rc = jcs_put(w, esc, 6);
    }
  }
  return rc == 0 ? jcs_put(w, "\"", 1) : rc;
}

static int jcs_value(jcs_out_t *w, const cJSON *v, const char *skip, int depth);

static int jcs_object(jcs_out_t *w, const cJSON *o, const char *skip,
                      int depth) {
  const cJSON *m, *names[WG_JCS_MAX_MEMBERS];
  size_t n = 0;
  int rc;

  cJSON_ArrayForEach(m, o) {
    if (skip != NULL && strcmp(m->string, skip) == 0)
      continue;
    if (n == WG_JCS_MAX_MEMBERS) {
      *w->why = "an object has too many members";
      return WG_EINVAL;
    }
    if (!jcs_utf8_ok(m->string)) {
      *w->why = "a name is not UTF-8";
      return WG_EINVAL;
    }
    names[n++] = m;
  }
  qsort(names, n, sizeof(names[0]), jcs_name_cmp);
  if ((rc = jcs_put(w, "{", 1)) != 0)
    return rc;
  for (size_t i = 0; i < n; i++)
    if ((i > 0 && (rc = jcs_put(w, ",", 1)) != 0) ||
        (rc = jcs_put_string(w, names[i]->string)) != 0 ||
        (rc = jcs_put(w, ":", 1)) != 0 ||
        (rc = jcs_value(w, names[i], NULL, depth + 1)) != 0)
      return rc;
  return jcs_put(w, "}", 1);
}

static int jcs_value(jcs_out_t *w, const cJSON *v, const char *skip,
                     int depth) {
  char num[32];
  const cJSON *e;
  int rc;

  if (depth > WG_JCS_MAX_DEPTH) {
    *w->why = "nested too deep";
    return WG_EINVAL;
  }
  if (cJSON_IsObject(v))
    return jcs_object(w, v, skip, depth);
  if (cJSON_IsArray(v)) {
    if ((rc = jcs_put(w, "[", 1)) != 0)
      return rc;
    cJSON_ArrayForEach(e, v) {
      if ((e != v->child && (rc = jcs_put(w, ",", 1)) != 0) ||
          (rc = jcs_value(w, e, NULL, depth + 1)) != 0)
        return rc;
    }
    return jcs_put(w, "]", 1);
  }
  if (cJSON_IsString(v))
    return jcs_put_string(w, v->valuestring);
  if (cJSON_IsTrue(v))
    return jcs_put(w, "true", 4);
  if (cJSON_IsFalse(v))
    return jcs_put(w, "false", 5);
  if (cJSON_IsNull(v))
    return jcs_put(w, "null", 4);
  if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
    return jcs_put(w, num, wg_jcs_number(v->valuedouble, num));
  *w->why = "a number is not finite";
  return WG_EINVAL;
}

int wg_jcs(const cJSON *v, const char *skip, char *out, size_t size,
           size_t *len, const char **why) {
  const char *ignored;
  jcs_out_t w = {out, out + size, why ? why : &ignored};
  int rc;

  *w.why = NULL;
  if (size == 0)
    return WG_ETOOBIG;
  if ((rc = jcs_value(&w, v, skip, 0)) != 0)
    return rc;
  *w.p = '\0';
  *len = (size_t)(w.p - out);
  return 0;
}
