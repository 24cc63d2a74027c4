/* SPDX-License-Identifier: MIT */
/*
 * The CoAP driver: libcoap's server on the daemon's libuv loop.
 *
 * libcoap built with epoll (as Debian's is) keeps its sockets, and a
 * timerfd armed for its next retransmission or session timeout, in one
 * epoll set. That set's descriptor is watched with a uv_poll_t; when it is
 * readable the driver runs libcoap's loop for an application with its own
 * epoll: epoll_wait() without waiting, coap_io_do_epoll(), then
 * coap_io_prepare_epoll(), which sends what that queued and re-arms the
 * timerfd. No thread, no blocking call.
 *
 * The requests themselves, and their answers after the commit, are
 * request.c's.
 */
#include <coap3/coap.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "coap_internal.h"
#include "wardgate/coap.h"
#include "wardgate/log.h"

#define IDLE_SESSIONS_MAX 64 /* bounds what spoofed sources can cost */
#define HANDSHAKES_MAX 16
#define EPOLL_EVENTS 32       /* per epoll_wait */
#define DATAGRAMS_PER_TURN 64 /* per wake of the loop, at most */

static wg_complaint_t libcoap_complaint = {10.0, 0, 0};

static void log_handler(coap_log_t level, const char *message) {
  int n = (int)strcspn(message, "\n");
  if (level <= LOG_WARNING)
    wg_complain(&libcoap_complaint, level, "coap: libcoap: %.*s", n, message);
  else
    wg_log(level, "coap: libcoap: %.*s", n, message);
}

/* ---- DTLS -------------------------------------------------------------- */

static const coap_bin_const_t *psk_for(coap_bin_const_t *identity,
                                       coap_session_t *s, void *arg) {
  coap_drv_t *d = arg;
  char name[DEVICE_MAX + 1];

  (void)s;
  for (size_t i = 0; i < d->npsks; i++) {
    size_t n = strlen(d->psks[i].identity);
    if (identity->length == n &&
        memcmp(identity->s, d->psks[i].identity, n) == 0)
      return &d->keys[i];
  }
  wg_log(LOG_WARNING, "coap: DTLS handshake with unknown identity \"%s\"",
         wg_coap__printable(identity, name, sizeof(name)));
  return NULL;
}

/* ---- the loop ---------------------------------------------------------- */

/*
 * One turn of libcoap's epoll loop: coap_io_do_epoll() handles what is
 * ready; coap_io_prepare_epoll() then sends what that queued (a DTLS
 * handshake's next flight, say), retransmits what is due and re-arms
 * libcoap's timerfd for its next timeout, which wakes this poll again.
 */
static void service(coap_drv_t *d) {
  struct epoll_event ev[EPOLL_EVENTS];
  coap_tick_t now;
  int n;

  /* libcoap reads one datagram per ready endpoint: take what is waiting,
   * up to a budget, so that one group commit answers all of it. */
  for (int budget = DATAGRAMS_PER_TURN; budget > 0; budget -= n) {
    n = epoll_wait(d->fd, ev, EPOLL_EVENTS, 0);
    if (n <= 0)
      break;
    coap_io_do_epoll(d->ctx, ev, (size_t)n);
  }
  if (d->nbodies > 0)
    wg_coap__bodies_expire(d, uv_now(d->loop));
  coap_ticks(&now);
  coap_io_prepare_epoll(d->ctx, now);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  if (status < 0)
    wg_log(LOG_ERR, "coap: poll: %s", uv_strerror(status));
  service(h->data);
}

static int add_resource(coap_drv_t *d, const char *path, coap_request_t method,
                        coap_method_handler_t h, const char *ct,
                        const char *rt) {
  coap_str_const_t *uri =
      coap_new_str_const((const uint8_t *)path, strlen(path));
  coap_resource_t *r;

  if (uri == NULL ||
      (r = coap_resource_init(uri, COAP_RESOURCE_FLAGS_RELEASE_URI)) == NULL) {
    coap_delete_str_const(uri);
    return WG_ENOMEM;
  }
  coap_register_request_handler(r, method, h);
  coap_add_attr(r, coap_make_str_const("ct"), coap_make_str_const(ct), 0);
  coap_add_attr(r, coap_make_str_const("rt"), coap_make_str_const(rt), 0);
  coap_add_resource(d->ctx, r);
  return 0;
}

