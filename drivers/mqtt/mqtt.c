/* SPDX-License-Identifier: MIT */
/*
 * The MQTT driver: one libmosquitto client driven by the daemon's libuv
 * loop. The socket is watched with a uv_poll_t and serviced with
 * mosquitto_loop_read()/mosquitto_loop_write(); keepalive runs from a timer
 * through mosquitto_loop_misc(). Nothing here blocks the loop: the connect
 * itself (name resolution included) runs on libuv's thread pool while the
 * loop leaves the client alone, and a lost session is retried with capped
 * exponential backoff.
 *
 * Nothing received is acknowledged before the daemon has committed it.
 * libmosquitto queues a PUBACK before it hands over the message; the client
 * is marked threaded, so that it only queues what it sends, and the queue
 * is held from the first message taken until ops->committed() says the
 * daemon's commit covers it. A daemon killed meanwhile has acknowledged
 * nothing, and the broker delivers those messages again.
 */
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mqtt_internal.h"
#include "wardgate/log.h"
#include "wardgate/mqtt.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000
#define MISC_INTERVAL_MS 1000
/* Packets read per poll callback before the loop gets to commit. */
#define READ_BUDGET 4096

static void start_connect(mqtt_t *m);
static void poll_cb(uv_poll_t *h, int status, int events);
static void session_lost(mqtt_t *m, int rc);
static void on_log(struct mosquitto *mosq, void *obj, int level,
                   const char *str);

static const char *mosq_reason(int rc) {
  if (rc == MOSQ_ERR_ERRNO)
    return errno ? strerror(errno) : "connection closed by the peer";
  return mosquitto_strerror(rc);
}

static int map_error(int rc) {
  switch (rc) {
  case MOSQ_ERR_SUCCESS:
    return 0;
  case MOSQ_ERR_NOMEM:
    return WG_ENOMEM;
  case MOSQ_ERR_NO_CONN:
  case MOSQ_ERR_CONN_LOST:
    return WG_ENOCONN;
  case MOSQ_ERR_PAYLOAD_SIZE:
    return WG_ETOOBIG;
  case MOSQ_ERR_TLS:
    return WG_ETLS;
  case MOSQ_ERR_AUTH:
  case MOSQ_ERR_CONN_REFUSED:
    return WG_EAUTH;
  case MOSQ_ERR_INVAL:
  case MOSQ_ERR_MALFORMED_UTF8:
    return WG_EINVAL;
  default:
    return WG_EIO;
  }
}

static void poll_close_cb(uv_handle_t *h) { free(h); }

static void drop_poll(mqtt_t *m) {
  if (m->poll != NULL) {
    uv_close((uv_handle_t *)m->poll, poll_close_cb);
    m->poll = NULL;
  }
}

/* Arm the poll for reading (unless paused) and for writing when needed. */
static void update_poll(mqtt_t *m) {
  int events = 0;

  if (m->poll == NULL)
    return;
  if (!m->paused)
    events |= UV_READABLE;
  if (!m->held && mosquitto_want_write(m->mosq))
    events |= UV_WRITABLE;
  if (events == m->events)
    return;
  m->events = events;
  if (events == 0)
    uv_poll_stop(m->poll);
  else
    uv_poll_start(m->poll, events, poll_cb);
}

static void retry_cb(uv_timer_t *t) { start_connect(t->data); }

/* After a failed attempt: the next broker at once (with jitter), or after
 * a round of them all, the capped backoff. */
static void schedule_retry(mqtt_t *m) {
  bool round = true;
  unsigned delay;

  if (m->closing)
    return;
  if (m->nhosts > 1) {
    m->cur = (m->cur + 1) % m->nhosts;
    round = m->cur == 0;
  }
  delay = round ? m->backoff_ms : BACKOFF_MIN_MS;
  /* Up to a quarter of jitter, so a fleet of gateways does not reconnect
   * to the hub in step after an outage. */
  delay += (unsigned)rand() % (delay / 4 + 1);
  if (round)
    m->backoff_ms =
        m->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : m->backoff_ms * 2;
  uv_timer_start(&m->retry_timer, retry_cb, delay, 0);
}

