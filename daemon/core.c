/* SPDX-License-Identifier: MIT */
#include "core.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "arena.h"
#include "jsonstrict.h"
#include "news2.h"
#include "outbox.h"
#include "rules.h"
#include "senml.h"
#include "store.h"
#include "version.h"
#include "wardgate/coap.h"
#include "wardgate/error.h"
#include "wardgate/log.h"
#include "wardgate/mqtt.h"

/* A group larger than this is committed at once, mid-iteration. */
#define BATCH_COMMIT_AT 8192
/* While commits fail, input pauses once this many readings wait. */
#define BATCH_PAUSE_AT 100000
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define PRUNE_INTERVAL_MS (60 * 1000)
#define PRUNE_BATCH 500
#define STOP_TIMEOUT_MS 5000
/* Error reports to the hub: a burst of this many, then one per second. */
#define ERROR_BURST 10.0
#define ERROR_RATE_PER_S 1.0
#define DEVICE_ID_MAX 64
/* Verdicts one reading can produce: a fall and one per threshold. */
#define VERDICTS_MAX 16

/* A NEWS2 computed in memory, stored (and maybe published) at commit. */
typedef struct pending_score_s {
  char patient[65];
  double ts;
  int scale;
  bool publish; /* it differs from the last one */
  wg_news2_t score;
} pending_score_t;

typedef struct device_map_s {
  const char *device;
  const wg_patient_t *patient;
  size_t patient_index; /* into live->patients and rule_states */
  int device_index;     /* into the patient's devices */
} device_map_t;

struct wg_core_s {
  uv_loop_t *loop;
  wg_config_t *cfg;  /* as started: connections, database, topics */
  wg_config_t *live; /* patients and unknown_devices; replaced on SIGHUP */
  wg_store_t *store;
  device_map_t *devices; /* sorted by device id, into cfg */
  size_t ndevices;

  wg_driver_t ingest;
  wg_driver_t uplink;
  wg_driver_t coap;
  bool ingest_on;
  bool uplink_on;
  bool coap_on;
  /* Group commits so far: a pack taken as ticket t (commits + 1 when it
   * was taken) is committed once commits >= t. CoAP answers and MQTT
   * PUBACKs wait on it. */
  uint64_t commits;
  bool input_waiting;       /* input taken since the last commit waits on one */
  const char *subscription; /* ingest filter, for wg_mqtt_opts_t */
  const char *ack_subscription; /* the uplink's */
  char topic_status[96];
  char topic_errors[96];
  char topic_alerts[96];
  char topic_ack[96];
  char topic_active[96];
  char topic_news2[96];
  char *will;

  /* Alerts: the lifecycle in memory, the changes not yet committed, and
   * the outbox that carries them to the hub. */
  wg_alerts_t alerts;
  wg_rule_state_t *rule_states; /* one per live patient */
  size_t nrule_states;
  wg_alert_event_t *events; /* applied in memory, to be committed */
  size_t nevents;
  size_t events_cap;
  size_t evaluated;  /* readings of the batch already through the rules */
  size_t *pack_ends; /* batch index after each pack of the batch */
  size_t npacks;
  size_t packs_cap;
  struct pending_score_s *scores; /* NEWS2 computed, to be committed */
  size_t nscores;
  size_t scores_cap;
  uv_timer_t rules_timer; /* the time-based rules' next deadline */
  wg_outbox_t outbox;
  bool active_dirty; /* alerts/active to be republished */
  uv_timer_t escalation_timer;

  /* The readings of this loop iteration, committed before it sleeps. */
  wg_readings_t batch;
  wg_arena_t batch_arena;
  bool paused;
  unsigned retry_ms;

  uv_prepare_t commit_prepare;
  /* The WAL checkpoint on the thread pool, at most one at a time. */
  uv_work_t checkpoint_req;
  bool checkpointing;
  int checkpoint_rc;
  char checkpoint_err[256];
  uv_timer_t retry_timer;
  uv_timer_t status_timer;
  uv_timer_t prune_timer;
  uv_timer_t stop_timer;
  int handles_open;

  wg_counters_t counters;
  double started;
  double error_tokens;
  uint64_t error_tokens_at; /* uv_now of the last refill */
  wg_complaint_t reject_complaint;
  wg_complaint_t store_complaint;

  bool stopping;
  bool draining; /* stopping: the outbox is being flushed */
  bool finished;
  int stop_status;
  int stop_mid; /* offline status awaiting PUBACK, or -1 */
  int drivers_open;
  wg_core_stopped_cb stopped_cb;
};

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- devices ----------------------------------------------------------- */

static int cmp_device(const void *a, const void *b) {
  return strcmp(((const device_map_t *)a)->device,
                ((const device_map_t *)b)->device);
}

static int build_device_map(const wg_config_t *cfg, device_map_t **out,
                            size_t *n) {
  size_t total = 0, k = 0;
  device_map_t *map;

  for (size_t i = 0; i < cfg->npatients; i++)
    total += cfg->patients[i].ndevices;
  map = malloc((total ? total : 1) * sizeof(*map));
  if (map == NULL)
    return WG_ENOMEM;
  for (size_t i = 0; i < cfg->npatients; i++)
    for (size_t d = 0; d < cfg->patients[i].ndevices; d++) {
      map[k].device = cfg->patients[i].devices[d];
      map[k].patient_index = i;
      map[k].device_index = (int)d;
      map[k++].patient = &cfg->patients[i];
    }
  qsort(map, total, sizeof(*map), cmp_device);
  *out = map;
  *n = total;
  return 0;
}

static const device_map_t *find_device(const wg_core_t *c, const char *id) {
  device_map_t key = {id, NULL, 0, 0};
  return bsearch(&key, c->devices, c->ndevices, sizeof(key), cmp_device);
}

static bool device_id_ok(const char *s, size_t n) {
  if (n == 0 || n > DEVICE_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
          (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' ||
          ch == ':'))
      return false;
  }
  return true;
}

int wg_core_device_from_topic(const char *filter, const char *topic, char *out,
                              size_t outlen) {
  const char *f = filter, *t = topic;
  bool found = false;

  for (;;) {
    const char *fe = strchr(f, '/'), *te = strchr(t, '/');
    size_t fl = fe ? (size_t)(fe - f) : strlen(f);
    size_t tl = te ? (size_t)(te - t) : strlen(t);

    if (fl == 1 && f[0] == '+') {
      if (!device_id_ok(t, tl) || tl >= outlen)
        return WG_EINVAL;
      memcpy(out, t, tl);
      out[tl] = '\0';
      found = true;
    } else if (fl != tl || memcmp(f, t, fl) != 0) {
      return WG_EINVAL;
    }
    if ((fe == NULL) != (te == NULL))
      return WG_EINVAL;
    if (fe == NULL)
      return found ? 0 : WG_EINVAL;
    f = fe + 1;
    t = te + 1;
  }
}

/* ---- reports to the hub ------------------------------------------------ */

static void publish_json(wg_core_t *c, const char *topic, cJSON *obj, int qos,
                         bool retain, int *mid) {
  char *text = cJSON_PrintUnformatted(obj);
  int rc;

  if (text == NULL || !c->uplink_on) {
    free(text);
    return;
  }
  rc = c->uplink.ops->publish(&c->uplink, topic, text, strlen(text), qos,
                              retain, mid);
  if (rc != 0 && rc != WG_ENOCONN)
    wg_log(LOG_WARNING, "core: publish %s: %s", topic, wg_strerror(rc));
  free(text);
}

