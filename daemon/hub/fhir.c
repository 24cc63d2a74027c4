/* SPDX-License-Identifier: MIT */
#include "hub/fhir.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json_scratch.h"
#include "wardgate/error.h"

#define CATEGORY "http://terminology.hl7.org/CodeSystem/observation-category"
#define ABSENT "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#define PRIORITY_EXT "http://hl7.org/fhir/StructureDefinition/flag-priority"
#define PRIORITY "http://terminology.hl7.org/CodeSystem/flag-priority-code"
#define FLAG_CATEGORY "http://terminology.hl7.org/CodeSystem/flag-category"
#define PROFILE "http://hl7.org/fhir/StructureDefinition/"
#define GATEWAY_SYSTEM "urn:wardgate:gateway"

const char *const wg_fhir_topic_names[WG_FHIR_TOPICS] = {"vitals", "news2",
                                                         "alerts"};

/* The vital signs of the FHIR vital-signs profiles, in wardgate's keys
 * and canonical units (DESIGN.md section 5), which are UCUM's. */
typedef struct vital_s {
  const char *key, *profile, *loinc, *display, *ucum, *unit;
  const char *loinc2, *display2; /* a second coding, or NULL */
} vital_t;

static const vital_t vitals[] = {
    {"hr", "heartrate", "8867-4", "Heart rate", "/min", "beats/minute", NULL,
     NULL},
    {"rr", "resprate", "9279-1", "Respiratory rate", "/min", "breaths/minute",
     NULL, NULL},
    {"spo2", "oxygensat", "2708-6", "Oxygen saturation in Arterial blood", "%",
     "%", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"},
    {"temp", "bodytemp", "8310-5", "Body temperature", "Cel", "C", NULL, NULL},
};

#define BP_PANEL "85354-9"
#define BP_PANEL_DISPLAY "Blood pressure panel with all children optional"
static const char *const bp_codes[2] = {"8480-6", "8462-4"};
static const char *const bp_displays[2] = {"Systolic blood pressure",
                                           "Diastolic blood pressure"};

/* An Observation of the pack's bundle: its kind (the place of its vital in
 * vitals[], or BP for a blood-pressure panel) and time, to the microsecond,
 * which its identifier is made of; a panel's components. */
#define BP ((int)(sizeof(vitals) / sizeof(vitals[0])))
struct wg_fhir_made_s {
  int kind;
  long long us;
  int entry;           /* its place in the bundle */
  cJSON *component[2]; /* a panel's systolic and diastolic */
  bool has[2];
};

/* The Observation of @kind at @us made for the pack, or NULL. */
static struct wg_fhir_made_s *fhir_made(wg_fhir_vitals_t *v, int kind,
                                        long long us) {
  for (size_t i = 0; i < v->nmade; i++)
    if (v->made[i].kind == kind && v->made[i].us == us)
      return &v->made[i];
  return NULL;
}

/* Record an Observation of @kind at @us, the bundle's last entry. */
static struct wg_fhir_made_s *fhir_remember(wg_fhir_vitals_t *v, int kind,
                                            long long us) {
  struct wg_fhir_made_s *m;

  if (v->nmade == v->made_cap) {
    size_t cap = v->made_cap ? v->made_cap * 2 : 8;
    struct wg_fhir_made_s *n = realloc(v->made, cap * sizeof(*n));
    if (n == NULL) {
      v->oom = true;
      return NULL;
    }
    v->made = n;
    v->made_cap = cap;
  }
  m = &v->made[v->nmade++];
  memset(m, 0, sizeof(*m));
  m->kind = kind;
  m->us = us;
  m->entry =
      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v->bundle, "entry")) -
      1;
  return m;
}

static const vital_t *fhir_vital_of(const char *key) {
  for (size_t i = 0; i < sizeof(vitals) / sizeof(vitals[0]); i++)
    if (strcmp(vitals[i].key, key) == 0)
      return &vitals[i];
  return NULL;
}

static int fhir_bp_side(const char *key) {
  return strcmp(key, "sbp") == 0 ? 0 : strcmp(key, "dbp") == 0 ? 1 : -1;
}

bool wg_fhir_is_vital(const char *key) {
  return fhir_vital_of(key) != NULL || fhir_bp_side(key) >= 0;
}

/* ---- pieces -------------------------------------------------------------- */

