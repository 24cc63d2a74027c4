/* SPDX-License-Identifier: MIT */
/*
 * The box's clock. clock_unsynchronized: the gateway's clock, not a
 * patient's, but every patient of the home has readings stamped by it; so
 * the alert is raised on each configured patient's list (the alert
 * contract has a patient, the FHIR Flag a subject), keyed by the gateway id
 * (clinic.h). And a step of the wall clock, which escalations and timed
 * rules do not count as time passed.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clinic/clinic.h"
#include "clinic/clinic_internal.h"
#include "common/text.h"
#include "wardgate/log.h"

static void clinic_clock_verdict(const wg_clinic_t *cl, bool unsynced,
                                 double unsynced_s, bool since_start,
                                 double now, wg_verdict_t *v) {
  memset(v, 0, sizeof(*v));
  v->kind = unsynced ? WG_VERDICT_RAISE : WG_VERDICT_CLEAR;
  v->rule = WG_RULE_CLOCK_UNSYNCHRONIZED;
  v->severity = WG_SEV_LOW;
  wg_copy(v->key, sizeof(v->key), cl->alerts.gateway);
  if (unsynced)
    snprintf(
        v->summary, sizeof(v->summary),
        "Gateway %s: clock not synchronised (NTP) for %.0f %s%s; the "
        "times of this home's readings and alerts may be wrong",
        cl->alerts.gateway, unsynced_s < 60 ? unsynced_s : unsynced_s / 60.0,
        unsynced_s < 60 ? "s" : "min", since_start ? " since its start" : "");
  else
    snprintf(v->summary, sizeof(v->summary),
             "Gateway %s: clock synchronised (NTP) again", cl->alerts.gateway);
  wg_copy(v->evidence.n, sizeof(v->evidence.n), "clock_unsynchronized");
  wg_copy(v->evidence.u, sizeof(v->evidence.u), "s");
  v->evidence.v = unsynced ? unsynced_s : 0;
  v->evidence.flags = WG_READING_HAS_VALUE;
  v->evidence.t = v->evidence.rt = now;
}

void wg_clinic_clock(wg_clinic_t *cl, bool unsynced, double unsynced_s,
                     bool since_start, double now) {
  wg_verdict_t v;

  if (cl->cfg == NULL)
    return;
  clinic_clock_verdict(cl, unsynced, unsynced_s, since_start, now, &v);
  for (size_t i = 0; i < cl->nstates; i++) {
    const wg_patient_t *p = &cl->cfg->patients[i];
    bool open = wg_alerts_find(&cl->alerts, p->id, v.rule, v.key) != NULL;

    if (open != unsynced)
      clinic__apply(cl, p, &v, now);
  }
}

void wg_clinic_clock_stepped(wg_clinic_t *cl, double step) {
  wg_alerts_clock_stepped(&cl->alerts, step);
  for (size_t i = 0; i < cl->nstates; i++) {
    wg_rule_state_t *st = &cl->states[i];
    for (size_t k = 0; k < st->nexpect; k++)
      st->expect[k].last += step;
    for (size_t k = 0; k < st->ndevices; k++) {
      st->devices[k].last += step;
      st->devices[k].heard += step;
    }
    if (st->news2_pub.any)
      st->news2_pub.at += step;
  }
}

double wg_clinic_observe_clock(wg_clinic_t *cl, double wall, double mono) {
  double step = 0;

  if (cl->clock_mono != 0)
    step = (wall - cl->clock_wall) - (mono - cl->clock_mono);
  cl->clock_wall = wall;
  cl->clock_mono = mono;
  if (fabs(step) <= WG_CLINIC_CLOCK_STEP_S)
    return 0;
  wg_log(LOG_WARNING,
         "clinic: the wall clock stepped by %+.1f s; escalations and timed "
         "rules keep their durations",
         step);
  wg_clinic_clock_stepped(cl, step);
  return step;
}
