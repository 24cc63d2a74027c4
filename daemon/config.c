/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "wardgate/error.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)
#define PATH_MAX_LEN 256

/* NULL-terminated, so that it also serves as a list of keys and choices. */
static const char *const severity_names[WG_SEV_COUNT + 1] = {
    "emergency", "high", "medium", "low", NULL};
static const double default_ack_timeout_min[WG_SEV_COUNT] = {5, 10, 30, 120};

const char *wg_severity_name(wg_severity_t s) {
  return (unsigned)s < WG_SEV_COUNT ? severity_names[s] : "unknown";
}

typedef struct ctx_s {
  const char *file;
  wg_config_error_fn fn;
  void *ud;
  int problems;
  bool oom;
  wg_config_t *cfg;
} ctx_t;

__attribute__((format(printf, 3, 4))) static void
problem(ctx_t *c, const char *path, const char *fmt, ...) {
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
  c->fn(c->ud, line);
}

/* Key paths are for messages: a very long one is shortened, marked "...". */
static void mark_truncated(char *out, int n) {
  if (n < 0 || n >= PATH_MAX_LEN)
    memcpy(out + PATH_MAX_LEN - 4, "...", 4);
}

static void join(char *out, const char *path, const char *key) {
  mark_truncated(out, path[0] ? snprintf(out, PATH_MAX_LEN, "%s.%s", path, key)
                              : snprintf(out, PATH_MAX_LEN, "%s", key));
}

static void join_index(char *out, const char *path, int i) {
  mark_truncated(out, snprintf(out, PATH_MAX_LEN, "%s[%d]", path, i));
}

static const char *keep(ctx_t *c, const char *s) {
  const char *d = wg_arena_strdup(&c->cfg->arena, s);
  if (d == NULL)
    c->oom = true;
  return d;
}

static void *alloc_array(ctx_t *c, size_t n, size_t size) {
  void *p = wg_arena_alloc(&c->cfg->arena, n ? n * size : 1);
  if (p == NULL)
    c->oom = true;
  else
    memset(p, 0, n ? n * size : 1);
  return p;
}

/* Report members of @obj not in the NULL-terminated @allowed. */
static bool check_object(ctx_t *c, const char *path, const cJSON *obj,
                         const char *const *allowed) {
  if (!cJSON_IsObject(obj)) {
    problem(c, path, "must be an object");
    return false;
  }
  for (const cJSON *m = obj->child; m != NULL; m = m->next) {
    const char *const *a = allowed;
    char sub[PATH_MAX_LEN];
    while (*a && strcmp(*a, m->string) != 0)
      a++;
    if (*a == NULL) {
      join(sub, path, m->string);
      problem(c, sub, "unknown key");
    }
  }
  return true;
}

/*
 * A string member. Absent: @def (NULL with @required reports it). JSON null
 * is allowed where @nullable and gives NULL.
 */
static const char *get_string(ctx_t *c, const char *path, const cJSON *obj,
                              const char *key, const char *def, bool required,
                              bool nullable) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  char sub[PATH_MAX_LEN];

  join(sub, path, key);
  if (v == NULL) {
    if (required)
      problem(c, sub, "required");
    return def;
  }
  if (cJSON_IsNull(v) && nullable)
    return NULL;
  if (!cJSON_IsString(v)) {
    problem(c, sub, nullable ? "must be a string or null" : "must be a string");
    return def;
  }
  if (v->valuestring[0] == '\0') {
    problem(c, sub, "must not be empty");
    return def;
  }
  return keep(c, v->valuestring);
}

