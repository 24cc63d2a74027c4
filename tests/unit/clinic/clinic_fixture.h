/* SPDX-License-Identifier: MIT */
/*
 * The clinic's test fixture, shared by test_clinic.c and
 * test_clinic_restore.c: two patients' configuration, readings made up at
 * a fake time, a clinic over them.
 */
#ifndef WG_TEST_CLINIC_FIXTURE_H
#define WG_TEST_CLINIC_FIXTURE_H

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clinic/clinic.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define T0 1763900000.0

static const char patients_json[] =
    "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
    "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
    "{\"id\":\"p-1\",\"devices\":[\"oxi-1\",\"fall-1\"],"
    "\"thresholds\":[{\"name\":\"spo2\",\"below\":90,\"severity\":\"high\"}],"
    "\"expect\":[{\"name\":\"spo2\",\"every_min\":60}],"
    "\"escalation\":{\"ack_timeout_min\":{\"high\":10}}},"
    "{\"id\":\"p-2\",\"devices\":[\"cup-2\"]}]}";

/* p-2 drinks, with a checkpoint that has always passed. */
static const char intake_json[] =
    "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":{\"mqtt\":"
    "{}},\"uplink\":{\"mqtt\":{}},\"patients\":["
    "{\"id\":\"p-1\",\"devices\":[\"oxi-1\",\"fall-1\"]},"
    "{\"id\":\"p-2\",\"devices\":[\"cup-2\"],"
    "\"intake\":[{\"name\":\"fluid_intake\",\"daily_target\":1.5,"
    "\"checkpoints\":{\"00:00\":0.25}}]}]}";

static inline wg_reading_t num(const char *device, const char *name, double v,
                               double ts) {
  wg_reading_t r = {0};
  r.device_id = device;
  r.patient_id = "p-1";
  r.name = name;
  r.unit = "";
  r.value = v;
  r.flags = WG_READING_HAS_VALUE;
  r.ts = r.received = ts;
  return r;
}

static inline wg_reading_t fall(double ts) {
  wg_reading_t r = {0};
  r.device_id = "fall-1";
  r.patient_id = "p-1";
  r.name = "fall";
  r.unit = "";
  r.vb = true;
  r.flags = WG_READING_HAS_VB;
  r.ts = r.received = ts;
  return r;
}

typedef struct fixture_s {
  wg_config_t *cfg;
  wg_counters_t counters;
  wg_clinic_t cl;
} fixture_t;

static inline int setup(fixture_t *f, const char *json, uint64_t seq) {
  memset(f, 0, sizeof(*f));
  if ((f->cfg = test_config(json)) == NULL)
    return -1;
  if (wg_clinic_init(&f->cl, "gw-1", seq, 24, &f->counters) != 0)
    return -1;
  return wg_clinic_set_patients(&f->cl, f->cfg, T0);
}

static inline void teardown(fixture_t *f) {
  wg_clinic_free(&f->cl);
  wg_config_free(f->cfg);
}

#endif