/* @t as a FHIR instant in UTC, to the millisecond. */
static void fhir_iso_time(double t, char out[48]) {
  long long ms = llround(t * 1000.0);
  time_t s = (time_t)(ms / 1000);
  struct tm tm;

  if (ms < 0 || gmtime_r(&s, &tm) == NULL) {
    snprintf(out, 48, "1970-01-01T00:00:00.000Z");
    return;
  }
  snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)(ms % 1000));
}

/* FNV-1a. */
static uint64_t fhir_fnv(uint64_t h, const char *s) {
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
  return h;
}

/* A fullUrl for an entry, the same for the same identifier: a UUID of
 * version 8 (RFC 9562, "custom") from two hashes of @ident. */
static void fhir_urn_uuid(const char *ident, char out[48]) {
  uint64_t a = fhir_fnv(0xcbf29ce484222325ULL, ident);
  uint64_t b = fhir_fnv(0x84222325cbf29ce4ULL, ident);

  a = (a & ~0xf000ULL) | 0x8000ULL;                        /* version 8 */
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* variant */
  snprintf(out, 48,
           "urn:uuid:%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64
           "-%012" PRIx64,
           a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
           b & (uint64_t)0xffffffffffff);
}

/* @item appended to @array, or deleted when it cannot be (no array, or no
 * item): a node left out of the tree would escape its cJSON_Delete(). The
 * build's count has the failure already. Returns @item, or NULL. */
static cJSON *fhir_append(cJSON *array, cJSON *item) {
  if (!cJSON_AddItemToArray(array, item)) {
    cJSON_Delete(item);
    return NULL;
  }
  return item;
}

/* The same for @item added to @obj as @name. */
static cJSON *fhir_add_item(cJSON *obj, const char *name, cJSON *item) {
  if (!cJSON_AddItemToObject(obj, name, item)) {
    cJSON_Delete(item);
    return NULL;
  }
  return item;
}

static cJSON *fhir_add_coding(cJSON *codings, const char *system,
                              const char *code, const char *display) {
  cJSON *c = fhir_append(codings, cJSON_CreateObject());

  cJSON_AddStringToObject(c, "system", system);
  cJSON_AddStringToObject(c, "code", code);
  if (display != NULL)
    cJSON_AddStringToObject(c, "display", display);
  return c;
}

/* A CodeableConcept of one coding, added to @obj as @name (an array of
 * one when @array). */
static cJSON *fhir_add_concept(cJSON *obj, const char *name, bool array,
                               const char *system, const char *code,
                               const char *display, const char *text) {
  cJSON *cc = array ? fhir_append(cJSON_AddArrayToObject(obj, name),
                                  cJSON_CreateObject())
                    : cJSON_AddObjectToObject(obj, name);

  fhir_add_coding(cJSON_AddArrayToObject(cc, "coding"), system, code, display);
  if (text != NULL)
    cJSON_AddStringToObject(cc, "text", text);
  return cc;
}

static void fhir_add_identifier(cJSON *obj, const char *system,
                                const char *value) {
  cJSON *id = fhir_append(cJSON_AddArrayToObject(obj, "identifier"),
                          cJSON_CreateObject());

  cJSON_AddStringToObject(id, "system", system);
  cJSON_AddStringToObject(id, "value", value);
}

/* A reference to the @type with identifier @system|@value: conditional,
 * which a FHIR server resolves in a transaction, and the identifier
 * itself for those that keep it. */
static void fhir_add_reference(cJSON *obj, const char *name, const char *type,
                               const char *system, const char *value) {
  cJSON *ref = cJSON_AddObjectToObject(obj, name);
  cJSON *id;
  char buf[512];

  snprintf(buf, sizeof(buf), "%s?identifier=%s|%s", type, system, value);
  cJSON_AddStringToObject(ref, "reference", buf);
  cJSON_AddStringToObject(ref, "type", type);
  id = cJSON_AddObjectToObject(ref, "identifier");
  cJSON_AddStringToObject(id, "system", system);
  cJSON_AddStringToObject(id, "value", value);
}

static void fhir_add_time(cJSON *obj, const char *name, double t) {
  char buf[48];

  fhir_iso_time(t, buf);
  cJSON_AddStringToObject(obj, name, buf);
}

static cJSON *fhir_new_bundle(void) {
  cJSON *b = cJSON_CreateObject();

  if (b == NULL || !cJSON_AddStringToObject(b, "resourceType", "Bundle") ||
      !cJSON_AddStringToObject(b, "type", "transaction") ||
      !cJSON_AddArrayToObject(b, "entry")) {
    cJSON_Delete(b);
    return NULL;
  }
  return b;
}

