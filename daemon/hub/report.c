/* SPDX-License-Identifier: MIT */
/*
 * What the gateway tells the hub of itself: the status message (DESIGN.md
 * section 7) with its counters, and the error reports on the errors topic,
 * rate-limited by a token bucket so that a broken device or a fighting
 * broker session cannot flood the hub or the journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/routes.h"
#include "common/json_scratch.h"
#include "core/clock.h"
#include "hub/alarm.h"
#include "hub/hub.h"
#include "hub/hub_internal.h"
#include "version.h"
#include "wardgate/error.h"

/* Two losses of one session within this many milliseconds: a suspected
 * takeover (another client connecting with the gateway's client id). */
#define SESSION_TAKEOVER_MS 30000

/* Error reports to the hub: a burst of HUB_ERROR_BURST, then one per
 * second. */
#define ERROR_RATE_PER_S 1.0

/* ---- status and error reports ------------------------------------------ */

/* The members of the status message (DESIGN.md section 7) added to @o: 0,
 * or WG_ENOMEM when one could not be (drop @o then: a status with a
 * member missing is not sent). Without @with_counters it is the will's
 * form. */
int hub__status_add(const wg_hub_t *h, cJSON *o, bool online,
                    bool with_counters) {
  wg_json_build_t b = wg_json_build_begin();
  const char *peer;
  cJSON *n;
  int rc = 0;

  cJSON_AddStringToObject(o, "state", online ? "online" : "offline");
  cJSON_AddStringToObject(o, "gateway", h->cfg->gateway_id);
  cJSON_AddStringToObject(o, "version", WG_VERSION);
  cJSON_AddNumberToObject(o, "started", h->started);
  if (!with_counters)
    goto done; /* the will cannot know the version when it fires */
  if (h->cfg->remote_config) /* whose patients: the hub's version N */
    cJSON_AddNumberToObject(o, "config_version", (double)h->config_version);
  cJSON_AddNumberToObject(o, "ts", wg_wall_now());
  /* NTP: whether the times above and in every event can be trusted. */
  cJSON_AddBoolToObject(o, "clock_synchronized", wg_hub_clock_synchronized(h));
  if (online) /* who acts on an alert raised now */
    cJSON_AddStringToObject(o, "route",
                            wg_routes_name_at(h->alerts->routes,
                                              h->alerts->nroutes,
                                              wg_wall_now()));
  if (online && h->uplink_peer != NULL && h->on &&
      (peer = h->uplink_peer(&h->uplink)) != NULL)
    cJSON_AddStringToObject(o, "uplink", peer); /* the cluster node in use */
  if ((n = cJSON_AddObjectToObject(o, "counters")) == NULL)
    goto done;
#define XX(name) cJSON_AddNumberToObject(n, #name, (double)h->counters->name);
  WG_COUNTERS(XX)
#undef XX
  if (h->cbs->gauges != NULL)
    rc = h->cbs->gauges(h, n);
  cJSON_AddNumberToObject(n, "alerts_open", (double)h->alerts->nopen);
  cJSON_AddNumberToObject(n, "outbox_depth", (double)h->outbox.depth);
  cJSON_AddBoolToObject(n, "outbox_near_limit", h->outbox.near_limit);
  cJSON_AddNumberToObject(n, "outbox_overflow", (double)h->outbox.overflow);
  cJSON_AddNumberToObject(n, "outbox_yielded", (double)h->outbox.yielded);
  cJSON_AddNumberToObject(n, "outbox_refused", (double)h->outbox.refused);
  if (h->alarm != NULL) /* local_alarm: alarms on at the home */
    cJSON_AddNumberToObject(n, "local_alarms_on",
                            (double)wg_alarm_on(h->alarm));
done:
  return rc != 0 || wg_json_build_failed(b) ? WG_ENOMEM : 0;
}

