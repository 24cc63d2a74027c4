/* SPDX-License-Identifier: MIT */
#include "ingest/senml.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_scratch.h"
#include "common/json_strict.h"
#include "wardgate/error.h"

/* A pack is an array of records of fields: three levels, room for extensions.
 */
#define SENML_MAX_DEPTH 16

typedef enum { KIND_NUM, KIND_BOOL, KIND_STR } value_kind_t;

typedef struct unit_conv_s {
  const char *unit;
  double scale; /* canonical = value * scale + offset */
  double offset;
} unit_conv_t;

typedef struct key_def_s {
  const char *key;
  value_kind_t kind;
  const char *unit; /* canonical; "" for none */
  double lo, hi;    /* inclusive range of the canonical value */
  unit_conv_t also[3];
} key_def_t;

/* DESIGN.md section 5: the known keys, their units and ranges. */
static const key_def_t keys[] = {
    {"rr", KIND_NUM, "1/min", 0, 80, {{"breath/min", 1, 0}}},
    {"spo2", KIND_NUM, "%", 0, 100, {{NULL, 0, 0}}},
    {"o2", KIND_BOOL, "", 0, 0, {{NULL, 0, 0}}},
    {"sbp",
     KIND_NUM,
     "mmHg",
     40,
     300,
     {{"kPa", 7.50061683, 0}, {"Pa", 0.00750061683, 0}}},
    {"dbp",
     KIND_NUM,
     "mmHg",
     20,
     200,
     {{"kPa", 7.50061683, 0}, {"Pa", 0.00750061683, 0}}},
    {"hr", KIND_NUM, "beat/min", 0, 300, {{"1/min", 1, 0}}},
    {"acvpu", KIND_STR, "", 0, 0, {{NULL, 0, 0}}},
    {"temp",
     KIND_NUM,
     "Cel",
     25,
     45,
     {{"K", 1, -273.15}, {"degF", 5.0 / 9.0, -32.0 * 5.0 / 9.0}}},
    {"fall", KIND_BOOL, "", 0, 0, {{NULL, 0, 0}}},
    {"fluid_intake", KIND_NUM, "l", 0, 10, {{"ml", 0.001, 0}}},
    {"meal", KIND_NUM, "/", 0, 1, {{"%", 0.01, 0}}},
    {"battery", KIND_NUM, "%EL", 0, 100, {{"%", 1, 0}}},
};