static bool set_cork(int fd, int on) {
  return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)) == 0;
}

/*
 * Send what libmosquitto has queued, unless it is held. After a burst that
 * is a PUBACK per message, which with TCP_NODELAY would each be a segment
 * of its own: corked, the kernel packs them together. Only from the poll
 * callback or the close: a write error runs on_disconnect at once.
 */
static int flush(mqtt_t *m) {
  int fd = mosquitto_socket(m->mosq), rc;
  bool corked;

  if (m->held || !mosquitto_want_write(m->mosq))
    return MOSQ_ERR_SUCCESS;
  corked = set_cork(fd, 1);
  rc = mosquitto_loop_write(m->mosq, 1);
  /* Unless the write closed the socket (an error, or the DISCONNECT). */
  if (corked && mosquitto_socket(m->mosq) == fd)
    set_cork(fd, 0);
  return rc;
}

static void poll_cb(uv_poll_t *h, int status, int events) {
  mqtt_t *m = h->data;
  int rc = MOSQ_ERR_SUCCESS;

  /* On a poll error let libmosquitto find the socket error itself. */
  if (status < 0)
    events = UV_READABLE;
  /*
   * After an error libmosquitto has usually called on_disconnect already; a
   * failed TLS handshake is the exception: the socket is closed but no
   * callback runs. Either way the watcher must go.
   */
  if (events & UV_WRITABLE) {
    rc = flush(m);
    if (rc != MOSQ_ERR_SUCCESS || m->poll != h)
      goto failed;
  }
  if (events & UV_READABLE) {
    /*
     * mosquitto_loop_read() reads about one packet per call; go on while
     * calls deliver messages, so that one loop iteration, and so one group
     * commit, takes in a whole burst. A call that delivers none found the
     * socket empty, or a packet not yet whole, or one that needs no word
     * (a PINGRESP): the poll says when there is more. The budget keeps a
     * flood from starving the loop's other work.
     */
    for (int i = 0; i < READ_BUDGET && !m->paused; i++) {
      unsigned long before = m->delivered;
      rc = mosquitto_loop_read(m->mosq, 1);
      if (rc != MOSQ_ERR_SUCCESS || m->poll != h)
        goto failed;
      if (m->delivered == before)
        break;
    }
    /* What a commit in the middle of the burst covered (or what the read
     * queued that answers no message: a PINGRESP's, a SUBACK's). */
    rc = flush(m);
    if (rc != MOSQ_ERR_SUCCESS || m->poll != h)
      goto failed;
  }
  update_poll(m);
  return;

failed:
  if (m->poll == h)
    session_lost(m, rc);
}

static void misc_cb(uv_timer_t *t) {
  mqtt_t *m = t->data;

  if (m->connecting || m->poll == NULL)
    return;
  mosquitto_loop_misc(m->mosq); /* on_disconnect runs on a keepalive loss */
  update_poll(m);
}

static void connect_work(uv_work_t *req) {
  mqtt_t *m = req->data;
  /* MQTT 5 takes the CONNECT's properties here only; the socket connect is
   * then a blocking one, on this worker thread, as the name lookup is. */
  if (m->v5)
    m->connect_rc = mosquitto_connect_bind_v5(
        m->mosq, m->hosts[m->cur].host, m->hosts[m->cur].port, m->keepalive_s,
        NULL, m->connect_props);
  else
    m->connect_rc = mosquitto_connect_async(
        m->mosq, m->hosts[m->cur].host, m->hosts[m->cur].port, m->keepalive_s);
  m->connect_errno = errno; /* this thread's: the loop's is another */
}

