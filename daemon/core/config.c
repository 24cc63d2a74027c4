/* SPDX-License-Identifier: MIT */
#include "core/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json_strict.h"
#include "core/config_internal.h"
#include "core/inputs.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)
#define WG_CONF_PATH_MAX 256

static bool id_ok(const char *s, const char *extra) {
  return wg_conf_id_ok(s, strlen(s), extra);
}

int config__clock(const char *s) {
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

void *config__objects(wg_conf_t *c, const char *path, const cJSON *arr,
                      size_t size, size_t *n, const char *const *keys,
                      config_elem_fn fn) {
  unsigned char *v;
  const cJSON *o;
  int i = 0;

  *n = (size_t)cJSON_GetArraySize(arr);
  v = wg_conf_alloc(c, *n, size);
  if (v == NULL)
    return NULL;
  cJSON_ArrayForEach(o, arr) {
    char sub[WG_CONF_PATH_MAX];
    wg_conf_join_index(sub, path, i);
    if (wg_conf_object(c, sub, o, keys))
      fn(c, sub, o, v + (size_t)i * size);
    i++;
  }
  return v;
}

/*
 * "routes": windowed routes first, in order of precedence, then one
 * fallback without a window, which is required (a moment with no route
 * would leave an alert with no one to act on it).
 */
static void parse_route(wg_conf_t *c, const char *path, const cJSON *o,
                        void *elem) {
  static const char *const day_names[] = {"sun", "mon", "tue", "wed",
                                          "thu", "fri", "sat", NULL};
  wg_route_t *r = elem;
  const cJSON *days = cJSON_GetObjectItemCaseSensitive(o, "days"), *d;
  const char *from, *to;
  char sub[WG_CONF_PATH_MAX], leaf[WG_CONF_PATH_MAX];
  int i = 0;

  r->name = wg_conf_string(c, path, o, "name", NULL, true, false);
  if (r->name && !id_ok(r->name, WG_PATIENT_ID_EXTRA)) {
    wg_conf_join(sub, path, "name");
    wg_conf_problem(c, sub, "must be 1-64 characters of A-Z a-z 0-9 _ - .");
  }
  from = wg_conf_string(c, path, o, "from", NULL, false, false);
  to = wg_conf_string(c, path, o, "to", NULL, false, false);
  if (days == NULL && from == NULL && to == NULL)
    return; /* the fallback */
  wg_conf_join(sub, path, "days");
  if (days == NULL) {
    wg_conf_problem(c, sub, "required with \"from\" and \"to\"");
  } else if (!cJSON_IsArray(days) || cJSON_GetArraySize(days) == 0) {
    wg_conf_problem(c, sub, "must be a non-empty array of \"mon\" ... \"sun\"");
  } else {
    cJSON_ArrayForEach(d, days) {
      int k = 0;
      while (day_names[k] != NULL &&
             !(cJSON_IsString(d) && strcmp(d->valuestring, day_names[k]) == 0))
        k++;
      wg_conf_join_index(leaf, sub, i++);
      if (day_names[k] == NULL)
        wg_conf_problem(c, leaf,
                        "must be one of \"mon\", \"tue\", \"wed\", "
                        "\"thu\", \"fri\", \"sat\", \"sun\"");
      else
        r->days |= 1u << k;
    }
  }
  r->from_s = from ? config__clock(from) : -1;
  r->to_s = to ? config__clock(to) : -1;
  wg_conf_join(sub, path, "from");
  if (from == NULL)
    wg_conf_problem(c, sub, "required with \"days\"");
  else if (r->from_s < 0)
    wg_conf_problem(c, sub, "must be \"HH:MM\" or \"HH:MM:SS\"");
  wg_conf_join(sub, path, "to");
  if (to == NULL)
    wg_conf_problem(c, sub, "required with \"days\"");
  else if (r->to_s < 0)
    wg_conf_problem(c, sub, "must be \"HH:MM\" or \"HH:MM:SS\"");
  else if (r->to_s == r->from_s)
    wg_conf_problem(c, sub, "must differ from \"from\"");
  if (r->days == 0)
    r->days = 1u << 7; /* not a fallback, even with its problems */
}

/* An identifier system: an absolute URI (RFC 3986 scheme ":" ...) of
 * letters, digits and - . _ ~ : / @ ! $ ' ( ) * ; = only, since it is
 * written as it is into FHIR searches, where "|" separates it from the
 * value, "&" and "#" end the parameter, "+" is a space, "," and "\" have
 * meanings of their own and "%" would be decoded. */
static bool system_ok(const char *s) {
  const char *p = s;

  if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
    return false;
  while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
         (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
    p++;
  if (*p != ':' || p[1] == '\0' || strlen(s) > 200)
    return false;
  for (; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
          (*p >= '0' && *p <= '9') || strchr("-._~:/@!$'()*;=", *p) != NULL))
      return false;
  return true;
}

static void parse_fhir(wg_conf_t *c, const cJSON *obj, wg_config_t *cfg) {
  static const char *const keys[] = {"enabled", "patient_system",
                                     "device_system", NULL};
  static const char *const path = "uplink.fhir";
  wg_fhir_opts_t *f = &cfg->fhir;
  const cJSON *en;
  char sub[WG_CONF_PATH_MAX];

  if (!wg_conf_object(c, path, obj, keys))
    return;
  en = cJSON_GetObjectItemCaseSensitive(obj, "enabled");
  if (en != NULL && !cJSON_IsBool(en)) {
    wg_conf_join(sub, path, "enabled");
    wg_conf_problem(c, sub, "must be true or false");
  }
  f->enabled = cJSON_IsTrue(en);
  f->patient_system = wg_conf_string(c, path, obj, "patient_system",
                                     "urn:wardgate:patient", false, false);
  f->device_system = wg_conf_string(c, path, obj, "device_system",
                                    "urn:wardgate:device", false, false);
  if (f->patient_system && !system_ok(f->patient_system)) {
    wg_conf_join(sub, path, "patient_system");
    wg_conf_problem(c, sub,
                    "must be an absolute URI of letters, digits and - . _ ~ : "
                    "/ @ ! $ ' ( ) * ; = only");
  }
  if (f->device_system && !system_ok(f->device_system)) {
    wg_conf_join(sub, path, "device_system");
    wg_conf_problem(c, sub,
                    "must be an absolute URI of letters, digits and - . _ ~ : "
                    "/ @ ! $ ' ( ) * ; = only");
  }
}

static void parse_routes(wg_conf_t *c, const cJSON *arr, wg_config_t *cfg) {
  static const char *const keys[] = {"name", "days", "from", "to", NULL};
  char sub[WG_CONF_PATH_MAX];

  if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
    wg_conf_problem(c, "routes",
                    "must be a non-empty array (leave it out for one route, "
                    "\"hub\")");
    return;
  }
  cfg->routes = config__objects(c, "routes", arr, sizeof(*cfg->routes),
                                &cfg->nroutes, keys, parse_route);
  if (cfg->routes == NULL)
    return;
  for (size_t i = 0; i < cfg->nroutes; i++) {
    const wg_route_t *r = &cfg->routes[i];
    snprintf(sub, sizeof(sub), "routes[%zu]", i);
    if (r->name == NULL)
      continue; /* not an object, or no name: reported already */
    if (r->days == 0 && i + 1 < cfg->nroutes)
      wg_conf_problem(c, sub,
                      "a route without a window is the fallback: "
                      "only one, and last");
    for (size_t j = 0; j < i && r->name; j++)
      if (cfg->routes[j].name && strcmp(r->name, cfg->routes[j].name) == 0)
        wg_conf_problem(c, sub, "\"%s\" is also routes[%zu].name", r->name, j);
  }
  if (cfg->routes[cfg->nroutes - 1].days != 0)
    wg_conf_problem(c, "routes",
                    "needs a fallback, a last route with a name only, so that "
                    "every moment has a route");
}

