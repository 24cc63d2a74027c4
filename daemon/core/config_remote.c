/* SPDX-License-Identifier: MIT */
/*
 * The hub's desired configuration: opened (strict JSON, version, time,
 * signature) and checked (the file's checker, for its patients). See
 * config_remote.h and docs/remote-config.md.
 */
#include "core/config_remote.h"

#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jcs.h"
#include "common/json_scratch.h"
#include "common/json_strict.h"
#include "core/config_internal.h"
#include "hub/ack.h"
#include "wardgate/error.h"

/* What the file's checker names the document in its problems. */
#define DESIRED_NAME "config/desired"

void wg_desired_close(wg_desired_t *d) {
  cJSON_Delete(d->tree);
  d->tree = NULL;
}

/* A whole number member @key of @o in [@lo, @hi], or -1. */
static double desired_whole(const cJSON *o, const char *key, double lo,
                            double hi) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
      v->valuedouble < lo || v->valuedouble > hi)
    return -1;
  return v->valuedouble;
}

/* The signature of @d's tree under @key: 0 when it holds, else why. */
static int desired_verify(const wg_desired_t *d, const wg_config_t *base,
                          size_t len, char *why, size_t size) {
  const cJSON *sig = cJSON_GetObjectItemCaseSensitive(d->tree, "sig");
  char want[WG_ACK_SIG_CHARS + 1], *canon;
  size_t clen, cap = 6 * len + 64;
  const char *bad = NULL;
  int rc;

  if (base->ack_key_len == 0) {
    snprintf(why, size,
             "no uplink.ack_key_file: an unsigned remote "
             "configuration is never taken");
    return WG_EAUTH;
  }
  if (!cJSON_IsString(sig) || strlen(sig->valuestring) != WG_ACK_SIG_CHARS) {
    snprintf(why, size, "%s",
             sig == NULL ? "unsigned (no \"sig\")"
                         : "\"sig\" is not 43 characters of base64url");
    return WG_EAUTH;
  }
  if ((canon = malloc(cap)) == NULL)
    return WG_ENOMEM;
  rc = wg_jcs(d->tree, "sig", canon, cap, &clen, &bad);
  if (rc == 0)
    rc = wg_ack_sign_text(base->ack_key, base->ack_key_len, canon, clen, want);
  free(canon);
  if (rc != 0) {
    snprintf(why, size, "cannot be canonicalised: %s", bad ? bad : "too large");
    return WG_EAUTH;
  }
  if (CRYPTO_memcmp(want, sig->valuestring, WG_ACK_SIG_CHARS) != 0) {
    snprintf(why, size, "bad signature");
    return WG_EAUTH;
  }
  return 0;
}

int wg_desired_open(wg_desired_t *d, const wg_config_t *base,
                    const void *payload, size_t len, double now, bool verify,
                    char *why, size_t size) {
  static const char *const keys[] = {"version", "ts",      "patients", "sig",
                                     "by",      "gateway", NULL};
  const cJSON *m;
  char err[200] = "";
  double v;
  int rc;

  memset(d, 0, sizeof(*d));
  if (len > WG_DESIRED_MAX_BYTES) {
    snprintf(why, size, "larger than %d bytes", WG_DESIRED_MAX_BYTES);
    return WG_EINVAL;
  }
  if (wg_json_check(payload, len, WG_JCS_MAX_DEPTH, err, sizeof(err)) != 0 ||
      (d->tree = cJSON_ParseWithLength(payload, len)) == NULL ||
      wg_json_check_duplicates(d->tree, err, sizeof(err)) != 0) {
    snprintf(why, size, "not JSON: %s", err[0] ? err : "unreadable");
    return WG_EINVAL;
  }
  if (!cJSON_IsObject(d->tree)) {
    snprintf(why, size, "must be an object");
    return WG_EINVAL;
  }
  if ((v = desired_whole(d->tree, "version", 1, WG_DESIRED_VERSION_MAX)) < 0) {
    snprintf(why, size, "version: must be a whole number from 1 to 2^53");
    return WG_EINVAL;
  }
  d->version = (int64_t)v;
  /* Authentic first: nothing else of a forged document is read, nor
   * echoed into a report. */
  if (verify && (rc = desired_verify(d, base, len, why, size)) != 0)
    return rc;
  for (m = d->tree->child; m != NULL; m = m->next) {
    size_t k = 0;
    while (keys[k] != NULL && strcmp(keys[k], m->string) != 0)
      k++;
    if (keys[k] == NULL) {
      snprintf(why, size, "%.64s: unknown key", m->string);
      return WG_EINVAL;
    }
  }
  if ((d->ts = desired_whole(d->tree, "ts", 0, 1e11)) < 0) {
    snprintf(why, size, "ts: must be whole Unix seconds");
    return WG_EINVAL;
  }
  if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d->tree, "patients"))) {
    snprintf(why, size, "patients: required, an array");
    return WG_EINVAL;
  }
  if ((m = cJSON_GetObjectItemCaseSensitive(d->tree, "by")) != NULL) {
    const char *problem = cJSON_IsString(m) && m->valuestring[0]
                              ? wg_ack_by_problem(m->valuestring)
                              : "must be a non-empty string";
    if (problem != NULL) {
      snprintf(why, size, "by: %s", problem);
      return WG_EINVAL;
    }
    d->by = m->valuestring;
  }
  m = cJSON_GetObjectItemCaseSensitive(d->tree, "gateway");
  if (m != NULL &&
      (!cJSON_IsString(m) || strcmp(m->valuestring, base->gateway_id) != 0)) {
    snprintf(why, size, "gateway: meant for another gateway than %s",
             base->gateway_id);
    return WG_EINVAL;
  }
  /* The version guards against a replay; the time against a clock far
   * out (and, in wg_desired_check(), a document signed before the one in
   * effect). */
  if (verify && d->ts > now + WG_DESIRED_AHEAD_S) {
    snprintf(why, size,
             "stale: \"ts\" %.0f is %.0f s ahead of the gateway's clock "
             "(at most %d)",
             d->ts, d->ts - now, WG_DESIRED_AHEAD_S);
    return WG_EAUTH;
  }
  return 0;
}