/* Keep copies of the ids in @devices not kept yet. */
static int append_devices(coap_drv_t *d, const char *const *devices, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t j;
    char **v;

    for (j = 0; j < d->ndevices && strcmp(d->devices[j], devices[i]) != 0; j++)
      ;
    if (j < d->ndevices)
      continue;
    if ((v = realloc(d->devices, (d->ndevices + 1) * sizeof(*v))) == NULL)
      return WG_ENOMEM;
    d->devices = v;
    if ((v[d->ndevices] = strdup(devices[i])) == NULL)
      return WG_ENOMEM;
    d->ndevices++;
  }
  return 0;
}

/* A resource per device from @from on, for /.well-known/core. */
static int add_device_resources(coap_drv_t *d, size_t from) {
  for (size_t i = from; i < d->ndevices; i++) {
    char path[DEVICE_MAX + 16];
    int rc;

    snprintf(path, sizeof(path), "dev/%s/senml", d->devices[i]);
    if ((rc = add_resource(d, path, COAP_REQUEST_POST, wg_coap__post, "110",
                           "\"wardgate.senml\"")) != 0)
      return rc;
  }
  return 0;
}

int wg_coap_driver_list_devices(wg_driver_t *drv, const char *const *devices,
                                size_t n) {
  coap_drv_t *d = drv->impl;
  size_t before = d->ndevices;
  int rc = append_devices(d, devices, n);

  /* Before the start, the start lists them all. */
  if (d->ctx != NULL && d->ndevices > before) {
    int rc2 = add_device_resources(d, before);
    if (rc == 0)
      rc = rc2;
  }
  return rc;
}

static int listen_addr(coap_drv_t *d, coap_address_t *a) {
  struct addrinfo hints, *ai;
  char port[8];
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  snprintf(port, sizeof(port), "%d", d->port);
  if ((rc = getaddrinfo(d->bind, port, &hints, &ai)) != 0) {
    wg_log(LOG_ERR, "coap: cannot resolve %s: %s", d->bind, gai_strerror(rc));
    return WG_EINVAL;
  }
  coap_address_init(a);
  a->size = ai->ai_addrlen;
  memcpy(&a->addr, ai->ai_addr, ai->ai_addrlen);
  freeaddrinfo(ai);
  return 0;
}

