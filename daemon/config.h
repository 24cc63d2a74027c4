/* SPDX-License-Identifier: MIT */
/*
 * The configuration file (DESIGN.md section 4): JSON with comments, every key
 * checked for type and range, unknown keys rejected.
 */
#ifndef WG_CONFIG_H
#define WG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "wardgate/psk.h"

typedef enum {
  WG_SEV_EMERGENCY,
  WG_SEV_HIGH,
  WG_SEV_MEDIUM,
  WG_SEV_LOW,
  WG_SEV_COUNT
} wg_severity_t;

/* Gateway, patient and device ids: 1 to WG_ID_MAX characters of A-Z a-z
 * 0-9 _ - and the extra characters of their kind. */
#define WG_ID_MAX 64
#define WG_GATEWAY_ID_EXTRA ""
#define WG_PATIENT_ID_EXTRA "."
#define WG_DEVICE_ID_EXTRA ".:"

/* True when the @n bytes at @s are an id whose characters beyond the
 * common ones are in @extra. */
bool wg_config_id_ok(const char *s, size_t n, const char *extra);

/* "emergency", "high", "medium", "low". */
const char *wg_severity_name(wg_severity_t s);

typedef enum { WG_DURABILITY_POWER, WG_DURABILITY_PROCESS } wg_durability_t;

typedef struct wg_tls_conf_s {
  const char *ca_file;
  const char *cert_file; /* with key_file, or neither */
  const char *key_file;
} wg_tls_conf_t;

typedef struct wg_mqtt_conf_s {
  const char *host;
  int port;
  const char *topic; /* ingest only */
  const char *client_id;
  const char *username;
  const char *password_file;
  const char *password; /* read from password_file at load */
  bool tls_on;
  wg_tls_conf_t tls;
  int keepalive_s;
} wg_mqtt_conf_t;

typedef struct wg_coap_conf_s {
  const char *bind;
  int port;
  const char *psk_file;
  wg_coap_psk_t *psks; /* read from psk_file at load: DTLS when npsks > 0 */
  size_t npsks;
} wg_coap_conf_t;

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
} wg_intake_t;

typedef struct wg_expect_s {
  const char *name;
  double every_min; /* 0 with follow_news2 */
  bool follow_news2;
} wg_expect_t;

typedef struct wg_patient_s {
  const char *id;
  const char **devices;
  size_t ndevices;
  int news2_scale;
  double news2_window_min;
  wg_threshold_t *thresholds;
  size_t nthresholds;
  wg_intake_t *intake;
  size_t nintake;
  wg_expect_t *expect;
  size_t nexpect;
  double ack_timeout_min[WG_SEV_COUNT];
} wg_patient_t;

typedef struct wg_config_s {
  wg_arena_t arena; /* owns everything below */
  const char *path;
  const char *gateway_id;
  const char *database;
  wg_durability_t durability;
  int retention_days;
  double status_interval_s;
  long outbox_max; /* messages for the hub kept while it is unreachable */
  double device_silent_h; /* device_silent after this long without data */
  bool accept_unknown_devices;
  bool ingest_mqtt_on;
  wg_mqtt_conf_t ingest_mqtt;
  bool ingest_coap_on;
  wg_coap_conf_t ingest_coap;
  wg_mqtt_conf_t uplink_mqtt;
  wg_patient_t *patients;
  size_t npatients;
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

#endif