char *wg_core_status_json(const wg_core_t *c, bool online, bool with_counters) {
  cJSON *o = cJSON_CreateObject(), *n;
  char *text;

  if (o == NULL)
    return NULL;
  cJSON_AddStringToObject(o, "state", online ? "online" : "offline");
  cJSON_AddStringToObject(o, "gateway", c->cfg->gateway_id);
  cJSON_AddStringToObject(o, "version", WG_VERSION);
  cJSON_AddNumberToObject(o, "started", c->started);
  if (!with_counters)
    goto done;
  cJSON_AddNumberToObject(o, "ts", wall_now());
  n = cJSON_AddObjectToObject(o, "counters");
  if (n != NULL) {
#define XX(name) cJSON_AddNumberToObject(n, #name, (double)c->counters.name);
    WG_COUNTERS(XX)
#undef XX
    cJSON_AddNumberToObject(n, "readings_pending", (double)c->batch.n);
    cJSON_AddBoolToObject(n, "ingest_connected",
                          c->ingest_on &&
                              c->ingest.ops->is_connected(&c->ingest));
    cJSON_AddNumberToObject(n, "alerts_open", (double)c->alerts.nopen);
    cJSON_AddNumberToObject(n, "outbox_depth", (double)c->outbox.depth);
    cJSON_AddBoolToObject(n, "outbox_near_limit", c->outbox.near_limit);
    cJSON_AddNumberToObject(n, "outbox_overflow", (double)c->outbox.overflow);
  }
done:
  text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

static void publish_status(wg_core_t *c, bool online, int *mid) {
  char *text = wg_core_status_json(c, online, true);
  int rc;

  if (text == NULL || !c->uplink_on) {
    free(text);
    return;
  }
  rc = c->uplink.ops->publish(&c->uplink, c->topic_status, text, strlen(text),
                              1, true, mid);
  if (rc != 0) {
    wg_log(LOG_DEBUG, "core: status not published: %s", wg_strerror(rc));
    if (mid != NULL)
      *mid = -1;
  }
  free(text);
}

/* Token bucket: a broken device must not flood the hub or the journal. */
static bool error_report_allowed(wg_core_t *c) {
  uint64_t now = uv_now(c->loop);

  c->error_tokens +=
      (double)(now - c->error_tokens_at) / 1000.0 * ERROR_RATE_PER_S;
  if (c->error_tokens > ERROR_BURST)
    c->error_tokens = ERROR_BURST;
  c->error_tokens_at = now;
  if (c->error_tokens < 1.0) {
    c->counters.errors_suppressed++;
    return false;
  }
  c->error_tokens -= 1.0;
  return true;
}

static void report_rejection(wg_core_t *c, const char *transport,
                             const char *device, const char *reason) {
  cJSON *o;

  wg_complain(&c->reject_complaint, LOG_WARNING,
              "core: pack from %s over %s rejected: %s", device, transport,
              reason);
  if (!error_report_allowed(c))
    return;
  if ((o = cJSON_CreateObject()) == NULL)
    return;
  cJSON_AddStringToObject(o, "device", device);
  cJSON_AddStringToObject(o, "transport", transport);
  cJSON_AddStringToObject(o, "reason", reason);
  cJSON_AddNumberToObject(o, "ts", wall_now());
  publish_json(c, c->topic_errors, o, 0, false, NULL);
  cJSON_Delete(o);
}

/* ---- alerts ------------------------------------------------------------ */

static void arm_escalation(wg_core_t *c);

/* An alert change applied in memory waits here for the next commit. */
static void queue_event(wg_core_t *c, const wg_alert_event_t *ev) {
  if (c->nevents == c->events_cap) {
    size_t cap = c->events_cap ? c->events_cap * 2 : 16;
    wg_alert_event_t *v = realloc(c->events, cap * sizeof(*v));
    if (v == NULL) {
      /* The alert itself is in memory and in alerts/active; only this
       * event's record is lost. Say so. */
      wg_log(LOG_ERR, "core: out of memory: %s event of %s not recorded",
             wg_alert_state_name(ev->alert.state), ev->alert.id);
      return;
    }
    c->events = v;
    c->events_cap = cap;
  }
  c->events[c->nevents++] = *ev;
  c->active_dirty = true;
  switch (ev->alert.state) {
  case WG_ALERT_RAISED:
    c->counters.alerts_raised++;
    break;
  case WG_ALERT_UPDATED:
    c->counters.alerts_updated++;
    break;
  case WG_ALERT_ESCALATED:
    c->counters.alerts_escalated++;
    break;
  case WG_ALERT_ACKNOWLEDGED:
    c->counters.alerts_acknowledged++;
    break;
  case WG_ALERT_CLEARED:
    c->counters.alerts_cleared++;
    break;
  }
  wg_log(LOG_INFO, "alert %s %s: %s (%s, patient %s)", ev->alert.id,
         wg_alert_state_name(ev->alert.state), ev->alert.summary,
         wg_severity_name(ev->alert.severity), ev->alert.patient);
}

static void apply_verdicts(wg_core_t *c, const wg_patient_t *p,
                           const wg_verdict_t *v, size_t n, double now);

/* The rules for one reading that was just stored (never a duplicate). */
static void evaluate(wg_core_t *c, const wg_reading_t *r, double now) {
  wg_verdict_t v[VERDICTS_MAX];
  const device_map_t *dm;
  size_t n;

  if (r->patient_id == NULL || (dm = find_device(c, r->device_id)) == NULL ||
      dm->patient_index >= c->nrule_states)
    return;
  n = wg_rules_eval(dm->patient, &c->rule_states[dm->patient_index], r,
                    dm->device_index, now, v, VERDICTS_MAX);
  apply_verdicts(c, dm->patient, v, n, now);
}

/* Inside the commit's transaction: the audit trail, the alerts table and
 * the outbox, with one JSON text for all three. */
static int write_events(wg_core_t *c, double now) {
  for (size_t i = 0; i < c->nevents; i++) {
    const wg_alert_event_t *ev = &c->events[i];
    char *json = wg_alert_to_json(&ev->alert);
    int rc;

    if (json == NULL)
      return WG_ENOMEM;
    rc = wg_store_put_alert_event(c->store, ev, json, true);
    if (rc == 0)
      rc = wg_outbox_add(&c->outbox, c->topic_alerts, json, ev->alert.id,
                         wg_alert_state_name(ev->alert.state), now);
    free(json);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static bool uplink_up(const wg_core_t *c) {
  return c->uplink_on && c->uplink.ops->is_connected(&c->uplink);
}

static int outbox_publish(void *ud, const char *topic, const char *payload,
                          int *mid) {
  wg_core_t *c = ud;
  return c->uplink.ops->publish(&c->uplink, topic, payload, strlen(payload), 1,
                                false, mid);
}

static void pump_outbox(wg_core_t *c) {
  if (uplink_up(c))
    wg_outbox_pump(&c->outbox, outbox_publish, c);
}

/* The retained snapshot of every open alert, for the hub to reconcile. */
static void publish_active(wg_core_t *c) {
  size_t cap = 256, len;
  char *text, *p;

  if (!uplink_up(c) || (text = malloc(cap)) == NULL)
    return;
  len = (size_t)snprintf(text, cap, "{\"ts\":%.6f,\"alerts\":[", wall_now());
  for (size_t i = 0; i < c->alerts.nopen; i++) {
    char *json = wg_alert_to_json(&c->alerts.open[i]);
    size_t n = json ? strlen(json) : 0;

    /* Room for a comma, the alert, and the closing "]}" with its NUL. */
    if (json != NULL && len + n + 4 > cap) {
      cap = (len + n + 4) * 2;
      if ((p = realloc(text, cap)) == NULL) {
        free(json);
        json = NULL;
      } else {
        text = p;
      }
    }
    if (json == NULL) {
      free(text);
      return; /* out of memory: active_dirty stays, tried again later */
    }
    if (i > 0)
      text[len++] = ',';
    memcpy(text + len, json, n);
    len += n;
    free(json);
  }
  memcpy(text + len, "]}", 3);
  if (c->uplink.ops->publish(&c->uplink, c->topic_active, text, len + 2, 1,
                             true, NULL) == 0)
    c->active_dirty = false;
  free(text);
}

static void escalation_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;
  wg_alert_event_t ev;
  double now = wall_now();

  while (wg_alerts_escalate_due(&c->alerts, now, &ev) == 1)
    queue_event(c, &ev);
  arm_escalation(c); /* the events are committed before the loop sleeps */
}

/* The timer follows the earliest deadline; nothing polls. */
static void arm_escalation(wg_core_t *c) {
  double next = wg_alerts_next_deadline(&c->alerts), ms;

  if (next <= 0 || c->stopping) {
    uv_timer_stop(&c->escalation_timer);
    return;
  }
  ms = ceil((next - wall_now()) * 1000.0);
  uv_timer_start(&c->escalation_timer, escalation_cb, ms > 0 ? (uint64_t)ms : 0,
                 0);
}

static void report_ack_error(wg_core_t *c, const char *reason) {
  cJSON *o;

  c->counters.acks_rejected++;
  wg_complain(&c->reject_complaint, LOG_WARNING, "core: ack rejected: %s",
              reason);
  if (!error_report_allowed(c) || (o = cJSON_CreateObject()) == NULL)
    return;
  cJSON_AddStringToObject(o, "device", "");
  cJSON_AddStringToObject(o, "transport", "mqtt");
  cJSON_AddStringToObject(o, "source", "alerts/ack");
  cJSON_AddStringToObject(o, "reason", reason);
  cJSON_AddNumberToObject(o, "ts", wall_now());
  publish_json(c, c->topic_errors, o, 0, false, NULL);
  cJSON_Delete(o);
}

static const char *ack_string(const cJSON *o, const char *key, size_t max) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
      strlen(v->valuestring) >= max)
    return NULL;
  return v->valuestring;
}

