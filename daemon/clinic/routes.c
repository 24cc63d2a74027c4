/* SPDX-License-Identifier: MIT */
#include "clinic/routes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool routes_on_day(const wg_route_t *r, int wday) {
  return (r->days >> wday) & 1u;
}

const wg_route_t *wg_routes_at(const wg_route_t *routes, size_t n, double t) {
  time_t tt = (time_t)floor(t);
  struct tm tm;
  int sec, yesterday;

  if (n == 0 || localtime_r(&tt, &tm) == NULL)
    return NULL;
  sec = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  yesterday = (tm.tm_wday + 6) % 7;
  for (size_t i = 0; i < n; i++) {
    const wg_route_t *r = &routes[i];
    if (r->days == 0)
      return r; /* the fallback, always last */
    if (r->from_s < r->to_s) {
      if (routes_on_day(r, tm.tm_wday) && sec >= r->from_s && sec < r->to_s)
        return r;
    } else if ((routes_on_day(r, tm.tm_wday) && sec >= r->from_s) ||
               (routes_on_day(r, yesterday) && sec < r->to_s)) {
      return r; /* a window across midnight, from the day it starts */
    }
  }
  return NULL;
}

const char *wg_routes_name_at(const wg_route_t *routes, size_t n, double t) {
  const wg_route_t *r = wg_routes_at(routes, n, t);
  return r != NULL ? r->name : WG_ROUTE_DEFAULT;
}

static const wg_route_t *routes_find(const wg_route_t *routes, size_t n,
                                     const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(routes[i].name, name) == 0)
      return &routes[i];
  return NULL;
}

void wg_routes_moved(const wg_route_t *routes, size_t n, const char *from,
                     const char *to, char *out, size_t size) {
  const wg_route_t *a = routes_find(routes, n, from),
                   *b = routes_find(routes, n, to);
  int edge = -1;

  if (a != NULL && a->days != 0)
    edge = a->to_s;
  else if (b != NULL && b->days != 0)
    edge = b->from_s;
  if (edge < 0)
    snprintf(out, size, "moved from %s to %s", from, to);
  else
    snprintf(out, size, "moved from %s to %s at %02d:%02d", from, to,
             edge / 3600, edge / 60 % 60);
}