static int coap_start(wg_driver_t *drv, uv_loop_t *loop) {
  coap_drv_t *d = drv->impl;
  coap_resource_t *r;
  coap_address_t addr;
  int fd, rc;

  d->loop = loop;
  if ((rc = listen_addr(d, &addr)) != 0)
    return rc;
  if ((d->ctx = coap_new_context(NULL)) == NULL)
    return WG_ENOMEM;
  coap_set_app_data(d->ctx, d);
  coap_context_set_block_mode(d->ctx, COAP_BLOCK_USE_LIBCOAP);
  coap_context_set_max_idle_sessions(d->ctx, IDLE_SESSIONS_MAX);
  if (d->npsks > 0) {
    coap_dtls_spsk_t spsk;

    memset(&spsk, 0, sizeof(spsk));
    spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
    spsk.validate_id_call_back = psk_for;
    spsk.id_call_back_arg = d;
    if (!coap_context_set_psk2(d->ctx, &spsk)) {
      wg_log(LOG_ERR, "coap: cannot set up DTLS with pre-shared keys");
      return WG_ETLS;
    }
    coap_context_set_max_handshake_sessions(d->ctx, HANDSHAKES_MAX);
  }
  /* With keys, DTLS only: plain UDP is not even listened for. */
  if (coap_new_endpoint(d->ctx, &addr,
                        d->npsks > 0 ? COAP_PROTO_DTLS : COAP_PROTO_UDP) ==
      NULL) {
    wg_log(LOG_ERR, "coap: cannot listen on %s port %d", d->bind, d->port);
    return WG_EIO;
  }

  /* Every POST lands in wg_coap__post; the configured devices' resources are
   * listed in /.well-known/core, others (unknown_devices) are still
   * reached through the unknown-resource handler. */
  if ((r = coap_resource_unknown_init2(NULL, 0)) == NULL)
    return WG_ENOMEM;
  coap_register_request_handler(r, COAP_REQUEST_POST, wg_coap__post);
  coap_add_resource(d->ctx, r);
  if ((rc = add_device_resources(d, 0)) != 0)
    return rc;
  if ((rc = add_resource(d, "status", COAP_REQUEST_GET, wg_coap__get_status,
                         "50", "\"wardgate.status\"")) != 0)
    return rc;
  /* Over DTLS, discovery is for administrators: libcoap's own answer
   * (which it gives when no resource has the path) would list every device
   * to any identity. Over plain CoAP, libcoap's. */
  if (d->npsks > 0) {
    coap_str_const_t *uri =
        coap_new_str_const((const uint8_t *)COAP_DEFAULT_URI_WELLKNOWN,
                           strlen(COAP_DEFAULT_URI_WELLKNOWN));
    if (uri == NULL || (r = coap_resource_init(
                            uri, COAP_RESOURCE_FLAGS_RELEASE_URI)) == NULL) {
      coap_delete_str_const(uri);
      return WG_ENOMEM;
    }
    coap_register_request_handler(r, COAP_REQUEST_GET, wg_coap__get_wellknown);
    coap_add_resource(d->ctx, r);
  }

  if ((d->fd = fd = coap_context_get_coap_fd(d->ctx)) < 0) {
    wg_log(LOG_ERR, "coap: this libcoap has no epoll support");
    return WG_EINVAL;
  }
  if ((rc = uv_poll_init(loop, &d->poll, fd)) != 0) {
    wg_log(LOG_ERR, "coap: poll: %s", uv_strerror(rc));
    return WG_EIO;
  }
  d->poll.data = d;
  d->polling = true;
  uv_poll_start(&d->poll, UV_READABLE, on_poll);
  wg_log(LOG_INFO, "coap: listening on %s port %d (%s)", d->bind, d->port,
         d->npsks > 0 ? "DTLS with pre-shared keys" : "UDP");
  if (d->insecure && d->npsks == 0)
    wg_log(LOG_WARNING,
           "coap: insecure: plain CoAP on %s port %d authenticates nobody; "
           "%s can post readings for any device (give ingest.coap.psk_file)",
           d->bind, d->port,
           wg_coap_bind_is_loopback(d->bind) ? "any local process"
                                             : "anyone who reaches the port");
  return 0;
}

/* ---- driver operations ------------------------------------------------- */

static void coap_committed(wg_driver_t *drv, uint64_t ticket) {
  coap_drv_t *d = drv->impl;

  if (ticket > d->committed)
    d->committed = ticket;
  wg_coap__answer_committed(d, ticket);
}

static int coap_publish(wg_driver_t *drv, const char *topic,
                        const void *payload, size_t len, int qos, bool retain,
                        int *mid) {
  (void)drv, (void)topic, (void)payload, (void)len, (void)qos, (void)retain;
  (void)mid;
  return WG_EINVAL;
}

static void coap_pause(wg_driver_t *drv, bool paused) {
  coap_drv_t *d = drv->impl;
  d->paused = paused;
}

static bool coap_is_connected(const wg_driver_t *drv) {
  const coap_drv_t *d = drv->impl;
  return d->polling && !d->closing;
}