/* {"id":"<alert id>","by":"<clinician>"} from the hub. */
static void handle_ack(wg_core_t *c, const void *payload, size_t len) {
  char why[200], reason[300];
  wg_alert_event_t ev;
  const char *id, *by;
  cJSON *o = NULL;
  int rc;

  if (len > 4096) {
    report_ack_error(c, "malformed ack: larger than 4096 bytes");
    return;
  }
  if (wg_json_check(payload, len, 8, why, sizeof(why)) != 0 ||
      (o = cJSON_ParseWithLength(payload, len)) == NULL ||
      wg_json_check_duplicates(o, why, sizeof(why)) != 0) {
    snprintf(reason, sizeof(reason), "malformed ack: %s",
             o ? why : (why[0] ? why : "invalid JSON"));
    report_ack_error(c, reason);
    goto done;
  }
  id = ack_string(o, "id", sizeof(ev.alert.id));
  by = ack_string(o, "by", sizeof(ev.alert.acked_by));
  if (!cJSON_IsObject(o) || id == NULL || by == NULL) {
    report_ack_error(c, "malformed ack: needs \"id\" and \"by\", non-empty "
                        "strings");
    goto done;
  }
  rc = wg_alerts_ack(&c->alerts, id, by, wall_now(), &ev);
  if (rc == 1) {
    queue_event(c, &ev);
    arm_escalation(c);
  } else if (rc == 0) {
    wg_log(LOG_DEBUG, "core: alert %s already acknowledged", id);
  } else if ((rc = wg_store_audit_late_ack(c->store, id, by, wall_now())) > 0) {
    wg_log(LOG_INFO, "core: alert %s acknowledged by %s after it closed", id,
           by);
  } else if (rc == 0) {
    snprintf(reason, sizeof(reason), "ack for unknown alert id %.96s", id);
    report_ack_error(c, reason);
  }
done:
  cJSON_Delete(o);
}

/*
 * Rule states for @cfg's patients: carried over from the running ones of
 * the same patient after a reload, rebuilt from the stored readings after a
 * restart (NEWS2 observations in the window, today's intake), and told by
 * the open alerts which conditions hold.
 */
static int build_rule_states(wg_core_t *c, const wg_config_t *cfg,
                             wg_rule_state_t **out, size_t *n) {
  wg_rule_state_t *v = calloc(cfg->npatients ? cfg->npatients : 1, sizeof(*v));
  double now = wall_now();

  if (v == NULL)
    return WG_ENOMEM;
  for (size_t i = 0; i < cfg->npatients; i++) {
    const wg_patient_t *p = &cfg->patients[i];
    if (wg_rule_state_init(&v[i], p, now) != 0) {
      while (i-- > 0)
        wg_rule_state_free(&v[i]);
      free(v);
      return WG_ENOMEM;
    }
    for (size_t j = 0; j < c->nrule_states && c->live != NULL; j++)
      if (strcmp(c->live->patients[j].id, p->id) == 0)
        wg_rule_state_carry(&v[i], p, &c->rule_states[j],
                            &c->live->patients[j]);
  }
  *out = v;
  *n = cfg->npatients;
  return 0;
}

static void free_rule_states(wg_rule_state_t *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    wg_rule_state_free(&v[i]);
  free(v);
}

static int restore_alert(void *ud, const char *payload) {
  wg_core_t *c = ud;
  wg_alert_t al;

  if (wg_alert_from_json(payload, &al) != 0) {
    wg_log(LOG_WARNING, "core: an open alert in the database is unreadable; "
                        "skipped");
    return 0;
  }
  return wg_alerts_restore(&c->alerts, &al);
}

/* ---- NEWS2 and the time-based rules -------------------------------------- */

static void apply_verdicts(wg_core_t *c, const wg_patient_t *p,
                           const wg_verdict_t *v, size_t n, double now) {
  wg_alert_event_t ev;

  for (size_t i = 0; i < n; i++) {
    int rc =
        wg_alerts_apply(&c->alerts, p->id, &v[i], p->ack_timeout_min, now, &ev);
    if (rc == 1)
      queue_event(c, &ev);
    else if (rc < 0)
      wg_log(LOG_ERR, "core: %s alert for %s: %s", wg_rule_name(v[i].rule),
             p->id, wg_strerror(rc));
  }
}