/* A number member in [lo, hi]; @integer requires a whole number. */
static double get_number(ctx_t *c, const char *path, const cJSON *obj,
                         const char *key, double def, double lo, double hi,
                         bool integer, bool required) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  char sub[PATH_MAX_LEN];

  join(sub, path, key);
  if (v == NULL) {
    if (required)
      problem(c, sub, "required");
    return def;
  }
  if (!cJSON_IsNumber(v)) {
    problem(c, sub, "must be a number");
    return def;
  }
  if (integer && v->valuedouble != floor(v->valuedouble)) {
    problem(c, sub, "must be a whole number");
    return def;
  }
  if (!(v->valuedouble >= lo && v->valuedouble <= hi)) {
    problem(c, sub, "must be between %g and %g (got %g)", lo, hi,
            v->valuedouble);
    return def;
  }
  return v->valuedouble;
}

/* One of @choices (NULL-terminated); returns its index or @def. */
static int get_choice(ctx_t *c, const char *path, const cJSON *obj,
                      const char *key, int def, const char *const *choices,
                      bool required) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  char sub[PATH_MAX_LEN], list[128] = "";

  join(sub, path, key);
  if (v == NULL) {
    if (required)
      problem(c, sub, "required");
    return def;
  }
  if (cJSON_IsString(v))
    for (int i = 0; choices[i]; i++)
      if (strcmp(v->valuestring, choices[i]) == 0)
        return i;
  for (int i = 0; choices[i]; i++) {
    strncat(list, i ? ", \"" : "\"", sizeof(list) - strlen(list) - 1);
    strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
    strncat(list, "\"", sizeof(list) - strlen(list) - 1);
  }
  problem(c, sub, "must be one of %s", list);
  return def;
}

bool wg_config_id_ok(const char *s, size_t n, const char *extra) {
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

static bool id_ok(const char *s, const char *extra) {
  return wg_config_id_ok(s, strlen(s), extra);
}

/* Check that @file can be read; report it under @path otherwise. */
static void check_readable(ctx_t *c, const char *path, const char *file) {
  FILE *f;

  if (file == NULL)
    return;
  if ((f = fopen(file, "r")) == NULL) {
    problem(c, path, "cannot read %s: %s", file, strerror(errno));
    return;
  }
  fclose(f);
}

static const char *read_password(ctx_t *c, const char *path, const char *file) {
  char buf[512];
  size_t n;
  FILE *f;

  if ((f = fopen(file, "r")) == NULL) {
    problem(c, path, "cannot read %s: %s", file, strerror(errno));
    return NULL;
  }
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* The first line is the password; a trailing newline is not part of it. */
  buf[strcspn(buf, "\r\n")] = '\0';
  if (buf[0] == '\0') {
    problem(c, path, "%s is empty", file);
    return NULL;
  }
  return keep(c, buf);
}

static void parse_tls(ctx_t *c, const char *path, const cJSON *obj,
                      wg_mqtt_conf_t *m) {
  static const char *const keys[] = {"ca_file", "cert_file", "key_file", NULL};
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "tls");
  char sub[PATH_MAX_LEN], leaf[PATH_MAX_LEN];

  if (t == NULL || cJSON_IsNull(t))
    return;
  join(sub, path, "tls");
  if (!check_object(c, sub, t, keys))
    return;
  m->tls_on = true;
  m->tls.ca_file = get_string(c, sub, t, "ca_file", NULL, true, false);
  m->tls.cert_file = get_string(c, sub, t, "cert_file", NULL, false, true);
  m->tls.key_file = get_string(c, sub, t, "key_file", NULL, false, true);
  if ((m->tls.cert_file == NULL) != (m->tls.key_file == NULL))
    problem(c, sub, "cert_file and key_file go together");
  join(leaf, sub, "ca_file");
  check_readable(c, leaf, m->tls.ca_file);
  join(leaf, sub, "cert_file");
  check_readable(c, leaf, m->tls.cert_file);
  join(leaf, sub, "key_file");
  check_readable(c, leaf, m->tls.key_file);
}

static bool topic_filter_ok(const char *t) {
  int plus = 0;
  const char *level = t;

  for (const char *p = t;; p++) {
    if (*p == '/' || *p == '\0') {
      size_t n = (size_t)(p - level);
      if (memchr(level, '+', n) && n != 1)
        return false;
      if (memchr(level, '#', n))
        return false; /* the device id must be one level, nothing after */
      if (n == 1 && level[0] == '+')
        plus++;
      if (*p == '\0')
        break;
      level = p + 1;
    }
  }
  return plus == 1;
}