char *wg_hub_status_json(const wg_hub_t *h, bool online, bool with_counters) {
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;

  if (o != NULL && hub__status_add(h, o, online, with_counters) == 0 &&
      !wg_json_build_failed(b))
    text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

void hub__publish_status(wg_hub_t *h, bool online, int *mid) {
  char *text = wg_hub_status_json(h, online, true);
  int rc;

  if (mid != NULL)
    *mid = -1;
  if (!h->on) {
    free(text);
    return;
  }
  rc = text == NULL ? WG_ENOMEM
                    : h->uplink.ops->publish(&h->uplink, h->topic_status, text,
                                             strlen(text), 1, true, mid);
  if (rc != 0) {
    wg_log(LOG_DEBUG, "hub: status not published: %s", wg_strerror(rc));
    if (mid != NULL)
      *mid = -1;
  }
  free(text);
}

/* Token bucket: a broken device must not flood the hub or the journal. */
static bool report_allowed(wg_hub_t *h) {
  uint64_t now = uv_now(h->loop);

  h->error_tokens +=
      (double)(now - h->error_tokens_at) / 1000.0 * ERROR_RATE_PER_S;
  if (h->error_tokens > HUB_ERROR_BURST)
    h->error_tokens = HUB_ERROR_BURST;
  h->error_tokens_at = now;
  if (h->error_tokens < 1.0) {
    h->counters->errors_suppressed++;
    return false;
  }
  h->error_tokens -= 1.0;
  return true;
}

/*
 * A report the uplink could not take (not connected yet, or between
 * sessions): kept, the oldest given up for it when WG_HUB_ERRORS_HELD are
 * (counted as suppressed), so that the hub hears of a device refused before
 * the uplink first connected, not only the journal. Takes @text.
 */
static void report_hold(wg_hub_t *h, char *text) {
  size_t at;

  if (h->errors_nheld == WG_HUB_ERRORS_HELD) {
    free(h->errors_held[h->errors_first]);
    h->errors_first = (h->errors_first + 1) % WG_HUB_ERRORS_HELD;
    h->errors_nheld--;
    h->counters->errors_suppressed++;
  }
  at = (h->errors_first + h->errors_nheld++) % WG_HUB_ERRORS_HELD;
  h->errors_held[at] = text;
}

void hub__report_flush(wg_hub_t *h) {
  while (h->errors_nheld > 0 && h->on) {
    char *text = h->errors_held[h->errors_first];
    int rc = h->uplink.ops->publish(&h->uplink, h->topic_errors, text,
                                    strlen(text), 0, false, NULL);
    if (rc == WG_ENOCONN)
      return; /* down again: kept for the next connect */
    if (rc != 0)
      wg_log(LOG_WARNING, "hub: publish %s: %s", h->topic_errors,
             wg_strerror(rc));
    free(text);
    h->errors_held[h->errors_first] = NULL;
    h->errors_first = (h->errors_first + 1) % WG_HUB_ERRORS_HELD;
    h->errors_nheld--;
  }
}

void hub__report_free(wg_hub_t *h) {
  while (h->errors_nheld > 0) {
    free(h->errors_held[h->errors_first]);
    h->errors_held[h->errors_first] = NULL;
    h->errors_first = (h->errors_first + 1) % WG_HUB_ERRORS_HELD;
    h->errors_nheld--;
  }
}

/* {"device":…,"transport":…,["source":…,]"reason":…,"ts":…} at QoS 0; kept
 * for the next connect while the uplink is down. */
void hub__report_error(wg_hub_t *h, const char *transport, const char *device,
                       const char *source, const char *reason) {
  wg_json_build_t b;
  char *text = NULL;
  cJSON *o;
  int rc;

  if (!report_allowed(h))
    return;
  b = wg_json_build_begin();
  o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "device", device);
  cJSON_AddStringToObject(o, "transport", transport);
  if (source != NULL)
    cJSON_AddStringToObject(o, "source", source);
  cJSON_AddStringToObject(o, "reason", reason);
  cJSON_AddNumberToObject(o, "ts", wg_wall_now());
  if (!wg_json_build_failed(b))
    text = cJSON_PrintUnformatted(o);
  rc = text == NULL ? WG_ENOMEM
       : !h->on     ? WG_ENOCONN
                    : h->uplink.ops->publish(&h->uplink, h->topic_errors, text,
                                             strlen(text), 0, false, NULL);
  if (rc == WG_ENOCONN) {
    report_hold(h, text);
    text = NULL;
  } else if (rc != 0) {
    wg_log(LOG_WARNING, "hub: publish %s: %s", h->topic_errors,
           wg_strerror(rc));
  }
  free(text);
  cJSON_Delete(o);
}

