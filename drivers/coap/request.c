/* SPDX-License-Identifier: MIT */
/*
 * The CoAP driver's requests: packs POSTed to /dev/<device_id>/senml, and
 * GET /status.
 *
 * A pack is answered only after the group commit that holds it. The
 * handler hands the pack to the daemon, which returns a ticket, and leaves
 * the response empty and non-confirmable, which libcoap drops. When the
 * daemon reports the commit (about a millisecond later, well within the
 * device's 2 s ACK timeout), the driver sends 2.04 piggybacked on the ACK
 * of a CON request (RFC 7252 5.2.1), or as a NON for a NON request. Should
 * the device retransmit first (the commit is being retried), libcoap ACKs
 * the retransmission at once and the 2.04 follows as a separate
 * confirmable response (5.2.2), which libcoap retransmits until the device
 * ACKs it. A retransmission (the same message id from the same session) is
 * never taken twice while its pack waits; one after the answer is a new
 * request, and the store keeps the readings once.
 *
 * Block-wise transfer (RFC 7959): libcoap runs the Block1 exchange (2.31
 * Continue, the block bookkeeping); the body is gathered here rather than
 * by libcoap (COAP_BLOCK_SINGLE_BODY), because libcoap 4.3 allocates
 * whatever Size1 a client claims. Here a body stops at max_pack with 4.13.
 */
#include <coap3/coap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap_internal.h"
#include "wardgate/log.h"

#define MEDIATYPE_SENML_JSON 110
#define BODIES_MAX 16      /* block-wise bodies gathered at once */
#define BODY_IDLE_MS 60000 /* a body not continued in this time goes */
#define RETRY_LATER_S 5    /* Max-Age of a 5.03 while storage is down */
#define QUOTA_LATER_S 60   /* of a 4.29: a device's quota is per minute */

/* A pack taken by the daemon, answered when its ticket is committed: 2.04,
 * or the refusal of a pack whose falls were kept (then @diag says why). */
typedef struct pending_s {
  struct pending_s *next;
  coap_session_t *session; /* referenced until answered */
  uint64_t ticket;
  coap_pdu_code_t code;
  char *diag; /* NULL for 2.04 */
  size_t token_len;
  uint8_t token[8];
  bool confirmable;
  bool piggyback; /* the request's ACK is still to send: with the 2.04 */
  coap_mid_t mid; /* the request's */
  bool has_block; /* the last block of a Block1 transfer: echo it */
  uint32_t block_num;
  uint8_t block_szx;
} pending_t;

/* A block-wise body being gathered. */
typedef struct body_s {
  struct body_s *next;
  coap_session_t *session; /* referenced */
  char device[DEVICE_MAX + 1];
  unsigned char *buf;
  size_t len;
  size_t cap;
  uint64_t last_ms;
} body_t;

/* ---- answering --------------------------------------------------------- */

static void set_diagnostic(coap_pdu_t *response, coap_pdu_code_t code,
                           const char *text) {
  coap_pdu_set_code(response, code);
  coap_add_data(response, strlen(text), (const uint8_t *)text);
}

static void set_uint_option(coap_pdu_t *pdu, coap_option_num_t num,
                            unsigned value) {
  uint8_t buf[4];
  coap_add_option(pdu, num, coap_encode_var_safe(buf, sizeof(buf), value), buf);
}

/* The answer to what cbs->pack refused a pack with. */
static coap_pdu_code_t code_for(int err) {
  switch (err) {
  case WG_ENODEV:
  case WG_EAUTH: /* a transport the device may not use */
    return COAP_RESPONSE_CODE_FORBIDDEN;
  case WG_ETOOBIG:
    return COAP_RESPONSE_CODE_REQUEST_TOO_LARGE;
  case WG_EINVAL:
    return COAP_RESPONSE_CODE_BAD_REQUEST;
  case WG_EBUSY: /* over the device's quota (RFC 8516) */
    return COAP_RESPONSE_CODE_TOO_MANY_REQUESTS;
  case WG_ECLOSING:
    return COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE;
  default: /* WG_ENOMEM */
    return COAP_RESPONSE_CODE_INTERNAL_ERROR;
  }
}

/* Refuse before the daemon saw the pack: counted and reported too. */
static void refuse(coap_drv_t *d, const char *device, coap_pdu_t *response,
                   coap_pdu_code_t code, const char *reason) {
  if (d->drv->cbs->rejected)
    d->drv->cbs->rejected(d->drv, device, reason);
  set_diagnostic(response, code, reason);
}