static void parse_mqtt(ctx_t *c, const char *path, const cJSON *obj,
                       wg_mqtt_conf_t *m, bool ingest) {
  static const char *const ingest_keys[] = {
      "host",          "port", "topic",       "client_id", "username",
      "password_file", "tls",  "keepalive_s", NULL};
  static const char *const uplink_keys[] = {
      "host",          "port", "client_id",   "username",
      "password_file", "tls",  "keepalive_s", NULL};
  char sub[PATH_MAX_LEN];

  if (!check_object(c, path, obj, ingest ? ingest_keys : uplink_keys))
    return;
  m->host = get_string(c, path, obj, "host", "127.0.0.1", false, false);
  m->port = (int)get_number(c, path, obj, "port", 1883, 1, 65535, true, false);
  if (ingest) {
    m->topic =
        get_string(c, path, obj, "topic", "wardgate/dev/+/senml", false, false);
    if (m->topic && !topic_filter_ok(m->topic)) {
      join(sub, path, "topic");
      problem(c, sub,
              "must have exactly one '+' level (the device id) and no '#'");
    }
  }
  m->client_id = get_string(c, path, obj, "client_id", NULL, false, true);
  m->username = get_string(c, path, obj, "username", NULL, false, true);
  m->password_file =
      get_string(c, path, obj, "password_file", NULL, false, true);
  m->keepalive_s =
      (int)get_number(c, path, obj, "keepalive_s", 30, 5, 65535, true, false);
  if (m->password_file) {
    join(sub, path, "password_file");
    if (m->username == NULL)
      problem(c, sub, "needs a username");
    m->password = read_password(c, sub, m->password_file);
  }
  parse_tls(c, path, obj, m);
}

