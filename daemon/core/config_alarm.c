/* SPDX-License-Identifier: MIT */
/*
 * "local_alarm" (DESIGN.md sections 4 and 8, added 2026-12-06): when the
 * hub has not had an alert for a while, the home is told.
 */
#include "core/config_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of one argument of the command, and arguments at most. */
#define CONFIG_ALARM_ARG_MAX 4096
#define CONFIG_ALARM_ARGS_MAX 64

/* "command": a non-empty array of strings, the first an absolute path to
 * an executable file (no shell and no PATH search: what runs is what the
 * file names). */
static void config_alarm_command(wg_conf_t *c, const cJSON *arr,
                                 wg_local_alarm_t *la) {
  static const char *const path = "local_alarm.command";
  const cJSON *m;
  struct stat sb;
  size_t i = 0, n;
  char sub[WG_CONF_PATH_MAX];

  if (arr == NULL) {
    wg_conf_problem(c, path, "required");
    return;
  }
  n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
  if (n == 0 || n > CONFIG_ALARM_ARGS_MAX) {
    wg_conf_problem(c, path, "must be an array of 1 to %d strings",
                    CONFIG_ALARM_ARGS_MAX);
    return;
  }
  if ((la->command = wg_conf_alloc(c, n + 1, sizeof(*la->command))) == NULL)
    return;
  cJSON_ArrayForEach(m, arr) {
    wg_conf_join_index(sub, path, (int)i);
    if (!cJSON_IsString(m) || m->valuestring[0] == '\0' ||
        strlen(m->valuestring) > CONFIG_ALARM_ARG_MAX) {
      wg_conf_problem(c, sub, "must be a non-empty string of at most %d bytes",
                      CONFIG_ALARM_ARG_MAX);
      la->command = NULL;
      return;
    }
    la->command[i++] = wg_conf_strdup(c, m->valuestring);
  }
  la->ncommand = n;
  if (la->command[0] == NULL)
    return;
  if (la->command[0][0] != '/') {
    wg_conf_problem(c, "local_alarm.command[0]",
                    "must be an absolute path (no shell, no PATH search)");
    la->command = NULL;
  } else if (stat(la->command[0], &sb) != 0 || !S_ISREG(sb.st_mode) ||
             access(la->command[0], X_OK) != 0) {
    wg_conf_problem(c, "local_alarm.command[0]", "%s is not an executable file",
                    la->command[0]);
    la->command = NULL;
  }
}

void config__local_alarm(wg_conf_t *c, const cJSON *obj, wg_config_t *cfg) {
  static const char *const keys[] = {"after_min", "min_severity", "command",
                                     NULL};
  wg_local_alarm_t *la;

  if (obj == NULL || cJSON_IsNull(obj))
    return;
  if (!wg_conf_object(c, "local_alarm", obj, keys))
    return;
  if ((la = wg_conf_alloc(c, 1, sizeof(*la))) == NULL)
    return;
  /* Fractions of a minute are for tests, as every _min duration's. */
  la->after_min = wg_conf_number(c, "local_alarm", obj, "after_min", 0, 0.01,
                                 1440, false, true);
  la->min_severity = (wg_severity_t)wg_conf_choice(
      c, "local_alarm", obj, "min_severity", 0, wg_severity_names, true);
  config_alarm_command(c, cJSON_GetObjectItemCaseSensitive(obj, "command"), la);
  cfg->local_alarm = la;
}