/* ---- block-wise bodies ------------------------------------------------- */

static void body_free(coap_drv_t *d, body_t *b) {
  body_t **pp;

  for (pp = &d->bodies; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == b) {
      *pp = b->next;
      break;
    }
  }
  d->nbodies--;
  coap_session_release(b->session);
  free(b->buf);
  free(b);
}

void wg_coap__bodies_expire(coap_drv_t *d, uint64_t now) {
  body_t *b = d->bodies, *next;

  for (; b != NULL; b = next) {
    next = b->next;
    if (now - b->last_ms > BODY_IDLE_MS)
      body_free(d, b);
  }
}

static body_t *body_find(coap_drv_t *d, coap_session_t *s, const char *device) {
  body_t *b;

  for (b = d->bodies; b != NULL; b = b->next)
    if (b->session == s && strcmp(b->device, device) == 0)
      return b;
  return NULL;
}

static body_t *body_new(coap_drv_t *d, coap_session_t *s, const char *device) {
  body_t *b, *oldest = NULL;

  if (d->nbodies >= BODIES_MAX) {
    for (b = d->bodies; b != NULL; b = b->next)
      if (oldest == NULL || b->last_ms < oldest->last_ms)
        oldest = b;
    wg_log(LOG_WARNING, "coap: %d block-wise bodies at once; dropping %s's",
           BODIES_MAX, oldest->device);
    body_free(d, oldest);
  }
  if ((b = calloc(1, sizeof(*b))) == NULL)
    return NULL;
  b->session = coap_session_reference(s);
  snprintf(b->device, sizeof(b->device), "%s", device);
  b->next = d->bodies;
  d->bodies = b;
  d->nbodies++;
  return b;
}

/*
 * Add one Block1 block of @device's body. Returns the body when it is
 * complete; NULL when the response is set: 2.31 for more, or an error.
 */
static body_t *gather(coap_drv_t *d, coap_session_t *s, const char *device,
                      const coap_block_b_t *blk, const coap_pdu_t *req,
                      const uint8_t *data, size_t len, coap_pdu_t *response) {
  size_t offset = (size_t)blk->num << (blk->szx + 4);
  uint64_t now = uv_now(d->loop);
  coap_opt_iterator_t it;
  coap_opt_t *size1 = coap_check_option(req, COAP_OPTION_SIZE1, &it);
  char reason[128];
  body_t *b;

  wg_coap__bodies_expire(d, now);
  b = body_find(d, s, device);
  if (offset == 0) {
    if (b == NULL && (b = body_new(d, s, device)) == NULL) {
      set_diagnostic(response, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                     "out of memory");
      return NULL;
    }
    b->len = 0;
  } else if (b == NULL || offset > b->len) {
    /* RFC 7959 2.9.2: the server lacks earlier blocks. */
    snprintf(reason, sizeof(reason), "block %u without the blocks before it",
             (unsigned)blk->num);
    if (b != NULL)
      body_free(d, b);
    set_diagnostic(response, COAP_RESPONSE_CODE_INCOMPLETE, reason);
    return NULL;
  }
  b->last_ms = now;
  if (offset + len > d->max_pack ||
      (size1 != NULL &&
       coap_decode_var_bytes8(coap_opt_value(size1), coap_opt_length(size1)) >
           d->max_pack)) {
    body_free(d, b);
    snprintf(reason, sizeof(reason), "pack larger than %zu bytes", d->max_pack);
    /* RFC 7959 2.9.3: Size1 tells the client the limit. Options go
     * before the payload. */
    set_uint_option(response, COAP_OPTION_SIZE1, (unsigned)d->max_pack);
    refuse(d, device, response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE, reason);
    return NULL;
  }
  if (offset + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    unsigned char *nb;
    while (cap < offset + len)
      cap *= 2;
    if (cap > d->max_pack)
      cap = d->max_pack;
    if ((nb = realloc(b->buf, cap)) == NULL) {
      body_free(d, b);
      set_diagnostic(response, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                     "out of memory");
      return NULL;
    }
    b->buf = nb;
    b->cap = cap;
  }
  if (len > 0)
    memcpy(b->buf + offset, data, len);
  /* Blocks come one at a time (RFC 7959 2.5), so a repeated block means
   * the client resends from there. */
  b->len = offset + len;
  if (blk->m) {
    /* libcoap turns a 2.xx into 2.31 Continue and adds the Block1. */
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
    return NULL;
  }
  return b;
}