/* Each input's block, read by its driver; at least one is required. */
static void read_inputs(wg_conf_t *c, const cJSON *in, wg_config_t *cfg) {
  const char *keys[WG_CONFIG_INPUTS_MAX + 1];
  char sub[WG_CONF_PATH_MAX], names[128] = "";
  bool any = false;
  size_t k;

  for (k = 0; wg_inputs[k] != NULL; k++) {
    const char *name = wg_inputs[k]->conf->name;
    keys[k] = name;
    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s\"%s\"",
             k == 0             ? ""
             : wg_inputs[k + 1] ? ", "
                                : " or ",
             name);
  }
  keys[k] = NULL;
  if (!wg_conf_object(c, "ingest", in, keys))
    return;
  for (k = 0; wg_inputs[k] != NULL; k++) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, keys[k]);
    if (m == NULL || cJSON_IsNull(m))
      continue;
    any = true;
    wg_conf_join(sub, "ingest", keys[k]);
    cfg->ingest[k] = wg_inputs[k]->conf->read(c, sub, m);
  }
  if (!any)
    wg_conf_problem(c, "ingest", "needs %s", names);
}

/*
 * A secret file (a password, keys) that others may read is a secret no
 * longer; as ssh does with a private key, say so loudly, and with
 * "strict_permissions" refuse it. Its owner must be the daemon's user or
 * root: another user could swap its contents.
 */
