/* SPDX-License-Identifier: MIT */
#include "hub/ack.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jcs.h"
#include "common/json_scratch.h"
#include "common/json_strict.h"
#include "common/text.h"
#include "common/utf8.h"
#include "wardgate/error.h"

const char *const wg_ack_outcomes[] = {
    "advice", "visit", "ambulance", "admitted", "no_action", "other", NULL};

/* NULL when @text is UTF-8 (RFC 3629) of at most @max characters (any
 * number when 0) and, unless @controls, without a control character;
 * otherwise why not. */
static const char *ack_text_problem(const char *text, size_t max,
                                    bool controls) {
  const unsigned char *p = (const unsigned char *)text;
  size_t chars = 0;

  while (*p) {
    uint32_t cp;
    size_t n = wg_utf8_decode(p, &cp);

    if (n == 0)
      return "is not UTF-8";
    /* C0, DEL and C1 (U+0080-U+009F, which UTF-8 writes C2 80-9F). */
    if (!controls && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)))
      return "holds a control character";
    if (++chars > max && max > 0)
      return max == WG_ACK_BY_MAX_CHARS ? "is longer than 64 characters"
                                        : "is longer than 500 characters";
    p += n;
  }
  return NULL;
}

const char *wg_ack_note_problem(const char *note) {
  return ack_text_problem(note, WG_NOTE_MAX_CHARS, false);
}

const char *wg_ack_by_problem(const char *by) {
  return ack_text_problem(by, WG_ACK_BY_MAX_CHARS, false);
}

const char *wg_ack_id_problem(const char *id) {
  const char *dash = strrchr(id, '-');
  size_t gw, digits;

  if (dash == NULL)
    return "is not an alert id (<gateway id>-<6 or more digits>)";
  gw = (size_t)(dash - id);
  digits = strspn(dash + 1, "0123456789");
  if (gw == 0 || gw > 64 || strspn(id, WG_ACK_ID_CHARS) < gw || digits < 6 ||
      dash[1 + digits] != '\0')
    return "is not an alert id (<gateway id>-<6 or more digits>)";
  return NULL;
}

static const char *ack_string(const cJSON *o, const char *key, size_t max) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
      strlen(v->valuestring) >= max)
    return NULL;
  return v->valuestring;
}

/* An optional string member: NULL (with *bad false) when absent, NULL with
 * *bad when present but not a string. */
static const char *ack_optional_string(const cJSON *o, const char *key,
                                       bool *bad) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  *bad = v != NULL && !cJSON_IsString(v);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The ack in @payload checked, its tree in *@tree (the caller deletes
 * it) and @ack filled; or WG_EINVAL with the reason. */
static int ack_read(const void *payload, size_t len, cJSON **tree,
                    wg_ack_t *ack, char *reason, size_t size) {
  const char *id, *by, *outcome, *note, *problem = NULL;
  cJSON *o = NULL;
  char why[200];
  bool bad;
  size_t k;

  *tree = NULL;
  if (len > WG_ACK_MAX_BYTES) {
    snprintf(reason, size, "malformed ack: larger than %d bytes",
             WG_ACK_MAX_BYTES);
    return WG_EINVAL;
  }
  why[0] = '\0';
  if (wg_json_check(payload, len, 8, why, sizeof(why)) != 0 ||
      (o = cJSON_ParseWithLength(payload, len)) == NULL ||
      wg_json_check_duplicates(o, why, sizeof(why)) != 0) {
    snprintf(reason, size, "malformed ack: %s",
             o ? why : (why[0] ? why : "invalid JSON"));
    goto fail;
  }
  id = ack_string(o, "id", sizeof(ack->id));
  by = ack_string(o, "by", WG_ACK_MAX_BYTES);
  if (!cJSON_IsObject(o) || id == NULL || by == NULL) {
    snprintf(reason, size,
             "malformed ack: needs \"id\" and \"by\", non-empty strings");
    goto fail;
  }
  if ((problem = wg_ack_id_problem(id)) != NULL) {
    snprintf(reason, size, "malformed ack: \"id\" %s", problem);
    goto fail;
  }
  if ((problem = wg_ack_by_problem(by)) != NULL ||
      (problem = strlen(by) >= sizeof(ack->by) ? "is longer than 64 bytes"
                                               : NULL) != NULL) {
    snprintf(reason, size, "malformed ack: \"by\" %s", problem);
    goto fail;
  }
  outcome = ack_optional_string(o, "outcome", &bad);
  for (k = 0; outcome && wg_ack_outcomes[k]; k++)
    if (strcmp(outcome, wg_ack_outcomes[k]) == 0)
      break;
  if (bad || (outcome && wg_ack_outcomes[k] == NULL)) {
    snprintf(reason, size,
             "malformed ack: \"outcome\" must be one of advice, visit, "
             "ambulance, admitted, no_action, other");
    goto fail;
  }
  note = ack_optional_string(o, "note", &bad);
  if (bad || (note && (problem = wg_ack_note_problem(note)) != NULL)) {
    snprintf(reason, size, "malformed ack: \"note\" %s",
             bad ? "must be a string" : problem);
    goto fail;
  }
  memset(ack, 0, sizeof(*ack));
  wg_copy(ack->id, sizeof(ack->id), id);
  wg_copy(ack->by, sizeof(ack->by), by);
  wg_copy(ack->outcome, sizeof(ack->outcome), outcome ? outcome : "");
  wg_copy(ack->note, sizeof(ack->note), note ? note : "");
  *tree = o;
  return 0;
fail:
  cJSON_Delete(o);
  return WG_EINVAL;
}