/* A new resource of @type in @bundle identified by @system|@ident; created
 * unless one with that identifier exists (POST ifNoneExist), or with
 * @update, created or replaced (a conditional PUT). */
static cJSON *fhir_add_entry(cJSON *bundle, const char *type,
                             const char *system, const char *ident,
                             bool update) {
  cJSON *e = cJSON_CreateObject(), *res = cJSON_CreateObject(), *req;
  char url[48], query[400];

  if (e == NULL || res == NULL ||
      !cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(bundle, "entry"),
                            e)) {
    cJSON_Delete(e);
    cJSON_Delete(res);
    return NULL;
  }
  fhir_urn_uuid(ident, url);
  cJSON_AddStringToObject(e, "fullUrl", url);
  if ((res = fhir_add_item(e, "resource", res)) == NULL)
    return NULL;
  cJSON_AddStringToObject(res, "resourceType", type);
  req = cJSON_AddObjectToObject(e, "request");
  snprintf(query, sizeof(query), "identifier=%s|%s", system, ident);
  if (update) {
    char cond[480];
    snprintf(cond, sizeof(cond), "%s?%s", type, query);
    cJSON_AddStringToObject(req, "method", "PUT");
    cJSON_AddStringToObject(req, "url", cond);
  } else {
    cJSON_AddStringToObject(req, "method", "POST");
    cJSON_AddStringToObject(req, "url", type);
    cJSON_AddStringToObject(req, "ifNoneExist", query);
  }
  return res;
}

/* Give the POSTed entry @e the identifier @ident instead of the one it
 * was made with: its fullUrl, its resource's identifier and the request's
 * condition. */
static void fhir_reidentify(cJSON *e, const char *system, const char *ident) {
  cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
  cJSON *id = cJSON_GetArrayItem(
      cJSON_GetObjectItemCaseSensitive(res, "identifier"), 0);
  char url[48], query[400];

  fhir_urn_uuid(ident, url);
  snprintf(query, sizeof(query), "identifier=%s|%s", system, ident);
  cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(e, "fullUrl"), url);
  cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(id, "value"), ident);
  cJSON_SetValuestring(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(e, "request"), "ifNoneExist"),
      query);
}

static void fhir_add_quantity(cJSON *obj, double value, const char *unit,
                              const char *ucum) {
  cJSON *q = cJSON_AddObjectToObject(obj, "valueQuantity");

  cJSON_AddNumberToObject(q, "value", value);
  cJSON_AddStringToObject(q, "unit", unit);
  cJSON_AddStringToObject(q, "system", WG_FHIR_UCUM);
  cJSON_AddStringToObject(q, "code", ucum);
}

static void fhir_add_absent(cJSON *obj) {
  fhir_add_concept(obj, "dataAbsentReason", false, ABSENT, "not-performed",
                   "Not Performed", NULL);
}

/* ---- vital signs --------------------------------------------------------- */

void wg_fhir_vitals_begin(wg_fhir_vitals_t *v, const wg_fhir_opts_t *opts,
                          const char *gateway, const char *patient,
                          const char *device) {
  v->opts = opts;
  v->gateway = gateway;
  v->patient = patient;
  v->device = device;
  v->bundle = NULL;
  v->made = NULL;
  v->nmade = v->made_cap = 0;
  v->oom = false;
}

/* A vital-signs Observation of the profile named @profile, coded @code
 * (LOINC), at @r's time; its identifier names the reading (or the panel:
 * @key) and its time @us in microseconds. NULL when out of memory. */
static cJSON *fhir_vital_observation(wg_fhir_vitals_t *v, const char *profile,
                                     const char *key, const char *code,
                                     const char *display, const wg_reading_t *r,
                                     long long us) {
  const wg_fhir_opts_t *o = v->opts;
  char ident[320], url[96];
  cJSON *obs;

  if (v->bundle == NULL && (v->bundle = fhir_new_bundle()) == NULL)
    return NULL;
  snprintf(ident, sizeof(ident), "%s/%s/%s/%lld", v->gateway, v->device, key,
           us);
  if ((obs = fhir_add_entry(v->bundle, "Observation", WG_FHIR_SYSTEM_READING,
                            ident, false)) == NULL)
    return NULL;
  snprintf(url, sizeof(url), PROFILE "%s", profile);
  fhir_append(
      cJSON_AddArrayToObject(cJSON_AddObjectToObject(obs, "meta"), "profile"),
      cJSON_CreateString(url));
  fhir_add_identifier(obs, WG_FHIR_SYSTEM_READING, ident);
  cJSON_AddStringToObject(obs, "status", "final");
  fhir_add_concept(obs, "category", true, CATEGORY, "vital-signs",
                   "Vital Signs", "Vital Signs");
  fhir_add_concept(obs, "code", false, WG_FHIR_LOINC, code, display, display);
  fhir_add_reference(obs, "subject", "Patient", o->patient_system, v->patient);
  fhir_add_time(obs, "effectiveDateTime", r->ts);
  fhir_add_time(obs, "issued", r->received);
  fhir_add_reference(obs, "device", "Device", o->device_system, v->device);
  return obs;
}