/* Once per pack that brought a NEWS2 parameter of the patient. */
static void score_news2(wg_core_t *c, const device_map_t *dm,
                        const char *device, double now) {
  wg_rule_state_t *st = &c->rule_states[dm->patient_index];
  pending_score_t *ps;
  wg_verdict_t v;
  wg_news2_t s;
  bool has_verdict, changed;

  changed = wg_rules_news2(dm->patient, st, now, &s, &v, &has_verdict);
  if (c->nscores == c->scores_cap) {
    size_t cap = c->scores_cap ? c->scores_cap * 2 : 16;
    pending_score_t *p = realloc(c->scores, cap * sizeof(*p));
    if (p == NULL) {
      wg_log(LOG_ERR, "core: out of memory: NEWS2 of %s not recorded",
             dm->patient->id);
      return;
    }
    c->scores = p;
    c->scores_cap = cap;
  }
  ps = &c->scores[c->nscores++];
  snprintf(ps->patient, sizeof(ps->patient), "%s", dm->patient->id);
  ps->ts = now;
  ps->scale = dm->patient->news2_scale;
  ps->publish = changed;
  ps->score = s;
  if (has_verdict) {
    snprintf(v.evidence.device, sizeof(v.evidence.device), "%s", device);
    apply_verdicts(c, dm->patient, &v, 1, now);
  }
}

/*
 * The JSON of a score: its components ({"rr":3,...}) and missing keys
 * (["o2",...]) for `scores`, and with @message the news2 message of
 * DESIGN.md section 7. Written directly: every key comes from a fixed set
 * and patient ids are plain ([A-Za-z0-9_.-]), and this runs once per pack.
 */
typedef struct score_json_s {
  char components[160];
  char missing[96];
  char message[512];
} score_json_t;

static size_t put_str(char *out, size_t at, const char *s) {
  size_t n = strlen(s);
  memcpy(out + at, s, n + 1);
  return at + n;
}

static void score_json(const pending_score_t *ps, bool message,
                       score_json_t *j) {
  size_t c = put_str(j->components, 0, "{"), m = put_str(j->missing, 0, "[");

  /* Both buffers hold all seven keys with their quotes and digits. */
  for (int k = 0; k < WG_NEWS2_NPARAMS; k++) {
    const char *key = wg_news2_key((wg_news2_param_t)k);
    int v = ps->score.components[k];
    if (v < 0) {
      m = put_str(j->missing, m, m > 1 ? ",\"" : "\"");
      m = put_str(j->missing, m, key);
      m = put_str(j->missing, m, "\"");
    } else {
      char digit[4] = {'"', ':', (char)('0' + v), '\0'};
      c = put_str(j->components, c, c > 1 ? ",\"" : "\"");
      c = put_str(j->components, c, key);
      c = put_str(j->components, c, digit);
    }
  }
  put_str(j->components, c, "}");
  put_str(j->missing, m, "]");
  if (message)
    snprintf(j->message, sizeof(j->message),
             "{\"patient\":\"%s\",\"ts\":%.6f,\"score\":%d,\"scale\":%d,"
             "\"complete\":%s,\"missing\":%s,\"components\":%s,\"band\":"
             "\"%s\"}",
             ps->patient, ps->ts, ps->score.score, ps->scale,
             ps->score.complete ? "true" : "false", j->missing, j->components,
             wg_news2_band_name(ps->score.band));
}

