/* SPDX-License-Identifier: MIT */
/*
 * A patient's devices (DESIGN.md section 4): each a device id, which may
 * report any key over any transport, or, added 2026-12-06, an object
 * {"id": "cup-1", "keys": ["fluid_intake", "battery"], "via": ["coap"]}
 * that says what the device may report and how. A cup that may only report
 * what a cup measures cannot be made, by whoever holds its credentials, to
 * report a saturation or a fall.
 */
#include <stdio.h>
#include <string.h>

#include "core/config_internal.h"
#include "core/inputs.h"
#include "ingest/senml.h"

/* The names a "keys" entry may take, for the problem that lists them. */
static void devices_known_keys(char *out, size_t size) {
  const char *k;

  out[0] = '\0';
  for (size_t i = 0; (k = wg_senml_key_at(i)) != NULL; i++)
    snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? ", " : "", k);
}

/* An array of distinct strings at @path, each passing @check (which reports
 * its own problem). Returns the strings, or NULL with *n 0 after a problem. */
typedef bool (*devices_check_fn)(wg_conf_t *c, const char *path, const char *s,
                                 const wg_config_t *cfg);

static const char **devices_strings(wg_conf_t *c, const char *path,
                                    const cJSON *arr, devices_check_fn check,
                                    const wg_config_t *cfg, size_t *n) {
  const char **v;
  const cJSON *e;
  int i = 0, problems = c->problems;

  *n = 0;
  if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
    wg_conf_problem(c, path, "must be a non-empty array of strings");
    return NULL;
  }
  if ((v = wg_conf_alloc(c, (size_t)cJSON_GetArraySize(arr), sizeof(*v))) ==
      NULL)
    return NULL;
  cJSON_ArrayForEach(e, arr) {
    char leaf[WG_CONF_PATH_MAX];
    wg_conf_join_index(leaf, path, i);
    if (!cJSON_IsString(e)) {
      wg_conf_problem(c, leaf, "must be a string");
    } else if (check(c, leaf, e->valuestring, cfg)) {
      for (int j = 0; j < i; j++)
        if (v[j] && strcmp(v[j], e->valuestring) == 0)
          wg_conf_problem(c, leaf, "\"%s\" is listed twice", e->valuestring);
      v[i] = wg_conf_strdup(c, e->valuestring);
    }
    i++;
  }
  if (c->problems != problems)
    return NULL;
  *n = (size_t)i;
  return v;
}

static bool devices_key_ok(wg_conf_t *c, const char *path, const char *s,
                           const wg_config_t *cfg) {
  char names[256];

  (void)cfg;
  if (wg_senml_canonical_unit(s) != NULL)
    return true;
  devices_known_keys(names, sizeof(names));
  wg_conf_problem(c, path, "\"%.64s\" is not a measurement name (%s)", s,
                  names);
  return false;
}

static bool devices_via_ok(wg_conf_t *c, const char *path, const char *s,
                           const wg_config_t *cfg) {
  char names[128] = "";

  for (size_t k = 0; wg_inputs[k] != NULL; k++) {
    if (strcmp(wg_inputs[k]->conf->name, s) != 0)
      continue;
    if (cfg->ingest[k] != NULL)
      return true;
    wg_conf_problem(c, path, "ingest.%s is not configured", s);
    return false;
  }
  for (size_t k = 0; wg_inputs[k] != NULL; k++)
    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s\"%s\"",
             k ? ", " : "", wg_inputs[k]->conf->name);
  wg_conf_problem(c, path, "\"%.64s\" is not an input (%s)", s, names);
  return false;
}

static const char *devices_id(wg_conf_t *c, const char *path, const cJSON *d) {
  if (!cJSON_IsString(d) ||
      !wg_conf_id_ok(d->valuestring, strlen(d->valuestring),
                     WG_DEVICE_ID_EXTRA)) {
    wg_conf_problem(c, path,
                    "must be a device id: 1-64 characters of "
                    "A-Z a-z 0-9 _ - . :");
    return NULL;
  }
  return wg_conf_strdup(c, d->valuestring);
}

/* {"id", "keys", "via", "class", "silent_min"}: "keys" and "via" absent
 * mean any; the class is a fall sensor's when "keys" holds "fall". */
