/* SPDX-License-Identifier: MIT */
#include "hub/hub.h"
#include "hub/hub_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/news2.h"
#include "common/json_scratch.h"
#include "common/text.h"
#include "core/clock.h"
#include "hub/ack.h"
#include "hub/alarm.h"
#include "hub/control.h"
#include "wardgate/error.h"
#include "wardgate/mqtt.h"

/* alerts/active and news2/latest: at most one snapshot of each in this
 * many milliseconds. */
#define ACTIVE_INTERVAL_MS 1000
/* A refused outbox row is sent again after this long, doubling up to the
 * maximum while refusals go on. */
#define HUB_REFUSED_MIN_MS 1000
#define HUB_REFUSED_MAX_MS 60000

/* An ack, checked (wg_ack_check(): with uplink.ack_key_file, its
 * signature, time and freshness); a bad or refused one reported. */
static int hub_parse_ack(wg_hub_t *h, const void *payload, size_t len,
                         wg_ack_t *ack) {
  double now = wg_wall_now();
  char reason[320];
  int rc;

  if ((rc = wg_ack_check(h->ack_guard, payload, len, now, ack, reason,
                         sizeof(reason))) != 0) {
    hub__report_ack_error(h, reason);
    /* Refused, not malformed: its id and by are known, and the refusal
     * goes to the audit trail. */
    if (rc == WG_EAUTH)
      wg_copy(ack->refused, sizeof(ack->refused),
              strncmp(reason, "refused ack: ", 13) == 0 ? reason + 13 : reason);
    ack->ts = now;
    return rc;
  }
  ack->ts = now;
  return 0;
}

/* ---- what the control socket asks ---------------------------------------- */

static int hub_control_status(void *data, cJSON *o) {
  return hub__status_add(data, o, true, true);
}

static bool hub_control_connected(void *data) { return wg_hub_connected(data); }

static bool hub_control_alert_open(void *data, const char *id) {
  const wg_hub_t *h = data;
  return wg_alerts_by_id(h->alerts, id) != NULL;
}

/* An ack from the home is input, as one from the hub is. */
static void hub_control_ack(void *data, const wg_ack_t *ack) {
  wg_hub_t *h = data;

  if (h->cbs->input != NULL)
    h->cbs->input(h);
  wg_alarm_acked(h->alarm, ack->id, true);
  if (h->cbs->ack != NULL)
    h->cbs->ack(h, ack);
}

static const wg_control_cbs_t hub_control_cbs = {
    .status = hub_control_status,
    .hub_connected = hub_control_connected,
    .alert_open = hub_control_alert_open,
    .ack = hub_control_ack};

/* ---- the outbox and the snapshot ---------------------------------------- */

bool wg_hub_connected(const wg_hub_t *h) {
  return h->on && h->uplink.ops->is_connected(&h->uplink);
}

static void hub_latest_changed(wg_hub_t *h);

static int hub_outbox_publish(void *ud, const char *topic, const char *payload,
                              int *mid) {
  wg_hub_t *h = ud;
  size_t len = strlen(payload);
  /* The daily log stays at the broker for whoever looks later. */
  bool retain = strcmp(topic, h->topic_log) == 0;
  int rc =
      h->uplink.ops->publish(&h->uplink, topic, payload, len, 1, retain, mid);

  /* What the hub was told of a patient's NEWS2 is the patient's latest.
   * The outbox sends in the order of the commits, again from the oldest
   * after a reconnect or a restart, so the last one sent is the newest. */
  if (rc == 0 && strcmp(topic, h->topic_news2) == 0 &&
      wg_latest_learn(&h->latest, payload, len) == WG_ENOMEM)
    wg_complain(&h->complaint, LOG_WARNING,
                "hub: out of memory: news2/latest misses a score");
  if (rc == 0 && strcmp(topic, h->topic_alerts) == 0)
    wg_alarm_sent(h->alarm, *mid, payload);
  return rc;
}

static void hub_pump_outbox(wg_hub_t *h) {
  if (!wg_hub_connected(h))
    return;
  wg_outbox_pump(&h->outbox, hub_outbox_publish, h);
  hub_latest_changed(h);
}