/* A client-chosen identity, fit for a log line. */
const char *wg_coap__printable(const coap_bin_const_t *id, char *out,
                               size_t outlen) {
  size_t i, n = id->length < outlen - 1 ? id->length : outlen - 1;

  for (i = 0; i < n; i++)
    out[i] = id->s[i] >= 0x20 && id->s[i] < 0x7f ? (char)id->s[i] : '?';
  out[i] = '\0';
  return out;
}

/* ---- requests ---------------------------------------------------------- */

/* "dev/<id>/senml" from the request's Uri-Path; false if it is not one. */
static bool device_from_path(const coap_pdu_t *req, char *out, size_t outlen) {
  coap_string_t *path = coap_get_uri_path(req);
  const char *p, *slash;
  size_t n;
  bool ok = false;

  if (path == NULL)
    return false;
  p = (const char *)path->s;
  n = path->length;
  if (n > 4 && memcmp(p, "dev/", 4) == 0 && n > 10 &&
      memcmp(p + n - 6, "/senml", 6) == 0) {
    size_t idlen = n - 10;
    slash = memchr(p + 4, '/', idlen);
    /* Uri-Path may carry any byte: a NUL would cut the id short. */
    if (slash == NULL && idlen < outlen && memchr(p + 4, '\0', idlen) == NULL) {
      memcpy(out, p + 4, idlen);
      out[idlen] = '\0';
      ok = true;
    }
  }
  coap_delete_string(path);
  return ok;
}

static bool identity_is(const coap_session_t *s, const char *device) {
  const coap_bin_const_t *id = coap_session_get_psk_identity(s);
  size_t n = strlen(device);
  return id != NULL && id->length == n && memcmp(id->s, device, n) == 0;
}

/*
 * The pack waiting for its commit that @req repeats, or NULL. RFC 7252 4.5
 * tells a duplicate by its message id within the session (the client's
 * address and port), never by its token: a constrained client may send
 * every request with the same token, often the empty one, and two packs
 * are two exchanges. libcoap 4.3 leaves this to the application for
 * requests it does not answer at once (it checks the message id only for
 * its proxy resource, and its async requests by token).
 */
static pending_t *find_pending(coap_drv_t *d, const coap_session_t *s,
                               const coap_pdu_t *req) {
  coap_mid_t mid = coap_pdu_get_mid(req);

  for (pending_t *p = d->head; p != NULL; p = p->next)
    if (p->session == s && p->mid == mid)
      return p;
  return NULL;
}

static bool queue_pending(coap_drv_t *d, coap_session_t *s,
                          const coap_pdu_t *req, const coap_block_b_t *blk,
                          uint64_t ticket, coap_pdu_code_t code,
                          const char *diag, coap_pdu_t *response) {
  coap_bin_const_t token = coap_pdu_get_token(req);
  pending_t *p = calloc(1, sizeof(*p));

  if (p != NULL && diag != NULL && (p->diag = strdup(diag)) == NULL) {
    free(p);
    p = NULL;
  }
  if (p == NULL || token.length > sizeof(p->token)) {
    if (p != NULL)
      free(p->diag);
    free(p);
    /* The pack is taken and will be committed; without a way to answer
     * after the commit, the device must send it again (stored once). */
    set_diagnostic(response, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                   "out of memory; send again");
    return false;
  }
  p->session = coap_session_reference(s);
  p->ticket = ticket;
  p->code = code;
  p->token_len = token.length;
  memcpy(p->token, token.s, token.length);
  p->confirmable = coap_pdu_get_type(req) == COAP_MESSAGE_CON;
  p->piggyback = p->confirmable;
  p->mid = coap_pdu_get_mid(req);
  if (blk != NULL) {
    p->has_block = true;
    p->block_num = blk->num;
    p->block_szx = (uint8_t)blk->szx;
  }
  if (d->tail)
    d->tail->next = p;
  else
    d->head = p;
  d->tail = p;
  return true;
}

/* 2.04 Changed: the pack is committed; or its refusal, now that what was
 * kept of it is. */
