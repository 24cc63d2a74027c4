/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP: the patients, routes, unknown_devices and news2_interval_s of a
 * new configuration, taken whole or not at all; what only a restart
 * changes is kept and the log says so.
 */
#include "core/core.h"
#include "core/core_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

/* What only a restart changes is the same in @a and @b: the gateway, the
 * database, which inputs are configured and the FHIR export. */
static bool reload_same_at_start(const wg_config_t *a, const wg_config_t *b) {
  for (size_t i = 0; i < WG_CONFIG_INPUTS_MAX; i++)
    if ((a->ingest[i] == NULL) != (b->ingest[i] == NULL))
      return false;
  return strcmp(a->gateway_id, b->gateway_id) == 0 &&
         strcmp(a->database, b->database) == 0 &&
         a->fhir.enabled == b->fhir.enabled &&
         (!a->fhir.enabled ||
          (strcmp(a->fhir.patient_system, b->fhir.patient_system) == 0 &&
           strcmp(a->fhir.device_system, b->fhir.device_system) == 0));
}

int core__take_patients(wg_core_t *c, wg_config_t *cfg) {
  wg_device_map_t map;

  /* Everything that can fail first, so that a failure changes nothing. */
  if (wg_ingest_build_map(cfg, &map) != 0)
    return WG_ENOMEM;
  if (wg_clinic_set_patients(&c->clinic, cfg, wg_wall_now()) != 0) {
    free(map.v);
    return WG_ENOMEM;
  }
  wg_ingest_set_map(&c->ingest, &map);
  /* A patient who left leaves news2/latest; one who came joins it. */
  wg_hub_set_patients(&c->hub, cfg);
  for (size_t i = 0; i < c->ninputs; i++) {
    const wg_input_t *in = wg_inputs[i];
    if (c->input_open[i] && in->devices_changed != NULL &&
        in->devices_changed(&c->inputs[i], &c->ingest) != 0)
      wg_log(LOG_WARNING,
             "core: reload: out of memory; %s may not know "
             "the new devices",
             in->conf->name);
  }
  if (c->live != c->cfg)
    wg_config_free(c->live);
  c->live = cfg;
  core__arm_tick(c);
  return 0;
}

void wg_core_reload(wg_core_t *c, wg_config_t *cfg) {
  /* The hub's patients are not the file's to replace (remote_config). */
  if (c->remote.running > 0) {
    wg_log(LOG_WARNING,
           "core: reload: the patients are the hub's (configuration "
           "version %lld); the file's are not taken, nor its other "
           "changes before a restart",
           (long long)c->remote.running);
    wg_config_free(cfg);
    return;
  }
  /* The readings waiting for the rules are evaluated with the patients
   * they arrived under. */
  if (wg_commit_now(&c->commit) != 0)
    wg_log(LOG_WARNING, "core: reload: the pending readings are not "
                        "committed yet; they meet the new patients' rules");
  if (!reload_same_at_start(cfg, c->cfg))
    wg_log(LOG_WARNING, "core: reload takes the patients, routes, "
                        "unknown_devices and news2_interval_s only; other "
                        "changes need a restart");
  if (core__take_patients(c, cfg) != 0) {
    wg_log(LOG_ERR, "core: reload: out of memory; keeping the old patients");
    wg_config_free(cfg);
    return;
  }
  wg_log(LOG_INFO, "core: reloaded: %zu patients, %zu devices", cfg->npatients,
         c->ingest.map.n);
}
