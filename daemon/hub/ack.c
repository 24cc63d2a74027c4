/* SPDX-License-Identifier: MIT */
#include "hub/ack.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/json_strict.h"
#include "common/text.h"
#include "wardgate/error.h"

const char *const wg_ack_outcomes[] = {
    "advice", "visit", "ambulance", "admitted", "no_action", "other", NULL};

const char *wg_ack_note_problem(const char *note) {
  const unsigned char *p = (const unsigned char *)note;
  size_t chars = 0;

  while (*p) {
    unsigned c = *p;
    size_t n = c < 0x80         ? 1
               : (c >> 5) == 6  ? 2
               : (c >> 4) == 14 ? 3
               : (c >> 3) == 30 ? 4
                                : 0;
    /* RFC 3629: no overlong form, surrogate or code point past U+10FFFF. */
    unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;

    if (n == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4)
      return "is not UTF-8";
    if (n > 1 && (p[1] < lo || p[1] > hi))
      return "is not UTF-8";
    for (size_t i = 1; i < n; i++)
      if ((p[i] & 0xC0) != 0x80)
        return "is not UTF-8";
    /* C0, DEL and C1 (U+0080-U+009F, which UTF-8 writes C2 80-9F). */
    if (c < 0x20 || c == 0x7F || (c == 0xC2 && p[1] < 0xA0))
      return "holds a control character";
    if (++chars > WG_NOTE_MAX_CHARS)
      return "is longer than 500 characters";
    p += n;
  }
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

int wg_ack_parse(const void *payload, size_t len, wg_ack_t *ack, char *reason,
                 size_t size) {
  const char *id, *by, *outcome, *note, *problem = NULL;
  cJSON *o = NULL;
  char why[200];
  bool bad;
  size_t k;
  int rc = WG_EINVAL;

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
    goto done;
  }
  id = ack_string(o, "id", sizeof(ack->id));
  by = ack_string(o, "by", sizeof(ack->by));
  if (!cJSON_IsObject(o) || id == NULL || by == NULL) {
    snprintf(reason, size,
             "malformed ack: needs \"id\" and \"by\", non-empty strings");
    goto done;
  }
  outcome = ack_optional_string(o, "outcome", &bad);
  for (k = 0; outcome && wg_ack_outcomes[k]; k++)
    if (strcmp(outcome, wg_ack_outcomes[k]) == 0)
      break;
  if (bad || (outcome && wg_ack_outcomes[k] == NULL)) {
    snprintf(reason, size,
             "malformed ack: \"outcome\" must be one of advice, visit, "
             "ambulance, admitted, no_action, other");
    goto done;
  }
  note = ack_optional_string(o, "note", &bad);
  if (bad || (note && (problem = wg_ack_note_problem(note)) != NULL)) {
    snprintf(reason, size, "malformed ack: \"note\" %s",
             bad ? "must be a string" : problem);
    goto done;
  }
  memset(ack, 0, sizeof(*ack));
  wg_copy(ack->id, sizeof(ack->id), id);
  wg_copy(ack->by, sizeof(ack->by), by);
  wg_copy(ack->outcome, sizeof(ack->outcome), outcome ? outcome : "");
  wg_copy(ack->note, sizeof(ack->note), note ? note : "");
  rc = 0;
done:
  cJSON_Delete(o);
  return rc;
}