static void answer(pending_t *p) {
  coap_pdu_t *pdu = coap_pdu_init(
      p->piggyback     ? COAP_MESSAGE_ACK
      : p->confirmable ? COAP_MESSAGE_CON
                       : COAP_MESSAGE_NON,
      p->code, p->piggyback ? p->mid : coap_new_message_id(p->session),
      coap_session_max_pdu_size(p->session));

  if (pdu == NULL || !coap_add_token(pdu, p->token_len, p->token)) {
    coap_delete_pdu(pdu);
    wg_log(LOG_ERR, "coap: out of memory answering a committed pack");
    return;
  }
  if (p->has_block) /* M = 0: the last block */
    set_uint_option(pdu, COAP_OPTION_BLOCK1, p->block_num << 4 | p->block_szx);
  if (p->code == COAP_RESPONSE_CODE(429)) /* over quota, a fall kept */
    set_uint_option(pdu, COAP_OPTION_MAXAGE, QUOTA_LATER_S);
  if (p->diag != NULL) /* options before the payload */
    coap_add_data(pdu, strlen(p->diag), (const uint8_t *)p->diag);
  coap_send(p->session, pdu);
}

void wg_coap__post(coap_resource_t *resource, coap_session_t *s,
                   const coap_pdu_t *req, const coap_string_t *query,
                   coap_pdu_t *response) {
  coap_drv_t *d = coap_get_app_data(coap_session_get_context(s));
  char device[DEVICE_MAX + 1], reason[256];
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  coap_block_b_t blk;
  const uint8_t *data = NULL;
  size_t len = 0, offset, total;
  body_t *body = NULL;
  pending_t *pending;
  uint64_t ticket;
  bool has_block;
  int rc;

  (void)resource;
  (void)query;
  if ((pending = find_pending(d, s, req)) != NULL) {
    /* A retransmission: libcoap ACKs it now (an empty response), and the
     * 2.04 will follow separately. */
    pending->piggyback = false;
    return;
  }
  has_block = coap_get_block_b(s, req, COAP_OPTION_BLOCK1, &blk) != 0;
  if (!device_from_path(req, device, sizeof(device))) {
    set_diagnostic(response, COAP_RESPONSE_CODE_NOT_FOUND,
                   "post packs to /dev/<device_id>/senml");
    return;
  }
  if (d->npsks > 0 && !identity_is(s, device)) {
    const coap_bin_const_t *id = coap_session_get_psk_identity(s);
    coap_bin_const_t none = {0, NULL};
    char name[DEVICE_MAX + 1];
    snprintf(reason, sizeof(reason), "identity %s may not post for %s",
             wg_coap__printable(id ? id : &none, name, sizeof(name)), device);
    refuse(d, device, response, COAP_RESPONSE_CODE_FORBIDDEN, reason);
    return;
  }
  opt = coap_check_option(req, COAP_OPTION_CONTENT_FORMAT, &it);
  if (opt != NULL) {
    unsigned fmt =
        coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
    if (fmt != MEDIATYPE_SENML_JSON) {
      snprintf(reason, sizeof(reason),
               "Content-Format %u; send 110 (application/senml+json) or none",
               fmt);
      refuse(d, device, response, COAP_RESPONSE_CODE_UNSUPPORTED_CONTENT_FORMAT,
             reason);
      return;
    }
  }
  if (d->paused) {
    set_uint_option(response, COAP_OPTION_MAXAGE, RETRY_LATER_S);
    set_diagnostic(response, COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE,
                   "storage unavailable; send again later");
    return;
  }
  coap_get_data_large(req, &len, &data, &offset, &total);
  if (has_block) {
    if ((body = gather(d, s, device, &blk, req, data, len, response)) == NULL)
      return;
    data = body->buf;
    len = body->len;
  }
  ticket = 0;
  rc = d->drv->cbs->pack(d->drv, device, data, len, &ticket, reason,
                         sizeof(reason));
  if (body != NULL)
    body_free(d, body);
  if (rc != 0 && ticket == 0) {
    /* No Size1 here: what is too large is the number of records. Max-Age
     * of a 4.29 says when to try again (RFC 8516); options go first. */
    if (rc == WG_EBUSY)
      set_uint_option(response, COAP_OPTION_MAXAGE, QUOTA_LATER_S);
    set_diagnostic(response, code_for(rc), reason);
    return;
  }
  /* Empty and non-confirmable, the response is dropped: the ACK of a CON
   * request carries the 2.04 after the commit. A refused pack whose falls
   * were kept is answered the same way, after their commit: a daemon
   * killed in between must not have told the device of a refusal whose
   * fall it then lost (the device keeps the pack until answered). */
  if (!queue_pending(d, s, req, has_block ? &blk : NULL, ticket,
                     rc != 0 ? code_for(rc) : COAP_RESPONSE_CODE_CHANGED,
                     rc != 0 ? reason : NULL, response))
    return;
  coap_pdu_set_type(response, COAP_MESSAGE_NON);
  /* A pack that filled the group was committed inside cbs->pack, before
   * it was queued: its answer leaves with that commit, not the next. */
  if (ticket <= d->committed)
    wg_coap__answer_committed(d, d->committed);
}