/* The retained snapshot of every open alert, for the hub to reconcile. */
static void hub_publish_active(wg_hub_t *h) {
  size_t len;
  char *text;

  if (!wg_hub_connected(h))
    return;
  /* Out of memory: active_dirty stays, and the next change tries again. */
  if ((text = wg_alerts_snapshot(h->alerts, wg_wall_now(), &len)) == NULL)
    return;
  if (h->uplink.ops->publish(&h->uplink, h->topic_active, text, len, 1, true,
                             NULL) == 0) {
    h->active_dirty = false;
    h->active_sent = true;
    h->active_at = uv_now(h->loop);
  }
  free(text);
}

static void hub_active_cb(uv_timer_t *t) {
  wg_hub_t *h = t->data;
  if (h->active_dirty)
    hub_publish_active(h);
}

/* The open alerts changed: a snapshot now, or a second after the last one,
 * whatever the number of changes in between (DESIGN.md section 7). */
static void hub_active_changed(wg_hub_t *h) {
  uint64_t now = uv_now(h->loop);

  h->active_dirty = true;
  if (!wg_hub_connected(h) || uv_is_active((uv_handle_t *)&h->active_timer))
    return;
  if (!h->active_sent || now >= h->active_at + ACTIVE_INTERVAL_MS)
    hub_publish_active(h);
  else
    uv_timer_start(&h->active_timer, hub_active_cb,
                   h->active_at + ACTIVE_INTERVAL_MS - now, 0);
}

/* The retained latest NEWS2 of every patient, for a console or hub that
 * joins late. */
static void hub_publish_latest(wg_hub_t *h) {
  size_t len;
  char *text;

  if (!wg_hub_connected(h))
    return;
  /* Out of memory: `changed` stays, and the next change tries again. */
  if ((text = wg_latest_snapshot(&h->latest, wg_wall_now(), &len)) == NULL)
    return;
  if (h->uplink.ops->publish(&h->uplink, h->topic_latest, text, len, 1, true,
                             NULL) == 0) {
    h->latest.changed = false;
    h->latest_sent = true;
    h->latest_at = uv_now(h->loop);
  }
  free(text);
}

static void hub_latest_cb(uv_timer_t *t) {
  wg_hub_t *h = t->data;
  if (h->latest.changed)
    hub_publish_latest(h);
}

/* A score changed: news2/latest now, or a second after the last one. */
static void hub_latest_changed(wg_hub_t *h) {
  uint64_t now = uv_now(h->loop);

  if (!h->latest.changed || !wg_hub_connected(h) ||
      uv_is_active((uv_handle_t *)&h->latest_timer))
    return;
  if (!h->latest_sent || now >= h->latest_at + ACTIVE_INTERVAL_MS)
    hub_publish_latest(h);
  else
    uv_timer_start(&h->latest_timer, hub_latest_cb,
                   h->latest_at + ACTIVE_INTERVAL_MS - now, 0);
}

/* The score behind a stored NEWS2, as the news2 message it went out as. */
static int hub_latest_restore_cb(void *ud, const wg_store_score_t *sc) {
  wg_hub_t *h = ud;
  wg_arena_mark_t mark = wg_json_scratch_begin();
  wg_json_build_t b = wg_json_build_begin();
  cJSON *c = cJSON_Parse(sc->components), *v;
  wg_news2_t s = {.score = sc->score, .complete = sc->complete};
  bool ok = cJSON_IsObject(c);
  wg_news2_json_t j;
  int band = 0;

  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    s.components[k] = -1;
  cJSON_ArrayForEach(v, c) {
    int k = wg_news2_param(v->string);
    if (k < 0 || !cJSON_IsNumber(v) || v->valueint < 0 || v->valueint > 3)
      ok = false;
    else
      s.components[k] = v->valueint;
  }
  wg_json_scratch_end(mark);
  if (wg_json_build_failed(b))
    return WG_ENOMEM;
  while (band <= WG_NEWS2_BAND_HIGH &&
         strcmp(wg_news2_band_name((wg_news2_band_t)band), sc->band) != 0)
    band++;
  if (!ok || band > WG_NEWS2_BAND_HIGH) {
    wg_log(LOG_WARNING,
           "hub: the stored NEWS2 of %s is unreadable; "
           "news2/latest goes without it",
           sc->patient);
    return 0;
  }
  s.band = (wg_news2_band_t)band;
  wg_news2_json(&s, sc->patient, sc->ts, sc->scale, true, &j);
  return wg_latest_put(&h->latest, sc->patient, j.message, strlen(j.message)) ==
                 WG_ENOMEM
             ? WG_ENOMEM
             : 0;
}