/* Inside the commit's transaction: scores rows and news2 messages. */
static int write_scores(wg_core_t *c, double now) {
  for (size_t i = 0; i < c->nscores; i++) {
    const pending_score_t *ps = &c->scores[i];
    score_json_t j;
    int rc;

    score_json(ps, ps->publish, &j);
    rc = wg_store_put_score(c->store, ps->patient, ps->ts, ps->score.score,
                            ps->scale, ps->score.complete,
                            wg_news2_band_name(ps->score.band), j.components,
                            j.missing);
    if (rc == 0 && ps->publish)
      rc =
          wg_outbox_add(&c->outbox, c->topic_news2, j.message, NULL, NULL, now);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static double silent_s(const wg_core_t *c) {
  return c->cfg->device_silent_h * 3600.0;
}

static void rules_cb(uv_timer_t *t);

/* The timer follows the earliest deadline of any patient; nothing polls. */
static void arm_rules(wg_core_t *c) {
  double now = wall_now(), next = 0, ms;

  for (size_t i = 0; i < c->nrule_states && i < c->live->npatients; i++) {
    double d = wg_rules_next_deadline(&c->live->patients[i], &c->rule_states[i],
                                      now, silent_s(c));
    if (d > 0 && (next == 0 || d < next))
      next = d;
  }
  if (next <= 0 || c->stopping) {
    uv_timer_stop(&c->rules_timer);
    return;
  }
  ms = ceil((next - now) * 1000.0);
  uv_timer_start(&c->rules_timer, rules_cb, ms > 0 ? (uint64_t)ms : 0, 0);
}

static void rules_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;
  wg_verdict_t v[VERDICTS_MAX];
  double now = wall_now();

  for (size_t i = 0; i < c->nrule_states && i < c->live->npatients; i++) {
    size_t n = wg_rules_tick(&c->live->patients[i], &c->rule_states[i], now,
                             silent_s(c), v, VERDICTS_MAX);
    apply_verdicts(c, &c->live->patients[i], v, n, now);
  }
  arm_rules(c); /* the events are committed before the loop sleeps */
}

/* The required amount of an intake alert open before a restart. */
static double intake_required(const wg_intake_t *in, double now) {
  double day = wg_local_midnight(now), required = 0;

  for (size_t k = 0; k < in->ncheckpoints; k++) {
    struct tm tm;
    time_t tt = (time_t)day;
    localtime_r(&tt, &tm);
    tm.tm_hour = in->checkpoints[k].second_of_day / 3600;
    tm.tm_min = in->checkpoints[k].second_of_day / 60 % 60;
    tm.tm_sec = in->checkpoints[k].second_of_day % 60;
    tm.tm_isdst = -1;
    if ((double)mktime(&tm) <= now || required == 0)
      required = in->checkpoints[k].fraction * in->daily_target;
  }
  return required;
}

/* After a restart, the open alerts say which conditions hold. */
static void restore_active(wg_core_t *c, const wg_patient_t *p,
                           wg_rule_state_t *st, double now) {
  char key[96];

  for (size_t t = 0; t < p->nthresholds; t++) {
    wg_threshold_key(&p->thresholds[t], key, sizeof(key));
    st->thresholds[t].active |=
        wg_alerts_find(&c->alerts, p->id, WG_RULE_THRESHOLD, key) != NULL;
  }
  st->news2_alert |=
      wg_alerts_find(&c->alerts, p->id, WG_RULE_NEWS2, "news2") != NULL;
  for (size_t i = 0; i < p->nintake; i++)
    if (wg_alerts_find(&c->alerts, p->id, WG_RULE_LOW_INTAKE,
                       p->intake[i].name) != NULL &&
        !st->intake[i].active) {
      st->intake[i].active = true;
      st->intake[i].required = intake_required(&p->intake[i], now);
    }
  for (size_t i = 0; i < p->nexpect; i++)
    st->expect[i].active |=
        wg_alerts_find(&c->alerts, p->id, WG_RULE_MISSED_OBS,
                       p->expect[i].name) != NULL;
  for (size_t i = 0; i < p->ndevices; i++) {
    st->devices[i].silent |=
        wg_alerts_find(&c->alerts, p->id, WG_RULE_DEVICE_SILENT,
                       p->devices[i]) != NULL;
    st->devices[i].battery_low |=
        wg_alerts_find(&c->alerts, p->id, WG_RULE_BATTERY_LOW, p->devices[i]) !=
        NULL;
  }
}

typedef struct replay_s {
  wg_core_t *c;
  wg_rule_state_t *states;
  double now;
} replay_t;

static void replay_cb(void *ud, const wg_reading_t *r) {
  replay_t *rp = ud;
  const device_map_t *dm = find_device(rp->c, r->device_id);

  if (dm != NULL)
    wg_rules_replay(dm->patient, &rp->states[dm->patient_index], r,
                    dm->device_index, rp->now);
}

/* After a restart: replay what the rules need from the database. */
static int rebuild_rule_states(wg_core_t *c) {
  double now = wall_now(), since = wg_local_midnight(now);
  replay_t rp = {c, c->rule_states, now};
  int rc;

  for (size_t i = 0; i < c->live->npatients; i++) {
    double w = now - c->live->patients[i].news2_window_min * 60.0;
    if (w < since)
      since = w;
  }
  if ((rc = wg_store_readings_since(c->store, since, replay_cb, &rp)) != 0)
    return rc;
  for (size_t i = 0; i < c->nrule_states; i++)
    restore_active(c, &c->live->patients[i], &c->rule_states[i], now);
  return 0;
}

/* ---- group commit ------------------------------------------------------ */

static void set_paused(wg_core_t *c, bool paused) {
  if (c->paused == paused)
    return;
  c->paused = paused;
  if (c->ingest_on)
    c->ingest.ops->pause(&c->ingest, paused);
  if (c->coap_on)
    c->coap.ops->pause(&c->coap, paused);
}

/*
 * Commit the batch in one transaction. On failure the batch stays in memory
 * and is retried from a timer with backoff; every insert is idempotent, so
 * a retry of a partly applied group stores nothing twice.
 */
static void retry_cb(uv_timer_t *t);
static void finish_stop(wg_core_t *c);

/* A group is on disk: the packs waiting on it can be answered. */
static void committed(wg_core_t *c) {
  c->commits++;
  c->input_waiting = false;
  if (c->uplink_on)
    c->uplink.ops->committed(&c->uplink, c->commits);
  if (c->ingest_on)
    c->ingest.ops->committed(&c->ingest, c->commits);
  if (c->coap_on)
    c->coap.ops->committed(&c->coap, c->commits);
}

static void stop_step(wg_core_t *c);

static void one_closed(wg_core_t *c);

static void checkpoint_work(uv_work_t *w) {
  wg_core_t *c = w->data;
  c->checkpoint_rc = wg_store_checkpoint(c->store, c->checkpoint_err,
                                         sizeof(c->checkpoint_err));
}

static void checkpoint_done(uv_work_t *w, int status) {
  wg_core_t *c = w->data;

  (void)status;
  c->checkpointing = false;
  /* The frames committed meanwhile, on the loop, so that the WAL can
   * start over at the next commit instead of growing. */
  if (c->checkpoint_rc == 0 && !c->finished &&
      wg_store_checkpoint_behind(c->store))
    c->checkpoint_rc = wg_store_checkpoint(c->store, c->checkpoint_err,
                                           sizeof(c->checkpoint_err));
  if (c->checkpoint_rc != 0)
    wg_complain(&c->store_complaint, LOG_WARNING, "core: WAL checkpoint: %s",
                c->checkpoint_err);
  one_closed(c); /* the stop waits for it as for a handle */
}

/* After a commit: copy the WAL back into the database off the loop. */
static void maybe_checkpoint(wg_core_t *c) {
  if (c->checkpointing || c->finished || !wg_store_checkpoint_due(c->store))
    return;
  c->checkpoint_req.data = c;
  if (uv_queue_work(c->loop, &c->checkpoint_req, checkpoint_work,
                    checkpoint_done) == 0) {
    c->checkpointing = true;
    c->handles_open++;
  }
}

static int commit_batch(wg_core_t *c) {
  uint64_t stored = 0, dup = 0;
  double now = wall_now();
  bool news2_new = false;
  size_t i = 0, pack = 0;
  int rc;

  if (c->batch.n == 0 && c->nevents == 0 && c->nscores == 0 &&
      !wg_outbox_has_acked(&c->outbox)) {
    /* Nothing to write: input that brought no new row is as committed as
     * it will ever be. */
    if (c->input_waiting)
      committed(c);
    return 0;
  }
  if ((rc = wg_store_begin(c->store)) != 0)
    goto fail;
  for (i = 0; i < c->batch.n; i++) {
    const wg_reading_t *r = &c->batch.v[i];
    rc = wg_store_put_reading(c->store, r);
    if (rc < 0)
      goto rollback;
    if (rc == 1) {
      stored++;
      /* Rules see each new reading once, even if this commit is retried. */
      if (i >= c->evaluated) {
        evaluate(c, r, now);
        news2_new |= r->patient_id && wg_news2_param(r->name) >= 0;
      }
    } else {
      dup++;
    }
    /* NEWS2 once per pack that brought a parameter. */
    while (pack < c->npacks && c->pack_ends[pack] <= i + 1) {
      const device_map_t *dm = find_device(c, r->device_id);
      if (news2_new && dm != NULL && dm->patient_index < c->nrule_states)
        score_news2(c, dm, r->device_id, now);
      news2_new = false;
      pack++;
    }
  }
  /* A score goes out before the alert it causes. */
  if ((rc = write_scores(c, now)) != 0 || (rc = write_events(c, now)) != 0 ||
      (rc = wg_outbox_delete_acked(&c->outbox)) != 0)
    goto rollback;
  if ((rc = wg_store_commit(c->store)) != 0)
    goto fail;

  c->counters.readings_stored += stored;
  c->counters.readings_duplicate += dup;
  committed(c);
  maybe_checkpoint(c);
  c->batch.n = 0;
  c->evaluated = 0;
  c->npacks = 0;
  c->nevents = 0;
  c->nscores = 0;
  wg_arena_reset(&c->batch_arena);
  wg_outbox_committed(&c->outbox);
  c->retry_ms = RETRY_MIN_MS;
  uv_timer_stop(&c->retry_timer);
  if (c->paused && !c->stopping) {
    wg_log(LOG_INFO, "core: store writable again");
    set_paused(c, false);
  }
  pump_outbox(c);
  if (c->active_dirty)
    publish_active(c);
  arm_escalation(c);
  arm_rules(c);
  if (c->stopping)
    stop_step(c);
  return 0;

rollback:
  wg_store_rollback(c->store);
fail:
  if (i > c->evaluated)
    c->evaluated = i;
  wg_outbox_rolled_back(&c->outbox);
  c->counters.store_errors++;
  wg_complain(&c->store_complaint, LOG_ERR,
              "core: cannot commit %zu readings and %zu alert events (%s); "
              "keeping them and retrying",
              c->batch.n, c->nevents, wg_strerror(rc));
  if (c->batch.n >= BATCH_PAUSE_AT && !c->paused) {
    wg_log(LOG_WARNING, "core: %zu readings waiting; pausing input",
           c->batch.n);
    set_paused(c, true);
  }
  uv_timer_start(&c->retry_timer, retry_cb, c->retry_ms, 0);
  c->retry_ms = c->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : c->retry_ms * 2;
  return rc;
}

static void retry_cb(uv_timer_t *t) { commit_batch(t->data); }

/* Runs once per loop iteration, just before the loop waits for I/O. */
static void prepare_cb(uv_prepare_t *p) {
  wg_core_t *c = p->data;

  if (uv_is_active((uv_handle_t *)&c->retry_timer))
    return;
  commit_batch(c);
}

/* ---- ingest ------------------------------------------------------------ */

int wg_core_ingest(wg_core_t *c, const char *transport, const char *device,
                   const void *payload, size_t len, char *err, size_t errlen) {
  const device_map_t *dm;
  wg_arena_mark_t mark;
  const char *dev, *pat = NULL;
  size_t first;
  double now;
  int rc;

  if (c->stopping) {
    snprintf(err, errlen, "shutting down");
    return WG_ECLOSING;
  }
  c->counters.packs_received++;
  dm = find_device(c, device);
  if (dm == NULL && !c->live->accept_unknown_devices) {
    snprintf(err, errlen, "unknown device");
    rc = WG_ENODEV;
    goto reject;
  }
  now = wall_now();
  mark = wg_arena_mark(&c->batch_arena);
  first = c->batch.n;
  rc = wg_senml_parse(payload, len, now, &c->batch_arena, &c->batch, err,
                      errlen);
  if (rc == 0) {
    dev = wg_arena_strdup(&c->batch_arena, device);
    if (dm != NULL)
      pat = wg_arena_strdup(&c->batch_arena, dm->patient->id);
    if (dev == NULL || (dm != NULL && pat == NULL)) {
      c->batch.n = first;
      snprintf(err, errlen, "out of memory");
      rc = WG_ENOMEM;
    }
  }
  if (rc != 0) {
    wg_arena_rollback(&c->batch_arena, mark);
    goto reject;
  }
  for (size_t i = first; i < c->batch.n; i++) {
    c->batch.v[i].device_id = dev;
    c->batch.v[i].patient_id = pat;
    c->batch.v[i].received = now;
  }
  if (c->npacks == c->packs_cap) {
    size_t cap = c->packs_cap ? c->packs_cap * 2 : 256;
    size_t *v = realloc(c->pack_ends, cap * sizeof(*v));
    if (v != NULL) {
      c->pack_ends = v;
      c->packs_cap = cap;
    }
  }
  /* Without room the pack joins the previous one: NEWS2 is then scored
   * once for both, which is still after every parameter they brought. */
  if (c->npacks < c->packs_cap)
    c->pack_ends[c->npacks++] = c->batch.n;
  else
    c->pack_ends[c->npacks - 1] = c->batch.n;
  if (c->batch.n >= BATCH_COMMIT_AT &&
      !uv_is_active((uv_handle_t *)&c->retry_timer))
    commit_batch(c);
  return 0;

reject:
  c->counters.packs_rejected++;
  report_rejection(c, transport, device, err);
  return rc;
}

/* ---- driver callbacks -------------------------------------------------- */

/* A pack refused before wg_core_ingest() saw it: counted and reported. */
static void reject_unread(wg_core_t *c, const char *transport,
                          const char *device, const char *reason) {
  c->counters.packs_received++;
  c->counters.packs_rejected++;
  report_rejection(c, transport, device, reason);
}

static void ingest_message(wg_driver_t *drv, const char *topic,
                           const void *payload, size_t len) {
  wg_core_t *c = drv->data;
  char device[DEVICE_ID_MAX + 1], err[256];

  c->input_waiting = true; /* its PUBACK waits for the next commit */
  if (wg_core_device_from_topic(c->cfg->ingest_mqtt.topic, topic, device,
                                sizeof(device)) != 0) {
    snprintf(err, sizeof(err), "topic %.128s does not name a valid device id",
             topic);
    reject_unread(c, "mqtt", "", err);
    return;
  }
  wg_core_ingest(c, "mqtt", device, payload, len, err, sizeof(err));
}

/* A pack over CoAP: taken like an MQTT one, answered after its commit. */
static int coap_pack(wg_driver_t *drv, const char *device, const void *payload,
                     size_t len, uint64_t *ticket, char *err, size_t errlen) {
  wg_core_t *c = drv->data;
  /* If the ingest commits the group itself, it is this commit. */
  uint64_t next = c->commits + 1;
  int rc;

  if (!device_id_ok(device, strlen(device))) {
    snprintf(err, errlen, "not a valid device id");
    reject_unread(c, "coap", "", err);
    return WG_EINVAL;
  }
  if ((rc = wg_core_ingest(c, "coap", device, payload, len, err, errlen)) != 0)
    return rc;
  *ticket = next;
  c->input_waiting = true;
  return 0;
}

static void coap_rejected(wg_driver_t *drv, const char *device,
                          const char *reason) {
  reject_unread(drv->data, "coap", device, reason);
}

static char *coap_status(wg_driver_t *drv) {
  return wg_core_status_json(drv->data, true, true);
}

/* On every (re)connect: status, the open alerts, then the queued events. */
static void uplink_connected(wg_driver_t *drv) {
  wg_core_t *c = drv->data;

  if (!c->stopping)
    publish_status(c, true, NULL);
  publish_active(c);
  pump_outbox(c);
  if (c->stopping)
    stop_step(c);
}

static void uplink_disconnected(wg_driver_t *drv) {
  wg_core_t *c = drv->data;
  wg_outbox_reset(&c->outbox);
}

static void uplink_message(wg_driver_t *drv, const char *topic,
                           const void *payload, size_t len) {
  wg_core_t *c = drv->data;

  c->input_waiting = true; /* its PUBACK waits for the next commit */
  if (strcmp(topic, c->topic_ack) == 0)
    handle_ack(c, payload, len);
}

static void uplink_published(wg_driver_t *drv, int mid) {
  wg_core_t *c = drv->data;

  if (wg_outbox_puback(&c->outbox, mid)) {
    pump_outbox(c); /* a slot is free; the deletion commits with the batch */
    return;
  }
  if (c->stopping && mid == c->stop_mid) {
    c->stop_mid = -1;
    finish_stop(c);
  }
}

static const wg_driver_cbs_t ingest_cbs = {.message = ingest_message};
static const wg_driver_cbs_t coap_cbs = {
    .pack = coap_pack, .rejected = coap_rejected, .status = coap_status};
static const wg_driver_cbs_t uplink_cbs = {.connected = uplink_connected,
                                           .disconnected = uplink_disconnected,
                                           .message = uplink_message,
                                           .published = uplink_published};

/* ---- timers ------------------------------------------------------------ */

static void status_cb(uv_timer_t *t) { publish_status(t->data, true, NULL); }

static void prune_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;
  double cutoff = wall_now() - c->cfg->retention_days * 86400.0;
  int n;

  /* Small batches, each its own short transaction: the write lock is never
   * held long, and the loop goes on between batches. */
  if (uv_is_active((uv_handle_t *)&c->retry_timer))
    return; /* the store is failing; ingest comes first */
  n = wg_store_prune(c->store, cutoff, PRUNE_BATCH);
  if (n > 0)
    wg_log(LOG_DEBUG, "core: pruned %d readings", n);
  if (n == PRUNE_BATCH)
    uv_timer_start(t, prune_cb, 10, PRUNE_INTERVAL_MS);
  else if (uv_timer_get_repeat(t) != PRUNE_INTERVAL_MS || n < 0)
    uv_timer_start(t, prune_cb, PRUNE_INTERVAL_MS, PRUNE_INTERVAL_MS);
}