int wg_ack_parse(const void *payload, size_t len, wg_ack_t *ack, char *reason,
                 size_t size) {
  cJSON *o;
  int rc = ack_read(payload, len, &o, ack, reason, size);

  cJSON_Delete(o);
  return rc;
}

/* ---- the canonical form and the signature -------------------------------- */

size_t wg_ack_key_len(const void *bytes, size_t n) {
  return n > 0 && ((const char *)bytes)[n - 1] == '\n' ? n - 1 : n;
}

/* The flat shape the ack's contract names (DESIGN.md section 7); its
 * canonical form is common/jcs.c's, which the desired configuration's
 * signature shares. */
int wg_ack_canonical(const cJSON *o, char *out, size_t size, size_t *len,
                     const char **why) {
  const cJSON *m;
  size_t n = 0;

  *why = NULL;
  cJSON_ArrayForEach(m, o) {
    if (strcmp(m->string, "sig") == 0)
      continue;
    if (++n > 64) {
      *why = "more than 64 members";
      return WG_EINVAL;
    }
    if (ack_text_problem(m->string, 0, true) != NULL) {
      *why = "a name is not UTF-8";
      return WG_EINVAL;
    }
    if (cJSON_IsString(m) && ack_text_problem(m->valuestring, 0, true)) {
      *why = "a string is not UTF-8";
      return WG_EINVAL;
    }
    if (!cJSON_IsString(m) && !cJSON_IsBool(m) && !cJSON_IsNull(m) &&
        !(cJSON_IsNumber(m) &&
          m->valuedouble == (double)(int64_t)m->valuedouble &&
          m->valuedouble <= 9007199254740992.0 &&
          m->valuedouble >= -9007199254740992.0)) {
      *why = "a member is not a string, a whole number, true, false or null";
      return WG_EINVAL;
    }
  }
  return wg_jcs(o, "sig", out, size, len, why);
}

/* RFC 4648 section 5, without padding. */
static void ack_base64url(const unsigned char *in, size_t n, char *out) {
  static const char abc[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t i = 0;

  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
    *out++ = abc[v >> 18];
    *out++ = abc[(v >> 12) & 63];
    *out++ = abc[(v >> 6) & 63];
    *out++ = abc[v & 63];
  }
  if (n - i == 1) {
    *out++ = abc[in[i] >> 2];
    *out++ = abc[(in[i] & 3) << 4];
  } else if (n - i == 2) {
    unsigned v = (unsigned)in[i] << 8 | in[i + 1];
    *out++ = abc[v >> 10];
    *out++ = abc[(v >> 4) & 63];
    *out++ = abc[(v & 15) << 2];
  }
  *out = '\0';
}

static int ack_mac(const void *key, size_t keylen, const char *text, size_t len,
                   unsigned char mac[32]) {
  unsigned n = 0;

  if (keylen == 0 || keylen > WG_ACK_KEY_MAX ||
      HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, len,
           mac, &n) == NULL ||
      n != 32)
    return WG_EINVAL;
  return 0;
}

