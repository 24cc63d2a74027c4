/* SPDX-License-Identifier: MIT */
/*
 * The wall clock in Unix seconds, as the stages that live on the loop read
 * it; the pure ones (clinic, rules, alerts) are handed the time instead.
 */
#ifndef WG_CLOCK_H
#define WG_CLOCK_H

#include <time.h>

static inline double wg_wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
