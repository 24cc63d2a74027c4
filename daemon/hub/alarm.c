/* SPDX-License-Identifier: MIT */
#include "hub/alarm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "common/json_scratch.h"
#include "core/clock.h"
#include "hub/alarm_state.h"
#include "hub/hub.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

/* Commands running at once, commands waiting to run, and how long one may
 * run before it is killed. */
#define ALARM_RUNS_MAX 4
#define ALARM_QUEUE_MAX 32
#define ALARM_RUN_TIMEOUT_MS 10000
/* Messages on the alerts topic in flight to the hub's broker, remembered
 * by id: the outbox has at most WG_OUTBOX_INFLIGHT. */
#define ALARM_SENT_MAX (2 * WG_OUTBOX_INFLIGHT)

typedef struct alarm_sent_s {
  int mid; /* 0: free */
  wg_severity_t severity;
  char id[96];
} alarm_sent_t;

typedef struct alarm_run_s {
  struct wg_alarm_s *a;
  uv_process_t proc;
  uv_pipe_t in;
  uv_timer_t timer;
  uv_write_t w;
  char *doc;
  int closing;  /* of its three handles, those not yet closed */
  bool counted; /* closed while the alarm closes: one of its handles */
  struct alarm_run_s *next;
} alarm_run_t;

struct wg_alarm_s {
  wg_hub_t *hub;
  const wg_local_alarm_t *conf;
  wg_alarm_state_t st;
  char topic[128];
  uv_timer_t timer;
  bool closing;
  bool topic_dirty;
  alarm_sent_t sent[ALARM_SENT_MAX];
  size_t sent_next;
  /* Ids of the alerts with an event in the outbox at start (the first
   * sync's question), then freed. */
  char **pending;
  size_t npending, pending_cap;
  alarm_run_t *runs; /* running */
  size_t nruns;
  char *queue[ALARM_QUEUE_MAX]; /* documents waiting for a free slot */
  size_t qhead, qlen;
  int handles; /* closing: handles not yet closed, the timer's included */
  void (*closed_cb)(void *data);
  void *closed_data;
  wg_complaint_t complaint;
};

static double alarm_now(const wg_alarm_t *a) {
  return (double)uv_now(a->hub->loop) / 1000.0;
}

/* ---- the commands -------------------------------------------------------- */

static void alarm_run_next(wg_alarm_t *a);

static void alarm_closed_one(wg_alarm_t *a) {
  if (a->closing && --a->handles == 0 && a->closed_cb != NULL)
    a->closed_cb(a->closed_data);
}

static void alarm_run_handle_closed(uv_handle_t *hd) {
  alarm_run_t *r = hd->data;
  wg_alarm_t *a = r->a;

  bool counted = r->counted;

  if (--r->closing > 0)
    return;
  free(r->doc);
  free(r);
  if (counted)
    alarm_closed_one(a);
}

static void alarm_run_close(alarm_run_t *r) {
  wg_alarm_t *a = r->a;

  for (alarm_run_t **p = &a->runs; *p != NULL; p = &(*p)->next)
    if (*p == r) {
      *p = r->next;
      a->nruns--;
      break;
    }
  if (a->closing) {
    a->handles++;
    r->counted = true;
  }
  uv_close((uv_handle_t *)&r->proc, alarm_run_handle_closed);
  uv_close((uv_handle_t *)&r->timer, alarm_run_handle_closed);
  if (!uv_is_closing((uv_handle_t *)&r->in))
    uv_close((uv_handle_t *)&r->in, alarm_run_handle_closed);
}

static void alarm_run_exit_cb(uv_process_t *p, int64_t status, int sig) {
  alarm_run_t *r = p->data;
  wg_alarm_t *a = r->a;

  if (sig != 0)
    wg_log(LOG_WARNING, "alarm: %s ended by signal %d", a->conf->command[0],
           sig);
  else
    wg_log(status == 0 ? LOG_INFO : LOG_WARNING,
           "alarm: %s exited with status %lld", a->conf->command[0],
           (long long)status);
  alarm_run_close(r);
  alarm_run_next(a);
}

static void alarm_run_timeout_cb(uv_timer_t *t) {
  alarm_run_t *r = t->data;

  wg_log(LOG_WARNING, "alarm: %s still runs after %d s: killed",
         r->a->conf->command[0], ALARM_RUN_TIMEOUT_MS / 1000);
  uv_process_kill(&r->proc, SIGKILL);
}