static void drv_free(coap_drv_t *d) {
  wg_coap__requests_free(d);
  if (d->ctx)
    coap_free_context(d->ctx);
  for (size_t i = 0; i < d->ndevices; i++)
    free(d->devices[i]);
  free(d->devices);
  for (size_t i = 0; i < d->nadmins; i++)
    free(d->admins[i]);
  free(d->admins);
  if (d->psks) {
    for (size_t i = 0; i < d->npsks; i++) {
      free((char *)d->psks[i].identity);
      free((unsigned char *)d->keys[i].s);
    }
  }
  free(d->psks);
  free(d->keys);
  free(d->bind);
  free(d);
}

static void poll_closed(uv_handle_t *h) {
  coap_drv_t *d = h->data;
  wg_driver_t *drv = d->drv;
  wg_close_cb cb = d->close_cb;

  drv_free(d);
  drv->impl = NULL;
  if (cb)
    cb(drv);
}

static void coap_close(wg_driver_t *drv, wg_close_cb cb) {
  coap_drv_t *d = drv->impl;

  if (d->closing)
    return;
  d->closing = true;
  d->close_cb = cb;
  if (!d->polling) {
    d->drv->impl = NULL;
    drv_free(d);
    if (cb)
      cb(drv);
    return;
  }
  /* Send the answers of what was committed last. */
  service(d);
  uv_close((uv_handle_t *)&d->poll, poll_closed);
}

static const wg_driver_ops_t coap_ops = {
    WG_DRIVER_ABI,     "coap",     coap_start,     coap_publish, coap_pause,
    coap_is_connected, coap_close, coap_committed,
};

int wg_coap_driver_init(wg_driver_t *drv, const char *label,
                        const wg_coap_opts_t *opts, const wg_driver_cbs_t *cbs,
                        void *data) {
  static bool started;
  coap_drv_t *d;

  if (cbs == NULL || cbs->pack == NULL || opts->max_pack == 0)
    return WG_EINVAL;
  if (opts->npsks > 0 && !coap_dtls_is_supported()) {
    wg_log(LOG_ERR, "coap: this libcoap has no DTLS support");
    return WG_ETLS;
  }
  if (!started) {
    coap_startup();
    coap_set_log_handler(log_handler);
    coap_set_log_level(LOG_WARNING);
    started = true;
  }
  if ((d = calloc(1, sizeof(*d))) == NULL)
    return WG_ENOMEM;
  d->drv = drv;
  d->port = opts->port;
  d->max_pack = opts->max_pack;
  d->insecure = opts->insecure;
  d->bind = strdup(opts->bind ? opts->bind : "::");
  d->psks = calloc(opts->npsks ? opts->npsks : 1, sizeof(*d->psks));
  d->keys = calloc(opts->npsks ? opts->npsks : 1, sizeof(*d->keys));
  if (d->bind == NULL || d->psks == NULL || d->keys == NULL ||
      append_devices(d, opts->devices, opts->ndevices) != 0)
    goto nomem;
  if (opts->nadmins > 0 &&
      (d->admins = calloc(opts->nadmins, sizeof(*d->admins))) == NULL)
    goto nomem;
  for (; d->nadmins < opts->nadmins; d->nadmins++)
    if ((d->admins[d->nadmins] = strdup(opts->admins[d->nadmins])) == NULL)
      goto nomem;
  for (; d->npsks < opts->npsks; d->npsks++) {
    const wg_coap_psk_t *k = &opts->psks[d->npsks];
    unsigned char *key = malloc(k->key_len);
    d->psks[d->npsks].identity = strdup(k->identity);
    d->keys[d->npsks].s = key;
    if (key == NULL || d->psks[d->npsks].identity == NULL) {
      d->npsks++; /* freed with the rest */
      goto nomem;
    }
    memcpy(key, k->key, k->key_len);
    d->keys[d->npsks].length = k->key_len;
  }
  drv->ops = &coap_ops;
  drv->cbs = cbs;
  drv->label = label;
  drv->data = data;
  drv->impl = d;
  return 0;

nomem:
  drv_free(d);
  return WG_ENOMEM;
}
