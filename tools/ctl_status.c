/* SPDX-License-Identifier: MIT */
/* wardgatectl status: the daemon's live status, asked on the control
 * socket, as lines for a person or as the daemon's JSON. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "wardgatectl.h"

int ctl_cmd_status(ctl_t *c) {
  char *line = ctl_ask(c, "status"), t[32], a[32];
  char gw[CTL_TERM_SIZE(64)], ver[CTL_TERM_SIZE(32)], up[CTL_TERM_SIZE(256)],
      route[CTL_TERM_SIZE(64)], bad[CTL_TERM_SIZE(256)];
  cJSON *o = cJSON_Parse(line), *n;

  if (c->json) {
    fputs(line, stdout);
    free(line);
    cJSON_Delete(o);
    return EX_OK;
  }
  if (o == NULL)
    ctl_die(EX_DAEMON, "the daemon's answer is not JSON: %s",
            ctl_term(line, bad, sizeof(bad)));
  n = cJSON_GetObjectItemCaseSensitive(o, "counters");
  printf("gateway   %s, wardgated %s, running since %s (%s)\n",
         ctl_term(ctl_json_str(o, "gateway"), gw, sizeof(gw)),
         ctl_term(ctl_json_str(o, "version"), ver, sizeof(ver)),
         ctl_local_time(ctl_json_num(o, "started"), t, sizeof(t)),
         ctl_age(ctl_json_num(o, "ts") - ctl_json_num(o, "started"), a,
                 sizeof(a)));
  printf("hub       %s%s%s, alerts go to route \"%s\"\n",
         ctl_json_flag(o, "hub_connected") ? "connected" : "NOT CONNECTED",
         ctl_json_str(o, "uplink")[0] ? " to " : "",
         ctl_term(ctl_json_str(o, "uplink"), up, sizeof(up)),
         ctl_json_str(o, "route")[0]
             ? ctl_term(ctl_json_str(o, "route"), route, sizeof(route))
             : "hub");
  if (cJSON_GetObjectItemCaseSensitive(o, "config_version") != NULL &&
      ctl_json_num(o, "config_version") > 0) /* remote_config */
    printf("patients  from the hub's configuration version %.0f\n",
           ctl_json_num(o, "config_version"));
  else if (cJSON_GetObjectItemCaseSensitive(o, "config_version") != NULL)
    printf("patients  from the configuration file (none from the hub yet)\n");
  printf("devices   broker %s; %.0f packs received, %.0f refused\n",
         ctl_json_flag(n, "ingest_connected") ? "connected" : "NOT CONNECTED",
         ctl_json_num(n, "packs_received"), ctl_json_num(n, "packs_rejected"));
  printf("readings  %.0f stored, %.0f waiting, %.0f storage errors\n",
         ctl_json_num(n, "readings_stored"),
         ctl_json_num(n, "readings_pending"), ctl_json_num(n, "store_errors"));
  printf("alerts    %.0f open; %.0f raised, %.0f escalated, %.0f "
         "acknowledged since the start\n",
         ctl_json_num(n, "alerts_open"), ctl_json_num(n, "alerts_raised"),
         ctl_json_num(n, "alerts_escalated"),
         ctl_json_num(n, "alerts_acknowledged"));
  printf("outbox    %.0f waiting for the hub%s%s\n",
         ctl_json_num(n, "outbox_depth"),
         ctl_json_flag(n, "outbox_near_limit") ? ", NEAR ITS LIMIT" : "",
         ctl_json_num(n, "outbox_overflow") > 0 ? ", SOME LOST TO OVERFLOW"
                                                : "");
  if (ctl_json_num(n, "outbox_yielded") > 0)
    printf("fhir      %.0f copies of readings and scores left out while the "
           "outbox was near its limit\n",
           ctl_json_num(n, "outbox_yielded"));
  free(line);
  cJSON_Delete(o);
  return EX_OK;
}
