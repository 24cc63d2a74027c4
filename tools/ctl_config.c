/* SPDX-License-Identifier: MIT */
/*
 * wardgatectl config: the patients of the configuration versions the hub
 * sent (remote_config, docs/remote-config.md), from the database read-only:
 * the newest, their history and what changed between two. And
 * sign-config: a desired document signed as the hub signs it, the
 * reference for integrators (it needs the key, not the gateway).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jcs.h"
#include "hub/ack.h"
#include "wardgate/error.h"
#include "wardgatectl.h"

/* A stored version, kept past the store's callback. */
typedef struct ctl_version_s {
  int64_t version;
  double received, applied;
  char *by;
  cJSON *doc;
} ctl_version_t;

static int ctl_config_keep(void *ud, const wg_store_config_t *row) {
  ctl_version_t *v = ud;

  v->version = row->version;
  v->received = row->received;
  v->applied = row->applied;
  v->by = row->by ? strdup(row->by) : NULL;
  v->doc = row->document ? cJSON_Parse(row->document) : NULL;
  return 0;
}

static void ctl_config_drop(ctl_version_t *v) {
  free(v->by);
  cJSON_Delete(v->doc);
}

static const cJSON *ctl_config_patients(const ctl_version_t *v) {
  return cJSON_GetObjectItemCaseSensitive(v->doc, "patients");
}

/* One patient, a line: id, devices, NEWS2 scale, thresholds. */
static void ctl_config_patient(const cJSON *p) {
  char buf[CTL_TERM_SIZE(256)], item[128];
  const cJSON *m, *n = cJSON_GetObjectItemCaseSensitive(p, "news2");
  const char *sep = "";

  printf("  %s", ctl_term(ctl_json_str(p, "id"), buf, sizeof(buf)));
  printf("  devices:");
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "devices")) {
    const char *id = cJSON_IsString(m) ? m->valuestring : ctl_json_str(m, "id");
    printf("%s %s", sep, ctl_term(id, buf, sizeof(buf)));
    sep = ",";
  }
  m = cJSON_GetObjectItemCaseSensitive(n, "scale");
  printf("  NEWS2 scale %d", cJSON_IsNumber(m) ? m->valueint : 1);
  sep = "  thresholds:";
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "thresholds")) {
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(m, "below");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(m, "above");
    const char *name = ctl_json_str(m, "name");
    int k = snprintf(item, sizeof(item), "%s", name ? name : "");
    if (cJSON_IsNumber(lo) && k >= 0 && (size_t)k < sizeof(item))
      k += snprintf(item + k, sizeof(item) - (size_t)k, " <%.6g",
                    lo->valuedouble);
    if (cJSON_IsNumber(hi) && k >= 0 && (size_t)k < sizeof(item))
      snprintf(item + k, sizeof(item) - (size_t)k, " >%.6g", hi->valuedouble);
    printf("%s %s", sep, ctl_term(item, buf, sizeof(buf)));
    sep = ",";
  }
  printf("\n");
}

static int ctl_config_show(ctl_t *c) {
  ctl_version_t v = {0};
  char when[64], buf[CTL_TERM_SIZE(64)];
  const cJSON *p;
  int rc = wg_store_config_latest(ctl_store(c), ctl_config_keep, &v);

  if (rc < 0)
    ctl_read_failed(c, rc);
  if (v.version == 0) {
    printf("no configuration from the hub: the patients are those of %s\n",
           c->config);
    return EX_OK;
  }
  if (c->json) {
    cJSON *o = cJSON_CreateObject();
    char *text;
    cJSON_AddNumberToObject(o, "version", (double)v.version);
    cJSON_AddNumberToObject(o, "received", v.received);
    cJSON_AddNumberToObject(o, "applied", v.applied);
    if (v.by != NULL)
      cJSON_AddStringToObject(o, "by", v.by);
    cJSON_AddItemToObject(o, "patients",
                          cJSON_Duplicate(ctl_config_patients(&v), true));
    if ((text = cJSON_PrintUnformatted(o)) == NULL)
      ctl_die(EX_SETUP, "out of memory");
    printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
    ctl_config_drop(&v);
    return EX_OK;
  }
  printf("configuration version %" PRId64 ", applied %s", v.version,
         ctl_local_time(v.applied, when, sizeof(when)));
  if (v.by != NULL)
    printf(", by %s", ctl_term(v.by, buf, sizeof(buf)));
  printf("\n%d patients\n", cJSON_GetArraySize(ctl_config_patients(&v)));
  cJSON_ArrayForEach(p, ctl_config_patients(&v)) ctl_config_patient(p);
  ctl_config_drop(&v);
  return EX_OK;
}