/* ---- life cycle -------------------------------------------------------- */

static void mqtt_opts(const wg_mqtt_conf_t *m, const char *client_id,
                      wg_mqtt_opts_t *o) {
  memset(o, 0, sizeof(*o));
  o->host = m->host;
  o->port = m->port;
  o->client_id = m->client_id ? m->client_id : client_id;
  o->username = m->username;
  o->password = m->password;
  if (m->tls_on) {
    o->ca_file = m->tls.ca_file;
    o->cert_file = m->tls.cert_file;
    o->key_file = m->tls.key_file;
  }
  o->keepalive_s = m->keepalive_s;
}

int wg_core_new(wg_core_t **out, uv_loop_t *loop, wg_config_t *cfg) {
  wg_core_t *c;
  int64_t seq;
  int rc;

  *out = NULL;
  c = calloc(1, sizeof(*c));
  if (c == NULL) {
    wg_config_free(cfg);
    return WG_ENOMEM;
  }
  c->loop = loop;
  c->cfg = c->live = cfg;
  c->stop_mid = -1;
  c->retry_ms = RETRY_MIN_MS;
  c->error_tokens = ERROR_BURST;
  c->batch_arena.block_size = 256 * 1024;
  c->reject_complaint.interval_s = 10;
  c->store_complaint.interval_s = 10;
  c->started = wall_now();
  snprintf(c->topic_status, sizeof(c->topic_status), "wardgate/%s/status",
           cfg->gateway_id);
  snprintf(c->topic_errors, sizeof(c->topic_errors), "wardgate/%s/errors",
           cfg->gateway_id);
  snprintf(c->topic_alerts, sizeof(c->topic_alerts), "wardgate/%s/alerts",
           cfg->gateway_id);
  snprintf(c->topic_ack, sizeof(c->topic_ack), "wardgate/%s/alerts/ack",
           cfg->gateway_id);
  snprintf(c->topic_active, sizeof(c->topic_active),
           "wardgate/%s/alerts/active", cfg->gateway_id);
  snprintf(c->topic_news2, sizeof(c->topic_news2), "wardgate/%s/news2",
           cfg->gateway_id);
  if ((rc = build_device_map(cfg, &c->devices, &c->ndevices)) != 0)
    goto fail;
  if ((rc = wg_store_open(&c->store, cfg->database, cfg->durability)) != 0)
    goto fail;
  /* Ids go on from the largest stored; open alerts and their escalation
   * deadlines come back as they were. */
  seq = wg_store_alert_max_seq(c->store);
  if (seq < 0 ||
      (rc = wg_alerts_init(&c->alerts, cfg->gateway_id, (uint64_t)seq + 1)) !=
          0 ||
      (rc = wg_store_alerts_open(c->store, restore_alert, c)) != 0 ||
      (rc = wg_outbox_init(&c->outbox, c->store, cfg->outbox_max)) != 0 ||
      (rc = build_rule_states(c, cfg, &c->rule_states, &c->nrule_states)) !=
          0 ||
      (rc = rebuild_rule_states(c)) != 0) {
    rc = rc ? rc : (int)seq;
    goto fail;
  }
  if (c->alerts.nopen > 0)
    wg_log(LOG_INFO, "core: %zu open alerts from before", c->alerts.nopen);
  *out = c;
  return 0;

fail:
  wg_core_free(c);
  return rc;
}