/* A pressure joins the panel of its microsecond, or starts one; a second
 * pressure of the same side and microsecond in a pack is passed over (the
 * panel's identifier could not tell them apart). */
static void fhir_add_bp(wg_fhir_vitals_t *v, const wg_reading_t *r, int side) {
  long long us = llround(r->ts * 1e6);
  struct wg_fhir_made_s *p = fhir_made(v, BP, us);
  cJSON *obs, *comps;

  if (p != NULL && p->has[side])
    return;
  if (p == NULL) {
    obs = fhir_vital_observation(v, "bp", "bp", BP_PANEL, BP_PANEL_DISPLAY, r,
                                 us);
    if (obs == NULL || (p = fhir_remember(v, BP, us)) == NULL) {
      v->oom = true;
      return;
    }
    /* Both components, as the profile asks; each "not performed" until a
     * reading fills it. */
    comps = cJSON_AddArrayToObject(obs, "component");
    for (int k = 0; k < 2; k++) {
      p->component[k] = fhir_append(comps, cJSON_CreateObject());
      fhir_add_concept(p->component[k], "code", false, WG_FHIR_LOINC,
                       bp_codes[k], bp_displays[k], bp_displays[k]);
      fhir_add_absent(p->component[k]);
    }
  }
  cJSON_DeleteItemFromObjectCaseSensitive(p->component[side],
                                          "dataAbsentReason");
  fhir_add_quantity(p->component[side], r->value, "mmHg", "mm[Hg]");
  p->has[side] = true;
}

static void fhir_vitals_add(wg_fhir_vitals_t *v, const wg_reading_t *r) {
  const vital_t *vt;
  cJSON *obs;
  long long us;
  int side, kind;

  if ((side = fhir_bp_side(r->name)) >= 0) {
    fhir_add_bp(v, r, side);
    return;
  }
  if ((vt = fhir_vital_of(r->name)) == NULL)
    return;
  kind = (int)(vt - vitals);
  us = llround(r->ts * 1e6);
  if (fhir_made(v, kind, us) != NULL)
    return;
  obs = fhir_vital_observation(v, vt->profile, vt->key, vt->loinc, vt->display,
                               r, us);
  if (obs == NULL || fhir_remember(v, kind, us) == NULL) {
    v->oom = true;
    return;
  }
  if (vt->loinc2 != NULL)
    fhir_add_coding(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(obs, "code"), "coding"),
        WG_FHIR_LOINC, vt->loinc2, vt->display2);
  fhir_add_quantity(obs, r->value, vt->unit, vt->ucum);
}

void wg_fhir_vitals_add(wg_fhir_vitals_t *v, const wg_reading_t *r) {
  wg_json_build_t b;

  if (!(r->flags & WG_READING_HAS_VALUE) || v->oom)
    return;
  b = wg_json_build_begin();
  fhir_vitals_add(v, r);
  /* A member that could not be added fails the whole bundle. */
  if (wg_json_build_failed(b))
    v->oom = true;
}

