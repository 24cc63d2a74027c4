/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>

#include "failalloc.h"
#include "hub/fhir.h"
#include "test.h"
#include "wardgate/error.h"

static const wg_fhir_opts_t opts = {true, "https://fhir.example.org/Id/nhs",
                                    "urn:wardgate:device"};

/* 2026-11-30T09:00:00Z */
#define T0 1796029200.0

static wg_reading_t num(const char *name, double v, double ts) {
  wg_reading_t r = {0};
  r.device_id = "dev-1";
  r.patient_id = "p-1";
  r.name = name;
  r.unit = "";
  r.ts = ts;
  r.received = ts + 0.25;
  r.value = v;
  r.flags = WG_READING_HAS_VALUE;
  return r;
}

static cJSON *parse(char *json) {
  cJSON *o = cJSON_Parse(json);
  free(json);
  return o;
}

static const cJSON *at(const cJSON *o, const char *path) {
  char key[64];

  while (o != NULL && *path) {
    size_t n = strcspn(path, ".");
    snprintf(key, sizeof(key), "%.*s", (int)n, path);
    o = key[0] >= '0' && key[0] <= '9'
            ? cJSON_GetArrayItem(o, atoi(key))
            : cJSON_GetObjectItemCaseSensitive(o, key);
    path += n + (path[n] == '.');
  }
  return o;
}

static const char *str(const cJSON *o, const char *path) {
  return cJSON_GetStringValue(at(o, path));
}