static int ctl_config_row(void *ud, const wg_store_config_t *row) {
  char received[64], applied[64], buf[CTL_TERM_SIZE(64)];

  (void)ud;
  printf("%-8" PRId64 "  %-19s  %-19s  %s\n", row->version,
         ctl_local_time(row->received, received, sizeof(received)),
         ctl_local_time(row->applied, applied, sizeof(applied)),
         row->by ? ctl_term(row->by, buf, sizeof(buf)) : "-");
  return 0;
}

static int ctl_config_history(ctl_t *c) {
  int rc;

  printf("%-8s  %-19s  %-19s  %s\n", "version", "received", "applied", "by");
  if ((rc = wg_store_config_history(ctl_store(c), ctl_config_row, NULL)) < 0)
    ctl_read_failed(c, rc);
  return EX_OK;
}

static int64_t ctl_config_version_arg(const char *s) {
  char *end = NULL;
  long long v;

  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1)
    ctl_die(EX_USAGE, "config diff: not a version: %s", s);
  return (int64_t)v;
}

static const cJSON *ctl_config_find(const cJSON *patients, const char *id) {
  const cJSON *p;
  cJSON_ArrayForEach(p, patients) {
    const char *pid = ctl_json_str(p, "id");
    if (pid != NULL && strcmp(pid, id) == 0)
      return p;
  }
  return NULL;
}

/* "~ p-1 news2: {"scale":1} -> {"scale":2}"; 1. */
static int ctl_config_member(const char *id, const char *name, const cJSON *was,
                             const cJSON *now) {
  char buf[CTL_TERM_SIZE(512)];
  char *a = was ? cJSON_PrintUnformatted(was) : NULL;
  char *b = now ? cJSON_PrintUnformatted(now) : NULL;

  printf("~ %s", ctl_term(id, buf, sizeof(buf)));
  printf(" %s: ", ctl_term(name, buf, sizeof(buf)));
  printf("%s -> ", a ? ctl_term(a, buf, sizeof(buf)) : "(none)");
  printf("%s\n", b ? ctl_term(b, buf, sizeof(buf)) : "(none)");
  free(a);
  free(b);
  return 1;
}

/* What changed for the patients from version A to version B. */
static int ctl_config_diff(ctl_t *c, const char *a, const char *b) {
  ctl_version_t v[2] = {{0}, {0}};
  const char *names[2] = {a, b};
  char buf[CTL_TERM_SIZE(256)];
  const cJSON *p;
  int changes = 0;

  for (int k = 0; k < 2; k++) {
    int rc = wg_store_config_get(ctl_store(c), ctl_config_version_arg(names[k]),
                                 ctl_config_keep, &v[k]);
    if (rc < 0)
      ctl_read_failed(c, rc);
    if (rc == 0)
      ctl_die(EX_REFUSED, "config diff: no version %s in %s", names[k],
              c->database);
  }
  printf("version %" PRId64 " -> %" PRId64 "\n", v[0].version, v[1].version);
  cJSON_ArrayForEach(p, ctl_config_patients(&v[0])) {
    const char *id = ctl_json_str(p, "id");
    const cJSON *q = ctl_config_find(ctl_config_patients(&v[1]), id), *m;
    if (q == NULL) {
      printf("- %s discharged\n", ctl_term(id, buf, sizeof(buf)));
      changes++;
      continue;
    }
    /* Each member that differs, before and after. */
    cJSON_ArrayForEach(m, p) {
      const cJSON *o = cJSON_GetObjectItemCaseSensitive(q, m->string);
      if (o == NULL || !cJSON_Compare(m, o, 1))
        changes += ctl_config_member(id, m->string, m, o);
    }
    cJSON_ArrayForEach(m, q) {
      if (cJSON_GetObjectItemCaseSensitive(p, m->string) == NULL)
        changes += ctl_config_member(id, m->string, NULL, m);
    }
  }
  cJSON_ArrayForEach(p, ctl_config_patients(&v[1])) {
    const char *id = ctl_json_str(p, "id");
    if (ctl_config_find(ctl_config_patients(&v[0]), id) == NULL) {
      printf("+ %s admitted\n", ctl_term(id, buf, sizeof(buf)));
      changes++;
    }
  }
  if (changes == 0)
    printf("no change to the patients\n");
  ctl_config_drop(&v[0]);
  ctl_config_drop(&v[1]);
  return EX_OK;
}

