/* SPDX-License-Identifier: MIT */
/*
 * The FHIR R4 export (DESIGN.md section 7, "uplink.fhir"): what the gateway
 * publishes for an EHR or a remote-monitoring platform, each message a
 * transaction Bundle that a FHIR server takes as it is (POST to its base).
 *
 *   fhir/vitals  one pack's vital signs, each an Observation of the FHIR
 *                vital-signs profiles (blood pressure as one panel)
 *   fhir/news2   a published NEWS2: an Observation with a component per
 *                parameter scored
 *   fhir/alerts  an alert event: the alert's Flag, created or updated
 *
 * Every resource carries an identifier of its own, and every request is
 * conditional on it (ifNoneExist, or a conditional update for the Flag), so
 * a message delivered twice changes nothing the second time. Patients and
 * devices are referred to by identifier in the configured systems. Pure:
 * cJSON in memory only; the times are parameters.
 */
#ifndef WG_FHIR_H
#define WG_FHIR_H

#include <stdbool.h>
#include <stddef.h>

#include "clinic/alerts.h"
#include "clinic/news2.h"
#include "core/config.h"
#include "wardgate/reading.h"

#define WG_FHIR_UCUM "http://unitsofmeasure.org"
#define WG_FHIR_LOINC "http://loinc.org"
#define WG_FHIR_SNOMED "http://snomed.info/sct"

/* The identifier systems of the resources the gateway makes. */
#define WG_FHIR_SYSTEM_READING "urn:wardgate:reading"
#define WG_FHIR_SYSTEM_NEWS2 "urn:wardgate:news2"
#define WG_FHIR_SYSTEM_ALERT "urn:wardgate:alert"
#define WG_FHIR_SYSTEM_RULE "urn:wardgate:rule"
#define WG_FHIR_SYSTEM_BAND "urn:wardgate:news2-band"

/* The topics under wardgate/<gw>/fhir/, in this order. */
typedef enum { WG_FHIR_VITALS, WG_FHIR_NEWS2, WG_FHIR_ALERTS } wg_fhir_topic_t;
#define WG_FHIR_TOPICS 3
extern const char *const wg_fhir_topic_names[WG_FHIR_TOPICS];

/* True for a reading the vitals bundle carries ("hr", "sbp", ...). */
bool wg_fhir_is_vital(const char *key);

/* One pack's vital-sign Observations, gathered reading by reading. */
typedef struct wg_fhir_vitals_s {
  const wg_fhir_opts_t *opts;
  const char *gateway, *patient, *device;
  void *bundle;                /* cJSON; NULL until the first vital */
  struct wg_fhir_made_s *made; /* its Observations so far */
  size_t nmade, made_cap;
  bool oom;
} wg_fhir_vitals_t;

/* Start the bundle of @patient's pack from @device (strings borrowed). */
void wg_fhir_vitals_begin(wg_fhir_vitals_t *v, const wg_fhir_opts_t *opts,
                          const char *gateway, const char *patient,
                          const char *device);

/* Add @r if it is a vital sign with a value; others are passed over, and
 * so is a second reading of the same key and microsecond in the pack. A
 * systolic and a diastolic pressure of the same time share one panel. */
void wg_fhir_vitals_add(wg_fhir_vitals_t *v, const wg_reading_t *r);

/*
 * The bundle's JSON (free() it), and the builder reset. *@rc is 0 with
 * NULL when the pack brought no vital sign, WG_ENOMEM when memory ran out.
 */
char *wg_fhir_vitals_end(wg_fhir_vitals_t *v, int *rc);

/* The bundle for a NEWS2 of @patient at @ts on SpO2 scale @scale; NULL
 * when out of memory. */
char *wg_fhir_news2(const wg_fhir_opts_t *opts, const char *gateway,
                    const char *patient, double ts, int scale,
                    const wg_news2_t *s);

/* The bundle for the alert as event @ev left it; NULL when out of memory. */
char *wg_fhir_flag(const wg_fhir_opts_t *opts, const wg_alert_event_t *ev);

#endif