static int hex_digit(int ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/*
 * The CoAP pre-shared keys, as mosquitto's psk_file writes them: one
 * "identity:hexkey" per line, the identity a device id; blank lines and
 * lines starting with '#' are skipped.
 */
static void read_psks(ctx_t *c, const char *path, const char *file,
                      wg_coap_conf_t *co) {
  char line[512], where[512];
  size_t n = 0, cap = 0, lineno = 0;
  wg_coap_psk_t *v = NULL;
  int problems = c->problems;
  FILE *f;

  if ((f = fopen(file, "r")) == NULL) {
    problem(c, path, "cannot read %s: %s", file, strerror(errno));
    return;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    char *colon, *hex;
    unsigned char key[WG_PSK_KEY_MAX];
    size_t hexlen, i;

    lineno++;
    snprintf(where, sizeof(where), "%.200s (%.250s line %zu)", path, file,
             lineno);
    if (strchr(line, '\n') == NULL && !feof(f)) {
      problem(c, where, "line too long");
      break;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if ((colon = strrchr(line, ':')) == NULL) { /* ids may hold ':' */
      problem(c, where, "must be identity:hexkey");
      continue;
    }
    *colon = '\0';
    hex = colon + 1;
    hexlen = strlen(hex);
    if (!id_ok(line, WG_DEVICE_ID_EXTRA)) {
      problem(c, where, "the identity must be a device id");
      continue;
    }
    if (hexlen % 2 != 0 || hexlen / 2 < WG_PSK_KEY_MIN ||
        hexlen / 2 > WG_PSK_KEY_MAX) {
      problem(c, where, "the key must be %d to %d bytes in hex", WG_PSK_KEY_MIN,
              WG_PSK_KEY_MAX);
      continue;
    }
    for (i = 0; i < hexlen / 2; i++) {
      int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        break;
      key[i] = (unsigned char)(hi << 4 | lo);
    }
    if (i < hexlen / 2) {
      problem(c, where, "the key is not hexadecimal");
      continue;
    }
    for (i = 0; i < n; i++)
      if (strcmp(v[i].identity, line) == 0)
        break;
    if (i < n) {
      problem(c, where, "identity %s appears twice", line);
      continue;
    }
    if (n == cap) {
      wg_coap_psk_t *nv;
      cap = cap ? cap * 2 : 16;
      if ((nv = alloc_array(c, cap, sizeof(*nv))) == NULL)
        break;
      if (n)
        memcpy(nv, v, n * sizeof(*v));
      v = nv;
    }
    v[n].identity = keep(c, line);
    v[n].key = wg_arena_alloc(&c->cfg->arena, hexlen / 2);
    if (v[n].identity == NULL || v[n].key == NULL) {
      c->oom = true;
      break;
    }
    memcpy((unsigned char *)v[n].key, key, hexlen / 2);
    v[n].key_len = hexlen / 2;
    n++;
  }
  fclose(f);
  if (n == 0 && c->problems == problems)
    problem(c, path, "%s holds no keys", file);
  co->psks = v;
  co->npsks = n;
}

static void parse_coap(ctx_t *c, const char *path, const cJSON *obj,
                       wg_coap_conf_t *co) {
  static const char *const keys[] = {"bind", "port", "psk_file", NULL};
  char sub[PATH_MAX_LEN];

  if (!check_object(c, path, obj, keys))
    return;
  co->bind = get_string(c, path, obj, "bind", "0.0.0.0", false, false);
  co->port = (int)get_number(c, path, obj, "port", 5683, 1, 65535, true, false);
  co->psk_file = get_string(c, path, obj, "psk_file", NULL, false, true);
  join(sub, path, "psk_file");
  if (co->psk_file)
    read_psks(c, sub, co->psk_file, co);
}

/* Parse "HH:MM" or "HH:MM:SS" into seconds of the day, or -1. */
static int parse_clock(const char *s) {
  int h, m, sec = 0, n = 0;
  size_t len = strlen(s);

  if (len == 5 && sscanf(s, "%2d:%2d%n", &h, &m, &n) == 2 && n == 5) {
  } else if (len == 8 && sscanf(s, "%2d:%2d:%2d%n", &h, &m, &sec, &n) == 3 &&
             n == 8) {
  } else {
    return -1;
  }
  for (size_t i = 0; i < len; i++)
    if (!(s[i] == ':' ? i == 2 || i == 5 : s[i] >= '0' && s[i] <= '9'))
      return -1;
  if (h > 23 || m > 59 || sec > 59)
    return -1;
  return h * 3600 + m * 60 + sec;
}

static int cmp_checkpoint(const void *a, const void *b) {
  const wg_checkpoint_t *x = a, *y = b;
  return (x->second_of_day > y->second_of_day) -
         (x->second_of_day < y->second_of_day);
}

/* Parses one object of an array into @elem. */
typedef void (*parse_elem_fn)(ctx_t *c, const char *path, const cJSON *obj,
                              void *elem);

/*
 * An array of objects with the members @keys, each parsed by @fn into an
 * element of @size bytes. Returns the elements (zeroed first) and sets *n.
 */
static void *parse_objects(ctx_t *c, const char *path, const cJSON *arr,
                           size_t size, size_t *n, const char *const *keys,
                           parse_elem_fn fn) {
  unsigned char *v;
  const cJSON *o;
  int i = 0;

  *n = (size_t)cJSON_GetArraySize(arr);
  v = alloc_array(c, *n, size);
  if (v == NULL)
    return NULL;
  cJSON_ArrayForEach(o, arr) {
    char sub[PATH_MAX_LEN];
    join_index(sub, path, i);
    if (check_object(c, sub, o, keys))
      fn(c, sub, o, v + (size_t)i * size);
    i++;
  }
  return v;
}

static void parse_threshold(ctx_t *c, const char *path, const cJSON *t,
                            void *elem) {
  wg_threshold_t *th = elem;

  th->name = get_string(c, path, t, "name", NULL, true, false);
  th->has_below = cJSON_GetObjectItemCaseSensitive(t, "below") != NULL;
  th->has_above = cJSON_GetObjectItemCaseSensitive(t, "above") != NULL;
  th->below = get_number(c, path, t, "below", 0, -1e9, 1e9, false, false);
  th->above = get_number(c, path, t, "above", 0, -1e9, 1e9, false, false);
  if (!th->has_below && !th->has_above)
    problem(c, path, "needs \"below\", \"above\" or both");
  else if (th->has_below && th->has_above && th->below >= th->above)
    problem(c, path, "\"below\" must be less than \"above\"");
  th->severity = (wg_severity_t)get_choice(c, path, t, "severity",
                                           WG_SEV_MEDIUM, severity_names, true);
  th->confirm = (int)get_number(c, path, t, "confirm", 1, 1, 100, true, false);
}

static void parse_intake(ctx_t *c, const char *path, const cJSON *in,
                         void *elem) {
  wg_intake_t *it = elem;
  const cJSON *cps, *cp;
  char cpath[PATH_MAX_LEN];
  size_t k = 0;

  it->name = get_string(c, path, in, "name", NULL, true, false);
  it->daily_target =
      get_number(c, path, in, "daily_target", 1, 1e-6, 1e6, false, true);
  join(cpath, path, "checkpoints");
  cps = cJSON_GetObjectItemCaseSensitive(in, "checkpoints");
  if (cps == NULL) {
    problem(c, cpath, "required");
    return;
  }
  if (!cJSON_IsObject(cps) || cps->child == NULL) {
    problem(c, cpath, "must be an object of \"HH:MM\": fraction");
    return;
  }
  it->ncheckpoints = (size_t)cJSON_GetArraySize(cps);
  it->checkpoints = alloc_array(c, it->ncheckpoints, sizeof(wg_checkpoint_t));
  if (it->checkpoints == NULL)
    return;
  cJSON_ArrayForEach(cp, cps) {
    char leaf[PATH_MAX_LEN];
    int sec = parse_clock(cp->string);
    join(leaf, cpath, cp->string);
    if (sec < 0)
      problem(c, leaf, "time must be \"HH:MM\" or \"HH:MM:SS\"");
    if (!cJSON_IsNumber(cp) || !(cp->valuedouble > 0) || cp->valuedouble > 1)
      problem(c, leaf, "fraction must be a number above 0 and at most 1");
    it->checkpoints[k].second_of_day = sec;
    it->checkpoints[k++].fraction = cJSON_IsNumber(cp) ? cp->valuedouble : 0;
  }
  qsort(it->checkpoints, it->ncheckpoints, sizeof(wg_checkpoint_t),
        cmp_checkpoint);
}

static void parse_expect(ctx_t *c, const char *path, const cJSON *e,
                         void *elem) {
  wg_expect_t *x = elem;
  const cJSON *every = cJSON_GetObjectItemCaseSensitive(e, "every_min");

  x->name = get_string(c, path, e, "name", NULL, true, false);
  if (cJSON_IsString(every) && strcmp(every->valuestring, "news2") == 0) {
    x->follow_news2 = true;
  } else if (every != NULL && !cJSON_IsNumber(every)) {
    char leaf[PATH_MAX_LEN];
    join(leaf, path, "every_min");
    problem(c, leaf, "must be a number of minutes or \"news2\"");
  } else {
    x->every_min =
        get_number(c, path, e, "every_min", 0, 0.001, 525600, false, true);
  }
}

/* An optional array member: NULL when absent, reported when not an array. */
static const cJSON *get_array(ctx_t *c, const char *path, const cJSON *obj,
                              const char *key, char *sub) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);

  join(sub, path, key);
  if (a == NULL)
    return NULL;
  if (!cJSON_IsArray(a)) {
    problem(c, sub, "must be an array");
    return NULL;
  }
  return a;
}

