/* SPDX-License-Identifier: MIT */
/*
 * Between the clinic's files: clinic.c (the patients, readings, NEWS2,
 * acks and ticks), clinic_packs.c (what a pack as a whole means: a
 * device's refusals, the back-filled NEWS2 sets of a batch) and reconfig.c
 * (open alerts whose patient's configuration changed under them). Other
 * modules include clinic.h.
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

/* An alert event, queued for the next commit (clinic.c). */
void clinic__queue_event(wg_clinic_t *cl, const wg_alert_event_t *ev);

/*
 * The open alert at index @k of a patient still configured (index @i),
 * whose configuration was the patient's of the same id in @was (NULL when
 * not known: at start): when the patient's configuration no longer holds
 * its condition (a threshold, an intake, an expected observation, a device
 * gone), it is closed now with the reason; when the threshold of its name
 * is there with another limit, it is closed at the next reading of that
 * name, which the new limit judges; a NEWS2 alert whose scale changed
 * carries a note in its next event. Returns true when the alert was closed
 * (the alerts moved: @k now holds the next one).
 */
bool clinic__reconfigured(wg_clinic_t *cl, const wg_config_t *was, size_t k,
                          size_t i, double now);

/* An event @ev about to be queued: when its alert has a note waiting, the
 * note goes at the end of its summary, once. */
void clinic__reconfig_note(wg_clinic_t *cl, wg_alert_event_t *ev);

/* A reading of patient @i: the alerts waiting for it (above) are closed
 * first. */
void clinic__reconfig_reading(wg_clinic_t *cl, size_t i, const wg_reading_t *r,
                              double now);

/* Forget what is waiting (the clinic is freed). */
void clinic__reconfig_free(wg_clinic_t *cl);

#endif
