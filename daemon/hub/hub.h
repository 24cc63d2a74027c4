/* SPDX-License-Identifier: MIT */
/*
 * The hub: everything the gateway says to the hospital-at-home hub and
 * hears from it, over the uplink (DESIGN.md section 7). It owns the uplink
 * connection, the topics, the status and its will, the error reports and
 * their rate limit, the outbox pump, the retained snapshot of open alerts
 * and the retained latest NEWS2 of every patient. Acknowledgements from the hub
 * are checked here and handed on as plain wg_ack_t, so that the clinic has one
 * entrance: the batch.
 */
#ifndef WG_HUB_H
#define WG_HUB_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "clinic/alerts.h"
#include "commit/outbox.h"
#include "common/counters.h"
#include "core/config.h"
#include "hub/clocksync.h"
#include "hub/fhir.h"
#include "hub/latest.h"
#include "ingest/ingest.h"
#include "wardgate/driver.h"
#include "wardgate/log.h"
#include "wardgate/mqtt.h"

typedef struct wg_hub_s wg_hub_t;

/* Broker sessions watched for loss: the ingest's and the uplink's. */
#define HUB_SESSIONS 4
/* The control socket (hub/control.h), opaque here. */
typedef struct wg_control_s wg_control_t;

/* Sets up the uplink driver; wg_mqtt_driver_init() unless a test says. */
typedef int (*wg_hub_uplink_init_fn)(wg_driver_t *drv, const char *label,
                                     const wg_mqtt_opts_t *opts,
                                     const wg_driver_cbs_t *cbs, void *data);

/* What the hub tells its owner. Any may be NULL. */
typedef struct wg_hub_cbs_s {
  /* A well-formed acknowledgement arrived (borrowed). Its PUBACK waits for
   * the next commit, like a reading's. */
  void (*ack)(wg_hub_t *h, const wg_ack_t *ack);
  /* A message arrived from the hub: its PUBACK waits for the next commit,
   * which is owed even if the message brings nothing to write. */
  void (*input)(wg_hub_t *h);
  /* While draining: after a (re)connect, a stop waiting for the outbox may
   * go on (wg_hub_drained() says whether it is done). */
  void (*progress)(wg_hub_t *h);
  /* The offline status asked for by wg_hub_go_offline() was acknowledged. */
  void (*offline)(wg_hub_t *h);
  /* Adds the owner's gauges to the status counters object @counters: 0,
   * or WG_ENOMEM when one could not be added (the status is not sent). */
  int (*gauges)(const wg_hub_t *h, cJSON *counters);
  /* With remote_config: a message on config/desired (borrowed), retained
   * or not; its PUBACK waits for the next commit, as an ack's does. */
  void (*desired)(wg_hub_t *h, const void *payload, size_t len);

  /* Publish @len bytes of @payload retained at QoS 1 on the home's broker
   * (the ingest's MQTT connection), for the local alarm (hub/alarm.h): 0,
   * or a WG_E* code (WG_ENOCONN when there is none). */
  int (*home_publish)(wg_hub_t *h, const char *topic, const char *payload,
                      size_t len);
  /* At every reading of the box's clock (hub/clocksync.h): with
   * @unsynced, the clock_unsynchronized alert is to be open (unsynchronised
   * for @unsynced_s seconds, since the start if @since_start); without, it
   * is to be closed. Not called while it is to stay as it is. */
  void (*clock)(wg_hub_t *h, bool unsynced, double unsynced_s,
                bool since_start);
} wg_hub_cbs_t;

/* Error reports kept while the uplink is down, the latest ones. */
#define WG_HUB_ERRORS_HELD 16

struct wg_hub_s {
  uv_loop_t *loop;
  const wg_config_t *cfg;
  wg_alerts_t
      *alerts; /* the open alerts, for the snapshot (their JSON cached) */
  wg_counters_t *counters;
  const wg_hub_cbs_t *cbs;
  void *data; /* the owner's */
  wg_outbox_t outbox;
  double started;