static void connect_done(uv_work_t *req, int status) {
  mqtt_t *m = req->data;
  int fd;

  m->connecting = false;
  if (m->closing) {
    /* close() waited for us; finish it. */
    m->drv->ops->close(m->drv, m->close_cb);
    return;
  }
  if (status != 0 || m->connect_rc != MOSQ_ERR_SUCCESS) {
    wg_complain(&m->complaint, LOG_WARNING,
                "mqtt: %s: cannot connect to %s:%d: %s", m->drv->label,
                m->hosts[m->cur].host, m->hosts[m->cur].port,
                status != 0                       ? uv_strerror(status)
                : m->connect_rc == MOSQ_ERR_ERRNO ? strerror(m->connect_errno)
                                                  : mosq_reason(m->connect_rc));
    schedule_retry(m);
    return;
  }
  fd = mosquitto_socket(m->mosq);
  m->poll = malloc(sizeof(*m->poll));
  if (m->poll == NULL || uv_poll_init_socket(m->loop, m->poll, fd) != 0) {
    free(m->poll);
    m->poll = NULL;
    wg_log(LOG_ERR, "mqtt: %s: cannot watch socket", m->drv->label);
    mosquitto_disconnect(m->mosq);
    schedule_retry(m);
    return;
  }
  m->poll->data = m;
  m->held = false; /* what was held went with the old socket */
  m->events = UV_READABLE;
  uv_poll_start(m->poll, UV_READABLE, poll_cb);
  update_poll(m);
}

static void start_connect(mqtt_t *m) {
  if (m->closing || m->connecting)
    return;
  if (m->fall_back)
    mqtt__fall_back(m);
  m->connecting = true;
  m->connect_req.data = m;
  if (uv_queue_work(m->loop, &m->connect_req, connect_work, connect_done) !=
      0) {
    m->connecting = false;
    schedule_retry(m);
  }
}

/* The CONNACK, its session-present flag in @flags (bit 0) whatever the
 * protocol version. */
static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
                       const mosquitto_property *props) {
  mqtt_t *m = obj;
  bool lost;
  (void)props;

  if (rc != 0) {
    wg_complain(&m->complaint, LOG_ERR, "mqtt: %s: %s:%d refused: %s",
                m->drv->label, m->hosts[m->cur].host, m->hosts[m->cur].port,
                m->v5 ? mosquitto_reason_string(rc)
                      : mosquitto_connack_string(rc));
    return; /* libmosquitto closes the socket; on_disconnect follows */
  }
  snprintf(m->peer, sizeof(m->peer), "%s:%d", m->hosts[m->cur].host,
           m->hosts[m->cur].port);
  wg_log(LOG_INFO, "mqtt: %s: connected to %s", m->drv->label, m->peer);
  m->connected = true;
  m->connected_at = uv_now(m->loop);
  /* With a log callback set, libmosquitto formats a line for every packet:
   * keep it for the connect (where a TLS failure says why), not after. */
  mosquitto_log_callback_set(mosq, NULL);
  m->backoff_ms = BACKOFF_MIN_MS;
  /* A persistent session the broker no longer has: what it queued for us
   * is gone (expired, the broker's store lost, or another client that
   * connected with our id took it), since the last connect or, at the
   * first, since the daemon's last run. */
  lost = mqtt__connack_lost(m->persistent, m->had_session, m->expect_session,
                            flags & 1);
  m->had_session = true;
  if (lost && m->drv->cbs->session_lost)
    m->drv->cbs->session_lost(m->drv);
  else if (lost)
    wg_log(LOG_ERR, "mqtt: %s: %s had no session for us: what it held is lost",
           m->drv->label, m->peer);
  if (m->persistent && m->drv->cbs->session_held)
    m->drv->cbs->session_held(m->drv, true);
  for (size_t i = 0; i < m->nsubs; i++) {
    int src = mosquitto_subscribe(mosq, NULL, m->subs[i], 1);
    if (src != MOSQ_ERR_SUCCESS)
      wg_log(LOG_ERR, "mqtt: %s: subscribe %s: %s", m->drv->label, m->subs[i],
             mosquitto_strerror(src));
  }
  if (m->drv->cbs->connected)
    m->drv->cbs->connected(m->drv);
}

/*
 * The session is gone: libmosquitto has closed the socket (or never got it
 * past the TLS handshake). Forget our watcher of it and try again later.
 */