/* Standard input is the document, then end of file. */
static void alarm_run_written_cb(uv_write_t *w, int status) {
  alarm_run_t *r = w->data;

  if (status != 0 && status != UV_EPIPE && status != UV_ECANCELED)
    wg_log(LOG_WARNING, "alarm: writing to %s: %s", r->a->conf->command[0],
           uv_strerror(status));
  if (!uv_is_closing((uv_handle_t *)&r->in))
    uv_close((uv_handle_t *)&r->in, alarm_run_handle_closed);
}

/* Runs @doc (taken) through the command; false when it could not start
 * (logged; @doc freed). */
static bool alarm_run_start(wg_alarm_t *a, char *doc) {
  uv_loop_t *loop = a->hub->loop;
  uv_process_options_t o;
  uv_stdio_container_t io[3];
  alarm_run_t *r = calloc(1, sizeof(*r));
  uv_buf_t buf;
  int rc;

  if (r == NULL) {
    wg_log(LOG_ERR, "alarm: out of memory: %s not run", a->conf->command[0]);
    free(doc);
    return false;
  }
  r->a = a;
  r->doc = doc;
  r->closing = 3;
  uv_pipe_init(loop, &r->in, 0);
  uv_timer_init(loop, &r->timer);
  r->proc.data = r->in.data = r->timer.data = r->w.data = r;
  memset(&o, 0, sizeof(o));
  io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  io[0].data.stream = (uv_stream_t *)&r->in;
  /* Its output goes where the daemon's goes: the journal. */
  io[1].flags = io[2].flags = UV_INHERIT_FD;
  io[1].data.fd = 1;
  io[2].data.fd = 2;
  o.file = a->conf->command[0];
  o.args = (char **)a->conf->command;
  o.stdio = io;
  o.stdio_count = 3;
  o.exit_cb = alarm_run_exit_cb;
  r->next = a->runs;
  a->runs = r;
  a->nruns++;
  if ((rc = uv_spawn(loop, &r->proc, &o)) != 0) {
    wg_log(LOG_ERR, "alarm: cannot run %s: %s", a->conf->command[0],
           uv_strerror(rc));
    alarm_run_close(r);
    return false;
  }
  uv_timer_start(&r->timer, alarm_run_timeout_cb, ALARM_RUN_TIMEOUT_MS, 0);
  buf = uv_buf_init(r->doc, (unsigned)strlen(r->doc));
  if ((rc = uv_write(&r->w, (uv_stream_t *)&r->in, &buf, 1,
                     alarm_run_written_cb)) != 0)
    alarm_run_written_cb(&r->w, rc);
  return true;
}

/* The next waiting document, while a slot is free. */
static void alarm_run_next(wg_alarm_t *a) {
  while (!a->closing && a->qlen > 0 && a->nruns < ALARM_RUNS_MAX) {
    char *doc = a->queue[a->qhead];
    a->qhead = (a->qhead + 1) % ALARM_QUEUE_MAX;
    a->qlen--;
    alarm_run_start(a, doc);
  }
}

/* Run the command for @doc (taken), now or when a slot is free; at the
 * queue's limit the oldest waiting document is dropped. */
static void alarm_run(wg_alarm_t *a, char *doc) {
  if (a->qlen == ALARM_QUEUE_MAX) {
    wg_complain(&a->complaint, LOG_ERR,
                "alarm: %d runs of %s wait: the oldest is dropped",
                ALARM_QUEUE_MAX, a->conf->command[0]);
    free(a->queue[a->qhead]);
    a->qhead = (a->qhead + 1) % ALARM_QUEUE_MAX;
    a->qlen--;
  }
  a->queue[(a->qhead + a->qlen++) % ALARM_QUEUE_MAX] = doc;
  alarm_run_next(a);
}

/* ---- the documents ------------------------------------------------------- */

/* {"state":…,"gateway":…,"ts":…,"waiting_since":…,"reason":…,"alert":{…}}
 * for the command and the home's topic; NULL when out of memory. */