  wg_driver_t uplink;
  wg_hub_uplink_init_fn uplink_init;
  wg_control_t *control; /* wardgatectl's socket, or NULL */
  /* "host:port" of the uplink's broker, or NULL (a seam, like init). */
  const char *(*uplink_peer)(const wg_driver_t *drv);
  bool on; /* the uplink driver is set up and not closed */
  /* The local alarm (hub/alarm.h), or NULL without local_alarm. */
  struct wg_alarm_s *alarm;
  /* Whether the box's clock is synchronised (hub/clocksync.h). */
  wg_clock_watch_t clock;
  uv_timer_t clock_timer;
  /* The key of signed acks and the signed acks seen (hub/ack.h). */
  struct wg_ack_guard_s *ack_guard;
  char topic_status[96];
  char topic_errors[96];
  char topic_alerts[96];
  char topic_ack[96];
  char topic_active[96];
  char topic_news2[96];
  char topic_latest[96];               /* news2/latest, retained */
  char topic_log[96];                  /* the daily escalation log, retained */
  char topic_fhir[WG_FHIR_TOPICS][96]; /* by wg_fhir_topic_t */
  char topic_desired[96];              /* config/desired, remote_config */
  char topic_reported[96];             /* config/reported, retained */
  char *reported;         /* the last config/reported, sent at each connect */
  int64_t config_version; /* of the patients in effect, for the status */
  char *will;

  bool active_dirty; /* alerts/active is to be published again */
  bool active_sent;  /* since the last (re)connect, at active_at (loop ms) */
  uint64_t active_at;
  uv_timer_t active_timer; /* the next snapshot, a second after the last */
  /* news2/latest: each patient's last news2 message as published (its
   * `changed` says a snapshot is due), coalesced like alerts/active. */
  wg_latest_t latest;
  bool latest_sent; /* at latest_at (loop ms) */
  uint64_t latest_at;
  uv_timer_t latest_timer;
  /* Outbox rows the hub's broker refused (MQTT 5): sent again when this
   * fires, after a backoff that doubles while refusals go on; `refusing`
   * from the first refusal, reported once, until one is taken again. */
  uv_timer_t refused_timer;
  uint64_t refused_backoff_ms;
  bool refusing;
  bool draining;   /* stopping: no more online status */
  int offline_mid; /* the offline status awaiting its PUBACK, or -1 */
  uv_timer_t status_timer;
  /* A message taken from the hub holds the uplink: its PUBACK, and all the
   * uplink sends after it, wait for the commit. While the store fails, no
   * longer than this timer's grace (hub.c, hub_hold_grace_ms()): the uplink
   * keeps its keepalive, status and alerts. `holding`: a message taken
   * and no commit since. */
  uv_timer_t hold_timer;
  bool holding;
  uv_timer_t pump_timer; /* the outbox, a turn of the loop after a connect */
  int closing;           /* handles and drivers still closing */
  void (*closed_cb)(wg_hub_t *h);

  /* The broker sessions (by driver label) and when each was last found
   * lost (loop ms), to tell a takeover from a one-off loss. */
  const char *session_label[HUB_SESSIONS];
  uint64_t session_lost_at[HUB_SESSIONS];
  wg_complaint_t session_complaint[HUB_SESSIONS]; /* takeovers, each */
  /* The same sessions remembered across restarts (session.c): each one's
   * key (its brokers and client id; "" when not remembered), whether its
   * broker was to hold it at this start, whether a CONNACK of it came in
   * this run, and whether the store's record is this key. */
  char session_key[HUB_SESSIONS][WG_MQTT_SESSION_KEY_MAX];
  bool session_expected[HUB_SESSIONS];
  bool session_held[HUB_SESSIONS];
  bool session_recorded[HUB_SESSIONS];

  /* Error reports: a token bucket, and a rate limit for the journal. */
  double error_tokens;
  uint64_t error_tokens_at; /* uv_now of the last refill */
  wg_complaint_t complaint;
  /* The latest reports made while the uplink was down (errors is QoS 0,
   * which the broker cannot queue for it), oldest first from
   * errors_first: published at the next connect (report.c). */
  char *errors_held[WG_HUB_ERRORS_HELD];
  size_t errors_first, errors_nheld;
  wg_complaint_t audit_complaint; /* acks not audited (hub_ack_audited) */
};

/*
 * Set up @h for @cfg (borrowed, as are @alerts and @counters). The outbox
 * counts its rows in @store; the latest NEWS2 of each patient of @cfg is
 * the newest score @store holds (as the news2 message it was published
 * as). Returns 0, or a negative error from the store. Nothing is
 * connected until wg_hub_start().
 */
int wg_hub_init(wg_hub_t *h, uv_loop_t *loop, const wg_config_t *cfg,
                wg_store_t *store, wg_alerts_t *alerts, wg_counters_t *counters,
                const wg_hub_cbs_t *cbs, void *data);

/* Connect the uplink and start the status timer. 0 or a WG_E* code. */
int wg_hub_start(wg_hub_t *h);

