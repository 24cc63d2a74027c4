/* SPDX-License-Identifier: MIT */
/*
 * Prints a port on 127.0.0.1 that is free now (the kernel's choice for port
 * 0), for tests that start a server on an ephemeral port. "udp" as the
 * argument asks for a UDP port. The caller retries if another process takes
 * it before the server binds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int udp = argc > 1 && strcmp(argv[1], "udp") == 0;
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    perror("freeport");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  close(fd);
  return 0;
}