static char *alarm_doc(wg_alarm_t *a, const wg_alarm_entry_t *e,
                       const char *state, const char *why,
                       const char *alert_json) {
  wg_arena_mark_t mark = wg_json_scratch_begin();
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject(), *al = cJSON_Parse(alert_json);
  double wall = wg_wall_now();
  char *text = NULL;

  cJSON_AddStringToObject(o, "state", state);
  cJSON_AddStringToObject(o, "gateway", a->hub->cfg->gateway_id);
  cJSON_AddNumberToObject(o, "ts", wall);
  cJSON_AddNumberToObject(o, "waiting_since", wall - (alarm_now(a) - e->since));
  cJSON_AddStringToObject(o, "reason", why);
  if (al != NULL && o != NULL)
    cJSON_AddItemToObject(o, "alert", al);
  if (al != NULL && o != NULL && !wg_json_build_failed(b))
    text = wg_json_scratch_keep(cJSON_PrintUnformatted(o));
  wg_json_scratch_end(mark);
  return text;
}

/* Why the hub has not had an alert, as far as the gateway can tell. */
static const char *alarm_why(const wg_alarm_t *a) {
  if (!wg_hub_connected(a->hub))
    return "the hub's broker cannot be reached";
  if (a->hub->refusing)
    return "the hub's broker refuses the gateway's alerts";
  return "the hub's broker has not acknowledged it";
}

static void alarm_change(void *ud, wg_alarm_entry_t *e, bool on,
                         const char *why) {
  wg_alarm_t *a = ud;
  const wg_alert_t *al = wg_alerts_by_id(a->hub->alerts, e->id);
  char *json = NULL, *doc = NULL;

  a->topic_dirty = true;
  if (on) {
    why = alarm_why(a);
    if (al != NULL && (json = wg_alert_to_json(al)) != NULL)
      doc = alarm_doc(a, e, "alarm", why, json);
    free(json);
    e->json = doc; /* kept for the topic and for the clear */
    wg_log(LOG_ERR,
           "alarm: the hub has not had alert %s (%s) for %.0f s: %s; "
           "local alarm on",
           e->id, wg_severity_name(e->severity), a->st.after_s, why);
    if (doc == NULL)
      wg_log(LOG_ERR, "alarm: out of memory: %s is not told of %s",
             a->conf->command[0], e->id);
    else if ((doc = strdup(doc)) != NULL)
      alarm_run(a, doc);
    return;
  }
  wg_log(LOG_NOTICE, "alarm: alert %s: %s; local alarm off", e->id, why);
  /* The alert as it was when the alarm went on, marked cleared. */
  if (e->json != NULL) {
    wg_arena_mark_t mark = wg_json_scratch_begin();
    cJSON *o = cJSON_Parse(e->json);
    const cJSON *alert = cJSON_GetObjectItemCaseSensitive(o, "alert");
    char *aj = alert != NULL ? cJSON_PrintUnformatted(alert) : NULL;
    if (aj != NULL)
      doc = alarm_doc(a, e, "cleared", why, aj);
    wg_json_scratch_end(mark);
  }
  if (doc != NULL)
    alarm_run(a, doc);
  else
    wg_log(LOG_ERR, "alarm: out of memory: %s is not told that %s cleared",
           a->conf->command[0], e->id);
}

/* The alarms on, retained on the home's broker; none: the retained
 * message removed (an empty one). */
static void alarm_publish(wg_alarm_t *a) {
  wg_arena_mark_t mark;
  wg_json_build_t b;
  cJSON *o, *v;
  char *text = NULL;
  int rc;

  if (!a->topic_dirty || a->hub->cbs->home_publish == NULL)
    return;
  if (wg_alarm_state_on(&a->st) == 0) {
    rc = a->hub->cbs->home_publish(a->hub, a->topic, "", 0);
  } else {
    mark = wg_json_scratch_begin();
    b = wg_json_build_begin();
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "gateway", a->hub->cfg->gateway_id);
    cJSON_AddNumberToObject(o, "ts", wg_wall_now());
    v = cJSON_AddArrayToObject(o, "alarms");
    for (size_t i = 0; i < a->st.n; i++)
      if (a->st.v[i].on && a->st.v[i].json != NULL)
        wg_json_append(v, cJSON_Parse(a->st.v[i].json));
    if (!wg_json_build_failed(b))
      text = cJSON_PrintUnformatted(o);
    rc = text == NULL
             ? WG_ENOMEM
             : a->hub->cbs->home_publish(a->hub, a->topic, text, strlen(text));
    wg_json_scratch_end(mark);
  }
  if (rc == 0)
    a->topic_dirty = false;
  else if (rc != WG_ENOCONN) /* no home broker yet, or none at all */
    wg_complain(&a->complaint, LOG_WARNING,
                "alarm: %s not published on the home's broker: %s", a->topic,
                wg_strerror(rc));
}

