/* SPDX-License-Identifier: MIT */
/*
 * What the configuration schema's files share: config.c reads the file and
 * the gateway's blocks, config_patient.c a patient's, config_devices.c a
 * patient's devices.
 */
#ifndef WG_CONFIG_INTERNAL_H
#define WG_CONFIG_INTERNAL_H

#include <cjson/cJSON.h>

#include "core/config.h"
#include "wardgate/conf.h"

/*
 * A patient's "devices" array @arr, at key path @path, into p->devices and
 * p->device_conf: each a device id, or an object {"id", "keys", "via"}
 * whose keys are known measurement names and whose via are inputs
 * configured in @cfg.
 */
void config__devices(wg_conf_t *c, const char *path, const cJSON *arr,
                     const wg_config_t *cfg, wg_patient_t *p);

/* The block "quota" of @root (absent: the defaults) into @cfg. */
void config__quota(wg_conf_t *c, const cJSON *root, wg_config_t *cfg);

/* Parse "HH:MM" or "HH:MM:SS" into seconds of the day, or -1. */
int config__clock(const char *s);

/* Parses one object of an array into @elem. */
typedef void (*config_elem_fn)(wg_conf_t *c, const char *path, const cJSON *obj,
                               void *elem);

/*
 * An array of objects with the members @keys, each parsed by @fn into an
 * element of @size bytes. Returns the elements (zeroed first) and sets *n.
 */
void *config__objects(wg_conf_t *c, const char *path, const cJSON *arr,
                      size_t size, size_t *n, const char *const *keys,
                      config_elem_fn fn);

/* One object of "patients" at @path into @p (config_patient.c). */
void config__patient(wg_conf_t *c, const char *path, const cJSON *obj,
                     const wg_config_t *cfg, wg_patient_t *p);

/* The "response" member of a patient's "news2" object @news2 (NULL when
 * absent: the defaults) at key path @path, into p->news2_1_4_none and
 * p->news2_single3_low (config_news2.c). */
void config__news2_response(wg_conf_t *c, const char *path, const cJSON *news2,
                            wg_patient_t *p);

/* Devices belong to one patient at most; patient ids are unique. */
void config__check_unique(wg_conf_t *c, const wg_config_t *cfg);

/* Read cfg->ack_key_file into cfg->ack_key (config_key.c); a problem when
 * it cannot be read or the key is shorter than 16 bytes or longer than
 * WG_ACK_KEY_MAX. */
void config__ack_key(wg_conf_t *c, wg_config_t *cfg);

/* "local_alarm" @obj (NULL or null: off) into cfg->local_alarm
 * (config_alarm.c). */
void config__local_alarm(wg_conf_t *c, const cJSON *obj, wg_config_t *cfg);

#endif