void wg_hub_report_rejection(wg_hub_t *h, const char *transport,
                             const char *device, const char *reason) {
  h->counters->packs_rejected++;
  wg_complain(&h->complaint, LOG_WARNING,
              "hub: pack from %s over %s rejected: %s", device, transport,
              reason);
  hub__report_error(h, transport, device, NULL, reason);
}

void hub__report_ack_error(wg_hub_t *h, const char *reason) {
  h->counters->acks_rejected++;
  wg_complain(&h->complaint, LOG_WARNING, "hub: ack rejected: %s", reason);
  hub__report_error(h, "mqtt", "", "alerts/ack", reason);
}

void wg_hub_report_unknown_ack(wg_hub_t *h, const char *id) {
  char reason[128];

  snprintf(reason, sizeof(reason), "ack for unknown alert id %.96s", id);
  hub__report_ack_error(h, reason);
}

void wg_hub_report_audit_pruning(wg_hub_t *h, int64_t rows, int days) {
  char reason[200];

  snprintf(reason, sizeof(reason),
           "%lld audit rows (alert_events) of closed alerts are older than "
           "audit_retention_days (%d) and are being deleted",
           (long long)rows, days);
  hub__report_error(h, "mqtt", "", "alert_events", reason);
}

void wg_hub_report_session_lost(wg_hub_t *h, const char *which) {
  uint64_t now = uv_now(h->loop), *last = NULL;
  wg_complaint_t *complaint = NULL;
  int i = hub__session_slot(h, which);
  bool at_start = hub__session_at_start(h, i), again;
  char reason[320];

  if (i >= 0) {
    last = &h->session_lost_at[i];
    complaint = &h->session_complaint[i];
  }
  again = last != NULL && *last != 0 && now - *last < SESSION_TAKEOVER_MS;
  if (complaint != NULL)
    complaint->interval_s = 10;
  if (last != NULL)
    *last = now;
  h->counters->sessions_lost++;
  if (again) {
    snprintf(reason, sizeof(reason),
             "suspected takeover: the %s broker session was lost again "
             "within %d s; another client may be connecting with the "
             "gateway's client id",
             which, SESSION_TAKEOVER_MS / 1000);
    if (complaint != NULL)
      wg_complain(complaint, LOG_CRIT, "hub: %s", reason);
  } else if (at_start) {
    snprintf(reason, sizeof(reason),
             "session lost at start: the %s broker had no session for the "
             "gateway at its first connect since the daemon started, though "
             "it had one when the daemon last ran; what it held for the "
             "gateway, queued while the daemon was away, is lost",
             which);
    wg_log(LOG_ERR, "hub: %s", reason);
  } else {
    snprintf(reason, sizeof(reason),
             "session lost: the %s broker had no session for the gateway "
             "after a reconnect; what it held for the gateway is lost",
             which);
    wg_log(LOG_ERR, "hub: %s", reason);
  }
  hub__report_error(h, "mqtt", "", which, reason);
}

void hub__report_refused(wg_hub_t *h, int reason_code, const char *reason) {
  char text[256];

  snprintf(text, sizeof(text),
           "the hub's broker refused a message from the outbox: %s (0x%02x); "
           "it stays in the outbox and is sent again",
           reason, (unsigned)reason_code);
  if (h->refusing) {
    wg_complain(&h->complaint, LOG_ERR, "hub: %s", text);
    return;
  }
  h->refusing = true;
  wg_log(LOG_ERR, "hub: %s", text);
  hub__report_error(h, "mqtt", "", "outbox", text);
}

/* ---- the desired configuration's answer -------------------------------- */

void hub__publish_reported(wg_hub_t *h) {
  if (h->reported == NULL || !wg_hub_connected(h))
    return;
  if (h->uplink.ops->publish(&h->uplink, h->topic_reported, h->reported,
                             strlen(h->reported), 1, true, NULL) != 0)
    wg_complain(&h->complaint, LOG_WARNING,
                "hub: config/reported not sent; it goes at the next connect");
}

void wg_hub_report_config(wg_hub_t *h, const char *json) {
  char *copy = strdup(json);

  if (copy == NULL) {
    wg_log(LOG_ERR, "hub: out of memory: config/reported not sent");
    return;
  }
  free(h->reported);
  h->reported = copy;
  hub__publish_reported(h);
}