static const char *devices_object(wg_conf_t *c, const char *path,
                                  const cJSON *d, const wg_config_t *cfg,
                                  wg_device_conf_t *dc) {
  static const char *const keys[] = {"id",    "keys",       "via",
                                     "class", "silent_min", NULL};
  static const char *const classes[] = {"other", "fall_sensor", NULL};
  const cJSON *id, *m;
  char sub[WG_CONF_PATH_MAX];
  const char *kept = NULL;

  if (!wg_conf_object(c, path, d, keys))
    return NULL;
  id = cJSON_GetObjectItemCaseSensitive(d, "id");
  wg_conf_join(sub, path, "id");
  if (id == NULL)
    wg_conf_problem(c, sub, "required");
  else
    kept = devices_id(c, sub, id);
  if ((m = cJSON_GetObjectItemCaseSensitive(d, "keys")) != NULL) {
    wg_conf_join(sub, path, "keys");
    dc->keys = devices_strings(c, sub, m, devices_key_ok, cfg, &dc->nkeys);
  }
  if ((m = cJSON_GetObjectItemCaseSensitive(d, "via")) != NULL) {
    wg_conf_join(sub, path, "via");
    dc->via = devices_strings(c, sub, m, devices_via_ok, cfg, &dc->nvia);
  }
  for (size_t k = 0; k < dc->nkeys; k++)
    dc->fall_sensor |= strcmp(dc->keys[k], "fall") == 0;
  if (cJSON_GetObjectItemCaseSensitive(d, "class") != NULL)
    dc->fall_sensor =
        wg_conf_choice(c, path, d, "class", 0, classes, false) == 1;
  dc->silent_min =
      wg_conf_number(c, path, d, "silent_min", 0, 0.001, 10080, false, false);
  return kept;
}

void config__devices(wg_conf_t *c, const char *path, const cJSON *arr,
                     const wg_config_t *cfg, wg_patient_t *p) {
  const cJSON *d;
  int i = 0;

  p->ndevices = (size_t)cJSON_GetArraySize(arr);
  p->devices = wg_conf_alloc(c, p->ndevices, sizeof(*p->devices));
  p->device_conf = wg_conf_alloc(c, p->ndevices, sizeof(*p->device_conf));
  if (p->devices == NULL || p->device_conf == NULL) {
    p->ndevices = 0;
    return;
  }
  cJSON_ArrayForEach(d, arr) {
    char leaf[WG_CONF_PATH_MAX];
    wg_conf_join_index(leaf, path, i);
    p->devices[i] = cJSON_IsObject(d)
                        ? devices_object(c, leaf, d, cfg, &p->device_conf[i])
                        : devices_id(c, leaf, d);
    i++;
  }
}

void config__check_unique(wg_conf_t *c, const wg_config_t *cfg) {
  for (size_t i = 0; i < cfg->npatients; i++) {
    const wg_patient_t *p = &cfg->patients[i];
    char path[WG_CONF_PATH_MAX];
    for (size_t j = 0; j < i && p->id; j++)
      if (cfg->patients[j].id && strcmp(p->id, cfg->patients[j].id) == 0) {
        snprintf(path, sizeof(path), "patients[%zu].id", i);
        wg_conf_problem(c, path, "\"%s\" is also patients[%zu].id", p->id, j);
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
            wg_conf_problem(c, path,
                            "\"%s\" is also patients[%zu].devices[%zu]", dev, j,
                            e);
          }
      }
    }
  }
}

/*
 * Per-device quotas (ingest/quota.h). The defaults never throttle a real
 * device at its normal rate: 300 packs a minute is five a second, five
 * times a pulse oximeter sending one a second; 200,000 records under other
 * keys a day is two a second around the clock (an oximeter's perfusion
 * index and signal quality at 1 Hz are 172,800).
 */
void config__quota(wg_conf_t *c, const cJSON *root, wg_config_t *cfg) {
  static const char *const keys[] = {"packs_per_min", "records_per_day", NULL};
  const cJSON *q = cJSON_GetObjectItemCaseSensitive(root, "quota");

  cfg->quota_packs_per_min = 300;
  cfg->quota_records_per_day = 200000;
  if (q == NULL || !wg_conf_object(c, "quota", q, keys))
    return;
  cfg->quota_packs_per_min = (long)wg_conf_number(
      c, "quota", q, "packs_per_min", 300, 0, 1000000, true, false);
  cfg->quota_records_per_day = (long)wg_conf_number(
      c, "quota", q, "records_per_day", 200000, 0, 1e9, true, false);
}