static double numv(const cJSON *o, const char *path) {
  const cJSON *v = at(o, path);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Each vital as its profile has it; blood pressure of one time as one
 * panel, a lone systolic with its diastolic "not performed"; the others
 * left out. */
static void vitals_bundle(void) {
  static const struct {
    const char *key;
    double v;
    const char *profile, *loinc, *ucum;
  } rows[] = {
      {"hr", 72, "heartrate", "8867-4", "/min"},
      {"rr", 16, "resprate", "9279-1", "/min"},
      {"spo2", 97, "oxygensat", "2708-6", "%"},
      {"temp", 37.1, "bodytemp", "8310-5", "Cel"},
  };
  wg_fhir_vitals_t fv = {0};
  wg_reading_t r;
  cJSON *b;
  int rc;

  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "dev-1");
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    r = num(rows[i].key, rows[i].v, T0 + (double)i);
    wg_fhir_vitals_add(&fv, &r);
  }
  r = num("battery", 80, T0);
  wg_fhir_vitals_add(&fv, &r);
  r = num("sbp", 124, T0 + 10);
  wg_fhir_vitals_add(&fv, &r);
  r = num("fall", 0, T0 + 10);
  r.flags = WG_READING_HAS_VB;
  wg_fhir_vitals_add(&fv, &r);
  r = num("dbp", 80, T0 + 10);
  wg_fhir_vitals_add(&fv, &r);
  r = num("sbp", 131, T0 + 20);
  wg_fhir_vitals_add(&fv, &r);
  b = parse(wg_fhir_vitals_end(&fv, &rc));
  ASSERT_EQ(rc, 0);
  ASSERT(b != NULL);
  ASSERT_STR_EQ(str(b, "resourceType"), "Bundle");
  ASSERT_STR_EQ(str(b, "type"), "transaction");
  ASSERT_EQ(cJSON_GetArraySize(at(b, "entry")), 6);
  for (int i = 0; i < 4; i++) {
    const cJSON *e = cJSON_GetArrayItem(at(b, "entry"), i);
    char profile[96], ident[96], query[160];

    snprintf(profile, sizeof(profile),
             "http://hl7.org/fhir/StructureDefinition/%s", rows[i].profile);
    snprintf(ident, sizeof(ident), "gw-1/dev-1/%s/%lld", rows[i].key,
             (long long)((T0 + i) * 1e6));
    snprintf(query, sizeof(query), "identifier=urn:wardgate:reading|%s", ident);
    ASSERT_STR_EQ(str(e, "resource.meta.profile.0"), profile);
    ASSERT_STR_EQ(str(e, "resource.code.coding.0.system"), "http://loinc.org");
    ASSERT_STR_EQ(str(e, "resource.code.coding.0.code"), rows[i].loinc);
    ASSERT_STR_EQ(str(e, "resource.category.0.coding.0.code"), "vital-signs");
    ASSERT_STR_EQ(str(e, "resource.valueQuantity.code"), rows[i].ucum);
    ASSERT_STR_EQ(str(e, "resource.valueQuantity.system"),
                  "http://unitsofmeasure.org");
    ASSERT_NEAR(numv(e, "resource.valueQuantity.value"), rows[i].v, 1e-9);
    ASSERT_STR_EQ(str(e, "resource.identifier.0.value"), ident);
    ASSERT_STR_EQ(str(e, "request.method"), "POST");
    ASSERT_STR_EQ(str(e, "request.ifNoneExist"), query);
    ASSERT_STR_EQ(str(e, "resource.subject.reference"),
                  "Patient?identifier=https://fhir.example.org/Id/nhs|p-1");
    ASSERT_STR_EQ(str(e, "resource.device.identifier.value"), "dev-1");
  }
  ASSERT_STR_EQ(str(b, "entry.2.resource.code.coding.1.code"), "59408-5");
  ASSERT_STR_EQ(str(b, "entry.0.resource.effectiveDateTime"),
                "2026-11-30T09:00:00.000Z");
  ASSERT_STR_EQ(str(b, "entry.0.resource.issued"), "2026-11-30T09:00:00.250Z");
  /* The panel of T0 + 10, both pressures. */
  ASSERT_STR_EQ(str(b, "entry.4.resource.code.coding.0.code"), "85354-9");
  ASSERT(at(b, "entry.4.resource.valueQuantity") == NULL);
  ASSERT_STR_EQ(str(b, "entry.4.resource.component.0.code.coding.0.code"),
                "8480-6");
  ASSERT_NEAR(numv(b, "entry.4.resource.component.0.valueQuantity.value"), 124,
              0);
  ASSERT_STR_EQ(str(b, "entry.4.resource.component.1.code.coding.0.code"),
                "8462-4");
  ASSERT_NEAR(numv(b, "entry.4.resource.component.1.valueQuantity.value"), 80,
              0);
  ASSERT_STR_EQ(str(b, "entry.4.resource.component.1.valueQuantity.code"),
                "mm[Hg]");
  ASSERT(at(b, "entry.4.resource.component.1.dataAbsentReason") == NULL);
  /* The lone systolic of T0 + 20. */
  ASSERT_NEAR(numv(b, "entry.5.resource.component.0.valueQuantity.value"), 131,
              0);
  ASSERT_STR_EQ(
      str(b, "entry.5.resource.component.1.dataAbsentReason.coding.0.code"),
      "not-performed");
  ASSERT(at(b, "entry.5.resource.component.1.valueQuantity") == NULL);
  /* Each entry's fullUrl is its own. */
  for (int i = 0; i < 6; i++)
    for (int j = i + 1; j < 6; j++)
      ASSERT(strcmp(str(cJSON_GetArrayItem(at(b, "entry"), i), "fullUrl"),
                    str(cJSON_GetArrayItem(at(b, "entry"), j), "fullUrl")) !=
             0);
  ASSERT_EQ(strlen(str(b, "entry.0.fullUrl")), 45);
  ASSERT(strncmp(str(b, "entry.0.fullUrl"), "urn:uuid:", 9) == 0);
  ASSERT_EQ(str(b, "entry.0.fullUrl")[23], '8'); /* version 8 */
  cJSON_Delete(b);
}

/* A pack without a vital sign gives no bundle; the same pack gives the
 * same text (a resend is recognised by its identifiers and fullUrls). */
static void none_and_same(void) {
  wg_fhir_vitals_t fv = {0};
  wg_reading_t r = num("battery", 80, T0);
  char *a, *b;
  int rc;

  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "dev-1");
  wg_fhir_vitals_add(&fv, &r);
  ASSERT(wg_fhir_vitals_end(&fv, &rc) == NULL);
  ASSERT_EQ(rc, 0);
  r = num("hr", 72, T0 + 0.0015);
  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "dev-1");
  wg_fhir_vitals_add(&fv, &r);
  a = wg_fhir_vitals_end(&fv, &rc);
  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "dev-1");
  wg_fhir_vitals_add(&fv, &r);
  b = wg_fhir_vitals_end(&fv, &rc);
  ASSERT(a != NULL && b != NULL);
  ASSERT_STR_EQ(a, b);
  ASSERT_CONTAINS(a, "\"effectiveDateTime\":\"2026-11-30T09:00:00.002Z\"");
  ASSERT_CONTAINS(a, "gw-1/dev-1/hr/1796029200001500");
  free(a);
  free(b);
}

/* The halves of a pressure sent in two packs are two panels, each named
 * by what it holds, not one a server would keep half empty; a second
 * reading of a key in the same microsecond of a pack is passed over, so
 * that no two entries share an identifier. */