int wg_ack_sign_text(const void *key, size_t keylen, const char *text,
                     size_t len, char sig[WG_ACK_SIG_CHARS + 1]) {
  unsigned char mac[32];

  if (ack_mac(key, keylen, text, len, mac) != 0)
    return WG_EINVAL;
  ack_base64url(mac, sizeof(mac), sig);
  return 0;
}

char *wg_ack_sign(const void *key, size_t keylen, const char *id,
                  const char *by, const char *outcome, const char *note,
                  double ts, char **canonical, int *rc, char *reason,
                  size_t size) {
  wg_json_build_t b = wg_json_build_begin();
  char sig[WG_ACK_SIG_CHARS + 1], *text = NULL, *canon = NULL;
  const char *why = NULL;
  cJSON *o = cJSON_CreateObject();
  size_t len, k;
  wg_ack_t ack;

  /* What is signed is what the gateway takes, or nothing is. */
  *rc = WG_EINVAL;
  if (id[0] == '\0' || strlen(id) >= sizeof(ack.id) || by[0] == '\0' ||
      (why = wg_ack_by_problem(by)) != NULL ||
      (why = strlen(by) >= sizeof(ack.by) ? "is longer than 64 bytes" : NULL) !=
          NULL) {
    snprintf(reason, size, "\"id\" and \"by\" must be non-empty%s%s",
             why ? "; \"by\" " : "", why ? why : "");
    goto fail;
  }
  for (k = 0; outcome && wg_ack_outcomes[k]; k++)
    if (strcmp(outcome, wg_ack_outcomes[k]) == 0)
      break;
  if ((outcome && wg_ack_outcomes[k] == NULL) ||
      (note && (why = wg_ack_note_problem(note)) != NULL)) {
    snprintf(reason, size, "%s", why ? why : "unknown outcome");
    goto fail;
  }
  *rc = WG_ENOMEM;
  snprintf(reason, size, "out of memory");
  cJSON_AddStringToObject(o, "id", id);
  cJSON_AddStringToObject(o, "by", by);
  if (outcome != NULL)
    cJSON_AddStringToObject(o, "outcome", outcome);
  if (note != NULL)
    cJSON_AddStringToObject(o, "note", note);
  cJSON_AddNumberToObject(o, "ts", ts);
  if (wg_json_build_failed(b) || (canon = malloc(WG_ACK_CANON_MAX)) == NULL)
    goto fail;
  *rc = WG_EINVAL;
  if (wg_ack_canonical(o, canon, WG_ACK_CANON_MAX, &len, &why) != 0) {
    snprintf(reason, size, "cannot be canonicalised: %s",
             why ? why : "too large");
    goto fail;
  }
  if (wg_ack_sign_text(key, keylen, canon, len, sig) != 0) {
    snprintf(reason, size, "cannot sign with a key of %zu bytes", keylen);
    goto fail;
  }
  *rc = WG_ENOMEM;
  cJSON_AddStringToObject(o, "sig", sig);
  if (wg_json_build_failed(b) || (text = cJSON_PrintUnformatted(o)) == NULL)
    goto fail;
  cJSON_Delete(o);
  if (canonical != NULL)
    *canonical = canon;
  else
    free(canon);
  *rc = 0;
  return text;
fail:
  cJSON_Delete(o);
  free(canon);
  free(text);
  return NULL;
}

/* ---- the guard: signature, time and replay ------------------------------- */

int wg_ack_guard_init(wg_ack_guard_t *g, const void *key, size_t keylen) {
  if (keylen > WG_ACK_KEY_MAX)
    return WG_EINVAL;
  memset(g, 0, sizeof(*g));
  if (keylen > 0)
    memcpy(g->key, key, keylen);
  g->keylen = keylen;
  return 0;
}

/* 0 when @mac was not seen within the tolerance of @now, and it is now;
 * 1 for a replay; WG_EFULL when no room is left. */
static int ack_remember(wg_ack_guard_t *g, const unsigned char mac[32],
                        double ts, double now) {
  size_t free_slot = g->nseen;

  for (size_t i = 0; i < g->nseen; i++) {
    if (g->seen[i].ts < now - WG_ACK_TOLERANCE_S) {
      free_slot = i; /* stale: its ack would be refused as such anyway */
      continue;
    }
    if (CRYPTO_memcmp(g->seen[i].mac, mac, 32) == 0)
      return 1;
  }
  if (free_slot == WG_ACK_SEEN_MAX)
    return WG_EFULL;
  if (free_slot == g->nseen)
    g->nseen++;
  g->seen[free_slot].ts = ts;
  memcpy(g->seen[free_slot].mac, mac, 32);
  return 0;
}