static void parse_patient(ctx_t *c, const char *path, const cJSON *obj,
                          wg_patient_t *p) {
  static const char *const keys[] = {"id",         "devices", "news2",
                                     "thresholds", "intake",  "expect",
                                     "escalation", NULL};
  static const char *const news2_keys[] = {"scale", "window_min", NULL};
  static const char *const esc_keys[] = {"ack_timeout_min", NULL};
  static const char *const threshold_keys[] = {"name",     "below",   "above",
                                               "severity", "confirm", NULL};
  static const char *const intake_keys[] = {"name", "daily_target",
                                            "checkpoints", NULL};
  static const char *const expect_keys[] = {"name", "every_min", NULL};
  const cJSON *a, *n;
  char sub[PATH_MAX_LEN];

  p->news2_scale = 1;
  p->news2_window_min = 60;
  memcpy(p->ack_timeout_min, default_ack_timeout_min,
         sizeof(p->ack_timeout_min));
  if (!check_object(c, path, obj, keys))
    return;
  p->id = get_string(c, path, obj, "id", NULL, true, false);
  if (p->id && !id_ok(p->id, WG_PATIENT_ID_EXTRA)) {
    join(sub, path, "id");
    problem(c, sub, "must be 1-64 characters of A-Z a-z 0-9 _ - .");
  }

  a = get_array(c, path, obj, "devices", sub);
  if (a == NULL && cJSON_GetObjectItemCaseSensitive(obj, "devices") == NULL)
    problem(c, sub, "required");
  if (a != NULL) {
    const cJSON *d;
    int i = 0;
    p->ndevices = (size_t)cJSON_GetArraySize(a);
    p->devices = alloc_array(c, p->ndevices, sizeof(*p->devices));
    cJSON_ArrayForEach(d, a) {
      char leaf[PATH_MAX_LEN];
      join_index(leaf, sub, i);
      if (!cJSON_IsString(d) || !id_ok(d->valuestring, WG_DEVICE_ID_EXTRA)) {
        problem(c, leaf,
                "must be a device id: 1-64 characters of "
                "A-Z a-z 0-9 _ - . :");
      } else if (p->devices) {
        p->devices[i] = keep(c, d->valuestring);
      }
      i++;
    }
  }

  n = cJSON_GetObjectItemCaseSensitive(obj, "news2");
  join(sub, path, "news2");
  if (n != NULL && check_object(c, sub, n, news2_keys)) {
    p->news2_scale = (int)get_number(c, sub, n, "scale", 1, 1, 2, true, false);
    p->news2_window_min =
        get_number(c, sub, n, "window_min", 60, 0.001, 10080, false, false);
  }
  if ((a = get_array(c, path, obj, "thresholds", sub)) != NULL)
    p->thresholds =
        parse_objects(c, sub, a, sizeof(*p->thresholds), &p->nthresholds,
                      threshold_keys, parse_threshold);
  if ((a = get_array(c, path, obj, "intake", sub)) != NULL)
    p->intake = parse_objects(c, sub, a, sizeof(*p->intake), &p->nintake,
                              intake_keys, parse_intake);
  if ((a = get_array(c, path, obj, "expect", sub)) != NULL)
    p->expect = parse_objects(c, sub, a, sizeof(*p->expect), &p->nexpect,
                              expect_keys, parse_expect);

  n = cJSON_GetObjectItemCaseSensitive(obj, "escalation");
  join(sub, path, "escalation");
  if (n != NULL && check_object(c, sub, n, esc_keys)) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(n, "ack_timeout_min");
    char tpath[PATH_MAX_LEN];
    join(tpath, sub, "ack_timeout_min");
    if (t != NULL && check_object(c, tpath, t, severity_names))
      for (int s = 0; s < WG_SEV_COUNT; s++)
        p->ack_timeout_min[s] =
            get_number(c, tpath, t, severity_names[s],
                       default_ack_timeout_min[s], 0.001, 10080, false, false);
  }
}