static void panels_and_microseconds(void) {
  char sbp_url[64];
  wg_fhir_vitals_t fv = {0};
  wg_reading_t r;
  cJSON *b;
  int rc;

  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "bp-1");
  r = num("sbp", 124, T0);
  wg_fhir_vitals_add(&fv, &r);
  r = num("sbp", 125, T0 + 1e-7); /* the same microsecond */
  wg_fhir_vitals_add(&fv, &r);
  r = num("hr", 70, T0);
  wg_fhir_vitals_add(&fv, &r);
  r = num("hr", 71, T0 + 2e-7);
  wg_fhir_vitals_add(&fv, &r);
  b = parse(wg_fhir_vitals_end(&fv, &rc));
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(cJSON_GetArraySize(at(b, "entry")), 2);
  ASSERT_STR_EQ(str(b, "entry.0.resource.identifier.0.value"),
                "gw-1/bp-1/sbp/1796029200000000");
  ASSERT_STR_EQ(
      str(b, "entry.0.request.ifNoneExist"),
      "identifier=urn:wardgate:reading|gw-1/bp-1/sbp/1796029200000000");
  ASSERT_NEAR(numv(b, "entry.0.resource.component.0.valueQuantity.value"), 124,
              0);
  ASSERT_NEAR(numv(b, "entry.1.resource.valueQuantity.value"), 70, 0);
  snprintf(sbp_url, sizeof(sbp_url), "%s", str(b, "entry.0.fullUrl"));
  cJSON_Delete(b);

  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "bp-1");
  r = num("dbp", 80, T0);
  wg_fhir_vitals_add(&fv, &r);
  b = parse(wg_fhir_vitals_end(&fv, &rc));
  ASSERT_STR_EQ(str(b, "entry.0.resource.identifier.0.value"),
                "gw-1/bp-1/dbp/1796029200000000");
  /* Its own fullUrl too, not the lone systolic's of the same time. */
  ASSERT_EQ(strlen(str(b, "entry.0.fullUrl")), 45);
  ASSERT(strcmp(str(b, "entry.0.fullUrl"), sbp_url) != 0);
  cJSON_Delete(b);

  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "bp-1");
  r = num("dbp", 80, T0);
  wg_fhir_vitals_add(&fv, &r);
  r = num("sbp", 124, T0);
  wg_fhir_vitals_add(&fv, &r);
  b = parse(wg_fhir_vitals_end(&fv, &rc));
  ASSERT_EQ(cJSON_GetArraySize(at(b, "entry")), 1);
  ASSERT_STR_EQ(str(b, "entry.0.resource.identifier.0.value"),
                "gw-1/bp-1/bp/1796029200000000");
  cJSON_Delete(b);
}

/* A complete score is final; an incomplete one preliminary, its missing
 * parameters "not performed"; scale 2 has its own SpO2 code. */
static void news2(void) {
  wg_news2_t s = {
      5, {0, 3, 2, 0, 0, 0, 0}, true, WG_NEWS2_BAND_MEDIUM, false, false, 0};
  cJSON *b = parse(wg_fhir_news2(&opts, "gw-1", "p-1", T0, 1, &s));
  const cJSON *o = at(b, "entry.0.resource");

  ASSERT(o != NULL);
  ASSERT_STR_EQ(str(o, "status"), "final");
  ASSERT_STR_EQ(str(o, "code.coding.0.system"), "http://snomed.info/sct");
  ASSERT_STR_EQ(str(o, "code.coding.0.code"), "1104051000000101");
  ASSERT_STR_EQ(str(o, "category.0.coding.0.code"), "survey");
  ASSERT_EQ(numv(o, "valueInteger"), 5);
  ASSERT_STR_EQ(str(o, "interpretation.0.coding.0.code"), "medium");
  ASSERT_EQ(cJSON_GetArraySize(at(o, "component")), 7);
  ASSERT_STR_EQ(str(o, "component.1.code.coding.0.code"), "1104311000000102");
  ASSERT_EQ(numv(o, "component.1.valueInteger"), 3);
  ASSERT_STR_EQ(str(o, "component.4.code.coding.0.code"), "1104351000000103");
  ASSERT_STR_EQ(str(o, "device.reference"),
                "Device?identifier=urn:wardgate:gateway|gw-1");
  ASSERT_STR_EQ(str(b, "entry.0.request.ifNoneExist"),
                "identifier=urn:wardgate:news2|gw-1/p-1/1796029200000000/"
                "5-0320000");
  cJSON_Delete(b);

  s = (wg_news2_t){
      2, {-1, 2, 0, 0, -1, -1, 0}, false, WG_NEWS2_BAND_LOW, false, false, 0};
  /* Another score at the same time is another Observation. */
  b = parse(wg_fhir_news2(&opts, "gw-1", "p-1", T0, 2, &s));
  ASSERT_STR_EQ(str(b, "entry.0.resource.identifier.0.value"),
                "gw-1/p-1/1796029200000000/2-n200nn0");
  cJSON_Delete(b);
  b = parse(wg_fhir_news2(&opts, "gw-1", "p-1", T0, 2, &s));
  o = at(b, "entry.0.resource");
  ASSERT_STR_EQ(str(o, "status"), "preliminary");
  ASSERT_STR_EQ(str(o, "component.1.code.coding.0.code"), "1104321000000108");
  ASSERT_STR_EQ(str(o, "component.0.dataAbsentReason.coding.0.code"),
                "not-performed");
  ASSERT(at(o, "component.0.valueInteger") == NULL);
  ASSERT_STR_EQ(str(o, "component.5.code.text"), "acvpu");
  ASSERT(at(o, "component.5.dataAbsentReason") != NULL);
  cJSON_Delete(b);
}

