/* SPDX-License-Identifier: MIT */
/*
 * The configuration file (DESIGN.md section 4): JSON with comments, every key
 * checked for type and range, unknown keys rejected.
 */
#ifndef WG_CONFIG_H
#define WG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/severity.h"
#include "common/arena.h"
#include "wardgate/conf.h"

/* Input transports the configuration can hold. */
#define WG_CONFIG_INPUTS_MAX 4

/* intake[].spread_min's default (docs/clinical-safety.md "Intake"). */
#define WG_INTAKE_SPREAD_MIN_DEFAULT 10.0

typedef enum { WG_DURABILITY_POWER, WG_DURABILITY_PROCESS } wg_durability_t;

typedef struct wg_threshold_s {
  const char *name;
  double below, above;
  bool has_below, has_above;
  wg_severity_t severity;
  int confirm;
} wg_threshold_t;

typedef struct wg_checkpoint_s {
  int second_of_day; /* local time */
  double fraction;
} wg_checkpoint_t;

typedef struct wg_intake_s {
  const char *name;
  double daily_target;
  wg_checkpoint_t *checkpoints; /* sorted by time */
  size_t ncheckpoints;
  /* Each checkpoint is weighed, and its alert raised, this long after it
   * at most: at an offset fixed per patient (wg_rules_intake_offset_s), so
   * that a shared checkpoint is no storm at the hub. 0: at the checkpoint. */
  double spread_min;
} wg_intake_t;

typedef struct wg_expect_s {
  const char *name;
  double every_min; /* 0 with follow_news2 */
  bool follow_news2;
} wg_expect_t;

/* What a device may do (DESIGN.md section 4, added 2026-12-06): a plain
 * string in "devices" may do anything; an object lists the keys it may
 * report and the transports it may use. */
typedef struct wg_device_conf_s {
  const char **keys; /* known measurement names; NULL: any key */
  size_t nkeys;
  const char **via; /* input names ("mqtt", "coap"); NULL: any transport */
  size_t nvia;
  /* Its class (issue #27): a fall sensor ("class": "fall_sensor", or
   * "keys" with "fall") is silent after @silent_min (default 60) at
   * `medium`; another device after device_silent_h at `low`, or after
   * @silent_min when given. 0: the default. */
  bool fall_sensor;
  double silent_min;
} wg_device_conf_t;

typedef struct wg_patient_s {
  const char *id;
  const char **devices;
  wg_device_conf_t *device_conf; /* one per device, beside devices */
  size_t ndevices;
  int news2_scale;
  double news2_window_min;
  /* RCP chart 4's response (news2.response), zero for the defaults:
   * aggregate 1-4 raises `low` unless @news2_1_4_none; a single 3 raises
   * `medium`, or `low` with @news2_single3_low. */
  bool news2_1_4_none;
  bool news2_single3_low;
  wg_threshold_t *thresholds;
  size_t nthresholds;
  wg_intake_t *intake;
  size_t nintake;
  wg_expect_t *expect;
  size_t nexpect;
  double ack_timeout_min[WG_SEV_COUNT];
} wg_patient_t;

/* A route (DESIGN.md section 8): who acts on an alert, by local time. */
typedef struct wg_route_s {
  const char *name;
  unsigned days; /* bit d for weekday d (0 Sunday, as tm_wday); 0: fallback */
  int from_s,
      to_s; /* seconds of the local day; from_s > to_s crosses midnight */
} wg_route_t;

/* The FHIR R4 export (uplink.fhir): off unless enabled. Patients and
 * devices are referred to by their ids as identifiers in these systems. */
typedef struct wg_fhir_opts_s {
  bool enabled;
  const char *patient_system;
  const char *device_system;
} wg_fhir_opts_t;

/* "local_alarm" (DESIGN.md section 8, added 2026-12-06): when an alert of
 * at least min_severity is open and unacknowledged and the hub has not had
 * it for after_min, the command runs and the home's broker is told. */
typedef struct wg_local_alarm_s {
  double after_min;
  wg_severity_t min_severity;
  const char **command; /* argv, NULL-terminated: an absolute path first */
  size_t ncommand;
} wg_local_alarm_t;

typedef struct wg_config_s {
  wg_arena_t arena; /* owns everything below */
  const char *path;
  const char *gateway_id;
  const char *database;
  const char *control_socket; /* for wardgatectl; NULL: none */
  wg_durability_t durability;
  int retention_days;
  int audit_retention_days; /* alert_events of closed alerts kept so long */
  double status_interval_s;
  long outbox_max; /* messages for the hub kept while it is unreachable */
  double device_silent_h;  /* device_silent after this long without data */
  double news2_interval_s; /* news2 changes within a band: one per this */
  bool accept_unknown_devices;
  bool strict_permissions; /* refuse secret files others may read */
  /* "quota" (ingest/quota.h): per device; 0 for no limit. */
  long quota_packs_per_min;
  long quota_records_per_day;
  /* Each input's options as its driver read them from its block under
   * "ingest", by the input's place in wg_inputs[] (inputs.h); NULL for an
   * input not configured. */
  void *ingest[WG_CONFIG_INPUTS_MAX];
  void *uplink; /* the uplink driver's options, from its block */
  wg_fhir_opts_t fhir;
  /* uplink.ack_key_file (DESIGN.md section 7): the file, and the key
   * read from it (its bytes less one trailing newline); NULL and 0 when
   * acks are not signed. */
  const char *ack_key_file;
  const unsigned char *ack_key;
  size_t ack_key_len;
  /* remote_config (DESIGN.md sections 4 and 7): the patients come from the
   * hub's signed config/desired; config_version is the version whose
   * patients these are, 0 for the file's (core/config_remote.h). */
  bool remote_config;
  int64_t config_version;
  wg_patient_t *patients;
  size_t npatients;
  wg_route_t *routes; /* none: every alert's route is "hub" */
  size_t nroutes;
  wg_local_alarm_t *local_alarm; /* NULL: no local alarm */
  /* An unsynchronised clock is reported once it has been so this long. */
  double clock_sync_grace_min;
} wg_config_t;

/* Receives each problem as one line "FILE: key.path: what is wrong". */
typedef void (*wg_config_error_fn)(void *ud, const char *line);

/*
 * Load and check the file at @path. Every problem found is passed to @err;
 * loading goes on after a problem so that an installer sees all of them at
 * once. Returns 0 with *out set (free with wg_config_free), or WG_EINVAL
 * (problems reported) or WG_ENOMEM.
 */
int wg_config_load(const char *path, wg_config_t **out, wg_config_error_fn err,
                   void *ud);

void wg_config_free(wg_config_t *cfg);

/* The options of input @name ("mqtt", "coap"), or NULL if not configured. */
const void *wg_config_input(const wg_config_t *cfg, const char *name);

#endif
