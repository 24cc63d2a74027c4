/* SPDX-License-Identifier: MIT */
/*
 * A CoAP client that retransmits on purpose, which coap-client cannot be
 * made to do: it POSTs one confirmable request to 127.0.0.1:PORT
 * /dev/DEVICE/senml, sends the very same datagram (same message id, same
 * token) again at once, waits for the answer, and then sends it a third
 * time from the same socket, as a device does whose ACK was lost. Every
 * message received is printed as "TYPE CODE [payload]"; confirmable ones
 * are acknowledged. Exits 0 once two final answers came, 1 otherwise.
 *
 *   coap_resend PORT DEVICE PAYLOAD
 *
 * With a second payload it sends two distinct confirmable requests instead,
 * both with the empty token and with consecutive message ids, at once.
 *
 *   coap_resend PORT DEVICE PAYLOAD PAYLOAD2
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MID 0x5a17
#define TOKEN 0xc0de

static size_t put_option(unsigned char *p, unsigned *last, unsigned num,
                         const void *val, size_t len) {
  unsigned delta = num - *last;
  size_t n = 0;

  /* Short forms only: deltas and lengths below 13 here, or one ext byte. */
  p[n++] =
      (unsigned char)((delta < 13 ? delta : 13) << 4 | (len < 13 ? len : 13));
  if (delta >= 13)
    p[n++] = (unsigned char)(delta - 13);
  if (len >= 13)
    p[n++] = (unsigned char)(len - 13);
  memcpy(p + n, val, len);
  *last = num;
  return n + len;
}

static const char *type_name(int t) {
  static const char *const names[] = {"CON", "NON", "ACK", "RST"};
  return names[t & 3];
}

/* Read until a final (non-empty) answer or @ms pass. 1 if one came. */
static int collect(int fd, int ms) {
  unsigned char buf[2048], ack[4];
  struct pollfd pfd = {fd, POLLIN, 0};

  while (poll(&pfd, 1, ms) == 1) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    size_t tkl, at;
    int type, code;

    if (n < 4)
      continue;
    type = buf[0] >> 4 & 3;
    tkl = buf[0] & 0x0f;
    code = buf[1];
    at = 4 + tkl;
    /* Skip the options to the payload marker. */
    while (at < (size_t)n && buf[at] != 0xff) {
      unsigned d = buf[at] >> 4, l = buf[at] & 0x0f;
      at += d == 13 ? 2 : d == 14 ? 3 : 1;
      if (l == 13)
        l = 13u + buf[at++];
      else if (l == 14)
        l = 269u + (unsigned)(buf[at] << 8 | buf[at + 1]), at += 2;
      at += l;
    }
    printf("%s %d.%02d", type_name(type), code >> 5, code & 0x1f);
    if (at < (size_t)n && buf[at] == 0xff)
      printf(" %.*s", (int)((size_t)n - at - 1), (const char *)buf + at + 1);
    printf("\n");
    fflush(stdout);
    if (type == 0) { /* CON: acknowledge it */
      ack[0] = 0x60;
      ack[1] = 0;
      ack[2] = buf[2];
      ack[3] = buf[3];
      send(fd, ack, 4, 0);
    }
    if (code != 0)
      return 1;
  }
  return 0;
}

/* A confirmable POST of @payload to /dev/@device/senml into @msg, with
 * message id @mid and a token of @tkl bytes (0 or 2). Its length. */
static size_t build(unsigned char *msg, unsigned mid, size_t tkl,
                    const char *device, const char *payload) {
  unsigned last = 0;
  unsigned char fmt = 110;
  size_t n = 0, plen = strlen(payload);

  msg[n++] = (unsigned char)(0x40 | tkl); /* version 1, CON */
  msg[n++] = 0x02;                        /* POST */
  msg[n++] = (unsigned char)(mid >> 8);
  msg[n++] = (unsigned char)(mid & 0xff);
  if (tkl == 2) {
    msg[n++] = TOKEN >> 8;
    msg[n++] = TOKEN & 0xff;
  }
  n += put_option(msg + n, &last, 11, "dev", 3);
  n += put_option(msg + n, &last, 11, device, strlen(device));
  n += put_option(msg + n, &last, 11, "senml", 5);
  n += put_option(msg + n, &last, 12, &fmt, 1);
  msg[n++] = 0xff;
  memcpy(msg + n, payload, plen);
  return n + plen;
}

int main(int argc, char **argv) {
  unsigned char msg[4096], msg2[4096];
  size_t n, n2;
  struct sockaddr_in a;
  int fd, answers = 0;

  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: coap_resend PORT DEVICE PAYLOAD [PAYLOAD2]\n");
    return 2;
  }
  for (int i = 3; i < argc; i++)
    if (strlen(argv[i]) > 2048)
      return 2;
  if (strlen(argv[2]) > 64)
    return 2;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[1]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
      connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    perror("coap_resend");
    return 1;
  }
  if (argc == 5) {
    /* Two distinct requests with the same empty token, as constrained
     * clients send, one right after the other: two exchanges (RFC 7252
     * 4.5 tells duplicates by message id), each answered. */
    n = build(msg, MID, 0, argv[2], argv[3]);
    n2 = build(msg2, MID + 1, 0, argv[2], argv[4]);
    send(fd, msg, n, 0);
    send(fd, msg2, n2, 0);
    answers += collect(fd, 10000);
    answers += collect(fd, 10000);
    close(fd);
    return answers == 2 ? 0 : 1;
  }
  n = build(msg, MID, 2, argv[2], argv[3]);
  /* A retransmission while the first is being committed... */
  send(fd, msg, n, 0);
  send(fd, msg, n, 0);
  answers += collect(fd, 10000);
  /* ...and one after the answer, as if it had been lost. */
  send(fd, msg, n, 0);
  answers += collect(fd, 10000);
  close(fd);
  return answers == 2 ? 0 : 1;
}
