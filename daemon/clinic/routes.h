/* SPDX-License-Identifier: MIT */
/*
 * Routes (DESIGN.md section 8): who must act on an alert, by local time.
 * The first configured route whose days and from-to window hold the local
 * time wins; the route without a window is the fallback. Pure: the time is
 * a parameter; local time is the box's (TZ), daylight saving included.
 */
#ifndef WG_ROUTES_H
#define WG_ROUTES_H

#include <stddef.h>

#include "core/config.h"

/* Every alert's route when the configuration has no "routes". */
#define WG_ROUTE_DEFAULT "hub"

/* The route in force at @t, or NULL when none is (no routes, or no
 * fallback and no window holds @t). */
const wg_route_t *wg_routes_at(const wg_route_t *routes, size_t n, double t);

/* The name of the route in force at @t, WG_ROUTE_DEFAULT when none. */
const char *wg_routes_name_at(const wg_route_t *routes, size_t n, double t);

/*
 * "moved from A to B at HH:MM" into @out: the time is the edge of the
 * window that was left (or entered, when A is the fallback).
 */
void wg_routes_moved(const wg_route_t *routes, size_t n, const char *from,
                     const char *to, char *out, size_t size);

#endif
