/* SPDX-License-Identifier: MIT */
#include "wardgate/error.h"

const char *wg_strerror(int err) {
  switch (err) {
  case WG_OK:
    return "success";
#define XX(code, msg)                                                          \
  case WG_E##code:                                                             \
    return msg;
    WG_ERRNO_MAP(XX)
#undef XX
  default:
    return "unknown error";
  }
}

const char *wg_err_name(int err) {
  switch (err) {
  case WG_OK:
    return "WG_OK";
#define XX(code, _)                                                            \
  case WG_E##code:                                                             \
    return "WG_E" #code;
    WG_ERRNO_MAP(XX)
#undef XX
  default:
    return "WG_EUNKNOWN";
  }
}