/* ---- the decisions, on the loop ------------------------------------------ */

static void alarm_timer_cb(uv_timer_t *t);

/* Alarms due now go on; the timer waits for the next; the topic follows. */
static void alarm_step(wg_alarm_t *a) {
  double now = alarm_now(a), next;

  if (a->closing)
    return;
  next = wg_alarm_state_due(&a->st, now);
  if (next > 0)
    uv_timer_start(&a->timer, alarm_timer_cb,
                   (uint64_t)((next - now) * 1000.0) + 1, 0);
  else
    uv_timer_stop(&a->timer);
  alarm_publish(a);
}

static void alarm_timer_cb(uv_timer_t *t) { alarm_step(t->data); }

static bool alarm_pending(void *ud, const char *id) {
  const wg_alarm_t *a = ud;

  for (size_t i = 0; i < a->npending; i++)
    if (strcmp(a->pending[i], id) == 0)
      return true;
  return false;
}

/* Member @key's string value in an alert event's JSON: its first
 * occurrence, which is the event's own (ids, rule and severity come before
 * any free text, and a quote inside a string is escaped). */
static bool alarm_event_str(const char *payload, const char *key, char *out,
                            size_t size) {
  char pat[32];
  const char *p, *q;
  size_t n = (size_t)snprintf(pat, sizeof(pat), "\"%s\":\"", key);

  if ((p = strstr(payload, pat)) == NULL || (q = strchr(p + n, '"')) == NULL ||
      (size_t)(q - p) - n >= size)
    return false;
  memcpy(out, p + n, (size_t)(q - p) - n);
  out[(size_t)(q - p) - n] = '\0';
  return true;
}

typedef struct alarm_scan_s {
  wg_alarm_t *a;
  int64_t last;
} alarm_scan_t;

static int alarm_scan_cb(void *ud, int64_t seq, const char *topic,
                         const char *payload) {
  alarm_scan_t *sc = ud;
  wg_alarm_t *a = sc->a;
  char id[96];

  sc->last = seq;
  if (strcmp(topic, a->hub->topic_alerts) != 0 ||
      !alarm_event_str(payload, "id", id, sizeof(id)) ||
      (a->npending > 0 && strcmp(a->pending[a->npending - 1], id) == 0))
    return 0;
  if (a->npending == a->pending_cap) {
    size_t cap = a->pending_cap ? a->pending_cap * 2 : 64;
    char **v = realloc(a->pending, cap * sizeof(*v));
    if (v == NULL)
      return 1;
    a->pending = v;
    a->pending_cap = cap;
  }
  if ((a->pending[a->npending] = strdup(id)) == NULL)
    return 1;
  a->npending++;
  return 0;
}

/* Which alerts have an event in the outbox at start: those the hub may
 * not have had. False when the outbox could not be read whole. */
static bool alarm_scan_outbox(wg_alarm_t *a) {
  alarm_scan_t sc = {a, 0};
  int64_t before;
  int n;

  do {
    before = sc.last;
    if ((n = wg_store_outbox_each(a->hub->outbox.store, sc.last, 1000,
                                  alarm_scan_cb, &sc)) < 0)
      return false;
    /* The callback stopped short: out of memory. */
    if (n > 0 && sc.last == before)
      return false;
  } while (n == 1000);
  return n >= 0;
}

static bool alarm_all_pending(void *ud, const char *id) {
  (void)ud;
  (void)id;
  return true;
}

/* The alerts restored at start: those with nothing in the outbox the hub
 * had before. When the outbox cannot be read every one is taken as not
 * had: an alarm too many rather than one too few. */
static void alarm_seed(wg_alarm_t *a) {
  bool scanned = alarm_scan_outbox(a);

  if (!scanned)
    wg_log(LOG_WARNING, "alarm: the outbox could not be read: every open "
                        "alert is taken as not had by the hub");
  if (wg_alarm_state_sync(&a->st, a->hub->alerts, alarm_now(a), wg_wall_now(),
                          scanned ? alarm_pending : alarm_all_pending, a) != 0)
    wg_log(LOG_ERR, "alarm: out of memory: an alert is not watched yet");
  for (size_t i = 0; i < a->npending; i++)
    free(a->pending[i]);
  free(a->pending);
  a->pending = NULL;
  a->npending = a->pending_cap = 0;
  /* An alarm left retained by an earlier run is replaced by the present's
   * (none, until one is due). */
  a->topic_dirty = true;
}

/* ---- the hub's calls ----------------------------------------------------- */