/* The patients of @cfg in news2/latest, those new to it with their newest
 * stored score. */
static int hub_latest_set_patients(wg_hub_t *h, const wg_config_t *cfg) {
  int rc = wg_latest_set_patients(&h->latest, cfg), rrc;

  for (size_t i = 0; i < cfg->npatients; i++) {
    const char *id = cfg->patients[i].id;
    if (wg_latest_wants(&h->latest, id) &&
        (rrc = wg_store_score_latest(h->outbox.store, id, hub_latest_restore_cb,
                                     h)) != 0)
      rc = rrc;
  }
  if (rc == WG_ENOMEM)
    wg_log(LOG_WARNING, "hub: out of memory: news2/latest may miss a "
                        "patient until the next reload");
  return rc;
}

int wg_hub_set_patients(wg_hub_t *h, const wg_config_t *cfg) {
  int rc = hub_latest_set_patients(h, cfg);

  h->config_version = cfg->config_version;
  hub_latest_changed(h);
  return rc;
}

void wg_hub_committed(wg_hub_t *h, uint64_t ticket, bool alerts_changed) {
  wg_control_committed(h->control);
  if (!h->on)
    return;
  hub__hold_stop(h);
  wg_alarm_sync(h->alarm); /* before the pump: a new alert is watched */
  h->uplink.ops->committed(&h->uplink, ticket);
  hub_pump_outbox(h);
  if (alerts_changed || h->active_dirty)
    hub_active_changed(h);
}

void wg_hub_drain(wg_hub_t *h) {
  h->draining = true;
  uv_timer_stop(&h->status_timer);
}

bool wg_hub_drained(wg_hub_t *h) {
  if (wg_hub_connected(h) && !wg_outbox_drained(&h->outbox)) {
    hub_pump_outbox(h);
    return false;
  }
  return true;
}

bool wg_hub_go_offline(wg_hub_t *h) {
  /* The last snapshots before the offline status, if one was waiting. */
  uv_timer_stop(&h->active_timer);
  if (h->active_dirty)
    hub_publish_active(h);
  uv_timer_stop(&h->latest_timer);
  if (h->latest.changed)
    hub_publish_latest(h);
  if (wg_hub_connected(h))
    hub__publish_status(h, false, &h->offline_mid);
  return h->offline_mid >= 0;
}

/* ---- the uplink's callbacks ---------------------------------------------- */

/* The queued events after a (re)connect: see hub_uplink_connected(). */
static void hub_pump_cb(uv_timer_t *t) {
  wg_hub_t *h = t->data;

  hub_pump_outbox(h);
  if (h->draining && h->cbs->progress != NULL)
    h->cbs->progress(h);
}

/*
 * On every (re)connect: status and the open alerts; then, at the next turn
 * of the loop, the queued events, and after them the latest scores (once
 * the news2 messages the outbox sends have had their say, so that one
 * snapshot goes rather than two). The events wait for that turn because
 * this runs inside the CONNACK's callback, before libmosquitto sends again
 * what it had in flight: pumped now, a newer event would overtake those.
 */
static void hub_uplink_connected(wg_driver_t *drv) {
  wg_hub_t *h = drv->data;

  if (!h->draining)
    hub__publish_status(h, true, NULL);
  hub__report_flush(h);
  if (h->reported != NULL)
    hub__publish_reported(h);
  hub_publish_active(h);
  uv_timer_start(&h->pump_timer, hub_pump_cb, 0, 0);
  h->latest.changed = true;
  uv_timer_start(&h->latest_timer, hub_latest_cb, 0, 0);
}

static void hub_uplink_session_lost(wg_driver_t *drv) {
  wg_hub_report_session_lost(drv->data, drv->label);
}

static void hub_uplink_session_held(wg_driver_t *drv, bool held) {
  wg_hub_session_held(drv->data, drv->label, held);
}

static void hub_uplink_disconnected(wg_driver_t *drv) {
  wg_hub_t *h = drv->data;
  wg_outbox_disconnected(&h->outbox);
  /* What is in flight keeps its message id (libmosquitto sends it again):
   * the local alarm still waits for its PUBACK. */
}

/* A retained ack is one the hub's broker kept from before this
 * subscription: applied when it was new, or meant for another run; taken
 * again it would acknowledge at every reconnect. */