static const key_def_t *key_lookup(const char *key) {
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (keys[i].key[0] == key[0] && strcmp(keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

const char *wg_senml_canonical_unit(const char *key) {
  const key_def_t *k = key_lookup(key);
  return k ? k->unit : NULL;
}

const char *wg_senml_key_at(size_t i) {
  return i < sizeof(keys) / sizeof(keys[0]) ? keys[i].key : NULL;
}

int wg_senml_readings_reserve(wg_readings_t *r, size_t extra) {
  size_t cap;
  wg_reading_t *v;

  if (r->n + extra <= r->cap)
    return 0;
  cap = r->cap ? r->cap : 64;
  while (cap < r->n + extra)
    cap *= 2;
  v = realloc(r->v, cap * sizeof(*v));
  if (v == NULL)
    return WG_ENOMEM;
  r->v = v;
  r->cap = cap;
  return 0;
}

void wg_senml_readings_free(wg_readings_t *r) {
  free(r->v);
  r->v = NULL;
  r->n = r->cap = 0;
}

/* The base fields in force; any record may change them (RFC 8428 4.5). */
typedef struct base_s {
  const char *bn;
  const char *bu;
  double bt, bv, bs;
} base_t;

/* The fields of one record, checked for type. */
typedef struct record_s {
  const cJSON *n, *u, *v, *vs, *vb, *vd, *s, *t;
} record_t;

typedef struct parse_s {
  char *err;
  size_t errlen;
  int index;      /* record being parsed, for messages */
  double version; /* the pack's bver, 0 before the first record */
  bool rescue;    /* wg_senml_falls(): a refused time counts as now */
} parse_t;

__attribute__((format(printf, 2, 3))) static int reject(parse_t *p,
                                                        const char *fmt, ...) {
  int off = snprintf(p->err, p->errlen, "record %d: ", p->index);
  va_list ap;

  if (off < 0 || (size_t)off >= p->errlen)
    return WG_EINVAL;
  va_start(ap, fmt);
  vsnprintf(p->err + off, p->errlen - (size_t)off, fmt, ap);
  va_end(ap);
  return WG_EINVAL;
}

static bool name_char_ok(char c, bool first) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
      (c >= '0' && c <= '9'))
    return true;
  return !first && (c == '-' || c == ':' || c == '.' || c == '/' || c == '_');
}

/* RFC 4648 section 5 without padding: a length of 1 modulo 4 cannot be. */
static bool base64url_ok(const char *s) {
  size_t n = 0;

  for (; s[n]; n++)
    if (!name_char_ok(s[n], true) && s[n] != '-' && s[n] != '_')
      return false;
  return n % 4 != 1;
}

/* Read the record's fields; update the base fields it carries. */
static int senml_fields(parse_t *p, const cJSON *obj, base_t *base,
                        record_t *r) {
  static const struct {
    const char *name;
    int type; /* cJSON_Number, cJSON_String, cJSON_True (any boolean) */
  } known[] = {
      {"bn", cJSON_String}, {"bt", cJSON_Number}, {"bu", cJSON_String},
      {"bv", cJSON_Number}, {"bs", cJSON_Number}, {"bver", cJSON_Number},
      {"n", cJSON_String},  {"u", cJSON_String},  {"v", cJSON_Number},
      {"vs", cJSON_String}, {"vb", cJSON_True},   {"vd", cJSON_String},
      {"s", cJSON_Number},  {"t", cJSON_Number},  {"ut", cJSON_Number},
  };
  const cJSON *f;

  memset(r, 0, sizeof(*r));
  for (f = obj->child; f != NULL; f = f->next) {
    size_t i, nlen = strlen(f->string);
    int type;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
      if (f->string[0] == known[i].name[0] &&
          strcmp(f->string, known[i].name) == 0)
        break;
    if (i == sizeof(known) / sizeof(known[0])) {
      /* RFC 8428 4.4: a field ending in '_' must be understood. */
      if (nlen > 0 && f->string[nlen - 1] == '_')
        return reject(p, "must-understand field \"%.64s\" not supported",
                      f->string);
      continue;
    }
    type = known[i].type == cJSON_True ? (cJSON_True | cJSON_False)
                                       : known[i].type;
    if ((f->type & 0xFF & type) == 0)
      return reject(p, "field \"%s\" has the wrong type", f->string);

    switch (f->string[0]) {
    case 'b':
      if (strcmp(f->string, "bn") == 0)
        base->bn = f->valuestring;
      else if (strcmp(f->string, "bt") == 0)
        base->bt = f->valuedouble;
      else if (strcmp(f->string, "bu") == 0)
        base->bu = f->valuestring;
      else if (strcmp(f->string, "bv") == 0)
        base->bv = f->valuedouble;
      else if (strcmp(f->string, "bs") == 0)
        base->bs = f->valuedouble;
      else if (f->valuedouble != floor(f->valuedouble) || f->valuedouble < 1 ||
               f->valuedouble > 10)
        return reject(p, "unsupported SenML version (bver)");
      /* RFC 8428 4.4: every record of a pack has the same version. */
      else if (p->version != 0 && f->valuedouble != p->version)
        return reject(p, "SenML version (bver) %g differs from the pack's %g",
                      f->valuedouble, p->version);
      else
        p->version = f->valuedouble;
      break;
    case 'n':
      r->n = f;
      break;
    case 'u':
      if (f->string[1] == '\0')
        r->u = f;
      /* "ut" (update time) is accepted and not used. */
      break;
    case 'v':
      if (f->string[1] == '\0')
        r->v = f;
      else if (f->string[1] == 's')
        r->vs = f;
      else if (f->string[1] == 'b')
        r->vb = f;
      else
        r->vd = f;
      break;
    case 's':
      r->s = f;
      break;
    case 't':
      r->t = f;
      break;
    }
  }
  return 0;
}

/* Whether @s (UTF-8) holds a control character: C0 (below 0x20), DEL, or
 * C1 (U+0080 to U+009F, 0xC2 0x80 to 0xC2 0x9F; U+009B is a terminal's
 * CSI). */
static bool has_control(const char *s) {
  for (const unsigned char *c = (const unsigned char *)s; *c; c++)
    if (*c < 0x20 || *c == 0x7f ||
        (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f))
      return true;
  return false;
}

static int senml_record(parse_t *p, const cJSON *obj, base_t *base, double now,
                        wg_arena_t *arena, wg_reading_t *out) {
  char name[WG_SENML_MAX_NAME + 1];
  const char *key, *unit;
  const key_def_t *def;
  record_t r;
  size_t bnlen, nlen;
  double t;
  int nvalues, rc;

  if (!cJSON_IsObject(obj))
    return reject(p, "not an object");
  rc = senml_fields(p, obj, base, &r);
  if (p->version == 0) /* none in the first record: 10 (RFC 8428 4.4) */
    p->version = 10;
  if (rc != 0)
    return rc;

  /* Name = bn + n, RFC 8428 4.5.1. */
  bnlen = base->bn ? strlen(base->bn) : 0;
  nlen = r.n ? strlen(r.n->valuestring) : 0;
  if (bnlen + nlen == 0)
    return reject(p, "no name (bn + n is empty)");
  if (bnlen + nlen > WG_SENML_MAX_NAME)
    return reject(p, "name longer than 255 characters");
  if (bnlen)
    memcpy(name, base->bn, bnlen);
  if (nlen)
    memcpy(name + bnlen, r.n->valuestring, nlen);
  name[bnlen + nlen] = '\0';
  for (size_t i = 0; name[i]; i++)
    if (!name_char_ok(name[i], i == 0))
      return reject(p, "invalid character in name \"%s\"", name);

  nvalues = (r.v != NULL) + (r.vs != NULL) + (r.vb != NULL) + (r.vd != NULL);
  if (nvalues > 1)
    return reject(p, "more than one value field in \"%s\"", name);
  if (nvalues == 0 && r.s == NULL)
    return reject(p, "no value and no sum in \"%s\"", name);

  /* Time: bt + t; below 2^28 it is relative to now. */
  t = base->bt + (r.t ? r.t->valuedouble : 0.0);
  if (t < WG_SENML_RELATIVE_LIMIT)
    t += now;
  if (p->rescue && (!isfinite(t) || t > now + WG_SENML_MAX_FUTURE_S))
    t = now;
  if (!isfinite(t))
    return reject(p, "time out of range in \"%s\"", name);
  if (t > now + WG_SENML_MAX_FUTURE_S)
    return reject(p, "time more than 5 minutes in the future in \"%s\"", name);

  memset(out, 0, sizeof(*out));
  out->ts = t;
  unit = r.u ? r.u->valuestring : base->bu;
  if (r.v) {
    out->value = base->bv + r.v->valuedouble;
    out->flags |= WG_READING_HAS_VALUE;
  }
  if (r.s) {
    out->sum = base->bs + r.s->valuedouble;
    out->flags |= WG_READING_HAS_SUM;
  }
  if (!isfinite(out->value) || !isfinite(out->sum))
    return reject(p, "value out of range in \"%s\"", name);
  if (r.vb) {
    out->vb = cJSON_IsTrue(r.vb);
    out->flags |= WG_READING_HAS_VB;
  }
  if (r.vd && !base64url_ok(r.vd->valuestring))
    return reject(p, "vd is not base64url in \"%s\"", name);
  /* vs and the unit are stored as they came and reach the hub, the journal,
   * wardgatectl's terminal and its CSV: a newline or an escape sequence
   * there could forge a line, a row or what the operator sees. They are
   * refused here, and the value is not echoed in the reason. */
  if (r.vs && has_control(r.vs->valuestring))
    return reject(p, "control character in vs of \"%s\"", name);
  if (unit && has_control(unit))
    return reject(p, "control character in the unit (u or bu) of \"%s\"", name);

  key = name;
  for (const char *c = name; *c; c++)
    if (*c == ':' || *c == '/')
      key = c + 1;
  def = key_lookup(key);

  if (def == NULL) {
    /* Not a vital sign: stored as it came, under its full name. */
    out->name = wg_arena_strdup(arena, name);
    out->unit = unit ? wg_arena_strdup(arena, unit) : "";
    out->vs = r.vs ? wg_arena_strdup(arena, r.vs->valuestring) : NULL;
    out->vd = r.vd ? wg_arena_strdup(arena, r.vd->valuestring) : NULL;
    if (out->name == NULL || out->unit == NULL || (r.vs && !out->vs) ||
        (r.vd && !out->vd))
      return WG_ENOMEM;
    return 0;
  }

  out->name = def->key;
  out->unit = def->unit;
  switch (def->kind) {
  case KIND_NUM:
    if (r.v == NULL)
      return reject(p, "\"%s\" needs a numeric value (v)", key);
    /* An absent unit means the canonical one. */
    if (unit != NULL && strcmp(unit, def->unit) != 0) {
      const unit_conv_t *c = def->also;
      for (; c < def->also + 3 && c->unit; c++)
        if (strcmp(c->unit, unit) == 0)
          break;
      if (c == def->also + 3 || c->unit == NULL) {
        return reject(p, "unit \"%.64s\" not accepted for %s", unit, key);
      }
      /* A sum over time of a unit with an offset (degF) has no
       * canonical equivalent without the time it covers. */
      if (r.s && c->offset != 0)
        return reject(p, "a sum in \"%.64s\" cannot be converted to %s", unit,
                      def->unit);
      out->value = out->value * c->scale + c->offset;
      if (r.s)
        out->sum = out->sum * c->scale;
    }
    if (out->value < def->lo || out->value > def->hi) {
      return reject(p, "%s %g %s outside %g-%g", key, out->value, def->unit,
                    def->lo, def->hi);
    }
    break;
  case KIND_BOOL:
    if (r.vb == NULL)
      return reject(p, "\"%s\" needs a boolean value (vb)", key);
    if (unit != NULL && unit[0] != '\0')
      return reject(p, "\"%s\" takes no unit", key);
    break;
  case KIND_STR:
    if (r.vs == NULL)
      return reject(p, "\"%s\" needs a string value (vs)", key);
    if (unit != NULL && unit[0] != '\0')
      return reject(p, "\"%s\" takes no unit", key);
    if (strlen(r.vs->valuestring) != 1 ||
        strchr("ACVPU", r.vs->valuestring[0]) == NULL)
      return reject(p, "acvpu must be one of A, C, V, P, U");
    out->vs = wg_arena_strdup(arena, r.vs->valuestring);
    if (out->vs == NULL)
      return WG_ENOMEM;
    break;
  }
  return 0;
}

int wg_senml_parse(const char *buf, size_t len, double now, wg_arena_t *arena,
                   wg_readings_t *out, char *err, size_t errlen) {
  parse_t p = {err, errlen, 0, 0, false};
  base_t base = {NULL, NULL, 0, 0, 0};
  size_t start = out->n;
  cJSON *root = NULL;
  const cJSON *rec;
  wg_arena_mark_t mark;
  int count, rc;

  if (len > WG_SENML_MAX_BYTES) {
    snprintf(err, errlen, "pack of %zu bytes exceeds the limit of %d", len,
             WG_SENML_MAX_BYTES);
    return WG_ETOOBIG;
  }
  if ((rc = wg_json_check(buf, len, SENML_MAX_DEPTH, err, errlen)) != 0)
    return rc;
  /* The pack's tree lives only while it is read. */
  mark = wg_json_scratch_begin();
  root = cJSON_ParseWithLength(buf, len);
  if (root == NULL) {
    wg_json_scratch_end(mark);
    snprintf(err, errlen, "invalid JSON");
    return WG_EINVAL;
  }
  if ((rc = wg_json_check_duplicates(root, err, errlen)) != 0)
    goto fail;
  if (!cJSON_IsArray(root)) {
    snprintf(err, errlen, "a SenML pack must be a JSON array");
    rc = WG_EINVAL;
    goto fail;
  }
  count = cJSON_GetArraySize(root);
  if (count == 0) {
    snprintf(err, errlen, "empty pack");
    rc = WG_EINVAL;
    goto fail;
  }
  if (count > WG_SENML_MAX_RECORDS) {
    snprintf(err, errlen, "pack of %d records exceeds the limit of %d", count,
             WG_SENML_MAX_RECORDS);
    rc = WG_ETOOBIG;
    goto fail;
  }
  if ((rc = wg_senml_readings_reserve(out, (size_t)count)) != 0) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  for (rec = root->child; rec != NULL; rec = rec->next, p.index++) {
    if ((rc = senml_record(&p, rec, &base, now, arena, &out->v[out->n])) != 0) {
      if (rc == WG_ENOMEM)
        snprintf(err, errlen, "out of memory");
      goto fail;
    }
    out->n++;
  }
  wg_json_scratch_end(mark);
  return 0;

fail:
  out->n = start;
  wg_json_scratch_end(mark);
  return rc;
}

size_t wg_senml_falls(const char *buf, size_t len, double now,
                      wg_arena_t *arena, wg_readings_t *out) {
  char err[160];
  parse_t p = {err, sizeof(err), 0, 0, true};
  base_t base = {NULL, NULL, 0, 0, 0};
  size_t start = out->n;
  cJSON *root;
  const cJSON *rec;
  wg_arena_mark_t mark;

  /* The same bounds as a pack: a refusal must not cost more than one. */
  if (len > WG_SENML_MAX_BYTES ||
      wg_json_check(buf, len, SENML_MAX_DEPTH, err, sizeof(err)) != 0)
    return 0;
  mark = wg_json_scratch_begin();
  root = cJSON_ParseWithLength(buf, len);
  if (root == NULL || !cJSON_IsArray(root) ||
      wg_senml_readings_reserve(out, WG_SENML_MAX_RECORDS) != 0) {
    wg_json_scratch_end(mark);
    return 0;
  }
  for (rec = root->child; rec != NULL && p.index < WG_SENML_MAX_RECORDS;
       rec = rec->next, p.index++) {
    wg_reading_t *r = &out->v[out->n];

    /* Each record on its own: a bad one is skipped, not the pack. */
    if (senml_record(&p, rec, &base, now, arena, r) == 0 &&
        strcmp(r->name, "fall") == 0 && (r->flags & WG_READING_HAS_VB) && r->vb)
      out->n++;
  }
  wg_json_scratch_end(mark);
  return out->n - start;
}
