/* SPDX-License-Identifier: MIT */
/*
 * clock_unsynchronized: the gateway's clock, not a patient's, but every
 * patient of the home has readings stamped by it; so the alert is raised
 * on each configured patient's list (the alert contract has a patient,
 * the FHIR Flag a subject), keyed by the gateway id (clinic.h).
 */
#include <stdio.h>
#include <string.h>

#include "clinic/clinic.h"
#include "clinic/clinic_internal.h"
#include "common/text.h"

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
