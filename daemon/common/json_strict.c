/* SPDX-License-Identifier: MIT */
#include "common/json_strict.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"

#define JSON_MAX_DEPTH_LIMIT 64

typedef struct scan_s {
  const unsigned char *p;
  const unsigned char *end;
  const unsigned char *start;
  char *err;
  size_t errlen;
} scan_t;

static int strict_fail(scan_t *s, const char *what) {
  snprintf(s->err, s->errlen, "invalid JSON at byte %zu: %s",
           (size_t)(s->p - s->start), what);
  return WG_EINVAL;
}

static void strict_skip_ws(scan_t *s) {
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static int strict_hex4(scan_t *s, unsigned *out) {
  unsigned v = 0;

  if (s->end - s->p < 4)
    return strict_fail(s, "truncated \\u escape");
  for (int i = 0; i < 4; i++) {
    unsigned char c = s->p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return strict_fail(s, "bad \\u escape");
  }
  s->p += 4;
  *out = v;
  return 0;
}

/* One UTF-8 sequence starting at s->p (a byte >= 0x80). */
static int strict_utf8_seq(scan_t *s) {
  const unsigned char *p = s->p;
  unsigned c = p[0];
  size_t n;
  uint32_t cp;

  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return strict_fail(s, "invalid UTF-8");
  }
  if ((size_t)(s->end - p) < n)
    return strict_fail(s, "truncated UTF-8");
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return strict_fail(s, "invalid UTF-8");
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return strict_fail(s, "invalid UTF-8");
  s->p += n;
  return 0;
}

static int strict_string(scan_t *s) {
  s->p++; /* the opening quote */
  while (s->p < s->end) {
    unsigned char c = *s->p;
    if (c == '"') {
      s->p++;
      return 0;
    }
    if (c < 0x20)
      return strict_fail(s, c == 0 ? "NUL byte in string"
                                   : "control character in string");
    if (c >= 0x80) {
      if (strict_utf8_seq(s) != 0)
        return WG_EINVAL;
      continue;
    }
    if (c != '\\') {
      s->p++;
      continue;
    }
    if (++s->p >= s->end)
      return strict_fail(s, "truncated escape");
    switch (*s->p++) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      break;
    case 'u': {
      unsigned u, lo;
      if (strict_hex4(s, &u) != 0)
        return WG_EINVAL;
      if (u == 0)
        return strict_fail(s, "escaped NUL in string");
      if (u >= 0xDC00 && u <= 0xDFFF)
        return strict_fail(s, "lone low surrogate");
      if (u >= 0xD800 && u <= 0xDBFF) {
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
          return strict_fail(s, "lone high surrogate");
        s->p += 2;
        if (strict_hex4(s, &lo) != 0)
          return WG_EINVAL;
        if (lo < 0xDC00 || lo > 0xDFFF)
          return strict_fail(s, "lone high surrogate");
      }
      break;
    }
    default:
      s->p--;
      return strict_fail(s, "bad escape");
    }
  }
  return strict_fail(s, "unterminated string");
}

static bool strict_is_digit(const scan_t *s) {
  return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static int strict_number(scan_t *s) {
  const unsigned char *begin = s->p, *int_start;
  bool exponent = false;
  char tmp[64];
  size_t n;
  double d;

  if (*s->p == '-')
    s->p++;
  int_start = s->p;
  if (!strict_is_digit(s))
    return strict_fail(s, "bad number");
  if (*s->p == '0') {
    s->p++;
    if (strict_is_digit(s))
      return strict_fail(s, "leading zero in number");
  } else {
    while (strict_is_digit(s))
      s->p++;
  }
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (!strict_is_digit(s))
      return strict_fail(s, "bad fraction");
    while (strict_is_digit(s))
      s->p++;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    exponent = true;
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (!strict_is_digit(s))
      return strict_fail(s, "bad exponent");
    while (strict_is_digit(s))
      s->p++;
  }
  /*
   * A number that is finite as written can still overflow a double (1e400).
   * Long mantissas are fine; only the magnitude matters, so a copy of the
   * first 63 characters would misjudge "1.000…e400": parse in place when
   * the number is short and fall back to a bounded heap copy otherwise.
   */
  n = (size_t)(s->p - begin);
  /* Without an exponent only more than 308 integer digits can overflow a
   * double; the common case needs no conversion here. */
  if (!exponent && n - (size_t)(int_start - begin) <= 300)
    return 0;
  if (n < sizeof(tmp)) {
    memcpy(tmp, begin, n);
    tmp[n] = '\0';
    d = strtod(tmp, NULL);
  } else {
    char *big = malloc(n + 1);
    if (big == NULL)
      return strict_fail(s, "out of memory");
    memcpy(big, begin, n);
    big[n] = '\0';
    d = strtod(big, NULL);
    free(big);
  }
  if (!isfinite(d)) {
    s->p = begin;
    return strict_fail(s, "number out of range");
  }
  return 0;
}

static int strict_literal(scan_t *s, const char *word) {
  size_t n = strlen(word);

  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
    return strict_fail(s, "unexpected character");
  s->p += n;
  return 0;
}