/* Devices belong to one patient at most; patient ids are unique. */
static void check_unique(ctx_t *c, const wg_config_t *cfg) {
  for (size_t i = 0; i < cfg->npatients; i++) {
    const wg_patient_t *p = &cfg->patients[i];
    char path[PATH_MAX_LEN];
    for (size_t j = 0; j < i && p->id; j++)
      if (cfg->patients[j].id && strcmp(p->id, cfg->patients[j].id) == 0) {
        snprintf(path, sizeof(path), "patients[%zu].id", i);
        problem(c, path, "\"%s\" is also patients[%zu].id", p->id, j);
      }
    for (size_t d = 0; d < p->ndevices; d++) {
      const char *dev = p->devices ? p->devices[d] : NULL;
      if (dev == NULL)
        continue;
      for (size_t j = 0; j <= i; j++) {
        const wg_patient_t *q = &cfg->patients[j];
        size_t end = j == i ? d : q->ndevices;
        for (size_t e = 0; e < end; e++)
          if (q->devices && q->devices[e] && strcmp(dev, q->devices[e]) == 0) {
            snprintf(path, sizeof(path), "patients[%zu].devices[%zu]", i, d);
            problem(c, path, "\"%s\" is also patients[%zu].devices[%zu]", dev,
                    j, e);
          }
      }
    }
  }
}

