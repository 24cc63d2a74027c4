/* SPDX-License-Identifier: MIT */
/*
 * Between the clinic's files: clinic.c (readings, NEWS2, acks, ticks) and
 * clinic_packs.c (what a pack as a whole means: a device's refusals, the
 * back-filled NEWS2 sets of a batch). Other modules include clinic.h.
 */
#ifndef WG_CLINIC_INTERNAL_H
#define WG_CLINIC_INTERNAL_H

#include "clinic/clinic.h"

/* Verdict @v of patient @p applied to the alerts at @now, its event queued
 * (clinic.c). */
void clinic__apply(wg_clinic_t *cl, const wg_patient_t *p,
                   const wg_verdict_t *v, double now);

/* A score to publish on news2 and store in scores at the next commit,
 * at @ts (clinic.c). */
void clinic__queue_score(wg_clinic_t *cl, const wg_patient_t *p,
                         const wg_news2_t *s, double ts);

/* The index of patient @id in the configuration, or -1 (clinic.c). */
long clinic__patient_index(const wg_clinic_t *cl, const char *id);

/* The device_refused entry of @device; made if @make. NULL when there is
 * none and it was not made, or memory is short (clinic_packs.c). */
wg_device_refusals_t *clinic__refusals(wg_clinic_t *cl, const char *device,
                                       bool make);

/* @r, a reading of @p whose rule state is @st: a NEWS2 component older
 * than the newest of its kind is kept for the back-filled set it belongs
 * to, scored at wg_clinic_batch_end() (clinic_packs.c). */
void clinic__news2_past(wg_clinic_t *cl, const wg_patient_t *p,
                        const wg_rule_state_t *st, const wg_reading_t *r);

#endif
