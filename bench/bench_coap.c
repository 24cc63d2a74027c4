/* SPDX-License-Identifier: MIT */
/*
 * CoAP load for bench/run.sh, with libcoap on both ends.
 *
 *   bench_coap client PORT N CLIENTS
 *     CLIENTS devices (oxi-1..oxi-CLIENTS, one UDP session each) POST N
 *     confirmable SenML packs in all to 127.0.0.1:PORT/dev/<id>/senml, each
 *     device sending its next pack when the last one was answered; prints
 *     "answered seconds failed" (seconds from the first request to the last
 *     answer).
 *   bench_coap server PORT
 *     The limit: a libcoap server that answers every POST 2.04 at once,
 *     stores nothing, until SIGTERM.
 */
#include <coap3/coap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coap_request.h"

typedef struct client_s {
  coap_session_t *session;
  int id;
  long sent;
} client_t;

static long total, to_send, answered, failed;
static double bt0;
static client_t *clients;
static int nclients;
static volatile sig_atomic_t stop;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int post(client_t *c) {
  char device[32], payload[256];
  coap_pdu_t *pdu;

  snprintf(device, sizeof(device), "oxi-%d", c->id);
  /* A distinct time per pack, so that every one is a new reading. */
  snprintf(payload, sizeof(payload),
           "[{\"bn\":\"urn:dev:oxi-%d:\",\"bt\":%.3f,\"n\":\"spo2\",\"u\":"
           "\"%%\",\"v\":97},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":72}]",
           c->id, bt0 + (double)c->sent * 0.001);
  if ((pdu = wg_senml_post(c->session, device, payload)) == NULL)
    return -1;
  c->sent++;
  to_send--;
  return coap_send(c->session, pdu) == COAP_INVALID_MID ? -1 : 0;
}

static coap_response_t on_response(coap_session_t *session,
                                   const coap_pdu_t *sent,
                                   const coap_pdu_t *received,
                                   const coap_mid_t mid) {
  client_t *c = coap_session_get_app_data(session);

  (void)sent, (void)mid;
  if (coap_pdu_get_code(received) == COAP_RESPONSE_CODE_CHANGED)
    answered++;
  else
    failed++;
  if (to_send > 0 && post(c) != 0)
    failed++;
  return COAP_RESPONSE_OK;
}

static void loopback(coap_address_t *a, int port) {
  coap_address_init(a);
  a->addr.sin.sin_family = AF_INET;
  a->addr.sin.sin_port = htons((uint16_t)port);
  a->addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a->size = sizeof(a->addr.sin);
}

static int client(int port, long n, int nc) {
  coap_context_t *ctx = coap_new_context(NULL);
  coap_address_t dst;
  double start;

  loopback(&dst, port);
  coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP);
  coap_register_response_handler(ctx, on_response);
  total = to_send = n;
  nclients = nc;
  clients = calloc((size_t)nc, sizeof(*clients));
  /* Readings of a day ago, at a time of their own per run. */
  srand((unsigned)getpid());
  bt0 = (double)(long)now_s() - 86400 + (double)(rand() % 1000);
  for (int i = 0; i < nc; i++) {
    clients[i].id = i + 1;
    clients[i].session =
        coap_new_client_session(ctx, NULL, &dst, COAP_PROTO_UDP);
    coap_session_set_app_data(clients[i].session, &clients[i]);
  }
  start = now_s();
  for (int i = 0; i < nc && to_send > 0; i++)
    post(&clients[i]);
  while (answered + failed < total && !stop) {
    if (coap_io_process(ctx, 1000) < 0)
      break;
    if (now_s() - start > 300)
      break;
  }
  printf("%ld %.6f %ld\n", answered, now_s() - start, failed);
  for (int i = 0; i < nc; i++)
    coap_session_release(clients[i].session);
  coap_free_context(ctx);
  free(clients);
  return answered == total ? 0 : 1;
}

static void hnd_post(coap_resource_t *r, coap_session_t *s,
                     const coap_pdu_t *req, const coap_string_t *q,
                     coap_pdu_t *response) {
  (void)r, (void)s, (void)req, (void)q;
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static int server(int port) {
  coap_context_t *ctx = coap_new_context(NULL);
  coap_resource_t *r = coap_resource_unknown_init2(NULL, 0);
  coap_address_t a;

  loopback(&a, port);
  if (coap_new_endpoint(ctx, &a, COAP_PROTO_UDP) == NULL)
    return 1;
  coap_register_request_handler(r, COAP_REQUEST_POST, hnd_post);
  coap_add_resource(ctx, r);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  while (!stop)
    coap_io_process(ctx, 200);
  coap_free_context(ctx);
  return 0;
}

int main(int argc, char **argv) {
  int rc;

  coap_startup();
  coap_set_log_level(LOG_ERR);
  if (argc == 5 && strcmp(argv[1], "client") == 0)
    rc = client(atoi(argv[2]), atol(argv[3]), atoi(argv[4]));
  else if (argc == 3 && strcmp(argv[1], "server") == 0)
    rc = server(atoi(argv[2]));
  else {
    fprintf(stderr, "usage: bench_coap client PORT N CLIENTS | "
                    "server PORT\n");
    rc = 2;
  }
  coap_cleanup();
  return rc;
}
