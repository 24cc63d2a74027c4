/* SPDX-License-Identifier: MIT */
/*
 * A patient's configuration changed under their open alerts (a reload, or
 * a version from the hub): an alert whose condition the new configuration
 * no longer holds must not stay open, escalating, with no rule left to
 * clear it. A threshold whose limit changed is judged again by the next
 * reading of its name: the old alert closes then, saying why, and the new
 * limit raises its own if the value is beyond it. Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic_internal.h"
#include "common/text.h"
#include "wardgate/log.h"

/* An open alert waiting: a threshold's for the next reading of its name,
 * closed then; or (name empty) any alert's for its next event, which
 * carries the note in @why. */
typedef struct wg_clinic_superseded_s {
  char patient[WG_ID_MAX + 1];
  char alert_id[96];
  char name[96];
  char why[320];
} clinic_superseded_t;

static clinic_superseded_t *reconfig_add(wg_clinic_t *cl, const char *patient,
                                         const char *alert_id) {
  clinic_superseded_t *s;

  for (size_t j = 0; j < cl->nsuperseded; j++)
    if (strcmp(cl->superseded[j].alert_id, alert_id) == 0)
      return NULL; /* waiting already */
  s = realloc(cl->superseded, (cl->nsuperseded + 1) * sizeof(*s));
  if (s == NULL)
    return NULL;
  cl->superseded = s;
  s = &s[cl->nsuperseded++];
  memset(s, 0, sizeof(*s));
  wg_copy(s->patient, sizeof(s->patient), patient);
  wg_copy(s->alert_id, sizeof(s->alert_id), alert_id);
  return s;
}

/* Whether the patient's configuration holds the condition of @al. */
static bool reconfig_holds(const wg_patient_t *p, const wg_alert_t *al) {
  char k[96];

  switch (al->rule) {
  case WG_RULE_THRESHOLD:
    for (size_t t = 0; t < p->nthresholds; t++) {
      wg_rules_threshold_key(&p->thresholds[t], k, sizeof(k));
      if (strcmp(k, al->key) == 0)
        return true;
    }
    return false;
  case WG_RULE_LOW_INTAKE:
    for (size_t i = 0; i < p->nintake; i++)
      if (strcmp(p->intake[i].name, al->key) == 0)
        return true;
    return false;
  case WG_RULE_MISSED_OBS: /* an expected observation, or an unused cup */
    for (size_t i = 0; i < p->nexpect; i++)
      if (strcmp(p->expect[i].name, al->key) == 0)
        return true;
    for (size_t i = 0; i < p->nintake; i++)
      if (strcmp(p->intake[i].name, al->key) == 0)
        return true;
    return false;
  case WG_RULE_DEVICE_SILENT:
  case WG_RULE_BATTERY_LOW:
  case WG_RULE_DEVICE_REFUSED:
  case WG_RULE_DEVICE_QUOTA:
    for (size_t i = 0; i < p->ndevices; i++)
      if (strcmp(p->devices[i], al->key) == 0)
        return true;
    return false;
  default: /* NEWS2 is always on; a fall is an event, closed by its ack */
    return true;
  }
}

/* The threshold of @p named as @key's name ("spo2<90" -> "spo2"), or
 * NULL. */
static const wg_threshold_t *reconfig_same_name(const wg_patient_t *p,
                                                const char *key) {
  size_t n = strcspn(key, "<>");

  for (size_t t = 0; t < p->nthresholds; t++)
    if (strlen(p->thresholds[t].name) == n &&
        strncmp(p->thresholds[t].name, key, n) == 0)
      return &p->thresholds[t];
  return NULL;
}

/* Close open alert @id for @reason; true when it was. */
static bool reconfig_close(wg_clinic_t *cl, const char *id, const char *reason,
                           double now) {
  wg_alert_event_t ev;

  if (wg_alerts_close(&cl->alerts, id, reason, now, &ev) != 1)
    return false;
  wg_log(LOG_WARNING, "clinic: alert %s closed: %s", id, reason);
  clinic__queue_event(cl, &ev);
  return true;
}

bool clinic__reconfigured(wg_clinic_t *cl, const wg_config_t *was, size_t k,
                          size_t i, double now) {
  const wg_patient_t *p = &cl->cfg->patients[i], *old = NULL;
  const wg_alert_t *al = wg_alerts_at(&cl->alerts, k);
  const char *by =
      cl->discharged_by[0] ? cl->discharged_by : "the configuration";
  const wg_threshold_t *t;
  clinic_superseded_t *s;
  char reason[320], id[96], lim[96];

  for (size_t j = 0; was != NULL && j < was->npatients; j++)
    if (strcmp(was->patients[j].id, p->id) == 0)
      old = &was->patients[j];
  /* A NEWS2 alert goes on under the new scale; its next event says so. */
  if (al->rule == WG_RULE_NEWS2 && old != NULL &&
      old->news2_scale != p->news2_scale &&
      (s = reconfig_add(cl, p->id, al->id)) != NULL)
    snprintf(s->why, sizeof(s->why),
             "NEWS2 on SpO2 scale %d since %s (was scale %d)", p->news2_scale,
             by, old->news2_scale);
  if (reconfig_holds(p, al))
    return false;
  wg_copy(id, sizeof(id), al->id);
  if (al->rule == WG_RULE_THRESHOLD &&
      (t = reconfig_same_name(p, al->key)) != NULL) {
    if ((s = reconfig_add(cl, p->id, id)) != NULL) {
      wg_copy(s->name, sizeof(s->name), t->name);
      wg_rules_threshold_key(t, lim, sizeof(lim));
      snprintf(s->why, sizeof(s->why), "threshold %s replaced by %s in %s",
               al->key, lim, by);
      return false; /* its next reading closes it */
    }
  }
  snprintf(reason, sizeof(reason), "%s %s of patient %s no longer in %s",
           wg_rule_name(al->rule), al->key, p->id, by);
  return reconfig_close(cl, id, reason, now);
}

void clinic__reconfig_reading(wg_clinic_t *cl, size_t i, const wg_reading_t *r,
                              double now) {
  const char *patient = cl->cfg->patients[i].id;
  size_t j = 0;

  while (j < cl->nsuperseded) {
    clinic_superseded_t *s = &cl->superseded[j];
    char reason[512];

    if (s->name[0] == '\0' || strcmp(s->patient, patient) != 0 ||
        strcmp(s->name, r->name) != 0) {
      j++;
      continue;
    }
    snprintf(reason, sizeof(reason),
             "%s; the next reading, %s %g, is judged by the new limit", s->why,
             r->name, r->value);
    reconfig_close(cl, s->alert_id, reason, now);
    *s = cl->superseded[--cl->nsuperseded];
  }
}

void clinic__reconfig_note(wg_clinic_t *cl, wg_alert_event_t *ev) {
  char summary[sizeof(ev->alert.summary)];

  for (size_t j = 0; j < cl->nsuperseded; j++) {
    clinic_superseded_t *s = &cl->superseded[j];
    if (s->name[0] != '\0' || strcmp(s->alert_id, ev->alert.id) != 0)
      continue;
    /* Cut to fit, as every summary is: the note comes last. */
    if (snprintf(summary, sizeof(summary), "%s; %s", ev->alert.summary,
                 s->why) >= 0)
      wg_copy(ev->alert.summary, sizeof(ev->alert.summary), summary);
    *s = cl->superseded[--cl->nsuperseded];
    return;
  }
}

void clinic__reconfig_free(wg_clinic_t *cl) {
  free(cl->superseded);
  cl->superseded = NULL;
  cl->nsuperseded = 0;
}