static void config_secret_file(wg_conf_t *c, const char *path, const char *file,
                               bool strict) {
  struct stat st;
  char why[160];

  if (stat(file, &st) != 0)
    return; /* unreadable: its reader says so */
  if ((st.st_mode & 077) != 0)
    snprintf(why, sizeof(why), "is open to group or others (mode %04o)",
             (unsigned)(st.st_mode & 07777));
  else if (st.st_uid != geteuid() && st.st_uid != 0)
    snprintf(why, sizeof(why),
             "is owned by uid %u, neither the daemon's user nor root",
             (unsigned)st.st_uid);
  else
    return;
  if (strict)
    wg_conf_problem(c, path, "%s %s (strict_permissions)", file, why);
  else
    wg_log(LOG_WARNING,
           "%s: %s: %s %s: anyone who can read it can act as the gateway; "
           "chmod 600 it (\"strict_permissions\": true refuses it)",
           c->file, path, file, why);
}

/* Every secret file named under @obj: password_file, psk_file, key_file
 * and ack_key_file at any depth. */
static void config_secrets(wg_conf_t *c, const char *path, const cJSON *obj,
                           bool strict) {
  static const char *const names[] = {"password_file", "psk_file", "key_file",
                                      "ack_key_file", NULL};
  const cJSON *m;

  cJSON_ArrayForEach(m, obj) {
    char sub[WG_CONF_PATH_MAX];
    wg_conf_join(sub, path, m->string);
    if (cJSON_IsObject(m)) {
      config_secrets(c, sub, m, strict);
      continue;
    }
    for (size_t i = 0; cJSON_IsString(m) && names[i] != NULL; i++)
      if (strcmp(m->string, names[i]) == 0)
        config_secret_file(c, sub, m->valuestring, strict);
  }
}

