/* SPDX-License-Identifier: MIT */
#include "core.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "senml.h"
#include "store.h"
#include "version.h"
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

typedef struct device_map_s {
  const char *device;
  const wg_patient_t *patient;
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
  bool ingest_on;
  bool uplink_on;
  const char *subscription; /* ingest filter, for wg_mqtt_opts_t */
  char topic_status[96];
  char topic_errors[96];
  char *will;

  /* The readings of this loop iteration, committed before it sleeps. */
  wg_readings_t batch;
  wg_arena_t batch_arena;
  double batch_received; /* receive time of the oldest in the batch */
  bool paused;
  unsigned retry_ms;

  uv_prepare_t commit_prepare;
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
      map[k++].patient = &cfg->patients[i];
    }
  qsort(map, total, sizeof(*map), cmp_device);
  *out = map;
  *n = total;
  return 0;
}

static const device_map_t *find_device(const wg_core_t *c, const char *id) {
  device_map_t key = {id, NULL};
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
    cJSON_AddNumberToObject(n, "packs_received",
                            (double)c->counters.packs_received);
    cJSON_AddNumberToObject(n, "packs_rejected",
                            (double)c->counters.packs_rejected);
    cJSON_AddNumberToObject(n, "readings_stored",
                            (double)c->counters.readings_stored);
    cJSON_AddNumberToObject(n, "readings_duplicate",
                            (double)c->counters.readings_duplicate);
    cJSON_AddNumberToObject(n, "readings_pending", (double)c->batch.n);
    cJSON_AddNumberToObject(n, "store_errors",
                            (double)c->counters.store_errors);
    cJSON_AddNumberToObject(n, "errors_suppressed",
                            (double)c->counters.errors_suppressed);
    cJSON_AddBoolToObject(n, "ingest_connected",
                          c->ingest_on &&
                              c->ingest.ops->is_connected(&c->ingest));
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

/* ---- group commit ------------------------------------------------------ */

static void set_paused(wg_core_t *c, bool paused) {
  if (c->paused == paused)
    return;
  c->paused = paused;
  if (c->ingest_on)
    c->ingest.ops->pause(&c->ingest, paused);
}

/*
 * Commit the batch in one transaction. On failure the batch stays in memory
 * and is retried from a timer with backoff; every insert is idempotent, so
 * a retry of a partly applied group stores nothing twice.
 */
static void retry_cb(uv_timer_t *t);
static void finish_stop(wg_core_t *c);

static int commit_batch(wg_core_t *c) {
  uint64_t stored = 0, dup = 0;
  double received = c->batch_received;
  int rc;

  if (c->batch.n == 0)
    return 0;
  if ((rc = wg_store_begin(c->store)) != 0)
    goto fail;
  for (size_t i = 0; i < c->batch.n; i++) {
    rc = wg_store_put_reading(c->store, &c->batch.v[i], received);
    if (rc < 0) {
      wg_store_rollback(c->store);
      goto fail;
    }
    if (rc == 1)
      stored++;
    else
      dup++;
  }
  if ((rc = wg_store_commit(c->store)) != 0)
    goto fail;

  c->counters.readings_stored += stored;
  c->counters.readings_duplicate += dup;
  c->batch.n = 0;
  wg_arena_reset(&c->batch_arena);
  c->retry_ms = RETRY_MIN_MS;
  uv_timer_stop(&c->retry_timer);
  if (c->paused && !c->stopping) {
    wg_log(LOG_INFO, "core: store writable again");
    set_paused(c, false);
  }
  if (c->stopping && c->stop_mid < 0)
    finish_stop(c);
  return 0;

fail:
  c->counters.store_errors++;
  wg_complain(&c->store_complaint, LOG_ERR,
              "core: cannot commit %zu readings (%s); keeping them and "
              "retrying",
              c->batch.n, wg_strerror(rc));
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

  if (c->batch.n == 0 || uv_is_active((uv_handle_t *)&c->retry_timer))
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
  if (first == 0)
    c->batch_received = now;
  for (size_t i = first; i < c->batch.n; i++) {
    c->batch.v[i].device_id = dev;
    c->batch.v[i].patient_id = pat;
  }
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

static void ingest_message(wg_driver_t *drv, const char *topic,
                           const void *payload, size_t len) {
  wg_core_t *c = drv->data;
  char device[DEVICE_ID_MAX + 1], err[256];

  if (wg_core_device_from_topic(c->cfg->ingest_mqtt.topic, topic, device,
                                sizeof(device)) != 0) {
    c->counters.packs_received++;
    c->counters.packs_rejected++;
    snprintf(err, sizeof(err), "topic %.128s does not name a valid device id",
             topic);
    report_rejection(c, "mqtt", "", err);
    return;
  }
  wg_core_ingest(c, "mqtt", device, payload, len, err, sizeof(err));
}

static void uplink_connected(wg_driver_t *drv) {
  wg_core_t *c = drv->data;
  if (!c->stopping)
    publish_status(c, true, NULL);
}

static void uplink_published(wg_driver_t *drv, int mid) {
  wg_core_t *c = drv->data;
  if (c->stopping && mid == c->stop_mid) {
    c->stop_mid = -1;
    finish_stop(c);
  }
}

static const wg_driver_cbs_t ingest_cbs = {NULL, NULL, ingest_message, NULL};
static const wg_driver_cbs_t uplink_cbs = {uplink_connected, NULL, NULL,
                                           uplink_published};

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

static int mqtt_opts(wg_core_t *c, const wg_mqtt_conf_t *m,
                     const char *client_id, wg_mqtt_opts_t *o) {
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
  (void)c;
  return 0;
}

int wg_core_new(wg_core_t **out, uv_loop_t *loop, wg_config_t *cfg) {
  wg_core_t *c;
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
  if ((rc = build_device_map(cfg, &c->devices, &c->ndevices)) != 0)
    goto fail;
  if ((rc = wg_store_open(&c->store, cfg->database, cfg->durability)) != 0)
    goto fail;
  *out = c;
  return 0;

fail:
  wg_core_free(c);
  return rc;
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
  c->commit_prepare.data = c->retry_timer.data = c->status_timer.data =
      c->prune_timer.data = c->stop_timer.data = c;
  c->handles_open = 5;
  c->error_tokens_at = uv_now(c->loop);
  uv_prepare_start(&c->commit_prepare, prepare_cb);

  /* The uplink first, so that the hub hears of the gateway before input. */
  snprintf(uplink_id, sizeof(uplink_id), "wardgate-%s-uplink", cfg->gateway_id);
  /* The will cannot know the counters at the time it fires: none. */
  c->will = wg_core_status_json(c, false, false);
  if (c->will == NULL)
    return WG_ENOMEM;
  mqtt_opts(c, &cfg->uplink_mqtt, uplink_id, &o);
  o.clean_session = true;
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
    mqtt_opts(c, &cfg->ingest_mqtt, ingest_id, &o);
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
  if (cfg->ingest_coap_on)
    wg_log(LOG_WARNING, "core: ingest.coap is configured but this build has "
                        "no CoAP driver yet; CoAP is off");

  uv_timer_start(&c->status_timer, status_cb,
                 (uint64_t)(cfg->status_interval_s * 1000),
                 (uint64_t)(cfg->status_interval_s * 1000));
  uv_timer_start(&c->prune_timer, prune_cb, 5000, PRUNE_INTERVAL_MS);
  wg_log(LOG_INFO,
         "core: gateway %s started: %zu patients, %zu devices, "
         "database %s",
         cfg->gateway_id, cfg->npatients, c->ndevices, cfg->database);
  return 0;
}

void wg_core_reload(wg_core_t *c, wg_config_t *cfg) {
  device_map_t *map;
  size_t n;

  if (build_device_map(cfg, &map, &n) != 0) {
    wg_log(LOG_ERR, "core: reload: out of memory; keeping the old patients");
    wg_config_free(cfg);
    return;
  }
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
  if (c->live != c->cfg)
    wg_config_free(c->live);
  c->live = cfg;
  wg_log(LOG_INFO, "core: reloaded: %zu patients, %zu devices", cfg->npatients,
         c->ndevices);
}

/* ---- stop -------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h) {
  wg_core_t *c = h->data;
  if (--c->handles_open == 0 && c->drivers_open == 0 && c->stopped_cb)
    c->stopped_cb(c, c->stop_status);
}

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
}

static void stop_timeout_cb(uv_timer_t *t) {
  wg_core_t *c = t->data;

  if (c->stop_mid >= 0)
    wg_log(LOG_WARNING, "core: the hub's broker did not acknowledge the "
                        "offline status in time");
  finish_stop(c);
}

void wg_core_stop(wg_core_t *c, wg_core_stopped_cb cb) {
  if (c->stopping)
    return;
  c->stopping = true;
  c->stopped_cb = cb;
  wg_log(LOG_INFO, "core: stopping");
  /* Stop taking input; what was taken is committed now. */
  if (c->ingest_on) {
    c->ingest_on = false;
    c->ingest.ops->close(&c->ingest, driver_closed);
  }
  uv_timer_stop(&c->status_timer);
  uv_timer_stop(&c->prune_timer);
  uv_timer_start(&c->stop_timer, stop_timeout_cb, STOP_TIMEOUT_MS, 0);
  if (c->uplink_on && c->uplink.ops->is_connected(&c->uplink))
    publish_status(c, false, &c->stop_mid);
  /* With the commit done and nothing to wait for, finish now; otherwise the
   * PUBACK, a successful retry or the deadline does. */
  uv_timer_stop(&c->retry_timer);
  if (commit_batch(c) == 0 && c->stop_mid < 0)
    finish_stop(c);
}

void wg_core_free(wg_core_t *c) {
  if (c == NULL)
    return;
  wg_store_close(c->store);
  wg_readings_free(&c->batch);
  wg_arena_free(&c->batch_arena);
  free(c->devices);
  free(c->will);
  if (c->live != c->cfg)
    wg_config_free(c->live);
  wg_config_free(c->cfg);
  free(c);
}

const wg_counters_t *wg_core_counters(const wg_core_t *c) {
  return &c->counters;
}

uv_loop_t *wg_core_loop(const wg_core_t *c) { return c->loop; }
