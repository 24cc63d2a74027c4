/* SPDX-License-Identifier: MIT */
/*
 * The status counters (DESIGN.md section 7). One struct for the gateway;
 * each module counts what it does through a pointer to it.
 */
#ifndef WG_COUNTERS_H
#define WG_COUNTERS_H

#include <stdint.h>

/* The status counters, in the order they are published. */
#define WG_COUNTERS(XX)                                                        \
  XX(packs_received)                                                           \
  XX(packs_rejected)                                                           \
  XX(readings_stored)                                                          \
  XX(readings_duplicate)                                                       \
  XX(store_errors)                                                             \
  XX(errors_suppressed) /* reports not sent for the rate limit */              \
  XX(alerts_raised)                                                            \
  XX(alerts_updated)                                                           \
  XX(alerts_escalated)                                                         \
  XX(alerts_acknowledged)                                                      \
  XX(alerts_cleared)                                                           \
  XX(acks_rejected)    /* malformed, or for an unknown alert */                \
  XX(packs_retained)   /* retained ingest messages ignored, each time sent */  \
  XX(sessions_lost)    /* broker sessions found gone at a (re)connect */       \
  XX(packs_over_quota) /* refused for a device's quota (ingest/quota.h) */     \
  XX(acks_unaudited)   /* acks that change nothing, over the audit budget */

typedef struct wg_counters_s {
#define XX(name) uint64_t name;
  WG_COUNTERS(XX)
#undef XX
} wg_counters_t;

#endif