/* The configured device ids, for CoAP discovery; free() the array. */
static const char **device_ids(const wg_core_t *c) {
  const char **v = calloc(c->ndevices ? c->ndevices : 1, sizeof(*v));

  for (size_t i = 0; v != NULL && i < c->ndevices; i++)
    v[i] = c->devices[i].device;
  return v;
}

static int start_coap(wg_core_t *c) {
  const wg_coap_conf_t *co = &c->cfg->ingest_coap;
  const char **devices = device_ids(c);
  wg_coap_opts_t o;
  int rc;

  if (devices == NULL)
    return WG_ENOMEM;
  memset(&o, 0, sizeof(o));
  o.bind = co->bind;
  o.port = co->port;
  o.psks = co->psks;
  o.npsks = co->npsks;
  o.devices = devices;
  o.ndevices = c->ndevices;
  o.max_pack = WG_SENML_MAX_BYTES;
  rc = wg_coap_driver_init(&c->coap, "coap", &o, &coap_cbs, c);
  free(devices);
  if (rc != 0)
    return rc;
  c->coap_on = true;
  c->drivers_open++;
  return c->coap.ops->start(&c->coap, c->loop);
}

int wg_core_start(wg_core_t *c) {
  const wg_config_t *cfg = c->cfg;
  char ingest_id[96], uplink_id[96];
  wg_mqtt_opts_t o;
  int rc;

  uv_prepare_init(c->loop, &c->commit_prepare);
  uv_timer_init(c->loop, &c->retry_timer);
  uv_timer_init(c->loop, &c->status_timer);
  uv_timer_init(c->loop, &c->prune_timer);
  uv_timer_init(c->loop, &c->stop_timer);
  uv_timer_init(c->loop, &c->escalation_timer);
  uv_timer_init(c->loop, &c->rules_timer);
  c->commit_prepare.data = c->retry_timer.data = c->status_timer.data =
      c->prune_timer.data = c->stop_timer.data = c->escalation_timer.data =
          c->rules_timer.data = c;
  c->handles_open = 7;
  c->error_tokens_at = uv_now(c->loop);
  uv_prepare_start(&c->commit_prepare, prepare_cb);

  /* The uplink first, so that the hub hears of the gateway before input. */
  snprintf(uplink_id, sizeof(uplink_id), "wardgate-%s-uplink", cfg->gateway_id);
  /* The will cannot know the counters at the time it fires: none. */
  c->will = wg_core_status_json(c, false, false);
  if (c->will == NULL)
    return WG_ENOMEM;
  mqtt_opts(&cfg->uplink_mqtt, uplink_id, &o);
  /* A persistent session too: acks sent while the gateway is away wait
   * for it at the hub's broker. */
  o.clean_session = false;
  c->ack_subscription = c->topic_ack;
  o.subscriptions = &c->ack_subscription;
  o.nsubscriptions = 1;
  o.will_topic = c->topic_status;
  o.will_payload = c->will;
  o.will_retain = true;
  if ((rc = wg_mqtt_driver_init(&c->uplink, "uplink", &o, &uplink_cbs, c)) != 0)
    return rc;
  c->uplink_on = true;
  c->drivers_open++;
  if ((rc = c->uplink.ops->start(&c->uplink, c->loop)) != 0)
    return rc;

  if (cfg->ingest_mqtt_on) {
    /* A persistent session under a fixed client id: the broker queues what
     * devices publish while the daemon restarts. */
    snprintf(ingest_id, sizeof(ingest_id), "wardgate-%s-ingest",
             cfg->gateway_id);
    mqtt_opts(&cfg->ingest_mqtt, ingest_id, &o);
    o.clean_session = false;
    c->subscription = cfg->ingest_mqtt.topic;
    o.subscriptions = &c->subscription;
    o.nsubscriptions = 1;
    if ((rc = wg_mqtt_driver_init(&c->ingest, "ingest", &o, &ingest_cbs, c)) !=
        0)
      return rc;
    c->ingest_on = true;
    c->drivers_open++;
    if ((rc = c->ingest.ops->start(&c->ingest, c->loop)) != 0)
      return rc;
  }
  if (cfg->ingest_coap_on && (rc = start_coap(c)) != 0)
    return rc;

  uv_timer_start(&c->status_timer, status_cb,
                 (uint64_t)(cfg->status_interval_s * 1000),
                 (uint64_t)(cfg->status_interval_s * 1000));
  uv_timer_start(&c->prune_timer, prune_cb, 5000, PRUNE_INTERVAL_MS);
  arm_escalation(c);
  arm_rules(c);
  wg_log(LOG_INFO,
         "core: gateway %s started: %zu patients, %zu devices, "
         "database %s",
         cfg->gateway_id, cfg->npatients, c->ndevices, cfg->database);
  return 0;
}

