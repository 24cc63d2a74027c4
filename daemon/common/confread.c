/* SPDX-License-Identifier: MIT */
/* The helpers with which the daemon and the drivers read their keys. */
#include "wardgate/conf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/arena.h"

void wg_conf_problem(wg_conf_t *c, const char *path, const char *fmt, ...) {
  char msg[512], line[1024];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (path[0])
    snprintf(line, sizeof(line), "%s: %s: %s", c->file, path, msg);
  else
    snprintf(line, sizeof(line), "%s: %s", c->file, msg);
  c->problems++;
  c->report(c->ud, line);
}

/* Key paths are for messages: a very long one is shortened, marked "...". */
static void mark_truncated(char *out, int n) {
  if (n < 0 || n >= WG_CONF_PATH_MAX)
    memcpy(out + WG_CONF_PATH_MAX - 4, "...", 4);
}

void wg_conf_join(char out[WG_CONF_PATH_MAX], const char *path,
                  const char *key) {
  mark_truncated(out, path[0]
                          ? snprintf(out, WG_CONF_PATH_MAX, "%s.%s", path, key)
                          : snprintf(out, WG_CONF_PATH_MAX, "%s", key));
}

void wg_conf_join_index(char out[WG_CONF_PATH_MAX], const char *path, int i) {
  mark_truncated(out, snprintf(out, WG_CONF_PATH_MAX, "%s[%d]", path, i));
}

const char *wg_conf_strdup(wg_conf_t *c, const char *s) {
  const char *d = wg_arena_strdup(c->arena, s);
  if (d == NULL)
    c->oom = true;
  return d;
}

void *wg_conf_alloc(wg_conf_t *c, size_t n, size_t size) {
  void *p = wg_arena_alloc(c->arena, n ? n * size : 1);
  if (p == NULL)
    c->oom = true;
  else
    memset(p, 0, n ? n * size : 1);
  return p;
}

bool wg_conf_object(wg_conf_t *c, const char *path, const cJSON *obj,
                    const char *const *allowed) {
  if (!cJSON_IsObject(obj)) {
    wg_conf_problem(c, path, "must be an object");
    return false;
  }
  for (const cJSON *m = obj->child; m != NULL; m = m->next) {
    const char *const *a = allowed;
    char sub[WG_CONF_PATH_MAX];
    while (*a && strcmp(*a, m->string) != 0)
      a++;
    if (*a == NULL) {
      wg_conf_join(sub, path, m->string);
      wg_conf_problem(c, sub, "unknown key");
    }
  }
  return true;
}

/* Member @key of @obj, its key path in @sub; NULL when absent (a problem
 * if @required). */
static const cJSON *confread_member(wg_conf_t *c, const char *path,
                                    const cJSON *obj, const char *key,
                                    bool required, char sub[WG_CONF_PATH_MAX]) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

  wg_conf_join(sub, path, key);
  if (v == NULL && required)
    wg_conf_problem(c, sub, "required");
  return v;
}

const char *wg_conf_string(wg_conf_t *c, const char *path, const cJSON *obj,
                           const char *key, const char *def, bool required,
                           bool nullable) {
  char sub[WG_CONF_PATH_MAX];
  const cJSON *v = confread_member(c, path, obj, key, required, sub);

  if (v == NULL)
    return def;
  if (cJSON_IsNull(v) && nullable)
    return NULL;
  if (!cJSON_IsString(v)) {
    wg_conf_problem(c, sub,
                    nullable ? "must be a string or null" : "must be a string");
    return def;
  }
  if (v->valuestring[0] == '\0') {
    wg_conf_problem(c, sub, "must not be empty");
    return def;
  }
  return wg_conf_strdup(c, v->valuestring);
}

double wg_conf_number(wg_conf_t *c, const char *path, const cJSON *obj,
                      const char *key, double def, double lo, double hi,
                      bool integer, bool required) {
  char sub[WG_CONF_PATH_MAX];
  const cJSON *v = confread_member(c, path, obj, key, required, sub);

  if (v == NULL)
    return def;
  if (!cJSON_IsNumber(v)) {
    wg_conf_problem(c, sub, "must be a number");
    return def;
  }
  if (integer && v->valuedouble != floor(v->valuedouble)) {
    wg_conf_problem(c, sub, "must be a whole number");
    return def;
  }
  if (!(v->valuedouble >= lo && v->valuedouble <= hi)) {
    wg_conf_problem(c, sub, "must be between %g and %g (got %g)", lo, hi,
                    v->valuedouble);
    return def;
  }
  return v->valuedouble;
}

int wg_conf_choice(wg_conf_t *c, const char *path, const cJSON *obj,
                   const char *key, int def, const char *const *choices,
                   bool required) {
  char sub[WG_CONF_PATH_MAX], list[128] = "";
  const cJSON *v = confread_member(c, path, obj, key, required, sub);

  if (v == NULL)
    return def;
  if (cJSON_IsString(v))
    for (int i = 0; choices[i]; i++)
      if (strcmp(v->valuestring, choices[i]) == 0)
        return i;
  for (int i = 0; choices[i]; i++) {
    strncat(list, i ? ", \"" : "\"", sizeof(list) - strlen(list) - 1);
    strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
    strncat(list, "\"", sizeof(list) - strlen(list) - 1);
  }
  wg_conf_problem(c, sub, "must be one of %s", list);
  return def;
}

void wg_conf_readable(wg_conf_t *c, const char *path, const char *file) {
  FILE *f;

  if (file == NULL)
    return;
  if ((f = fopen(file, "r")) == NULL) {
    wg_conf_problem(c, path, "cannot read %s: %s", file, strerror(errno));
    return;
  }
  fclose(f);
}

const char *wg_conf_secret(wg_conf_t *c, const char *path, const char *file) {
  char buf[512];
  size_t n;
  FILE *f;

  if ((f = fopen(file, "r")) == NULL) {
    wg_conf_problem(c, path, "cannot read %s: %s", file, strerror(errno));
    return NULL;
  }
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* The first line is the password; a trailing newline is not part of it. */
  buf[strcspn(buf, "\r\n")] = '\0';
  if (buf[0] == '\0') {
    wg_conf_problem(c, path, "%s is empty", file);
    return NULL;
  }
  return wg_conf_strdup(c, buf);
}

bool wg_conf_id_ok(const char *s, size_t n, const char *extra) {
  if (n == 0 || n > WG_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
          (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
          (ch != '\0' && strchr(extra, ch) != NULL)))
      return false;
  }
  return true;
}
