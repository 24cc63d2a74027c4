/* SPDX-License-Identifier: MIT */
/*
 * What the clinic makes of a pack as a whole, beside its readings: the
 * run of a device's refused and taken packs (device_refused,
 * rules_device.h), and the back-filled NEWS2 sets a batch brings, scored
 * on their own at the batch's end (news2_past.h).
 */
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic.h"
#include "clinic/clinic_internal.h"
#include "common/text.h"
#include "wardgate/log.h"

/* ---- device_refused ------------------------------------------------------ */

wg_device_refusals_t *clinic__refusals(wg_clinic_t *cl, const char *device,
                                       bool make) {
  wg_device_refusals_t *e;

  for (size_t i = 0; i < cl->nrefusals; i++)
    if (strcmp(cl->refusals[i].device, device) == 0)
      return &cl->refusals[i];
  if (!make)
    return NULL;
  if (cl->nrefusals == cl->refusals_cap) {
    size_t cap = cl->refusals_cap ? cl->refusals_cap * 2 : 4;
    wg_device_refusals_t *v = realloc(cl->refusals, cap * sizeof(*v));
    if (v == NULL)
      return NULL;
    cl->refusals = v;
    cl->refusals_cap = cap;
  }
  e = &cl->refusals[cl->nrefusals++];
  memset(e, 0, sizeof(*e));
  wg_copy(e->device, sizeof(e->device), device);
  return e;
}

void wg_clinic_device_pack(wg_clinic_t *cl, size_t patient, const char *device,
                           const char *refusal, double now) {
  wg_device_refusals_t *e = clinic__refusals(cl, device, refusal != NULL);
  wg_verdict_t v;

  if (e == NULL || patient >= cl->nstates) {
    if (refusal != NULL && e == NULL)
      wg_log(LOG_ERR, "clinic: out of memory: refusal of %s not counted",
             device);
    return;
  }
  if (wg_rules_device_pack(e, refusal, now, &v))
    clinic__apply(cl, &cl->cfg->patients[patient], &v, now);
}

/* ---- back-filled NEWS2 sets ---------------------------------------------- */

void clinic__news2_past(wg_clinic_t *cl, const wg_patient_t *p,
                        const wg_rule_state_t *st, const wg_reading_t *r) {
  int k = wg_news2_param(r->name);
  wg_news2_past_t *e = NULL;

  if (k < 0 || !wg_news2_past_is(&st->news2[k], r))
    return;
  for (size_t i = 0; i < cl->npast && e == NULL; i++)
    if (strcmp(cl->past[i].patient, p->id) == 0)
      e = &cl->past[i];
  if (e == NULL) {
    if (cl->npast == cl->past_cap) {
      size_t cap = cl->past_cap ? cl->past_cap * 2 : 4;
      wg_news2_past_t *v = realloc(cl->past, cap * sizeof(*v));
      if (v == NULL) {
        wg_log(LOG_ERR,
               "clinic: out of memory: a back-filled NEWS2 set of "
               "%s is not scored",
               p->id);
        return;
      }
      cl->past = v;
      cl->past_cap = cap;
    }
    e = &cl->past[cl->npast++];
    memset(e, 0, sizeof(*e));
    wg_copy(e->patient, sizeof(e->patient), p->id);
  }
  wg_news2_past_add(e, k, r);
}

void wg_clinic_batch_end(wg_clinic_t *cl, double now) {
  (void)now;
  for (size_t i = 0; i < cl->npast; i++) {
    long j = clinic__patient_index(cl, cl->past[i].patient);
    const wg_patient_t *p;
    wg_news2_t s;

    if (j < 0)
      continue; /* removed by a reload meanwhile */
    p = &cl->cfg->patients[j];
    if (wg_news2_past_score(&cl->past[i], p->news2_scale,
                            p->news2_window_min * 60.0, &s))
      clinic__queue_score(cl, p, &s, s.measured_at);
  }
  cl->npast = 0;
}