int wg_json_check(const char *buf, size_t len, int max_depth, char *err,
                  size_t errlen) {
  /* Per open container: 'a' array or 'o' object. */
  char stack[JSON_MAX_DEPTH_LIMIT];
  int depth = 0;
  scan_t s;
  int rc;

  /* An empty body comes as no buffer (libcoap, libmosquitto), and
   * NULL + 0 is undefined. */
  if (buf == NULL)
    buf = "";
  s = (scan_t){(const unsigned char *)buf, (const unsigned char *)buf + len,
               (const unsigned char *)buf, err, errlen};

  if (max_depth > JSON_MAX_DEPTH_LIMIT)
    max_depth = JSON_MAX_DEPTH_LIMIT;

  strict_skip_ws(&s);
  for (;;) {
    /* Expect a value. */
    if (s.p >= s.end)
      return strict_fail(&s, "unexpected end");
    switch (*s.p) {
    case '{':
    case '[':
      if (depth >= max_depth)
        return strict_fail(&s, "nesting too deep");
      stack[depth++] = *s.p == '{' ? 'o' : 'a';
      s.p++;
      strict_skip_ws(&s);
      if (s.p < s.end && (*s.p == '}' || *s.p == ']')) {
        if ((*s.p == '}') != (stack[depth - 1] == 'o'))
          return strict_fail(&s, "mismatched bracket");
        s.p++;
        depth--;
        goto after_value;
      }
      if (stack[depth - 1] == 'o')
        goto member_name;
      continue;
    case '"':
      rc = strict_string(&s);
      break;
    case 't':
      rc = strict_literal(&s, "true");
      break;
    case 'f':
      rc = strict_literal(&s, "false");
      break;
    case 'n':
      rc = strict_literal(&s, "null");
      break;
    default:
      if (*s.p == '-' || (*s.p >= '0' && *s.p <= '9'))
        rc = strict_number(&s);
      else
        rc = strict_fail(&s, *s.p == 0 ? "NUL byte" : "unexpected character");
      break;
    }
    if (rc != 0)
      return rc;

  after_value:
    strict_skip_ws(&s);
    if (depth == 0) {
      if (s.p != s.end)
        return strict_fail(&s, "trailing bytes after the value");
      return 0;
    }
    if (s.p >= s.end)
      return strict_fail(&s, "unexpected end");
    if (*s.p == ',') {
      s.p++;
      strict_skip_ws(&s);
      if (stack[depth - 1] == 'o')
        goto member_name;
      continue;
    }
    if ((*s.p == ']' && stack[depth - 1] == 'a') ||
        (*s.p == '}' && stack[depth - 1] == 'o')) {
      s.p++;
      depth--;
      goto after_value;
    }
    return strict_fail(&s, "expected ',' or a closing bracket");

  member_name:
    if (s.p >= s.end || *s.p != '"')
      return strict_fail(&s, "expected a member name");
    if ((rc = strict_string(&s)) != 0)
      return rc;
    strict_skip_ws(&s);
    if (s.p >= s.end || *s.p != ':')
      return strict_fail(&s, "expected ':'");
    s.p++;
    strict_skip_ws(&s);
  }
}

static int strict_cmp_names(const void *a, const void *b) {
  const cJSON *x = *(const cJSON *const *)a;
  const cJSON *y = *(const cJSON *const *)b;
  return strcmp(x->string, y->string);
}

static int strict_object_duplicates(const cJSON *obj, char *err,
                                    size_t errlen) {
  const cJSON *c;
  const cJSON **v;
  size_t n = 0, i;
  int rc = 0;

  for (c = obj->child; c != NULL; c = c->next)
    n++;
  if (n < 2)
    return 0;
  if (n <= 16) { /* the common case: a SenML record */
    for (c = obj->child; c != NULL; c = c->next)
      for (const cJSON *d = c->next; d != NULL; d = d->next)
        if (strcmp(c->string, d->string) == 0)
          goto dup_found;
    return 0;
  dup_found:
    snprintf(err, errlen, "duplicate member name \"%.64s\"", c->string);
    return WG_EINVAL;
  }
  v = malloc(n * sizeof(*v));
  if (v == NULL) {
    snprintf(err, errlen, "out of memory");
    return WG_ENOMEM;
  }
  for (i = 0, c = obj->child; c != NULL; c = c->next)
    v[i++] = c;
  qsort(v, n, sizeof(*v), strict_cmp_names);
  for (i = 1; i < n; i++)
    if (strcmp(v[i - 1]->string, v[i]->string) == 0) {
      snprintf(err, errlen, "duplicate member name \"%.64s\"", v[i]->string);
      rc = WG_EINVAL;
      break;
    }
  free(v);
  return rc;
}

int wg_json_check_duplicates(const cJSON *item, char *err, size_t errlen) {
  int rc;

  /* Depth is bounded by wg_json_check, which runs first. */
  if (cJSON_IsObject(item) &&
      (rc = strict_object_duplicates(item, err, errlen)) != 0)
    return rc;
  for (const cJSON *c = item->child; c != NULL; c = c->next)
    if ((rc = wg_json_check_duplicates(c, err, errlen)) != 0)
      return rc;
  return 0;
}
