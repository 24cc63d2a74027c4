/* SPDX-License-Identifier: MIT */
/*
 * The CoAP request path, on any datagrams a device may send: the CoAP
 * driver listens on a loopback port on its own libuv loop, and each input
 * is a sequence of datagrams (each a 2-byte big-endian length and its
 * bytes) sent to it from one client socket, so that block-wise transfers,
 * retransmissions and interleaved requests are reached. A pack the driver
 * hands over is parsed as the daemon would, and committed at once, so that
 * its answer goes out; the answers are read and dropped.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "common/arena.h"
#include "fuzz.h"
#include "ingest/ingest.h"
#include "ingest/senml.h"
#include "wardgate/coap.h"
#include "wardgate/log.h"

static uv_loop_t loop;
static wg_driver_t drv;
static int client = -1;
static struct sockaddr_in server;
static uint64_t tickets;

static int on_pack(wg_driver_t *d, const char *device, const void *payload,
                   size_t len, uint64_t *ticket, char *err, size_t errlen) {
  wg_readings_t out = {0};
  wg_arena_t arena = {0};
  int rc;

  (void)d;
  if (!wg_ingest_device_id_ok(device, strlen(device))) {
    snprintf(err, errlen, "not a valid device id");
    return WG_EINVAL;
  }
  rc = wg_senml_parse(payload, len, 1763900000.0, &arena, &out, err, errlen);
  wg_senml_readings_free(&out);
  wg_arena_free(&arena);
  if (rc == 0)
    *ticket = ++tickets;
  return rc;
}

static char *on_status(wg_driver_t *d) {
  (void)d;
  return strdup("{\"online\":true}");
}

static const wg_driver_cbs_t cbs = {.pack = on_pack, .status = on_status};

/* A port no one listens on now, for the driver to bind. */
static int free_port(void) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    abort();
  port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static void setup(void) {
  static const char *const devices[] = {"oxi-1", "fall-1"};
  wg_coap_opts_t opts = {.bind = "127.0.0.1",
                         .devices = devices,
                         .ndevices = 2,
                         .max_pack = 16384};
  struct timeval tv = {0, 1000};

  wg_log_set_level(LOG_CRIT); /* refusals are expected; keep them quiet */
  opts.port = free_port();
  if (uv_loop_init(&loop) != 0 ||
      wg_coap_driver_init(&drv, "ingest", &opts, &cbs, NULL) != 0 ||
      drv.ops->start(&drv, &loop) != 0)
    abort();
  server = (struct sockaddr_in){.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)opts.port)};
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if ((client = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
    abort();
}

/* Let the driver take what was sent, answer what committed; drop the
 * answers. */
static void turn(void) {
  unsigned char buf[2048];

  uv_run(&loop, UV_RUN_NOWAIT);
  drv.ops->committed(&drv, tickets);
  uv_run(&loop, UV_RUN_NOWAIT);
  while (recv(client, buf, sizeof(buf), MSG_DONTWAIT) > 0)
    ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (client < 0)
    setup();
  while (size >= 2) {
    size_t n = (size_t)data[0] << 8 | data[1];
    if (n > size - 2)
      n = size - 2;
    sendto(client, data + 2, n, 0, (struct sockaddr *)&server, sizeof(server));
    data += 2 + n;
    size -= 2 + n;
    turn();
  }
  return 0;
}
