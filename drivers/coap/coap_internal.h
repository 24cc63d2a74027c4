/* SPDX-License-Identifier: MIT */
/*
 * What the CoAP driver's files share: the driver's state, and the request
 * side (request.c) as the server side (coap.c) calls it. Nothing here is
 * part of the driver interface, which is wardgate/coap.h alone: the
 * wg_coap__ functions are for the driver's own files.
 */
#ifndef WG_COAP_INTERNAL_H
#define WG_COAP_INTERNAL_H

#include <coap3/coap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wardgate/coap.h"

#define DEVICE_MAX 64

/* The queue of packs awaiting their commit, and the bodies being gathered
 * block-wise: request.c's own. */
struct pending_s;
struct body_s;

typedef struct coap_drv_s {
  wg_driver_t *drv;
  uv_loop_t *loop;
  uv_poll_t poll;
  int fd; /* libcoap's epoll set */
  bool polling;
  coap_context_t *ctx;
  char *bind;
  int port;
  wg_coap_psk_t *psks;
  coap_bin_const_t *keys; /* the same keys, as libcoap wants them */
  size_t npsks;
  char **admins; /* identities that may read /status and discover */
  size_t nadmins;
  char **devices;
  size_t ndevices;
  size_t max_pack;
  bool insecure;      /* plain CoAP off the loopback was asked for */
  uint64_t committed; /* the newest ticket reported committed */
  struct pending_s *head, *tail;
  struct body_s *bodies;
  size_t nbodies;
  bool paused;
  bool closing;
  wg_close_cb close_cb;
} coap_drv_t;

/* The handler of every POST: a pack to /dev/<device_id>/senml. */
void wg_coap__post(coap_resource_t *resource, coap_session_t *s,
                   const coap_pdu_t *req, const coap_string_t *query,
                   coap_pdu_t *response);

/* The handler of GET /status: cbs->status's JSON, block-wise if need be. */
void wg_coap__get_status(coap_resource_t *resource, coap_session_t *s,
                         const coap_pdu_t *req, const coap_string_t *query,
                         coap_pdu_t *response);

/* The handler of GET /.well-known/core over DTLS, in libcoap's place: the
 * resources in link format (RFC 6690), to administrators only. */
void wg_coap__get_wellknown(coap_resource_t *resource, coap_session_t *s,
                            const coap_pdu_t *req, const coap_string_t *query,
                            coap_pdu_t *response);

/* Answer 2.04 to every pack waiting with a ticket up to @ticket. */
void wg_coap__answer_committed(coap_drv_t *d, uint64_t ticket);

/* Drop the block-wise bodies not continued for BODY_IDLE_MS before @now. */
void wg_coap__bodies_expire(coap_drv_t *d, uint64_t now);

/* Drop the packs still waiting, unanswered, and the bodies being gathered:
 * the driver is closing. */
void wg_coap__requests_free(coap_drv_t *d);

/* A client-chosen identity, fit for a log line, in @out. */
const char *wg_coap__printable(const coap_bin_const_t *id, char *out,
                               size_t outlen);

#endif