/* A fall alert of gw-1's patient p-1, high, for the Flag. */
static void fall_event(wg_alert_event_t *ev) {
  memset(ev, 0, sizeof(*ev));
  snprintf(ev->alert.id, sizeof(ev->alert.id), "gw-1-000042");
  snprintf(ev->alert.gateway, sizeof(ev->alert.gateway), "gw-1");
  snprintf(ev->alert.patient, sizeof(ev->alert.patient), "p-1");
  snprintf(ev->alert.summary, sizeof(ev->alert.summary),
           "Fall detected by f-1");
  ev->alert.rule = WG_RULE_FALL;
  ev->alert.severity = WG_SEV_HIGH;
}

/* The Flag: active while the alert is open, inactive with its end once
 * closed; the priority from the severity; a fall coded in SNOMED CT too;
 * created or updated by its identifier. */
static void flag(void) {
  static const struct {
    wg_severity_t sev;
    const char *priority;
  } prio[] = {{WG_SEV_EMERGENCY, "PH"},
              {WG_SEV_HIGH, "PH"},
              {WG_SEV_MEDIUM, "PM"},
              {WG_SEV_LOW, "PL"}};
  wg_alert_event_t ev;
  cJSON *b;
  const cJSON *f;

  fall_event(&ev);
  ev.alert.state = WG_ALERT_RAISED;
  ev.alert.raised = ev.alert.ts = T0;
  ev.alert.open = true;
  b = parse(wg_fhir_flag(&opts, &ev));
  f = at(b, "entry.0.resource");
  ASSERT_STR_EQ(str(f, "resourceType"), "Flag");
  ASSERT_STR_EQ(str(f, "status"), "active");
  ASSERT_STR_EQ(str(f, "identifier.0.value"), "gw-1-000042");
  ASSERT_STR_EQ(str(f, "code.coding.0.code"), "fall");
  ASSERT_STR_EQ(str(f, "code.coding.1.code"), "1912002");
  ASSERT_STR_EQ(str(f, "code.text"), "Fall detected by f-1");
  ASSERT_STR_EQ(str(f, "period.start"), "2026-11-30T09:00:00.000Z");
  ASSERT(at(f, "period.end") == NULL);
  ASSERT_STR_EQ(str(b, "entry.0.request.method"), "PUT");
  ASSERT_STR_EQ(str(b, "entry.0.request.url"),
                "Flag?identifier=urn:wardgate:alert|gw-1-000042");
  cJSON_Delete(b);

  ev.alert.state = WG_ALERT_ACKNOWLEDGED;
  ev.alert.open = false;
  ev.alert.ts = T0 + 90;
  b = parse(wg_fhir_flag(&opts, &ev));
  ASSERT_STR_EQ(str(b, "entry.0.resource.status"), "inactive");
  ASSERT_STR_EQ(str(b, "entry.0.resource.period.end"),
                "2026-11-30T09:01:30.000Z");
  cJSON_Delete(b);

  ev.alert.rule = WG_RULE_THRESHOLD;
  for (size_t i = 0; i < sizeof(prio) / sizeof(prio[0]); i++) {
    ev.alert.severity = prio[i].sev;
    b = parse(wg_fhir_flag(&opts, &ev));
    ASSERT_STR_EQ(str(b, "entry.0.resource.extension.0.url"),
                  "http://hl7.org/fhir/StructureDefinition/flag-priority");
    ASSERT_STR_EQ(
        str(b, "entry.0.resource.extension.0.valueCodeableConcept.coding.0."
               "code"),
        prio[i].priority);
    ASSERT(at(b, "entry.0.resource.code.coding.1") == NULL);
    cJSON_Delete(b);
  }
}