static void hub_uplink_message_info(wg_driver_t *drv, const char *topic,
                                    const void *payload, size_t len,
                                    const wg_message_info_t *info) {
  wg_hub_t *h = drv->data;
  wg_ack_t ack;
  int rc;

  if (h->cbs->input != NULL)
    h->cbs->input(h);
  hub__hold_start(h);
  /* Retained is the desired configuration's point: the hub's last word,
   * kept for a gateway that was away. */
  if (h->cfg->remote_config && strcmp(topic, h->topic_desired) == 0 &&
      h->cbs->desired != NULL)
    h->cbs->desired(h, payload, len);
  if (strcmp(topic, h->topic_ack) != 0)
    return;
  if (info->retained) {
    hub__report_ack_error(h, "retained ack ignored: kept by the broker from "
                             "before, not a new acknowledgement");
    return;
  }
  memset(&ack, 0, sizeof(ack));
  rc = hub_parse_ack(h, payload, len, &ack);
  if (rc == 0)
    wg_alarm_acked(h->alarm, ack.id, false);
  if ((rc == 0 || rc == WG_EAUTH) && hub__ack_audited(h, &ack) &&
      h->cbs->ack != NULL)
    h->cbs->ack(h, &ack);
}

static void hub_uplink_message(wg_driver_t *drv, const char *topic,
                               const void *payload, size_t len) {
  const wg_message_info_t info = {.retained = false};
  hub_uplink_message_info(drv, topic, payload, len, &info);
}

/* Refused rows go again, and the outbox's window with them. */
static void hub_refused_cb(uv_timer_t *t) {
  wg_hub_t *h = t->data;

  wg_outbox_retry_refused(&h->outbox);
  hub_pump_outbox(h);
}

/* Refused by the hub's broker (MQTT 5): not delivered. An outbox row stays
 * and is sent again after a backoff; anything else is only said. */
static void hub_uplink_refused(wg_driver_t *drv, int mid, int reason_code,
                               const char *reason) {
  wg_hub_t *h = drv->data;

  wg_alarm_forget(h->alarm, mid);
  if (!wg_outbox_refused(&h->outbox, mid)) {
    wg_complain(&h->complaint, LOG_WARNING,
                "hub: the hub's broker refused a message: %s (0x%02x)", reason,
                (unsigned)reason_code);
    if (mid == h->offline_mid && h->cbs->offline != NULL) {
      h->offline_mid = -1;
      h->cbs->offline(h);
    }
    return;
  }
  hub__report_refused(h, reason_code, reason);
  if (!uv_is_active((uv_handle_t *)&h->refused_timer)) {
    uv_timer_start(&h->refused_timer, hub_refused_cb, h->refused_backoff_ms, 0);
    h->refused_backoff_ms = h->refused_backoff_ms * 2 > HUB_REFUSED_MAX_MS
                                ? HUB_REFUSED_MAX_MS
                                : h->refused_backoff_ms * 2;
  }
  hub_pump_outbox(h); /* the window has room for the rows after it */
}

static void hub_uplink_published(wg_driver_t *drv, int mid) {
  wg_hub_t *h = drv->data;

  if (wg_outbox_puback(&h->outbox, mid)) {
    wg_alarm_puback(h->alarm, mid);
    /* Taken, with no refusal waiting to go again: the refusals are over. */
    if (h->refusing && !wg_outbox_has_refused(&h->outbox) &&
        !uv_is_active((uv_handle_t *)&h->refused_timer)) {
      h->refusing = false;
      h->refused_backoff_ms = HUB_REFUSED_MIN_MS;
      wg_log(LOG_INFO, "hub: the hub's broker takes the outbox again");
    }
    hub_pump_outbox(
        h); /* the window may have room; the deletion commits later */
    return;
  }
  if (mid == h->offline_mid) {
    h->offline_mid = -1;
    if (h->cbs->offline != NULL)
      h->cbs->offline(h);
  }
}

/* The uplink's client was replaced: its messages in flight are gone, so
 * the outbox sends them again and the local alarm waits for the new
 * PUBACKs. */
static void hub_uplink_inflight_lost(wg_driver_t *drv) {
  wg_hub_t *h = drv->data;

  wg_outbox_inflight_lost(&h->outbox);
  wg_alarm_forget(h->alarm, -1);
}

static const wg_driver_cbs_t hub_uplink_cbs = {
    .connected = hub_uplink_connected,
    .disconnected = hub_uplink_disconnected,
    .message = hub_uplink_message,
    .published = hub_uplink_published,
    .message_info = hub_uplink_message_info,
    .session_lost = hub_uplink_session_lost,
    .refused = hub_uplink_refused,
    .inflight_lost = hub_uplink_inflight_lost,
    .session_held = hub_uplink_session_held};