void wg_core_reload(wg_core_t *c, wg_config_t *cfg) {
  wg_rule_state_t *states;
  device_map_t *map;
  size_t n, nstates;

  /* The readings waiting for the rules are evaluated with the patients
   * they arrived under. */
  if (commit_batch(c) != 0)
    wg_log(LOG_WARNING, "core: reload: the pending readings are not "
                        "committed yet; they meet the new patients' rules");
  if (build_device_map(cfg, &map, &n) != 0 ||
      build_rule_states(c, cfg, &states, &nstates) != 0) {
    wg_log(LOG_ERR, "core: reload: out of memory; keeping the old patients");
    free(map);
    wg_config_free(cfg);
    return;
  }
  free_rule_states(c->rule_states, c->nrule_states);
  c->rule_states = states;
  c->nrule_states = nstates;
  for (size_t i = 0; i < nstates; i++)
    restore_active(c, &cfg->patients[i], &states[i], wall_now());
  if (strcmp(cfg->gateway_id, c->cfg->gateway_id) != 0 ||
      strcmp(cfg->database, c->cfg->database) != 0 ||
      cfg->ingest_mqtt_on != c->cfg->ingest_mqtt_on ||
      cfg->ingest_coap_on != c->cfg->ingest_coap_on)
    wg_log(LOG_WARNING, "core: reload takes patients and unknown_devices "
                        "only; other changes need a restart");
  /* Readings in the batch hold copies of their ids, not pointers into the
   * old configuration, so it can go at once. */
  free(c->devices);
  c->devices = map;
  c->ndevices = n;
  if (c->coap_on) {
    const char **ids = device_ids(c);
    if (ids == NULL || wg_coap_driver_list_devices(&c->coap, ids, n) != 0)
      wg_log(LOG_WARNING, "core: reload: out of memory; CoAP discovery may "
                          "not list the new devices");
    free(ids);
  }
  if (c->live != c->cfg)
    wg_config_free(c->live);
  c->live = cfg;
  wg_log(LOG_INFO, "core: reloaded: %zu patients, %zu devices", cfg->npatients,
         c->ndevices);
  arm_rules(c);
}

/* ---- stop -------------------------------------------------------------- */

static void one_closed(wg_core_t *c) {
  if (--c->handles_open == 0 && c->drivers_open == 0 && c->stopped_cb)
    c->stopped_cb(c, c->stop_status);
}

static void handle_closed(uv_handle_t *h) { one_closed(h->data); }

static void driver_closed(wg_driver_t *drv) {
  wg_core_t *c = drv->data;
  if (--c->drivers_open == 0 && c->handles_open == 0 && c->stopped_cb)
    c->stopped_cb(c, c->stop_status);
}

static void finish_stop(wg_core_t *c) {
  if (c->finished)
    return;
  c->finished = true;
  /* Readings still unwritten now were acknowledged to their device and are
   * lost: say so loudly, and exit with failure. */
  if (c->batch.n > 0 && commit_batch(c) != 0) {
    wg_log(LOG_ERR, "core: %zu readings could not be committed before exit",
           c->batch.n);
    c->stop_status = 2;
  }
  uv_timer_stop(&c->stop_timer);
  if (c->uplink_on) {
    c->uplink_on = false;
    c->uplink.ops->close(&c->uplink, driver_closed);
  }
  uv_close((uv_handle_t *)&c->commit_prepare, handle_closed);
  uv_close((uv_handle_t *)&c->retry_timer, handle_closed);
  uv_close((uv_handle_t *)&c->status_timer, handle_closed);
  uv_close((uv_handle_t *)&c->prune_timer, handle_closed);
  uv_close((uv_handle_t *)&c->stop_timer, handle_closed);
  uv_close((uv_handle_t *)&c->escalation_timer, handle_closed);
  uv_close((uv_handle_t *)&c->rules_timer, handle_closed);
}

static void stop_timeout_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;

  if (c->stop_mid >= 0)
    wg_log(LOG_WARNING, "core: the hub's broker did not acknowledge the "
                        "offline status in time");
  finish_stop(c);
}

/*
 * Stopping, after the last commit: first the outbox is flushed as far as
 * the hub's broker acknowledges it, then the offline status goes out; the
 * deadline timer cuts either wait short.
 */
static void stop_step(wg_core_t *c) {
  if (c->finished || !c->draining)
    return;
  if (uplink_up(c) && !wg_outbox_drained(&c->outbox)) {
    pump_outbox(c);
    return; /* the PUBACKs and their commit call us again */
  }
  c->draining = false;
  if (uplink_up(c))
    publish_status(c, false, &c->stop_mid);
  if (c->stop_mid < 0 && c->batch.n == 0)
    finish_stop(c);
}

void wg_core_stop(wg_core_t *c, wg_core_stopped_cb cb) {
  int rc;

  if (c->stopping)
    return;
  c->stopping = true;
  c->stopped_cb = cb;
  wg_log(LOG_INFO, "core: stopping");
  /* Stop taking input; what was taken is committed now. */
  if (c->ingest_on)
    c->ingest.ops->pause(&c->ingest, true);
  uv_timer_stop(&c->status_timer);
  uv_timer_stop(&c->prune_timer);
  uv_timer_stop(&c->escalation_timer);
  uv_timer_stop(&c->rules_timer);
  uv_timer_start(&c->stop_timer, stop_timeout_cb, STOP_TIMEOUT_MS, 0);
  uv_timer_stop(&c->retry_timer);
  c->draining = true;
  rc = commit_batch(c);
  /* After the commit, so that what it holds is answered on the way out. */
  if (c->ingest_on) {
    c->ingest_on = false;
    c->ingest.ops->close(&c->ingest, driver_closed);
  }
  if (c->coap_on) {
    c->coap_on = false;
    c->coap.ops->close(&c->coap, driver_closed);
  }
  if (rc == 0)
    stop_step(c); /* else the retry timer commits, then steps */
}

void wg_core_free(wg_core_t *c) {
  if (c == NULL)
    return;
  wg_store_close(c->store);
  wg_readings_free(&c->batch);
  wg_arena_free(&c->batch_arena);
  free(c->devices);
  free(c->will);
  free(c->events);
  free(c->pack_ends);
  free(c->scores);
  free_rule_states(c->rule_states, c->nrule_states);
  wg_alerts_free(&c->alerts);
  wg_outbox_free(&c->outbox);
  if (c->live != c->cfg)
    wg_config_free(c->live);
  wg_config_free(c->cfg);
  free(c);
}

const wg_counters_t *wg_core_counters(const wg_core_t *c) {
  return &c->counters;
}

uv_loop_t *wg_core_loop(const wg_core_t *c) { return c->loop; }