/* ---- the patients, by the file's checker --------------------------------- */

int wg_desired_config(const wg_desired_t *d, const wg_config_t *base,
                      wg_config_t **out, wg_config_error_fn err, void *ud) {
  const cJSON *pa = cJSON_GetObjectItemCaseSensitive(d->tree, "patients"), *p;
  wg_config_t *cfg = malloc(sizeof(*cfg));
  wg_conf_t c = {DESIRED_NAME, err, ud, 0, false, NULL};
  char sub[WG_CONF_PATH_MAX];
  int i = 0;

  *out = NULL;
  if (cfg == NULL)
    return WG_ENOMEM;
  /* Everything but the patients is the file's, borrowed from @base. */
  *cfg = *base;
  memset(&cfg->arena, 0, sizeof(cfg->arena));
  c.arena = &cfg->arena;
  cfg->npatients = (size_t)cJSON_GetArraySize(pa);
  cfg->patients = wg_conf_alloc(&c, cfg->npatients, sizeof(*cfg->patients));
  if (cfg->patients != NULL) {
    cJSON_ArrayForEach(p, pa) {
      wg_conf_join_index(sub, "patients", i);
      config__patient(&c, sub, p, cfg, &cfg->patients[i++]);
    }
    config__check_unique(&c, cfg);
  }
  if (c.oom && c.problems == 0)
    wg_conf_problem(&c, "", "out of memory");
  if (c.problems > 0) {
    wg_config_free(cfg);
    return c.oom ? WG_ENOMEM : WG_EINVAL;
  }
  cfg->config_version = d->version;
  *out = cfg;
  return 0;
}

/* Problems joined into a description, cut when long. */
typedef struct desired_why_s {
  char *out;
  size_t size, len;
  bool cut;
} desired_why_t;

static void desired_collect(void *ud, const char *line) {
  desired_why_t *w = ud;
  size_t skip = strlen(DESIRED_NAME ": ");
  int n;

  if (strncmp(line, DESIRED_NAME ": ", skip) != 0)
    skip = 0;
  if (w->cut)
    return;
  n = snprintf(w->out + w->len, w->size - w->len, "%s%s",
               w->len > 0 ? "; " : "", line + skip);
  if (n < 0 || (size_t)n >= w->size - w->len) {
    w->cut = true;
    if (w->size >= 4)
      memcpy(w->out + w->size - 4, "...", 4);
    w->len = w->size - 1;
    return;
  }
  w->len += (size_t)n;
}

int wg_desired_check(const wg_desired_t *d, const wg_config_t *base,
                     double running_ts, wg_config_t **out, char *why,
                     size_t size) {
  desired_why_t w = {why, size, 0, false};
  int rc;

  *out = NULL;
  why[0] = '\0';
  if (d->ts < running_ts) {
    snprintf(why, size,
             "stale: \"ts\" %.0f is older than that of the configuration in "
             "effect (%.0f)",
             d->ts, running_ts);
    return WG_EAUTH;
  }
  rc = wg_desired_config(d, base, out, desired_collect, &w);
  if (rc == WG_ENOMEM && why[0] == '\0')
    snprintf(why, size, "out of memory");
  return rc;
}

char *wg_desired_report(int64_t version, const char *result,
                        const char *description, double ts, int64_t running) {
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;

  cJSON_AddNumberToObject(o, "version", (double)version);
  cJSON_AddStringToObject(o, "result", result);
  cJSON_AddStringToObject(o, "description", description);
  cJSON_AddNumberToObject(o, "ts", ts);
  cJSON_AddNumberToObject(o, "running", (double)running);
  if (!wg_json_build_failed(b))
    text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}