/* ---- life cycle ---------------------------------------------------------- */

/* Only while connected: libmosquitto would queue a status published while
 * the hub is away and send every one at the reconnect, each of them stale;
 * the reconnect publishes one fresh status instead. */
static void hub_status_cb(uv_timer_t *t) {
  wg_hub_t *h = t->data;
  if (wg_hub_connected(h))
    hub__publish_status(h, true, NULL);
}

int wg_hub_init(wg_hub_t *h, uv_loop_t *loop, const wg_config_t *cfg,
                wg_store_t *store, wg_alerts_t *alerts, wg_counters_t *counters,
                const wg_hub_cbs_t *cbs, void *data) {
  const char *gw = cfg->gateway_id;
  int rc;

  memset(h, 0, sizeof(*h));
  h->loop = loop;
  h->cfg = cfg;
  h->alerts = alerts;
  h->counters = counters;
  h->cbs = cbs;
  h->data = data;
  h->started = wg_wall_now();
  h->offline_mid = -1;
  h->uplink_init = wg_mqtt_driver_init;
  h->uplink_peer = wg_mqtt_driver_peer;
  h->error_tokens = HUB_ERROR_BURST;
  h->complaint.interval_s = 10;
  h->audit_complaint.interval_s = 60;
  h->refused_backoff_ms = HUB_REFUSED_MIN_MS;
  snprintf(h->topic_status, sizeof(h->topic_status), "wardgate/%s/status", gw);
  snprintf(h->topic_errors, sizeof(h->topic_errors), "wardgate/%s/errors", gw);
  snprintf(h->topic_alerts, sizeof(h->topic_alerts), "wardgate/%s/alerts", gw);
  snprintf(h->topic_ack, sizeof(h->topic_ack), "wardgate/%s/alerts/ack", gw);
  snprintf(h->topic_active, sizeof(h->topic_active),
           "wardgate/%s/alerts/active", gw);
  snprintf(h->topic_news2, sizeof(h->topic_news2), "wardgate/%s/news2", gw);
  snprintf(h->topic_latest, sizeof(h->topic_latest), "wardgate/%s/news2/latest",
           gw);
  snprintf(h->topic_log, sizeof(h->topic_log), "wardgate/%s/log/daily", gw);
  snprintf(h->topic_desired, sizeof(h->topic_desired),
           "wardgate/%s/config/desired", gw);
  snprintf(h->topic_reported, sizeof(h->topic_reported),
           "wardgate/%s/config/reported", gw);
  for (int k = 0; k < WG_FHIR_TOPICS; k++)
    snprintf(h->topic_fhir[k], sizeof(h->topic_fhir[k]), "wardgate/%s/fhir/%s",
             gw, wg_fhir_topic_names[k]);
  wg_latest_init(&h->latest);
  if ((h->ack_guard = malloc(sizeof(*h->ack_guard))) == NULL)
    return WG_ENOMEM;
  if ((rc = wg_ack_guard_init(h->ack_guard, cfg->ack_key, cfg->ack_key_len)) !=
          0 ||
      (rc = wg_outbox_init(&h->outbox, store, cfg->outbox_max)) != 0) {
    free(h->ack_guard);
    h->ack_guard = NULL;
    return rc;
  }
  if (cfg->ack_key_len == 0)
    wg_log(LOG_WARNING,
           "hub: no uplink.ack_key_file: acks from the hub are taken "
           "unverified (\"verified\": false); anyone who may publish on %s "
           "can acknowledge an alert",
           h->topic_ack);
  /* What the hub last heard of each patient's NEWS2 is in the scores. */
  rc = hub_latest_set_patients(h, cfg);
  return rc == WG_ENOMEM ? 0 : rc;
}