int wg_ack_check(wg_ack_guard_t *g, const void *payload, size_t len, double now,
                 wg_ack_t *ack, char *reason, size_t size) {
  const cJSON *ts, *sig;
  const char *why = NULL;
  unsigned char mac[32];
  char want[WG_ACK_SIG_CHARS + 1];
  size_t clen;
  cJSON *o;
  int rc = ack_read(payload, len, &o, ack, reason, size);

  if (rc != 0 || g->keylen == 0)
    goto done;
  rc = WG_EAUTH;
  ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
  sig = cJSON_GetObjectItemCaseSensitive(o, "sig");
  if (!cJSON_IsString(sig) || strlen(sig->valuestring) != WG_ACK_SIG_CHARS) {
    snprintf(reason, size, "refused ack: %s",
             sig == NULL ? "unsigned (no \"sig\")"
                         : "\"sig\" is not 43 characters of base64url");
    goto done;
  }
  if (!cJSON_IsNumber(ts) ||
      ts->valuedouble != (double)(int64_t)ts->valuedouble) {
    snprintf(reason, size, "refused ack: \"ts\" must be whole Unix seconds");
    goto done;
  }
  if (ts->valuedouble < now - WG_ACK_TOLERANCE_S ||
      ts->valuedouble > now + WG_ACK_TOLERANCE_S) {
    snprintf(reason, size,
             "refused ack: stale (\"ts\" %.0f is %.0f s from the gateway's "
             "clock; at most %d)",
             ts->valuedouble, ts->valuedouble - now, WG_ACK_TOLERANCE_S);
    goto done;
  }
  if ((rc = wg_ack_canonical(o, g->canon, sizeof(g->canon), &clen, &why)) !=
          0 ||
      (rc = ack_mac(g->key, g->keylen, g->canon, clen, mac)) != 0) {
    snprintf(reason, size, "refused ack: cannot be canonicalised: %s",
             why ? why : "too large");
    rc = WG_EAUTH;
    goto done;
  }
  ack_base64url(mac, sizeof(mac), want);
  if (CRYPTO_memcmp(want, sig->valuestring, WG_ACK_SIG_CHARS) != 0) {
    snprintf(reason, size, "refused ack: bad signature");
    rc = WG_EAUTH;
    goto done;
  }
  rc = ack_remember(g, mac, ts->valuedouble, now);
  if (rc != 0) {
    snprintf(reason, size, "refused ack: %s",
             rc == 1 ? "replayed (this signed ack was taken before)"
                     : "too many signed acks within 300 s");
    rc = WG_EAUTH;
    goto done;
  }
  ack->verified = true;
done:
  cJSON_Delete(o);
  return rc;
}

/* ---- the audit budget ---------------------------------------------------- */

/* FNV-1a over @s and its terminating NUL. */
static uint64_t ack_audit_hash(uint64_t h, const char *s) {
  do {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  } while (*s++ != '\0');
  return h;
}

int wg_ack_audit_allow(wg_ack_guard_t *g, const wg_ack_t *ack, double now) {
  uint64_t key = 0xcbf29ce484222325ULL;

  key = ack_audit_hash(key, ack->id);
  key = ack_audit_hash(key, ack->by);
  key = ack_audit_hash(key, ack->outcome);
  /* A refusal's reason tells a stale ack from a forged one. */
  key = ack_audit_hash(key, ack->refused[0] ? ack->refused : "late");
  for (size_t i = 0; i < WG_ACK_AUDIT_RECENT; i++)
    if (g->audit_recent[i] == key)
      return 1;
  if (g->audit_at == 0) {
    g->audit_tokens = WG_ACK_AUDIT_BURST;
  } else if (now > g->audit_at) {
    g->audit_tokens += (now - g->audit_at) / WG_ACK_AUDIT_EVERY_S;
    if (g->audit_tokens > WG_ACK_AUDIT_BURST)
      g->audit_tokens = WG_ACK_AUDIT_BURST;
  }
  g->audit_at = now;
  if (g->audit_tokens < 1.0)
    return WG_EBUSY;
  g->audit_tokens -= 1.0;
  g->audit_recent[g->audit_next] = key;
  g->audit_next = (g->audit_next + 1) % WG_ACK_AUDIT_RECENT;
  return 0;
}