static void parse_root(wg_conf_t *c, const cJSON *root, wg_config_t *cfg) {
  static const char *const keys[] = {"gateway_id",
                                     "database",
                                     "durability",
                                     "retention_days",
                                     "audit_retention_days",
                                     "status_interval_s",
                                     "unknown_devices",
                                     "ingest",
                                     "uplink",
                                     "patients",
                                     "outbox_max",
                                     "device_silent_h",
                                     "news2_interval_s",
                                     "routes",
                                     "control_socket",
                                     "strict_permissions",
                                     "quota",
                                     "remote_config",
                                     "local_alarm",
                                     "clock_sync_grace_min",
                                     NULL};
  const char *const uplink_keys[] = {wg_uplink_conf->name, "fhir",
                                     "ack_key_file", NULL};
  static const char *const durabilities[] = {"power", "process", NULL};
  static const char *const unknown[] = {"reject", "accept", NULL};
  const cJSON *in, *up, *pa, *m;
  char sub[WG_CONF_PATH_MAX];

  if (!wg_conf_object(c, "", root, keys))
    return;
  cfg->gateway_id =
      wg_conf_string(c, "", root, "gateway_id", NULL, true, false);
  if (cfg->gateway_id && !id_ok(cfg->gateway_id, WG_GATEWAY_ID_EXTRA))
    wg_conf_problem(c, "gateway_id",
                    "must be 1-64 characters of A-Z a-z 0-9 _ -");
  cfg->database = wg_conf_string(c, "", root, "database",
                                 "/var/lib/wardgate/wardgate.db", false, false);
  cfg->control_socket =
      wg_conf_string(c, "", root, "control_socket", NULL, false, true);
  if (cfg->control_socket &&
      (cfg->control_socket[0] != '/' || strlen(cfg->control_socket) > 107))
    wg_conf_problem(c, "control_socket",
                    "must be an absolute path of at most 107 bytes");
  cfg->durability = (wg_durability_t)wg_conf_choice(c, "", root, "durability",
                                                    0, durabilities, false);
  cfg->retention_days = (int)wg_conf_number(c, "", root, "retention_days", 30,
                                            1, 36500, true, false);
  cfg->audit_retention_days = (int)wg_conf_number(
      c, "", root, "audit_retention_days", 365, 1, 36500, true, false);
  cfg->status_interval_s = wg_conf_number(c, "", root, "status_interval_s", 60,
                                          1, 86400, false, false);
  cfg->outbox_max = (long)wg_conf_number(c, "", root, "outbox_max", 100000, 10,
                                         10000000, true, false);
  cfg->device_silent_h = wg_conf_number(c, "", root, "device_silent_h", 24,
                                        0.0001, 8760, false, false);
  cfg->news2_interval_s = wg_conf_number(c, "", root, "news2_interval_s", 60, 0,
                                         86400, false, false);
  cfg->accept_unknown_devices =
      wg_conf_choice(c, "", root, "unknown_devices", 0, unknown, false) == 1;

  m = cJSON_GetObjectItemCaseSensitive(root, "strict_permissions");
  if (m != NULL && !cJSON_IsBool(m))
    wg_conf_problem(c, "strict_permissions", "must be true or false");
  cfg->strict_permissions = cJSON_IsTrue(m);
  config__quota(c, root, cfg);
  m = cJSON_GetObjectItemCaseSensitive(root, "remote_config");
  if (m != NULL && !cJSON_IsBool(m))
    wg_conf_problem(c, "remote_config", "must be true or false");
  cfg->remote_config = cJSON_IsTrue(m);

  in = cJSON_GetObjectItemCaseSensitive(root, "ingest");
  if (in == NULL)
    wg_conf_problem(c, "ingest", "required");
  else
    read_inputs(c, in, cfg);

  up = cJSON_GetObjectItemCaseSensitive(root, "uplink");
  if (up == NULL) {
    wg_conf_problem(c, "uplink", "required");
  } else if (wg_conf_object(c, "uplink", up, uplink_keys)) {
    m = cJSON_GetObjectItemCaseSensitive(up, wg_uplink_conf->name);
    wg_conf_join(sub, "uplink", wg_uplink_conf->name);
    if (m == NULL || cJSON_IsNull(m))
      wg_conf_problem(c, sub, "required");
    else
      cfg->uplink = wg_uplink_conf->read(c, sub, m);
    m = cJSON_GetObjectItemCaseSensitive(up, "fhir");
    if (m != NULL && !cJSON_IsNull(m))
      parse_fhir(c, m, cfg);
    cfg->ack_key_file =
        wg_conf_string(c, "uplink", up, "ack_key_file", NULL, false, true);
    if (cfg->ack_key_file != NULL)
      config__ack_key(c, cfg);
  }

  /* A configuration anyone who may publish on the hub's broker could
   * send is not one to give a patient's care to. */
  if (cfg->remote_config && cfg->ack_key_file == NULL)
    wg_conf_problem(c, "remote_config",
                    "needs uplink.ack_key_file: an unsigned remote "
                    "configuration is refused");
  if (cJSON_IsObject(in))
    config_secrets(c, "ingest", in, cfg->strict_permissions);
  if (cJSON_IsObject(up))
    config_secrets(c, "uplink", up, cfg->strict_permissions);

  if ((m = cJSON_GetObjectItemCaseSensitive(root, "routes")) != NULL)
    parse_routes(c, m, cfg);
  config__local_alarm(c, cJSON_GetObjectItemCaseSensitive(root, "local_alarm"),
                      cfg);
  cfg->clock_sync_grace_min = wg_conf_number(
      c, "", root, "clock_sync_grace_min", 15, 0.01, 1440, false, false);

  pa = cJSON_GetObjectItemCaseSensitive(root, "patients");
  if (pa == NULL) {
    wg_conf_problem(c, "patients", "required (may be empty)");
  } else if (!cJSON_IsArray(pa)) {
    wg_conf_problem(c, "patients", "must be an array");
  } else {
    const cJSON *p;
    int i = 0;
    cfg->npatients = (size_t)cJSON_GetArraySize(pa);
    cfg->patients = wg_conf_alloc(c, cfg->npatients, sizeof(*cfg->patients));
    if (cfg->patients == NULL)
      return;
    cJSON_ArrayForEach(p, pa) {
      wg_conf_join_index(sub, "patients", i);
      config__patient(c, sub, p, cfg, &cfg->patients[i++]);
    }
    config__check_unique(c, cfg);
  }
}