static void parse_root(ctx_t *c, const cJSON *root, wg_config_t *cfg) {
  static const char *const keys[] = {"gateway_id",
                                     "database",
                                     "durability",
                                     "retention_days",
                                     "status_interval_s",
                                     "unknown_devices",
                                     "ingest",
                                     "uplink",
                                     "patients",
                                     "outbox_max",
                                     "device_silent_h",
                                     NULL};
  static const char *const ingest_keys[] = {"mqtt", "coap", NULL};
  static const char *const uplink_keys[] = {"mqtt", NULL};
  static const char *const durabilities[] = {"power", "process", NULL};
  static const char *const unknown[] = {"reject", "accept", NULL};
  const cJSON *in, *up, *pa, *m;

  if (!check_object(c, "", root, keys))
    return;
  cfg->gateway_id = get_string(c, "", root, "gateway_id", NULL, true, false);
  if (cfg->gateway_id && !id_ok(cfg->gateway_id, WG_GATEWAY_ID_EXTRA))
    problem(c, "gateway_id", "must be 1-64 characters of A-Z a-z 0-9 _ -");
  cfg->database = get_string(c, "", root, "database",
                             "/var/lib/wardgate/wardgate.db", false, false);
  cfg->durability = (wg_durability_t)get_choice(c, "", root, "durability", 0,
                                                durabilities, false);
  cfg->retention_days =
      (int)get_number(c, "", root, "retention_days", 30, 1, 36500, true, false);
  cfg->status_interval_s =
      get_number(c, "", root, "status_interval_s", 60, 1, 86400, false, false);
  cfg->outbox_max = (long)get_number(c, "", root, "outbox_max", 100000, 10,
                                     10000000, true, false);
  cfg->device_silent_h = get_number(c, "", root, "device_silent_h", 24, 0.0001,
                                    8760, false, false);
  cfg->accept_unknown_devices =
      get_choice(c, "", root, "unknown_devices", 0, unknown, false) == 1;

  in = cJSON_GetObjectItemCaseSensitive(root, "ingest");
  if (in == NULL) {
    problem(c, "ingest", "required");
  } else if (check_object(c, "ingest", in, ingest_keys)) {
    m = cJSON_GetObjectItemCaseSensitive(in, "mqtt");
    if (m != NULL && !cJSON_IsNull(m)) {
      cfg->ingest_mqtt_on = true;
      parse_mqtt(c, "ingest.mqtt", m, &cfg->ingest_mqtt, true);
    }
    m = cJSON_GetObjectItemCaseSensitive(in, "coap");
    if (m != NULL && !cJSON_IsNull(m)) {
      cfg->ingest_coap_on = true;
      parse_coap(c, "ingest.coap", m, &cfg->ingest_coap);
    }
    if (!cfg->ingest_mqtt_on && !cfg->ingest_coap_on)
      problem(c, "ingest", "needs \"mqtt\" or \"coap\"");
  }

  up = cJSON_GetObjectItemCaseSensitive(root, "uplink");
  if (up == NULL) {
    problem(c, "uplink", "required");
  } else if (check_object(c, "uplink", up, uplink_keys)) {
    m = cJSON_GetObjectItemCaseSensitive(up, "mqtt");
    if (m == NULL || cJSON_IsNull(m))
      problem(c, "uplink.mqtt", "required");
    else
      parse_mqtt(c, "uplink.mqtt", m, &cfg->uplink_mqtt, false);
  }

  pa = cJSON_GetObjectItemCaseSensitive(root, "patients");
  if (pa == NULL) {
    problem(c, "patients", "required (may be empty)");
  } else if (!cJSON_IsArray(pa)) {
    problem(c, "patients", "must be an array");
  } else {
    const cJSON *p;
    int i = 0;
    cfg->npatients = (size_t)cJSON_GetArraySize(pa);
    cfg->patients = alloc_array(c, cfg->npatients, sizeof(*cfg->patients));
    if (cfg->patients == NULL)
      return;
    cJSON_ArrayForEach(p, pa) {
      char sub[PATH_MAX_LEN];
      join_index(sub, "patients", i);
      parse_patient(c, sub, p, &cfg->patients[i++]);
    }
    check_unique(c, cfg);
  }
}