static void release_body(coap_session_t *s, void *body) {
  (void)s;
  free(body);
}

/*
 * Whether @s may read /status and /.well-known/core: over DTLS, only an
 * identity of admin_identities; a device's may post its own packs and
 * nothing more. Refused, @response is 4.03 and the refusal logged.
 */
static bool admin_only(coap_drv_t *d, coap_session_t *s, coap_pdu_t *response,
                       const char *what) {
  static wg_complaint_t complaint = {10.0, 0, 0};
  const coap_bin_const_t *id;
  coap_bin_const_t none = {0, NULL};
  char name[DEVICE_MAX + 1];

  if (d->npsks == 0)
    return true; /* plain CoAP: the loopback's, or "insecure" */
  if ((id = coap_session_get_psk_identity(s)) == NULL)
    id = &none;
  for (size_t i = 0; i < d->nadmins; i++)
    if (id->length == strlen(d->admins[i]) &&
        memcmp(id->s, d->admins[i], id->length) == 0)
      return true;
  wg_complain(&complaint, LOG_WARNING,
              "coap: identity %s may not read %s: not in admin_identities",
              wg_coap__printable(id, name, sizeof(name)), what);
  set_diagnostic(response, COAP_RESPONSE_CODE_FORBIDDEN,
                 "for administrators only");
  return false;
}

static void release_body(coap_session_t *s, void *body);

void wg_coap__get_wellknown(coap_resource_t *resource, coap_session_t *s,
                            const coap_pdu_t *req, const coap_string_t *query,
                            coap_pdu_t *response) {
  coap_drv_t *d = coap_get_app_data(coap_session_get_context(s));
  static const char status[] = "</status>;ct=50;rt=\"wardgate.status\"";
  size_t cap = sizeof(status), len = 0;
  char *body;

  if (!admin_only(d, s, response, "/.well-known/core"))
    return;
  for (size_t i = 0; i < d->ndevices; i++)
    cap += strlen(d->devices[i]) + 48;
  if ((body = malloc(cap)) == NULL) {
    set_diagnostic(response, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                   "out of memory");
    return;
  }
  for (size_t i = 0; i < d->ndevices; i++)
    len += (size_t)snprintf(body + len, cap - len,
                            "</dev/%s/senml>;ct=110;rt=\"wardgate.senml\",",
                            d->devices[i]);
  len += (size_t)snprintf(body + len, cap - len, "%s", status);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
  coap_add_data_large_response(resource, s, req, response, query,
                               COAP_MEDIATYPE_APPLICATION_LINK_FORMAT, 0, 0,
                               len, (const uint8_t *)body, release_body, body);
}

void wg_coap__get_status(coap_resource_t *resource, coap_session_t *s,
                         const coap_pdu_t *req, const coap_string_t *query,
                         coap_pdu_t *response) {
  coap_drv_t *d = coap_get_app_data(coap_session_get_context(s));
  char *json;

  if (!admin_only(d, s, response, "/status"))
    return;
  json = d->drv->cbs->status ? d->drv->cbs->status(d->drv) : NULL;

  if (json == NULL) {
    set_diagnostic(response, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                   "out of memory");
    return;
  }
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
  /* Block-wise (Block2) if it does not fit: libcoap keeps the body until
   * the last block is sent, then releases it (on failure too). */
  coap_add_data_large_response(
      resource, s, req, response, query, COAP_MEDIATYPE_APPLICATION_JSON, 0, 0,
      strlen(json), (const uint8_t *)json, release_body, json);
}

/* ---- after the commit, and at the close -------------------------------- */

void wg_coap__answer_committed(coap_drv_t *d, uint64_t ticket) {
  pending_t *p;

  while ((p = d->head) != NULL && p->ticket <= ticket) {
    d->head = p->next;
    if (d->head == NULL)
      d->tail = NULL;
    answer(p);
    coap_session_release(p->session);
    free(p->diag);
    free(p);
  }
}

void wg_coap__requests_free(coap_drv_t *d) {
  pending_t *p;

  while ((p = d->head) != NULL) {
    d->head = p->next;
    coap_session_release(p->session);
    free(p->diag);
    free(p);
  }
  while (d->bodies != NULL)
    body_free(d, d->bodies);
}
