/* SPDX-License-Identifier: MIT */
/*
 * A fault injector for tests, loaded with LD_PRELOAD: while the file named
 * by WG_ENOSPC_FLAG exists, writes to files whose path contains
 * "wardgate.db" fail with ENOSPC, as on a full disk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);

static int disk_full(int fd) {
  const char *flag = getenv("WG_ENOSPC_FLAG");
  char link[64], path[512];
  ssize_t len;

  if (flag == NULL || access(flag, F_OK) != 0)
    return 0;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  len = readlink(link, path, sizeof(path) - 1);
  if (len <= 0)
    return 0;
  path[len] = '\0';
  if (strstr(path, "wardgate.db") == NULL)
    return 0;
  errno = ENOSPC;
  return 1;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);

ssize_t write(int fd, const void *buf, size_t n) {
  static write_fn real;
  if (real == NULL)
    real = (write_fn)dlsym(RTLD_NEXT, "write");
  return disk_full(fd) ? -1 : real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  static pwrite_fn real;
  if (real == NULL)
    real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
  return disk_full(fd) ? -1 : real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  static pwrite_fn real;
  if (real == NULL)
    real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite64");
  return disk_full(fd) ? -1 : real(fd, buf, n, off);
}
