/* SPDX-License-Identifier: MIT */
/*
 * What a device sends wardgated over CoAP, for wardgate-sim and the
 * benchmarks: a confirmable POST of a SenML pack to /dev/<id>/senml.
 */
#ifndef WG_COAP_REQUEST_H
#define WG_COAP_REQUEST_H

#include <coap3/coap.h>
#include <stdlib.h>
#include <string.h>

static inline void wg_release_body(coap_session_t *s, void *body) {
  (void)s;
  free(body);
}

/*
 * The request, ready for coap_send(), or NULL. A pack larger than one
 * datagram goes block-wise (the context must use COAP_BLOCK_USE_LIBCOAP).
 */
static inline coap_pdu_t *wg_senml_post(coap_session_t *s, const char *device,
                                        const char *payload) {
  coap_optlist_t *opts = NULL;
  uint8_t token[8], fmt[4];
  char *body;
  size_t token_len;
  coap_pdu_t *pdu;

  pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST,
                      coap_new_message_id(s), coap_session_max_pdu_size(s));
  if (pdu == NULL)
    return NULL;
  coap_session_new_token(s, &token_len, token);
  coap_add_token(pdu, token_len, token);
  coap_insert_optlist(
      &opts, coap_new_optlist(COAP_OPTION_URI_PATH, 3, (const uint8_t *)"dev"));
  coap_insert_optlist(&opts,
                      coap_new_optlist(COAP_OPTION_URI_PATH, strlen(device),
                                       (const uint8_t *)device));
  coap_insert_optlist(&opts, coap_new_optlist(COAP_OPTION_URI_PATH, 5,
                                              (const uint8_t *)"senml"));
  coap_insert_optlist(
      &opts,
      coap_new_optlist(COAP_OPTION_CONTENT_FORMAT, /* application/senml+json */
                       coap_encode_var_safe(fmt, sizeof(fmt), 110), fmt));
  coap_add_optlist_pdu(pdu, &opts);
  coap_delete_optlist(opts);
  /* libcoap keeps the body until the last block is acknowledged. */
  if ((body = strdup(payload)) == NULL) {
    coap_delete_pdu(pdu);
    return NULL;
  }
  coap_add_data_large_request(s, pdu, strlen(body), (const uint8_t *)body,
                              wg_release_body, body);
  return pdu;
}

#endif
