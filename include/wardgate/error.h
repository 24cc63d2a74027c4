/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief Error codes shared by the daemon and its drivers.
 *
 * Functions return 0 on success and one of these negative values on
 * failure, as libuv does. A driver converts its library's codes into these
 * at its boundary and logs the library's own text there.
 */
#ifndef WARDGATE_ERROR_H
#define WARDGATE_ERROR_H

/**
 * @brief The error codes, as XX(NAME, description) for each: WG_ENOMEM,
 * WG_EINVAL, WG_EIO, WG_ENOCONN, WG_EBUSY, WG_ETOOBIG, WG_EPROTO, WG_ENODEV,
 * WG_EFULL, WG_ECLOSING, WG_ETLS, WG_EAUTH and WG_ECORRUPT.
 *
 * One list makes the enum, wg_strerror() and wg_err_name(); a new code is
 * added here only, at the end, so that the values stay.
 * @param XX a macro taking the name without WG_E and its description
 */
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

/**
 * @brief 0 (WG_OK) and the negative WG_E* codes of WG_ERRNO_MAP, from -99
 * up in its order.
 */
typedef enum {
  WG_OK = 0, /**< @brief success */
/** @brief Makes each code of WG_ERRNO_MAP a value: WG_E and its name. */
#define XX(code, _) WG_E##code,
  WG__ERR_FIRST = -100, /**< @brief below every code; not an error itself */
  WG_ERRNO_MAP(XX)
#undef XX
      WG__ERR_LAST /**< @brief above every code; not an error itself */
} wg_errno_t;

/**
 * @brief A static description of an error code.
 * @param err a WG_E* code (or anything else)
 * @return the description, a static string; never NULL
 */
const char *wg_strerror(int err);

/**
 * @brief The error code's name, e.g. "WG_EINVAL".
 * @param err a WG_E* code (or anything else)
 * @return the name, a static string; never NULL
 */
const char *wg_err_name(int err);

#endif