static void session_lost(mqtt_t *m, int rc) {
  bool was = m->connected;
  /* The reason first: stopping the watcher of a socket libmosquitto has
   * closed sets errno (EBADF) over the one that ended the session. */
  const char *reason = mosq_reason(rc);

  drop_poll(m);
  m->connected = false;
  m->peer[0] = '\0';
  mosquitto_log_callback_set(m->mosq, on_log);
  if (m->closing)
    return;
  if (was)
    wg_log(LOG_WARNING, "mqtt: %s: connection to %s:%d lost: %s", m->drv->label,
           m->hosts[m->cur].host, m->hosts[m->cur].port, reason);
  else
    wg_complain(&m->complaint, LOG_WARNING,
                "mqtt: %s: cannot connect to %s:%d: %s", m->drv->label,
                m->hosts[m->cur].host, m->hosts[m->cur].port, reason);
  if (was && m->drv->cbs->disconnected)
    m->drv->cbs->disconnected(m->drv);
  if (was)
    mqtt__count_drop(m);
  if (!m->paused)
    schedule_retry(m);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc) {
  (void)mosq;
  session_lost(obj, rc);
}

/* libmosquitto's own errors (a TLS handshake that failed, and why). */
static void on_log(struct mosquitto *mosq, void *obj, int level,
                   const char *str) {
  mqtt_t *m = obj;
  (void)mosq;

  if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
    wg_complain(&m->lib_complaint, LOG_WARNING, "mqtt: %s: %s", m->drv->label,
                str);
}

static void on_message(struct mosquitto *mosq, void *obj,
                       const struct mosquitto_message *msg) {
  mqtt_t *m = obj;
  (void)mosq;

  m->held = true; /* its PUBACK is queued: until the commit */
  m->delivered++;
  if (m->drv->cbs->message_info) {
    const wg_message_info_t info = {.retained = msg->retain};
    m->drv->cbs->message_info(m->drv, msg->topic, msg->payload,
                              (size_t)msg->payloadlen, &info);
  } else if (m->drv->cbs->message)
    m->drv->cbs->message(m->drv, msg->topic, msg->payload,
                         (size_t)msg->payloadlen);
}

/* A PUBACK: over MQTT 5 with its reason code (0 over 3.1.1). A refusal
 * (0x80 or more, such as 0x87 Not authorized from an ACL) is not a
 * delivery. */
static void on_publish(struct mosquitto *mosq, void *obj, int mid, int rc,
                       const mosquitto_property *props) {
  mqtt_t *m = obj;
  (void)mosq;
  (void)props;

  m->delivered++;
  if (rc >= 0x80) {
    if (m->drv->cbs->refused)
      m->drv->cbs->refused(m->drv, mid, rc, mosquitto_reason_string(rc));
    else
      wg_complain(&m->complaint, LOG_ERR,
                  "mqtt: %s: message %d refused by the broker: %s (0x%02x)",
                  m->drv->label, mid, mosquitto_reason_string(rc), rc);
  } else if (m->drv->cbs->published)
    m->drv->cbs->published(m->drv, mid);
}

static int mqtt_start(wg_driver_t *drv, uv_loop_t *loop) {
  mqtt_t *m = drv->impl;

  m->loop = loop;
  uv_timer_init(loop, &m->misc_timer);
  uv_timer_init(loop, &m->retry_timer);
  m->misc_timer.data = m;
  m->retry_timer.data = m;
  m->handles_open = 2;
  m->started = true;
  uv_timer_start(&m->misc_timer, misc_cb, MISC_INTERVAL_MS, MISC_INTERVAL_MS);
  start_connect(m);
  return 0;
}

static int mqtt_publish(wg_driver_t *drv, const char *topic,
                        const void *payload, size_t len, int qos, bool retain,
                        int *mid) {
  mqtt_t *m = drv->impl;
  int rc;

  if (m->closing)
    return WG_ECLOSING;
  if (m->connecting || (qos == 0 && !m->connected))
    return WG_ENOCONN;
  if (len > 268435455)
    return WG_ETOOBIG;
  /* Queued: sent from the poll callback, with what else is queued. */
  rc = mosquitto_publish(m->mosq, mid, topic, (int)len, payload, qos, retain);
  update_poll(m);
  return map_error(rc);
}