char *wg_fhir_vitals_end(wg_fhir_vitals_t *v, int *rc) {
  wg_json_build_t b = wg_json_build_begin();
  char *json = NULL;

  *rc = 0;
  /* A panel is identified by what it holds ("bp", or "sbp" or "dbp" alone),
   * so that the halves of a pressure sent in two packs are two panels, not
   * one that a FHIR server keeps with its second half missing. */
  for (size_t i = 0; i < v->nmade && !v->oom; i++) {
    const struct wg_fhir_made_s *p = &v->made[i];
    char ident[320];

    if (p->kind != BP || (p->has[0] && p->has[1]))
      continue;
    snprintf(ident, sizeof(ident), "%s/%s/%s/%lld", v->gateway, v->device,
             p->has[0] ? "sbp" : "dbp", p->us);
    fhir_reidentify(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v->bundle, "entry"),
                           p->entry),
        WG_FHIR_SYSTEM_READING, ident);
  }
  if (wg_json_build_failed(b))
    v->oom = true;
  if (v->bundle != NULL && !v->oom &&
      (json = cJSON_PrintUnformatted(v->bundle)) == NULL)
    v->oom = true;
  if (v->oom)
    *rc = WG_ENOMEM;
  cJSON_Delete(v->bundle);
  v->bundle = NULL;
  v->nmade = 0;
  free(v->made);
  v->made = NULL;
  v->made_cap = 0;
  v->oom = false;
  return json;
}

/* ---- NEWS2 --------------------------------------------------------------- */

/* The NEWS2 total and its parameters' scores: the Royal College of
 * Physicians' NEWS2 observables of SNOMED CT's UK edition, with their
 * preferred terms, as NHS England's FHIR guidance codes them. LOINC has no
 * code for NEWS2. */
#define NEWS2_TOTAL "1104051000000101"
#define RCP_NEWS2                                                              \
  "Royal College of Physicians NEWS2 (National Early Warning Score 2)"
#define NEWS2_TOTAL_DISPLAY RCP_NEWS2 " total score"

typedef struct news2_code_s {
  const char *code, *display;
} news2_code_t;

/* By wg_news2_param_t; SpO2 has one for each scale. */
static const news2_code_t news2_codes[WG_NEWS2_NPARAMS] = {
    [WG_NEWS2_RR] = {"1104301000000104", RCP_NEWS2 " - respiration rate score"},
    [WG_NEWS2_SPO2] = {"1104311000000102",
                       RCP_NEWS2 " - oxygen saturation scale 1 score"},
    [WG_NEWS2_O2] = {"1104331000000105", RCP_NEWS2 " - air or oxygen score"},
    [WG_NEWS2_SBP] = {"1104341000000101",
                      RCP_NEWS2 " - systolic blood pressure score"},
    [WG_NEWS2_HR] = {"1104351000000103", RCP_NEWS2 " - pulse score"},
    [WG_NEWS2_ACVPU] = {"1104361000000100", RCP_NEWS2 " - consciousness score"},
    [WG_NEWS2_TEMP] = {"1104371000000107", RCP_NEWS2 " - temperature score"},
};
static const news2_code_t news2_spo2_scale2 = {
    "1104321000000108", RCP_NEWS2 " - oxygen saturation scale 2 score"};

static const char *const band_displays[] = {
    "Low clinical risk", "Low-medium clinical risk", "Medium clinical risk",
    "High clinical risk"};

char *wg_fhir_news2(const wg_fhir_opts_t *opts, const char *gateway,
                    const char *patient, double ts, int scale,
                    const wg_news2_t *s) {
  wg_json_build_t build = wg_json_build_begin();
  cJSON *b = fhir_new_bundle(), *obs, *comps;
  char ident[320], text[48], parts[WG_NEWS2_NPARAMS + 1];
  char *json = NULL;

  if (b == NULL)
    return NULL;
  /* Two scores of a patient in one commit share its time: the identifier
   * holds the score and its parts, so that neither is taken for the other. */
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    parts[k] = s->components[k] < 0 ? 'n' : (char)('0' + s->components[k]);
  parts[WG_NEWS2_NPARAMS] = '\0';
  snprintf(ident, sizeof(ident), "%s/%s/%lld/%d-%s", gateway, patient,
           llround(ts * 1e6), s->score, parts);
  if ((obs = fhir_add_entry(b, "Observation", WG_FHIR_SYSTEM_NEWS2, ident,
                            false)) == NULL) {
    cJSON_Delete(b);
    return NULL;
  }
  fhir_add_identifier(obs, WG_FHIR_SYSTEM_NEWS2, ident);
  /* A score of the parameters present, not all seven, is interim. */
  cJSON_AddStringToObject(obs, "status", s->complete ? "final" : "preliminary");
  fhir_add_concept(obs, "category", true, CATEGORY, "survey", "Survey",
                   "Survey");
  fhir_add_concept(obs, "code", false, WG_FHIR_SNOMED, NEWS2_TOTAL,
                   NEWS2_TOTAL_DISPLAY, "NEWS2");
  fhir_add_reference(obs, "subject", "Patient", opts->patient_system, patient);
  fhir_add_time(obs, "effectiveDateTime", ts);
  cJSON_AddNumberToObject(obs, "valueInteger", s->score);
  snprintf(text, sizeof(text), "NEWS2 %s", wg_news2_band_name(s->band));
  fhir_add_concept(obs, "interpretation", true, WG_FHIR_SYSTEM_BAND,
                   wg_news2_band_name(s->band),
                   (unsigned)s->band < 4 ? band_displays[s->band] : NULL, text);
  fhir_add_reference(obs, "device", "Device", GATEWAY_SYSTEM, gateway);
  comps = cJSON_AddArrayToObject(obs, "component");
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    const news2_code_t *c =
        k == WG_NEWS2_SPO2 && scale == 2 ? &news2_spo2_scale2 : &news2_codes[k];
    cJSON *comp = fhir_append(comps, cJSON_CreateObject());

    fhir_add_concept(comp, "code", false, WG_FHIR_SNOMED, c->code, c->display,
                     wg_news2_key((wg_news2_param_t)k));
    if (s->components[k] >= 0)
      cJSON_AddNumberToObject(comp, "valueInteger", s->components[k]);
    else
      fhir_add_absent(comp);
  }
  if (!wg_json_build_failed(build))
    json = cJSON_PrintUnformatted(b);
  cJSON_Delete(b);
  return json;
}