int wg_hub_start(wg_hub_t *h) {
  /* Copied by the driver; config/desired only with remote_config. */
  const char *subscriptions[] = {h->topic_ack, h->topic_desired};
  wg_mqtt_opts_t o = *(const wg_mqtt_opts_t *)h->cfg->uplink;
  char client_id[96];
  int rc;

  uv_timer_init(h->loop, &h->status_timer);
  uv_timer_init(h->loop, &h->active_timer);
  uv_timer_init(h->loop, &h->latest_timer);
  uv_timer_init(h->loop, &h->refused_timer);
  uv_timer_init(h->loop, &h->hold_timer);
  uv_timer_init(h->loop, &h->pump_timer);
  hub__clock_start(h);
  h->status_timer.data = h->active_timer.data = h->latest_timer.data = h;
  h->refused_timer.data = h->hold_timer.data = h->pump_timer.data = h;
  h->error_tokens_at = uv_now(h->loop);
  /* The will cannot know the counters at the time it fires: none. */
  if ((h->will = wg_hub_status_json(h, false, false)) == NULL)
    return WG_ENOMEM;
  snprintf(client_id, sizeof(client_id), "wardgate-%s-uplink",
           h->cfg->gateway_id);
  if (o.client_id == NULL)
    o.client_id = client_id;
  /* A persistent session: acks sent while the gateway is away wait for it
   * at the hub's broker. */
  o.clean_session = false;
  o.subscriptions = subscriptions;
  o.nsubscriptions = h->cfg->remote_config ? 2 : 1;
  o.will_topic = h->topic_status;
  o.will_payload = h->will;
  o.will_retain = true;
  /* A session the hub's broker lost while the daemon was down. */
  wg_hub_session_expect(h, "uplink", &o);
  if ((rc = h->uplink_init(&h->uplink, "uplink", &o, &hub_uplink_cbs, h)) != 0)
    return rc;
  h->on = true;
  /* Before the uplink connects, while the outbox says what the hub has
   * not had. */
  if (h->cfg->local_alarm != NULL &&
      (rc = wg_alarm_new(&h->alarm, h, h->cfg->local_alarm)) != 0)
    return rc;
  if ((rc = h->uplink.ops->start(&h->uplink, h->loop)) != 0)
    return rc;
  uv_timer_start(&h->status_timer, hub_status_cb,
                 (uint64_t)(h->cfg->status_interval_s * 1000),
                 (uint64_t)(h->cfg->status_interval_s * 1000));
  /* Without its control socket the daemon still watches the patients. */
  if (h->cfg->control_socket != NULL &&
      wg_control_start(&h->control, h->loop, h->cfg->control_socket,
                       &hub_control_cbs, h) != 0)
    wg_log(LOG_WARNING, "hub: wardgatectl cannot reach this daemon");
  return 0;
}

static void hub_closed_one(wg_hub_t *h) {
  if (--h->closing == 0 && h->closed_cb != NULL)
    h->closed_cb(h);
}

static void hub_timer_closed(uv_handle_t *t) { hub_closed_one(t->data); }

static void hub_uplink_closed(wg_driver_t *drv) { hub_closed_one(drv->data); }

static void hub_control_closed(void *data) { hub_closed_one(data); }

static void hub_alarm_closed(void *data) { hub_closed_one(data); }

void wg_hub_close(wg_hub_t *h, void (*cb)(wg_hub_t *h)) {
  h->closed_cb = cb;
  h->closing = 7;
  uv_close((uv_handle_t *)&h->pump_timer, hub_timer_closed);
  uv_close((uv_handle_t *)&h->hold_timer, hub_timer_closed);
  uv_close((uv_handle_t *)&h->clock_timer, hub_timer_closed);
  uv_close((uv_handle_t *)&h->refused_timer, hub_timer_closed);
  uv_close((uv_handle_t *)&h->status_timer, hub_timer_closed);
  uv_close((uv_handle_t *)&h->active_timer, hub_timer_closed);
  uv_close((uv_handle_t *)&h->latest_timer, hub_timer_closed);
  if (h->control != NULL) {
    h->closing++;
    wg_control_close(h->control, hub_control_closed);
    h->control = NULL;
  }
  if (h->alarm != NULL) {
    h->closing++;
    wg_alarm_close(h->alarm, hub_alarm_closed, h);
  }
  if (h->on) {
    h->on = false;
    h->closing++;
    h->uplink.ops->close(&h->uplink, hub_uplink_closed);
  }
}

void wg_hub_free(wg_hub_t *h) {
  hub__report_free(h);
  wg_alarm_free(h->alarm);
  h->alarm = NULL;
  free(h->ack_guard);
  h->ack_guard = NULL;
  wg_outbox_free(&h->outbox);
  wg_latest_free(&h->latest);
  free(h->will);
  h->will = NULL;
  free(h->reported);
  h->reported = NULL;
}