static char *read_file(ctx_t *c, const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n;

  if (f == NULL) {
    problem(c, "", "cannot read: %s", strerror(errno));
    return NULL;
  }
  buf = malloc(CONFIG_MAX_BYTES + 1);
  if (buf == NULL) {
    c->oom = true;
    fclose(f);
    return NULL;
  }
  n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
  if (ferror(f)) {
    problem(c, "", "cannot read: %s", strerror(errno));
    goto fail;
  }
  if (n > CONFIG_MAX_BYTES) {
    problem(c, "", "larger than %d bytes", CONFIG_MAX_BYTES);
    goto fail;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;

fail:
  fclose(f);
  free(buf);
  return NULL;
}

int wg_config_load(const char *path, wg_config_t **out, wg_config_error_fn err,
                   void *ud) {
  ctx_t c = {path, err, ud, 0, false, NULL};
  cJSON *root = NULL;
  char *text, why[160];
  size_t len;

  *out = NULL;
  c.cfg = calloc(1, sizeof(*c.cfg));
  if (c.cfg == NULL)
    return WG_ENOMEM;
  c.cfg->path = keep(&c, path);
  if ((text = read_file(&c, path, &len)) == NULL)
    goto done;
  if (memchr(text, '\0', len) != NULL) {
    problem(&c, "", "contains a NUL byte");
    goto done;
  }
  /* Comments are allowed: cJSON_Minify removes them (and whitespace). */
  cJSON_Minify(text);
  len = strlen(text);
  if (wg_json_check(text, len, 32, why, sizeof(why)) != 0) {
    problem(&c, "", "%s (after comments were removed)", why);
    goto done;
  }
  root = cJSON_ParseWithLength(text, len);
  if (root == NULL) {
    c.oom = true;
    goto done;
  }
  if (wg_json_check_duplicates(root, why, sizeof(why)) != 0) {
    problem(&c, "", "%s", why);
    goto done;
  }
  parse_root(&c, root, c.cfg);

done:
  cJSON_Delete(root);
  free(text);
  if (c.oom && c.problems == 0)
    problem(&c, "", "out of memory");
  if (c.problems > 0) {
    wg_config_free(c.cfg);
    return c.oom ? WG_ENOMEM : WG_EINVAL;
  }
  *out = c.cfg;
  return 0;
}

void wg_config_free(wg_config_t *cfg) {
  if (cfg == NULL)
    return;
  wg_arena_free(&cfg->arena);
  free(cfg);
}
