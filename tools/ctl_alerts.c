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

/* The last evidence, "spo2 88 %", for a terminal. */
static void alerts_evidence_text(const cJSON *alert, char *out, size_t len) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(alert, "evidence");
  const cJSON *e = cJSON_GetArrayItem(ev, cJSON_GetArraySize(ev) - 1);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "v");
  char n[CTL_TERM_SIZE(64)], u[CTL_TERM_SIZE(32)];
  const char *u_raw =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "u"));

  ctl_term(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "n")), n,
           sizeof(n));
  ctl_term(u_raw, u, sizeof(u));
  if (e == NULL) {
    snprintf(out, len, "-");
  } else if (cJSON_IsNumber(v)) {
    snprintf(out, len, "%s %g%s%s", n, v->valuedouble, u_raw ? " " : "", u);
  } else {
    v = cJSON_GetObjectItemCaseSensitive(e, "vb");
    snprintf(out, len, "%s%s", n,
             cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? " true" : " false") : "");
  }
}

typedef struct alerts_list_s {
  double now;
  int rows;
} alerts_list_t;

/* One alert's line, and who acknowledged it on a line of its own; a
 * payload that is not JSON is left out. Every text is the database's, so
 * each is shown escaped (ctl_term). */
static int alerts_row(void *ud, const char *payload) {
  alerts_list_t *l = ud;
  cJSON *o = cJSON_Parse(payload);
  char a[32], ev[CTL_TERM_SIZE(64) + CTL_TERM_SIZE(32) + 32], state[40],
      id[CTL_TERM_SIZE(32)], patient[CTL_TERM_SIZE(32)],
      rule[CTL_TERM_SIZE(24)], severity[CTL_TERM_SIZE(16)],
      st[CTL_TERM_SIZE(24)], by[CTL_TERM_SIZE(64)];

  if (o == NULL)
    return 0;
  alerts_evidence_text(o, ev, sizeof(ev));
  snprintf(state, sizeof(state), "%s%s",
           ctl_term(ctl_json_str(o, "state"), st, sizeof(st)),
           ctl_json_flag(o, "acknowledged") &&
                   strcmp(ctl_json_str(o, "state"), "acknowledged")
               ? ", acked"
               : "");
  printf("%-20s %-10s %-14s %-8s %-19s %-8s %3.0f  %s\n",
         ctl_term(ctl_json_str(o, "id"), id, sizeof(id)),
         ctl_term(ctl_json_str(o, "patient"), patient, sizeof(patient)),
         ctl_term(ctl_json_str(o, "rule"), rule, sizeof(rule)),
         ctl_term(ctl_json_str(o, "severity"), severity, sizeof(severity)),
         state, ctl_age(l->now - ctl_json_num(o, "raised"), a, sizeof(a)),
         ctl_json_num(o, "escalation"), ev);
  if (ctl_json_flag(o, "acknowledged"))
    printf("%-20s by %s, %s\n", "",
           ctl_term(ctl_json_str(o, "by"), by, sizeof(by)),
           strcmp(ctl_json_str(o, "via"), "local") == 0 ? "at the home"
                                                        : "from the hub");
  cJSON_Delete(o);
  l->rows++;
  return 0;
}

int ctl_cmd_alerts(ctl_t *c) {
  wg_store_t *s = ctl_store(c);
  alerts_list_t l = {wg_wall_now(), 0};
  char p[CTL_TERM_SIZE(64)];
  int rc;

  printf("%-20s %-10s %-14s %-8s %-19s %-8s %3s  %s\n", "ID", "PATIENT", "RULE",
         "SEVERITY", "STATE", "AGE", "ESC", "LAST EVIDENCE");
  if ((rc = wg_store_alerts_list(s, c->all, c->patient, alerts_row, &l)) != 0)
    ctl_read_failed(c, rc);
  if (l.rows == 0)
    printf("(no %salerts%s%s)\n", c->all ? "" : "open ",
           c->patient ? " for " : "",
           c->patient ? ctl_term(c->patient, p, sizeof(p)) : "");
  return EX_OK;
}

int ctl_cmd_ack(ctl_t *c, const char *id) {
  cJSON *req = cJSON_CreateObject(), *ans;
  char *json, *request, *line, shown[CTL_TERM_SIZE(600)];
  char tid[CTL_TERM_SIZE(32)], tby[CTL_TERM_SIZE(64)];
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
    printf("alert %s acknowledged by %s; recorded, and sent to the hub\n",
           ctl_term(id, tid, sizeof(tid)), ctl_term(c->by, tby, sizeof(tby)));
    status = EX_OK;
  } else {
    fprintf(stderr, "wardgatectl: not acknowledged: %s\n",
            ctl_term(ctl_json_str(ans, "error")[0] ? ctl_json_str(ans, "error")
                                                   : line,
                     shown, sizeof(shown)));
    status = EX_REFUSED;
  }
  cJSON_Delete(req);
  cJSON_Delete(ans);
  free(json);
  free(request);
  free(line);
  return status;
}
