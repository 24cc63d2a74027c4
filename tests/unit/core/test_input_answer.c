/* SPDX-License-Identifier: MIT */
/*
 * The CoAP input's answer leaves with the commit that holds its pack. The
 * core may commit the group from inside the pack callback (a pack that
 * fills it commits it at once, wardgate/driver.h), so the driver hears
 * "committed" before the pack is even queued; its 2.04 must not wait for
 * the next commit, which may be long in coming on a quiet ward.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "test.h"
#include "wardgate/coap.h"
#include "wardgate/error.h"

static uint64_t next_ticket = 1;
static bool commit_inside;
static int packs;

/* As the core does: the ticket is the next commit's; a pack that fills
 * the group commits it before the callback returns. */
static int answer_pack(wg_driver_t *drv, const char *device,
                       const void *payload, size_t len, uint64_t *ticket,
                       char *err, size_t errlen) {
  (void)device, (void)payload, (void)len, (void)err, (void)errlen;
  packs++;
  *ticket = next_ticket;
  if (commit_inside)
    drv->ops->committed(drv, next_ticket++);
  return 0;
}

static const wg_driver_cbs_t answer_cbs = {.pack = answer_pack};

static int answer_free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_DGRAM, 0), port = -1;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/* A confirmable POST to /dev/oxi-1/senml with message id @mid. */
static size_t answer_request(unsigned char *m, unsigned mid) {
  static const char body[] = "[{\"n\":\"hr\",\"v\":70}]";
  size_t n = 0;

  m[n++] = 0x41; /* version 1, CON, a one-byte token */
  m[n++] = 0x02; /* POST */
  m[n++] = (unsigned char)(mid >> 8);
  m[n++] = (unsigned char)mid;
  m[n++] = 0x7e;
  m[n++] = 0xb3; /* Uri-Path (11), 3 bytes */
  memcpy(m + n, "dev", 3), n += 3;
  m[n++] = 0x05;
  memcpy(m + n, "oxi-1", 5), n += 5;
  m[n++] = 0x05;
  memcpy(m + n, "senml", 5), n += 5;
  m[n++] = 0xff;
  memcpy(m + n, body, sizeof(body) - 1);
  return n + sizeof(body) - 1;
}

/* Run @loop until a datagram is on @fd or about 3 s pass; its code
 * (class * 100 + detail) and type, or -1. */
static int answer_wait(uv_loop_t *loop, int fd, unsigned mid, int *type) {
  unsigned char buf[512];

  for (int i = 0; i < 300; i++) {
    struct pollfd p = {fd, POLLIN, 0};
    uv_run(loop, UV_RUN_NOWAIT);
    if (poll(&p, 1, 10) == 1) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n < 4 || (unsigned)(buf[2] << 8 | buf[3]) != mid)
        continue;
      *type = buf[0] >> 4 & 3;
      return (buf[1] >> 5) * 100 + (buf[1] & 0x1f);
    }
  }
  return -1;
}

static void answer_closed(wg_driver_t *drv) { drv->impl = NULL; }

static void answered_with_its_commit(void) {
  wg_coap_opts_t o = {.bind = "127.0.0.1", .max_pack = 65536};
  unsigned char req[128];
  struct sockaddr_in a;
  wg_driver_t drv;
  uv_loop_t loop;
  int fd, type = -1;

  ASSERT((o.port = answer_free_port()) > 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  ASSERT_EQ(wg_coap_driver_init(&drv, "coap", &o, &answer_cbs, NULL), 0);
  ASSERT_EQ(drv.ops->start(&drv, &loop), 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)o.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT((fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
  ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);

  /* Committed inside the pack callback: 2.04 on the ACK, with no other
   * commit after it. */
  commit_inside = true;
  ASSERT(send(fd, req, answer_request(req, 0x1001), 0) > 0);
  ASSERT_EQ(answer_wait(&loop, fd, 0x1001, &type), 204);
  ASSERT_EQ(type, 2); /* ACK: piggybacked */
  ASSERT_EQ(packs, 1);

  /* Committed after the callback, as usual: answered on that commit. */
  commit_inside = false;
  ASSERT(send(fd, req, answer_request(req, 0x1002), 0) > 0);
  for (int i = 0; i < 100 && packs < 2; i++)
    uv_run(&loop, UV_RUN_NOWAIT), usleep(1000);
  ASSERT_EQ(packs, 2);
  drv.ops->committed(&drv, next_ticket++);
  ASSERT_EQ(answer_wait(&loop, fd, 0x1002, &type), 204);
  ASSERT_EQ(type, 2);

  close(fd);
  drv.ops->close(&drv, answer_closed);
  while (drv.impl != NULL)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(uv_loop_close(&loop), 0);
}

TEST_MAIN(T(answered_with_its_commit))
