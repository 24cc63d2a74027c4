/* SPDX-License-Identifier: MIT */
/*
 * The latest NEWS2 of every patient: an entry per configured patient, in
 * the order of the configuration, with the text of its last news2 message.
 * The hub hands each news2 message it publishes to wg_latest_learn(), so
 * the set follows what the hub was told, one way, and the snapshot joins
 * texts already printed.
 */
#include "hub/latest.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_scratch.h"
#include "wardgate/error.h"

/* An insertion that cannot allocate its bucket leaves the entry out and
 * says so on the entry, instead of calling exit(). */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(e) ((e)->index_oom = true)
#include <uthash.h>

struct wg_latest_entry_s {
  char *json; /* the last news2 message, or NULL */
  size_t len;
  unsigned generation; /* the set of patients it was last seen in */
  bool index_oom;
  UT_hash_handle hh;
  char patient[]; /* the key */
};

void wg_latest_init(wg_latest_t *l) { memset(l, 0, sizeof(*l)); }

static wg_latest_entry_t *latest_find(const wg_latest_t *l,
                                      const char *patient) {
  wg_latest_entry_t *e;

  HASH_FIND(hh, l->by_patient, patient, strlen(patient), e);
  return e;
}

static void latest_drop(wg_latest_t *l, wg_latest_entry_t *e) {
  HASH_DEL(l->by_patient, e);
  if (e->json != NULL)
    l->changed = true;
  free(e->json);
  free(e);
}

void wg_latest_free(wg_latest_t *l) {
  wg_latest_entry_t *e, *tmp;

  HASH_ITER(hh, l->by_patient, e, tmp) latest_drop(l, e);
  wg_latest_init(l);
}

/* A new entry for @patient, without a message. */
static int latest_add(wg_latest_t *l, const char *patient) {
  size_t n = strlen(patient);
  wg_latest_entry_t *e = calloc(1, sizeof(*e) + n + 1);

  if (e == NULL)
    return WG_ENOMEM;
  memcpy(e->patient, patient, n + 1);
  e->generation = l->generation;
  HASH_ADD_KEYPTR(hh, l->by_patient, e->patient, n, e);
  if (e->index_oom) {
    free(e);
    return WG_ENOMEM;
  }
  return 0;
}

int wg_latest_set_patients(wg_latest_t *l, const wg_config_t *cfg) {
  wg_latest_entry_t *e, *tmp;
  int rc = 0;

  l->generation++;
  for (size_t i = 0; i < cfg->npatients; i++) {
    if ((e = latest_find(l, cfg->patients[i].id)) != NULL)
      e->generation = l->generation;
    else if (latest_add(l, cfg->patients[i].id) != 0)
      rc = WG_ENOMEM;
  }
  /* Whoever is not in this configuration has left the ward. */
  HASH_ITER(hh, l->by_patient, e, tmp) {
    if (e->generation != l->generation)
      latest_drop(l, e);
  }
  return rc;
}

bool wg_latest_wants(const wg_latest_t *l, const char *patient) {
  const wg_latest_entry_t *e = latest_find(l, patient);
  return e != NULL && e->json == NULL;
}

int wg_latest_put(wg_latest_t *l, const char *patient, const char *json,
                  size_t len) {
  wg_latest_entry_t *e = latest_find(l, patient);
  char *copy;

  if (e == NULL)
    return 0;
  if (e->json != NULL && e->len == len && memcmp(e->json, json, len) == 0)
    return 1;
  if ((copy = malloc(len + 1)) == NULL)
    return WG_ENOMEM;
  memcpy(copy, json, len);
  copy[len] = '\0';
  free(e->json);
  e->json = copy;
  e->len = len;
  l->changed = true;
  return 1;
}

int wg_latest_learn(wg_latest_t *l, const char *json, size_t len) {
  wg_arena_mark_t mark = wg_json_scratch_begin();
  wg_json_build_t b = wg_json_build_begin();
  cJSON *m = cJSON_ParseWithLength(json, len);
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "patient");
  int rc;

  if (wg_json_build_failed(b))
    rc = WG_ENOMEM;
  else if (!cJSON_IsString(p) ||
           !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "score")))
    rc = WG_EINVAL;
  else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "retrospective")))
    rc = 0; /* a back-filled set is never the patient's latest score */
  else
    rc = wg_latest_put(l, p->valuestring, json, len);
  wg_json_scratch_end(mark);
  return rc;
}

size_t wg_latest_count(const wg_latest_t *l) {
  const wg_latest_entry_t *e;
  size_t n = 0;

  for (e = l->by_patient; e != NULL; e = e->hh.next)
    n += e->json != NULL;
  return n;
}

char *wg_latest_snapshot(const wg_latest_t *l, double ts, size_t *len) {
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject(), *list;
  const wg_latest_entry_t *e;
  char *text = NULL;

  cJSON_AddNumberToObject(o, "ts", ts);
  list = cJSON_AddArrayToObject(o, "patients");
  /* Each message goes in as it was published, not parsed and printed
   * again. */
  for (e = l->by_patient; e != NULL; e = e->hh.next)
    if (e->json != NULL)
      wg_json_append(list, cJSON_CreateRaw(e->json));
  if (o != NULL && !wg_json_build_failed(b))
    text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (text != NULL && wg_json_build_failed(b)) {
    free(text);
    text = NULL;
  }
  if (text != NULL)
    *len = strlen(text);
  return text;
}
