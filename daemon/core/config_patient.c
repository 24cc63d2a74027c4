/* SPDX-License-Identifier: MIT */
/*
 * A patient's block of the configuration: its thresholds, intake, expected
 * observations, NEWS2 and escalation (its devices are config_devices.c's).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_internal.h"

#define WG_CONF_PATH_MAX 256

static const double default_ack_timeout_min[WG_SEV_COUNT] = {5, 10, 30, 120};

static int cmp_checkpoint(const void *a, const void *b) {
  const wg_checkpoint_t *x = a, *y = b;
  return (x->second_of_day > y->second_of_day) -
         (x->second_of_day < y->second_of_day);
}

static void parse_threshold(wg_conf_t *c, const char *path, const cJSON *t,
                            void *elem) {
  wg_threshold_t *th = elem;

  th->name = wg_conf_string(c, path, t, "name", NULL, true, false);
  th->has_below = cJSON_GetObjectItemCaseSensitive(t, "below") != NULL;
  th->has_above = cJSON_GetObjectItemCaseSensitive(t, "above") != NULL;
  th->below = wg_conf_number(c, path, t, "below", 0, -1e9, 1e9, false, false);
  th->above = wg_conf_number(c, path, t, "above", 0, -1e9, 1e9, false, false);
  if (!th->has_below && !th->has_above)
    wg_conf_problem(c, path, "needs \"below\", \"above\" or both");
  else if (th->has_below && th->has_above && th->below >= th->above)
    wg_conf_problem(c, path, "\"below\" must be less than \"above\"");
  th->severity = (wg_severity_t)wg_conf_choice(
      c, path, t, "severity", WG_SEV_MEDIUM, wg_severity_names, true);
  th->confirm =
      (int)wg_conf_number(c, path, t, "confirm", 1, 1, 100, true, false);
}

static void parse_intake(wg_conf_t *c, const char *path, const cJSON *in,
                         void *elem) {
  wg_intake_t *it = elem;
  const cJSON *cps, *cp;
  char cpath[WG_CONF_PATH_MAX];
  size_t k = 0;

  it->name = wg_conf_string(c, path, in, "name", NULL, true, false);
  it->daily_target =
      wg_conf_number(c, path, in, "daily_target", 1, 1e-6, 1e6, false, true);
  it->spread_min =
      wg_conf_number(c, path, in, "spread_min", WG_INTAKE_SPREAD_MIN_DEFAULT, 0,
                     30, false, false);
  wg_conf_join(cpath, path, "checkpoints");
  cps = cJSON_GetObjectItemCaseSensitive(in, "checkpoints");
  if (cps == NULL) {
    wg_conf_problem(c, cpath, "required");
    return;
  }
  if (!cJSON_IsObject(cps) || cps->child == NULL) {
    wg_conf_problem(c, cpath, "must be an object of \"HH:MM\": fraction");
    return;
  }
  it->ncheckpoints = (size_t)cJSON_GetArraySize(cps);
  it->checkpoints = wg_conf_alloc(c, it->ncheckpoints, sizeof(wg_checkpoint_t));
  if (it->checkpoints == NULL)
    return;
  cJSON_ArrayForEach(cp, cps) {
    char leaf[WG_CONF_PATH_MAX];
    int sec = config__clock(cp->string);
    wg_conf_join(leaf, cpath, cp->string);
    if (sec < 0)
      wg_conf_problem(c, leaf, "time must be \"HH:MM\" or \"HH:MM:SS\"");
    if (!cJSON_IsNumber(cp) || !(cp->valuedouble > 0) || cp->valuedouble > 1)
      wg_conf_problem(c, leaf,
                      "fraction must be a number above 0 and at most 1");
    it->checkpoints[k].second_of_day = sec;
    it->checkpoints[k++].fraction = cJSON_IsNumber(cp) ? cp->valuedouble : 0;
  }
  qsort(it->checkpoints, it->ncheckpoints, sizeof(wg_checkpoint_t),
        cmp_checkpoint);
}

static void parse_expect(wg_conf_t *c, const char *path, const cJSON *e,
                         void *elem) {
  wg_expect_t *x = elem;
  const cJSON *every = cJSON_GetObjectItemCaseSensitive(e, "every_min");

  x->name = wg_conf_string(c, path, e, "name", NULL, true, false);
  if (cJSON_IsString(every) && strcmp(every->valuestring, "news2") == 0) {
    x->follow_news2 = true;
  } else if (every != NULL && !cJSON_IsNumber(every)) {
    char leaf[WG_CONF_PATH_MAX];
    wg_conf_join(leaf, path, "every_min");
    wg_conf_problem(c, leaf, "must be a number of minutes or \"news2\"");
  } else {
    x->every_min =
        wg_conf_number(c, path, e, "every_min", 0, 0.001, 525600, false, true);
  }
}

/* An optional array member: NULL when absent, reported when not an array. */
static const cJSON *get_array(wg_conf_t *c, const char *path, const cJSON *obj,
                              const char *key, char *sub) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);

  wg_conf_join(sub, path, key);
  if (a == NULL)
    return NULL;
  if (!cJSON_IsArray(a)) {
    wg_conf_problem(c, sub, "must be an array");
    return NULL;
  }
  return a;
}