static char *config_read_file(wg_conf_t *c, const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n;

  if (f == NULL) {
    wg_conf_problem(c, "", "cannot read: %s", strerror(errno));
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
    wg_conf_problem(c, "", "cannot read: %s", strerror(errno));
    goto fail;
  }
  if (n > CONFIG_MAX_BYTES) {
    wg_conf_problem(c, "", "larger than %d bytes", CONFIG_MAX_BYTES);
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
  wg_config_t *cfg = calloc(1, sizeof(*cfg));
  wg_conf_t c = {path, err, ud, 0, false, NULL};
  cJSON *root = NULL;
  char *text, why[160];
  size_t len;

  *out = NULL;
  if (cfg == NULL)
    return WG_ENOMEM;
  c.arena = &cfg->arena;
  cfg->path = wg_conf_strdup(&c, path);
  if ((text = config_read_file(&c, path, &len)) == NULL)
    goto done;
  if (memchr(text, '\0', len) != NULL) {
    wg_conf_problem(&c, "", "contains a NUL byte");
    goto done;
  }
  /* Comments are allowed: cJSON_Minify removes them (and whitespace). */
  cJSON_Minify(text);
  len = strlen(text);
  if (wg_json_check(text, len, 32, why, sizeof(why)) != 0) {
    wg_conf_problem(&c, "", "%s (after comments were removed)", why);
    goto done;
  }
  root = cJSON_ParseWithLength(text, len);
  if (root == NULL) {
    c.oom = true;
    goto done;
  }
  if (wg_json_check_duplicates(root, why, sizeof(why)) != 0) {
    wg_conf_problem(&c, "", "%s", why);
    goto done;
  }
  parse_root(&c, root, cfg);

done:
  cJSON_Delete(root);
  free(text);
  if (c.oom && c.problems == 0)
    wg_conf_problem(&c, "", "out of memory");
  if (c.problems > 0) {
    wg_config_free(cfg);
    return c.oom ? WG_ENOMEM : WG_EINVAL;
  }
  *out = cfg;
  return 0;
}

const void *wg_config_input(const wg_config_t *cfg, const char *name) {
  for (size_t k = 0; wg_inputs[k] != NULL; k++)
    if (strcmp(wg_inputs[k]->conf->name, name) == 0)
      return cfg->ingest[k];
  return NULL;
}

void wg_config_free(wg_config_t *cfg) {
  if (cfg == NULL)
    return;
  wg_arena_free(&cfg->arena);
  free(cfg);
}