/* The messages taken so far are committed: acknowledge them. */
static void mqtt_committed(wg_driver_t *drv, uint64_t ticket) {
  mqtt_t *m = drv->impl;
  (void)ticket;

  m->held = false;
  update_poll(m);
}

static void mqtt_pause(wg_driver_t *drv, bool paused) {
  mqtt_t *m = drv->impl;

  if (m->paused == paused)
    return;
  m->paused = paused;
  wg_log(LOG_INFO, "mqtt: %s: input %s", drv->label,
         paused ? "paused" : "resumed");
  update_poll(m);
  /* A session lost while paused is retried once input is wanted again. */
  if (!paused && m->started && !m->connecting && m->poll == NULL &&
      !uv_is_active((uv_handle_t *)&m->retry_timer))
    start_connect(m);
}

static bool mqtt_is_connected(const wg_driver_t *drv) {
  const mqtt_t *m = drv->impl;
  return m->connected;
}

static void free_mqtt(mqtt_t *m) {
  if (m->mosq)
    mosquitto_destroy(m->mosq);
  if (m->clean_mosq)
    mosquitto_destroy(m->clean_mosq);
  mosquitto_property_free_all(&m->connect_props);
  for (size_t i = 0; i < m->nsubs; i++)
    free(m->subs[i]);
  free(m->subs);
  for (size_t i = 0; m->hosts && i < m->nhosts; i++)
    free((char *)m->hosts[i].host);
  free(m->hosts);
  free(m);
}

static void timer_close_cb(uv_handle_t *h) {
  mqtt_t *m = h->data;
  wg_driver_t *drv = m->drv;

  if (--m->handles_open > 0)
    return;
  wg_close_cb cb = m->close_cb;
  drv->impl = NULL;
  free_mqtt(m);
  if (cb)
    cb(drv);
}

/*
 * The second half of close, from the loop rather than from inside a
 * libmosquitto callback (close may be called from on_publish), where the
 * write that follows the DISCONNECT would re-enter the library.
 */
static void close_step(uv_timer_t *t) {
  mqtt_t *m = t->data;

  if (m->poll != NULL && m->held) {
    /* Unacknowledged, the broker delivers those messages again to the
     * next session; it also publishes the will. */
    wg_log(LOG_WARNING,
           "mqtt: %s: closing with messages not committed: left "
           "unacknowledged at the broker",
           m->drv->label);
  } else if (m->poll != NULL) {
    /* A clean DISCONNECT, after everything queued: the broker discards the
     * will. */
    mosquitto_disconnect(m->mosq);
    flush(m);
  }
  drop_poll(m);
  m->connected = false;
  m->peer[0] = '\0';
  uv_close((uv_handle_t *)&m->misc_timer, timer_close_cb);
  uv_close((uv_handle_t *)&m->retry_timer, timer_close_cb);
}

static void mqtt_close(wg_driver_t *drv, wg_close_cb cb) {
  mqtt_t *m = drv->impl;

  m->closing = true;
  m->close_cb = cb;
  if (!m->started) {
    drv->impl = NULL;
    free_mqtt(m);
    if (cb)
      cb(drv);
    return;
  }
  if (m->connecting)
    return; /* connect_done() calls us again */
  uv_timer_stop(&m->misc_timer);
  uv_timer_start(&m->retry_timer, close_step, 0, 0);
}

static const wg_driver_ops_t mqtt_ops = {
    WG_DRIVER_ABI,     "mqtt",     mqtt_start,     mqtt_publish, mqtt_pause,
    mqtt_is_connected, mqtt_close, mqtt_committed,
};

/* A client for @opts, with the driver's callbacks. */
static int new_client(mqtt_t *m, const wg_mqtt_opts_t *opts, bool clean,
                      struct mosquitto **out) {
  int rc = mqtt__client_new(opts, clean, m, out);

  if (rc == MOSQ_ERR_SUCCESS) {
    mosquitto_connect_v5_callback_set(*out, on_connect);
    mosquitto_disconnect_callback_set(*out, on_disconnect);
    mosquitto_message_callback_set(*out, on_message);
    mosquitto_publish_v5_callback_set(*out, on_publish);
    mosquitto_log_callback_set(*out, on_log);
  }
  return rc;
}