void config__patient(wg_conf_t *c, const char *path, const cJSON *obj,
                     const wg_config_t *cfg, wg_patient_t *p) {
  static const char *const keys[] = {"id",         "devices", "news2",
                                     "thresholds", "intake",  "expect",
                                     "escalation", NULL};
  static const char *const news2_keys[] = {"scale", "window_min", "response",
                                           NULL};
  static const char *const esc_keys[] = {"ack_timeout_min", NULL};
  static const char *const threshold_keys[] = {"name",     "below",   "above",
                                               "severity", "confirm", NULL};
  static const char *const intake_keys[] = {"name", "daily_target",
                                            "checkpoints", "spread_min", NULL};
  static const char *const expect_keys[] = {"name", "every_min", NULL};
  const cJSON *a, *n;
  char sub[WG_CONF_PATH_MAX];

  p->news2_scale = 1;
  p->news2_window_min = 60;
  memcpy(p->ack_timeout_min, default_ack_timeout_min,
         sizeof(p->ack_timeout_min));
  if (!wg_conf_object(c, path, obj, keys))
    return;
  p->id = wg_conf_string(c, path, obj, "id", NULL, true, false);
  if (p->id && !wg_conf_id_ok(p->id, strlen(p->id), WG_PATIENT_ID_EXTRA)) {
    wg_conf_join(sub, path, "id");
    wg_conf_problem(c, sub, "must be 1-64 characters of A-Z a-z 0-9 _ - .");
  }

  a = get_array(c, path, obj, "devices", sub);
  if (a == NULL && cJSON_GetObjectItemCaseSensitive(obj, "devices") == NULL)
    wg_conf_problem(c, sub, "required");
  if (a != NULL)
    config__devices(c, sub, a, cfg, p);

  n = cJSON_GetObjectItemCaseSensitive(obj, "news2");
  wg_conf_join(sub, path, "news2");
  if (n != NULL && wg_conf_object(c, sub, n, news2_keys)) {
    p->news2_scale =
        (int)wg_conf_number(c, sub, n, "scale", 1, 1, 2, true, false);
    p->news2_window_min =
        wg_conf_number(c, sub, n, "window_min", 60, 0.001, 10080, false, false);
  }
  config__news2_response(c, sub, cJSON_IsObject(n) ? n : NULL, p);
  if ((a = get_array(c, path, obj, "thresholds", sub)) != NULL)
    p->thresholds =
        config__objects(c, sub, a, sizeof(*p->thresholds), &p->nthresholds,
                        threshold_keys, parse_threshold);
  if ((a = get_array(c, path, obj, "intake", sub)) != NULL)
    p->intake = config__objects(c, sub, a, sizeof(*p->intake), &p->nintake,
                                intake_keys, parse_intake);
  if ((a = get_array(c, path, obj, "expect", sub)) != NULL) {
    p->expect = config__objects(c, sub, a, sizeof(*p->expect), &p->nexpect,
                                expect_keys, parse_expect);
  } else if (n != NULL &&
             (p->expect = wg_conf_alloc(c, 1, sizeof(*p->expect)))) {
    /* NEWS2 declared (a "news2" object), no "expect": the RCP frequency by
     * band for the observation set "news2", which any NEWS2 parameter
     * renews (DESIGN.md section 8); "expect": [] expects nothing. */
    p->expect[0] = (wg_expect_t){.name = "news2", .follow_news2 = true};
    p->nexpect = 1;
  }

  n = cJSON_GetObjectItemCaseSensitive(obj, "escalation");
  wg_conf_join(sub, path, "escalation");
  if (n != NULL && wg_conf_object(c, sub, n, esc_keys)) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(n, "ack_timeout_min");
    char tpath[WG_CONF_PATH_MAX];
    wg_conf_join(tpath, sub, "ack_timeout_min");
    if (t != NULL && wg_conf_object(c, tpath, t, wg_severity_names))
      for (int s = 0; s < WG_SEV_COUNT; s++)
        p->ack_timeout_min[s] = wg_conf_number(
            c, tpath, t, wg_severity_names[s], default_ack_timeout_min[s],
            0.001, 10080, false, false);
  }
}