/* ---- alerts -------------------------------------------------------------- */

/* flag-priority-code by wg_severity_t. */
static const char *const priorities[WG_SEV_COUNT][2] = {
    {"PH", "High priority"},   /* emergency */
    {"PH", "High priority"},   /* high */
    {"PM", "Medium priority"}, /* medium */
    {"PL", "Low priority"},    /* low */
};

static const char *const rule_displays[WG_RULE_COUNT] = {
    "Fall detected",
    "Vital sign beyond the patient's threshold",
    "NEWS2 at or above the alerting band",
    "Low fluid or food intake",
    "Missed observation",
    "Device silent",
    "Device battery low",
    "Device data refused",
    "Device over its quota",
    "Gateway clock not synchronised: times untrustworthy"};

char *wg_fhir_flag(const wg_fhir_opts_t *opts, const wg_alert_event_t *ev) {
  const wg_alert_t *al = &ev->alert;
  wg_json_build_t build = wg_json_build_begin();
  cJSON *b = fhir_new_bundle(), *flag, *ext, *code, *period;
  unsigned sev = (unsigned)al->severity < WG_SEV_COUNT ? al->severity : 0;
  char *json = NULL;

  if (b == NULL)
    return NULL;
  if ((flag = fhir_add_entry(b, "Flag", WG_FHIR_SYSTEM_ALERT, al->id, true)) ==
      NULL) {
    cJSON_Delete(b);
    return NULL;
  }
  ext = fhir_append(cJSON_AddArrayToObject(flag, "extension"),
                    cJSON_CreateObject());
  cJSON_AddStringToObject(ext, "url", PRIORITY_EXT);
  fhir_add_concept(ext, "valueCodeableConcept", false, PRIORITY,
                   priorities[sev][0], priorities[sev][1],
                   wg_severity_name(al->severity));
  fhir_add_identifier(flag, WG_FHIR_SYSTEM_ALERT, al->id);
  cJSON_AddStringToObject(flag, "status", al->open ? "active" : "inactive");
  fhir_add_concept(flag, "category", true, FLAG_CATEGORY, "clinical",
                   "Clinical", NULL);
  code = fhir_add_concept(
      flag, "code", false, WG_FHIR_SYSTEM_RULE, wg_rule_name(al->rule),
      (unsigned)al->rule < WG_RULE_COUNT ? rule_displays[al->rule] : NULL,
      al->summary);
  if (al->rule == WG_RULE_FALL)
    fhir_add_coding(cJSON_GetObjectItemCaseSensitive(code, "coding"),
                    WG_FHIR_SNOMED, "1912002", "Fall");
  fhir_add_reference(flag, "subject", "Patient", opts->patient_system,
                     al->patient);
  period = cJSON_AddObjectToObject(flag, "period");
  fhir_add_time(period, "start", al->raised);
  if (!al->open)
    fhir_add_time(period, "end", al->ts);
  fhir_add_reference(flag, "author", "Device", GATEWAY_SYSTEM, al->gateway);
  if (!wg_json_build_failed(build))
    json = cJSON_PrintUnformatted(b);
  cJSON_Delete(b);
  return json;
}