/* The gateway's clock alert: a Flag on the patient whose list it is on,
 * its code clock_unsynchronized with the display that says the home's
 * times are untrustworthy, low priority, the gateway its author; every
 * rule has a display. */
static void flag_clock(void) {
  wg_alert_event_t ev;
  cJSON *b;
  const cJSON *f;

  fall_event(&ev);
  ev.alert.rule = WG_RULE_CLOCK_UNSYNCHRONIZED;
  ev.alert.severity = WG_SEV_LOW;
  ev.alert.open = true;
  ev.alert.raised = ev.alert.ts = T0;
  b = parse(wg_fhir_flag(&opts, &ev));
  f = at(b, "entry.0.resource");
  ASSERT_STR_EQ(str(f, "code.coding.0.code"), "clock_unsynchronized");
  ASSERT_STR_EQ(str(f, "code.coding.0.display"),
                "Gateway clock not synchronised: times untrustworthy");
  ASSERT(at(f, "code.coding.1") == NULL);
  ASSERT_STR_EQ(str(f, "extension.0.valueCodeableConcept.coding.0.code"), "PL");
  ASSERT_STR_EQ(str(f, "subject.identifier.value"), "p-1");
  ASSERT_STR_EQ(str(f, "author.identifier.value"), "gw-1");
  cJSON_Delete(b);
  for (int r = 0; r < WG_RULE_COUNT; r++) {
    ev.alert.rule = (wg_rule_t)r;
    b = parse(wg_fhir_flag(&opts, &ev));
    if (at(b, "entry.0.resource.code.coding.0.display") == NULL)
      FAIL_AT("rule %s has no display", wg_rule_name((wg_rule_t)r));
    cJSON_Delete(b);
  }
}

/* ---- out of memory: each bundle whole or not at all ---------------------- */

static int vitals_oom_rc_wrong; /* a NULL bundle without WG_ENOMEM */

/* Every kind of Observation: the vitals, a second coding (SpO2), a panel
 * of both pressures and a lone systolic, reidentified at the end. */
static char *build_vitals(void *data) {
  static const struct {
    const char *key;
    double v, dt;
  } rows[] = {{"hr", 72, 0},   {"rr", 16, 0},     {"spo2", 97, 0},
              {"temp", 37, 0}, {"sbp", 120, 1},   {"dbp", 80, 1},
              {"sbp", 130, 2}, {"battery", 80, 0}};
  wg_fhir_vitals_t fv;
  wg_reading_t r;
  char *json;
  int rc;

  (void)data;
  wg_fhir_vitals_begin(&fv, &opts, "gw-1", "p-1", "dev-1");
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    r = num(rows[i].key, rows[i].v, T0 + rows[i].dt);
    wg_fhir_vitals_add(&fv, &r);
  }
  json = wg_fhir_vitals_end(&fv, &rc);
  if (json == NULL && rc != WG_ENOMEM)
    vitals_oom_rc_wrong++;
  return json;
}

static char *build_news2(void *data) {
  wg_news2_t s = {
      4, {-1, 2, 0, 0, 1, -1, 1}, false, WG_NEWS2_BAND_LOW, false, false, 0};

  (void)data;
  return wg_fhir_news2(&opts, "gw-1", "p-1", T0, 2, &s);
}

static char *build_flag(void *data) {
  const wg_alert_event_t *ev = data;
  return wg_fhir_flag(&opts, ev);
}

static void bundles_whole_or_none(void) {
  wg_alert_event_t ev;

  ASSERT(failalloc_every(build_vitals, NULL) >= 100);
  ASSERT_EQ(vitals_oom_rc_wrong, 0);
  ASSERT(failalloc_every(build_news2, NULL) >= 100);
  fall_event(&ev);
  ev.alert.raised = T0;
  ev.alert.ts = T0 + 90;
  ev.alert.open = false; /* with the end of its period */
  ASSERT(failalloc_every(build_flag, &ev) >= 50);
}

TEST_MAIN(T(vitals_bundle), T(none_and_same), T(panels_and_microseconds),
          T(news2), T(flag), T(flag_clock), T(bundles_whole_or_none))