/*
 * Close the uplink (a clean DISCONNECT: no will) and the timer; @cb runs
 * once both are closed. Only after wg_hub_start(), once.
 */
void wg_hub_close(wg_hub_t *h, void (*cb)(wg_hub_t *h));

/* After the close (or when never started). */
void wg_hub_free(wg_hub_t *h);

/*
 * The status JSON (DESIGN.md section 7); free() it. NULL when out of memory.
 * Without @with_counters it is the will's form: no counters, no ts.
 */
char *wg_hub_status_json(const wg_hub_t *h, bool online, bool with_counters);

/*
 * A pack from @device over @transport was refused for @reason: counted,
 * logged (rate-limited) and reported on the errors topic (rate-limited).
 */
void wg_hub_report_rejection(wg_hub_t *h, const char *transport,
                             const char *device, const char *reason);

/*
 * The broker session @which ("ingest", "uplink": a driver's label,
 * borrowed for the life of the hub) was not there after a reconnect:
 * counted in sessions_lost, logged and reported; a second loss of the same
 * session within 30 s is reported as a suspected takeover. At the first
 * connect (a session expected from the last run) it is said to be found
 * at start.
 */
void wg_hub_report_session_lost(wg_hub_t *h, const char *which);

/*
 * The persistent broker session @which (as above) of options @o, before its
 * driver is set up: o->expect_session set when the store's record says the
 * broker held this session (the same brokers and client id) when the
 * daemon last ran; never on the first start (no record), nor for a clean
 * session. A session the broker lost meanwhile is then reported at the
 * first connect, as found at start (session.c).
 */
void wg_hub_session_expect(wg_hub_t *h, const char *which, wg_mqtt_opts_t *o);

/* The driver's session_held for @which: the record written (once a run)
 * when the broker holds the session, removed when it was given up. */
void wg_hub_session_held(wg_hub_t *h, const char *which, bool held);

/* Whether a session of key @key is expected, by the stored @record (NULL
 * when there is none): the same brokers and client id. Pure. */
bool wg_hub_session_expected(const char *record, const char *key);

/*
 * An acknowledgement for @id was taken but matches no alert ever raised:
 * counted, logged and reported.
 */
void wg_hub_report_unknown_ack(wg_hub_t *h, const char *id);

/* @rows rows of the audit trail (alert_events of closed alerts) older than
 * @days days are about to be deleted: on the errors topic (source
 * "alert_events"). The journal has it from the commit. */
void wg_hub_report_audit_pruning(wg_hub_t *h, int64_t rows, int days);

/*
 * A group commit @ticket is on disk: acknowledge the hub's messages it
 * covers, send the outbox rows it added, and (with @alerts_changed) the
 * snapshot of open alerts.
 */
void wg_hub_committed(wg_hub_t *h, uint64_t ticket, bool alerts_changed);

/*
 * The patients are now those of @cfg (a reload; borrowed for the call): a
 * patient removed leaves news2/latest, a new one joins it with its newest
 * stored score, and the snapshot follows (coalesced). Returns 0, or a
 * negative error (a store error, or WG_ENOMEM: a new patient is left out
 * of news2/latest until the next reload or restart).
 */
int wg_hub_set_patients(wg_hub_t *h, const wg_config_t *cfg);

/*
 * Tell the hub what became of its desired configuration: @json (copied) on
 * the retained config/reported, now if connected and again at every
 * (re)connect, so that the hub's copy is the gateway's last word.
 */
void wg_hub_report_config(wg_hub_t *h, const char *json);

/* Whether the box's clock was synchronised at its last reading (NTP;
 * hub/clocksync.h). */
bool wg_hub_clock_synchronized(const wg_hub_t *h);

/* Whether it has been synchronised at some reading since the start. */
bool wg_hub_clock_ever_synced(const wg_hub_t *h);

/* True while the uplink is connected. */
bool wg_hub_connected(const wg_hub_t *h);

/*
 * Stopping: no more status reports; what the outbox holds is sent as far as
 * the broker acknowledges it.
 */
void wg_hub_drain(wg_hub_t *h);

/*
 * While draining: true once every outbox row is acknowledged and deleted,
 * or the uplink is down. Until then the pump goes on; the PUBACKs' commit
 * or cbs->progress says when to ask again.
 */
bool wg_hub_drained(wg_hub_t *h);

/*
 * Publish the offline status (retained). Returns true when its PUBACK is
 * awaited (cbs->offline follows), false when it could not be sent.
 */
bool wg_hub_go_offline(wg_hub_t *h);

#endif
