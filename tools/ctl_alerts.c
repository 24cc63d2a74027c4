/* SPDX-License-Identifier: MIT */
/* wardgatectl alerts and ack: the alerts stored, read through the store,
 * and an acknowledgement made at the home, sent on the control socket. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "wardgatectl.h"

static void alerts_evidence_text(const cJSON *alert, char *out, size_t len) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(alert, "evidence");
  const cJSON *e = cJSON_GetArrayItem(ev, cJSON_GetArraySize(ev) - 1);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "v");
  const char *n =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "n"));
  const char *u =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "u"));

  if (e == NULL) {
    snprintf(out, len, "-");
  } else if (cJSON_IsNumber(v)) {
    snprintf(out, len, "%s %g%s%s", n ? n : "", v->valuedouble, u ? " " : "",
             u ? u : "");
  } else {
    v = cJSON_GetObjectItemCaseSensitive(e, "vb");
    snprintf(out, len, "%s%s", n ? n : "",
             cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? " true" : " false") : "");
  }
}

typedef struct alerts_list_s {
  double now;
  int rows;
} alerts_list_t;

/* One alert's line; a payload that is not JSON is left out. */
static int alerts_row(void *ud, const char *payload) {
  alerts_list_t *l = ud;
  cJSON *o = cJSON_Parse(payload);
  char a[32], ev[96], state[40];

  if (o == NULL)
    return 0;
  alerts_evidence_text(o, ev, sizeof(ev));
  snprintf(state, sizeof(state), "%s%s", ctl_json_str(o, "state"),
           ctl_json_flag(o, "acknowledged") &&
                   strcmp(ctl_json_str(o, "state"), "acknowledged")
               ? ", acked"
               : "");
  printf("%-20s %-10s %-14s %-8s %-19s %-8s %3.0f  %s\n", ctl_json_str(o, "id"),
         ctl_json_str(o, "patient"), ctl_json_str(o, "rule"),
         ctl_json_str(o, "severity"), state,
         ctl_age(l->now - ctl_json_num(o, "raised"), a, sizeof(a)),
         ctl_json_num(o, "escalation"), ev);
  cJSON_Delete(o);
  l->rows++;
  return 0;
}

int ctl_cmd_alerts(ctl_t *c) {
  wg_store_t *s = ctl_store(c);
  alerts_list_t l = {wg_wall_now(), 0};
  int rc;

  printf("%-20s %-10s %-14s %-8s %-19s %-8s %3s  %s\n", "ID", "PATIENT", "RULE",
         "SEVERITY", "STATE", "AGE", "ESC", "LAST EVIDENCE");
  if ((rc = wg_store_alerts_list(s, c->all, c->patient, alerts_row, &l)) != 0)
    ctl_read_failed(c, rc);
  if (l.rows == 0)
    printf("(no %salerts%s%s)\n", c->all ? "" : "open ",
           c->patient ? " for " : "", c->patient ? c->patient : "");
  return EX_OK;
}

int ctl_cmd_ack(ctl_t *c, const char *id) {
  cJSON *req = cJSON_CreateObject(), *ans;
  char *json, *request, *line;
  int status;

  if (c->by == NULL || c->by[0] == '\0')
    ctl_die(EX_USAGE, "ack needs --by NAME: who acknowledges it");
  cJSON_AddStringToObject(req, "id", id);
  cJSON_AddStringToObject(req, "by", c->by);
  if (c->outcome)
    cJSON_AddStringToObject(req, "outcome", c->outcome);
  if (c->note)
    cJSON_AddStringToObject(req, "note", c->note);
  json = cJSON_PrintUnformatted(req);
  if (json == NULL || asprintf(&request, "ack %s", json) < 0)
    ctl_die(EX_SETUP, "out of memory");
  line = ctl_ask(c, request);
  ans = cJSON_Parse(line);
  if (ctl_json_flag(ans, "ok")) {
    printf("alert %s acknowledged by %s; recorded, and sent to the hub\n", id,
           c->by);
    status = EX_OK;
  } else {
    fprintf(stderr, "wardgatectl: not acknowledged: %s\n",
            ctl_json_str(ans, "error")[0] ? ctl_json_str(ans, "error") : line);
    status = EX_REFUSED;
  }
  cJSON_Delete(req);
  cJSON_Delete(ans);
  free(json);
  free(request);
  free(line);
  return status;
}