int wg_alarm_new(wg_alarm_t **out, wg_hub_t *h, const wg_local_alarm_t *conf) {
  wg_alarm_t *a = calloc(1, sizeof(*a));

  *out = NULL;
  if (a == NULL)
    return WG_ENOMEM;
  a->hub = h;
  a->conf = conf;
  a->complaint.interval_s = 60;
  snprintf(a->topic, sizeof(a->topic), "wardgate/%s/local/alarm",
           h->cfg->gateway_id);
  wg_alarm_state_init(&a->st, conf->after_min * 60.0, conf->min_severity,
                      alarm_change, a);
  uv_timer_init(h->loop, &a->timer);
  a->timer.data = a;
  if (wg_config_input(h->cfg, "mqtt") == NULL)
    wg_log(LOG_WARNING,
           "alarm: no ingest.mqtt: %s is not published, the local alarm "
           "is only its command",
           a->topic);
  alarm_seed(a);
  /* The first step at the loop's first turn, once the home's broker has
   * its connection (the inputs start after the hub). */
  uv_timer_start(&a->timer, alarm_timer_cb, 0, 0);
  *out = a;
  return 0;
}

void wg_alarm_sync(wg_alarm_t *a) {
  if (a == NULL || a->closing)
    return;
  if (wg_alarm_state_sync(&a->st, a->hub->alerts, alarm_now(a), wg_wall_now(),
                          NULL, NULL) != 0)
    wg_complain(&a->complaint, LOG_ERR,
                "alarm: out of memory: an alert is not watched yet");
  alarm_step(a);
}

void wg_alarm_sent(wg_alarm_t *a, int mid, const char *payload) {
  alarm_sent_t *s;
  char sev[16];
  int k;

  if (a == NULL || mid == 0)
    return;
  s = &a->sent[a->sent_next++ % ALARM_SENT_MAX];
  s->mid = 0;
  if (!alarm_event_str(payload, "id", s->id, sizeof(s->id)) ||
      !alarm_event_str(payload, "severity", sev, sizeof(sev)))
    return;
  for (k = 0; k < WG_SEV_COUNT && strcmp(wg_severity_names[k], sev) != 0; k++)
    ;
  if (k == WG_SEV_COUNT)
    return;
  s->severity = (wg_severity_t)k;
  s->mid = mid;
}

void wg_alarm_puback(wg_alarm_t *a, int mid) {
  if (a == NULL || mid == 0)
    return;
  for (size_t i = 0; i < ALARM_SENT_MAX; i++)
    if (a->sent[i].mid == mid) {
      a->sent[i].mid = 0;
      wg_alarm_state_confirm(&a->st, a->sent[i].id, a->sent[i].severity);
      alarm_step(a);
      return;
    }
}

void wg_alarm_forget(wg_alarm_t *a, int mid) {
  if (a == NULL)
    return;
  for (size_t i = 0; i < ALARM_SENT_MAX; i++)
    if (mid < 0 || a->sent[i].mid == mid)
      a->sent[i].mid = 0;
}

void wg_alarm_acked(wg_alarm_t *a, const char *id, bool local) {
  if (a != NULL)
    wg_alarm_state_acked(&a->st, id, local);
}

size_t wg_alarm_on(const wg_alarm_t *a) {
  return a == NULL ? 0 : wg_alarm_state_on(&a->st);
}

static void alarm_timer_closed(uv_handle_t *t) { alarm_closed_one(t->data); }

void wg_alarm_close(wg_alarm_t *a, void (*cb)(void *data), void *data) {
  a->closing = true;
  a->closed_cb = cb;
  a->closed_data = data;
  a->handles = 1;
  if (a->qlen > 0)
    wg_log(LOG_WARNING, "alarm: stopping: %zu runs of %s not made", a->qlen,
           a->conf->command[0]);
  while (a->runs != NULL) {
    alarm_run_t *r = a->runs;
    uv_process_kill(&r->proc, SIGTERM);
    alarm_run_close(r);
  }
  uv_close((uv_handle_t *)&a->timer, alarm_timer_closed);
}

void wg_alarm_free(wg_alarm_t *a) {
  if (a == NULL)
    return;
  while (a->qlen > 0) {
    free(a->queue[a->qhead]);
    a->qhead = (a->qhead + 1) % ALARM_QUEUE_MAX;
    a->qlen--;
  }
  wg_alarm_state_free(&a->st);
  free(a);
}
