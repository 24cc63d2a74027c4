/* SPDX-License-Identifier: MIT */
/*
 * Error codes shared by the daemon and its drivers. Functions return 0 on
 * success and one of these negative values on failure, as libuv does.
 */
#ifndef WARDGATE_ERROR_H
#define WARDGATE_ERROR_H

#define WG_ERRNO_MAP(XX)                                                       \
  XX(NOMEM, "out of memory")                                                   \
  XX(INVAL, "invalid argument")                                                \
  XX(IO, "input/output error")                                                 \
  XX(NOCONN, "not connected")                                                  \
  XX(BUSY, "resource busy, try again")                                         \
  XX(TOOBIG, "too large")                                                      \
  XX(PROTO, "protocol error")                                                  \
  XX(NODEV, "unknown device")                                                  \
  XX(FULL, "storage full")                                                     \
  XX(CLOSING, "shutting down")                                                 \
  XX(TLS, "TLS error")                                                         \
  XX(AUTH, "not authorized")                                                   \
  XX(CORRUPT, "database damaged or not a database")

typedef enum {
  WG_OK = 0,
#define XX(code, _) WG_E##code,
  WG__ERR_FIRST = -100,
  WG_ERRNO_MAP(XX)
#undef XX
      WG__ERR_LAST
} wg_errno_t;

/* A static description of an error code; never NULL. */
const char *wg_strerror(int err);

/* The error code's name, e.g. "WG_EINVAL"; never NULL. */
const char *wg_err_name(int err);

#endif