int ctl_cmd_config(ctl_t *c, const char *const *args, size_t nargs) {
  if (nargs == 0)
    return ctl_config_show(c);
  if (nargs == 1 && strcmp(args[0], "history") == 0)
    return ctl_config_history(c);
  if (nargs == 3 && strcmp(args[0], "diff") == 0)
    return ctl_config_diff(c, args[1], args[2]);
  ctl_die(EX_USAGE, "config: [history | diff A B] (wardgatectl --help)");
}

/* ---- sign-config -----------------------------------------------------------
 */

static char *ctl_config_read(const char *path) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  size_t n = 0, cap = 65536;
  char *buf = malloc(cap + 1);

  if (f == NULL || buf == NULL)
    ctl_die(EX_SETUP, "cannot read %s: %s", path, strerror(errno));
  while (!feof(f) && !ferror(f)) {
    if (n == cap) {
      char *b = cap > 16 * 1024 * 1024 ? NULL : realloc(buf, 2 * cap + 1);
      if (b == NULL)
        ctl_die(EX_SETUP, "%s: too large", path);
      buf = b;
      cap *= 2;
    }
    n += fread(buf + n, 1, cap - n, f);
  }
  if (ferror(f))
    ctl_die(EX_SETUP, "cannot read %s: %s", path, strerror(errno));
  if (f != stdin)
    fclose(f);
  buf[n] = '\0';
  return buf;
}

int ctl_cmd_sign_config(ctl_t *c, const char *file) {
  unsigned char key[WG_ACK_KEY_MAX + 2];
  char sig[WG_ACK_SIG_CHARS + 1], *text = ctl_config_read(file), *canon, *out;
  const char *why = NULL;
  size_t n, len, cap;
  cJSON *doc = cJSON_Parse(text), *ts;

  if (c->key_file == NULL)
    ctl_die(EX_USAGE, "sign-config: needs --key-file FILE");
  if (!cJSON_IsObject(doc))
    ctl_die(EX_USAGE, "sign-config: %s is not a JSON object", file);
  n = ctl_read_key(c, key);
  /* The time of signing, unless given (or the document has one). */
  ts = cJSON_GetObjectItemCaseSensitive(doc, "ts");
  if (c->ts != NULL || ts == NULL) {
    char *end = NULL;
    double t = c->ts ? strtod(c->ts, &end) : (double)time(NULL);
    if (c->ts != NULL && (end == c->ts || *end != '\0' || t != floor(t)))
      ctl_die(EX_USAGE, "sign-config: --ts takes whole Unix seconds, not %s",
              c->ts);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "ts");
    cJSON_AddNumberToObject(doc, "ts", t);
  }
  if (c->by != NULL) {
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "by");
    cJSON_AddStringToObject(doc, "by", c->by);
  }
  cJSON_DeleteItemFromObjectCaseSensitive(doc, "sig");
  cap = 6 * strlen(text) + 256;
  if ((canon = malloc(cap)) == NULL)
    ctl_die(EX_SETUP, "out of memory");
  if (wg_jcs(doc, "sig", canon, cap, &len, &why) != 0)
    ctl_die(EX_USAGE, "sign-config: cannot be canonicalised: %s",
            why ? why : "too large");
  if (wg_ack_sign_text(key, n, canon, len, sig) != 0)
    ctl_die(EX_SETUP, "sign-config: cannot sign");
  cJSON_AddStringToObject(doc, "sig", sig);
  if ((out = cJSON_PrintUnformatted(doc)) == NULL)
    ctl_die(EX_SETUP, "out of memory");
  printf("%s\n", c->canonical ? canon : out);
  free(out);
  free(canon);
  free(text);
  cJSON_Delete(doc);
  return EX_OK;
}