static char *dup_opt(const char *s, bool *fail) {
  char *d;
  if (s == NULL)
    return NULL;
  if ((d = strdup(s)) == NULL)
    *fail = true;
  return d;
}

const char *wg_mqtt_driver_peer(const wg_driver_t *drv) {
  const mqtt_t *m = drv->impl;
  return m != NULL && m->connected ? m->peer : NULL;
}

int wg_mqtt_driver_init(wg_driver_t *drv, const char *label,
                        const wg_mqtt_opts_t *opts, const wg_driver_cbs_t *cbs,
                        void *data) {
  static bool lib_ready;
  mqtt_clean_opts_t clean;
  bool oom = false;
  mqtt_t *m;
  int rc;

  if (!lib_ready) {
    mosquitto_lib_init();
    lib_ready = true;
  }
  memset(drv, 0, sizeof(*drv));
  m = calloc(1, sizeof(*m));
  if (m == NULL)
    return WG_ENOMEM;
  drv->ops = &mqtt_ops;
  drv->cbs = cbs;
  drv->label = label;
  drv->data = data;
  drv->impl = m;
  m->drv = drv;
  m->backoff_ms = BACKOFF_MIN_MS;
  m->complaint.interval_s = 60;
  m->lib_complaint.interval_s = 60;
  m->keepalive_s = opts->keepalive_s;
  m->persistent = !opts->clean_session;
  m->expect_session = m->persistent && opts->expect_session;
  {
    const wg_mqtt_host_t one = {opts->host, opts->port};
    const wg_mqtt_host_t *from = opts->nhosts > 0 ? opts->hosts : &one;
    size_t n = opts->nhosts > 0 ? opts->nhosts : 1;
    m->hosts = calloc(n, sizeof(*m->hosts));
    oom |= m->hosts == NULL;
    for (size_t i = 0; m->hosts && i < n; i++, m->nhosts++) {
      m->hosts[i].host = dup_opt(from[i].host, &oom);
      m->hosts[i].port = from[i].port;
    }
  }
  if (opts->nsubscriptions > 0) {
    m->subs = calloc(opts->nsubscriptions, sizeof(*m->subs));
    oom |= m->subs == NULL;
    for (size_t i = 0; m->subs && i < opts->nsubscriptions; i++, m->nsubs++)
      m->subs[i] = dup_opt(opts->subscriptions[i], &oom);
  }
  if (oom)
    goto nomem;

  m->v5 = opts->protocol_version == 5;
  /* Without an expiry an MQTT 5 session ends with its connection. */
  if (m->v5 && !opts->clean_session &&
      (rc = mosquitto_property_add_int32(
           &m->connect_props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
           opts->session_expiry_s ? (uint32_t)opts->session_expiry_s
                                  : UINT32_MAX)) != MOSQ_ERR_SUCCESS)
    goto fail;
  if ((rc = new_client(m, opts, opts->clean_session, &m->mosq)) !=
      MOSQ_ERR_SUCCESS)
    goto fail;
  /* A cluster whose every node drops the persistent session: a clean one
   * to fall back on (mqtt__count_drop()), under a client id of its own,
   * since RabbitMQ names a session's queue after the client id and a
   * queue on a stopped node keeps that name taken. */
  if (m->persistent && m->nhosts > 1 &&
      (rc = new_client(m, mqtt__clean_opts(opts, &clean), true,
                       &m->clean_mosq)) != MOSQ_ERR_SUCCESS)
    goto fail;
  return 0;

nomem:
  rc = MOSQ_ERR_NOMEM;
fail:
  wg_log(LOG_ERR, "mqtt: %s: %s", label, mosq_reason(rc));
  free_mqtt(m);
  memset(drv, 0, sizeof(*drv));
  return map_error(rc);
}
