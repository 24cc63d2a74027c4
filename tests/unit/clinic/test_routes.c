/* SPDX-License-Identifier: MIT */
/*
 * Routes: which one is in force at a local time, table-driven over the
 * days of the week, windows across midnight and both daylight-saving
 * changes of Europe/London; the fallback; the words for a move.
 */
#include <stdlib.h>
#include <time.h>

#include "clinic/routes.h"
#include "test.h"

#define WEEKDAYS (0x3eu) /* mon-fri */
#define WEEKEND (0x41u)  /* sat, sun */
#define EVERY_DAY (0x7fu)

static const wg_route_t ward[] = {
    {"virtual-ward", WEEKDAYS, 8 * 3600, 20 * 3600},
    {"weekend-day", WEEKEND, 9 * 3600, 17 * 3600},
    {"night", EVERY_DAY, 22 * 3600, 6 * 3600},
    {"out-of-hours", 0, 0, 0},
};
#define NWARD (sizeof(ward) / sizeof(ward[0]))

static void route_by_local_time(void) {
  static const struct {
    const char *when; /* Europe/London local time, for the reader */
    double t;
    const char *route;
  } cases[] = {
      {"Mon 2026-11-30 07:59:59", 1796025599, "out-of-hours"},
      {"Mon 08:00:00, the window opens", 1796025600, "virtual-ward"},
      {"Mon 19:59:59", 1796068799, "virtual-ward"},
      {"Mon 20:00:00, the window is closed", 1796068800, "out-of-hours"},
      {"Mon 22:00:00", 1796076000, "night"},
      {"Tue 05:59, Monday's night", 1796104740, "night"},
      {"Tue 06:00", 1796104800, "out-of-hours"},
      {"Sat 10:00", 1796464800, "weekend-day"},
      {"Sun 23:00", 1796598000, "night"},
      {"Mon 01:00, Sunday's night", 1796605200, "night"},
      {"Mon 2026-03-30 07:59 BST, the day after the change", 1774853940,
       "out-of-hours"},
      {"Mon 2026-03-30 08:00 BST (07:00 UTC)", 1774854000, "virtual-ward"},
      {"Mon 2026-10-26 07:59 GMT (08:59 in BST)", 1793001540, "out-of-hours"},
      {"Mon 2026-10-26 08:00 GMT", 1793001600, "virtual-ward"},
      {"Sun 2026-10-25 01:30, the hour that comes twice", 1792888200, "night"},
  };

  setenv("TZ", "Europe/London", 1);
  tzset();
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *got = wg_routes_name_at(ward, NWARD, cases[i].t);
    if (strcmp(got, cases[i].route) != 0)
      FAIL_AT("%s: %s, want %s", cases[i].when, got, cases[i].route);
  }
  /* The first match wins where windows overlap. */
  {
    const wg_route_t overlap[] = {{"a", EVERY_DAY, 0, 12 * 3600},
                                  {"b", EVERY_DAY, 6 * 3600, 18 * 3600},
                                  {"c", 0, 0, 0}};
    ASSERT_STR_EQ(wg_routes_name_at(overlap, 3, 1796025600), "a"); /* 08:00 */
    ASSERT_STR_EQ(wg_routes_name_at(overlap, 3, 1796068500), "c"); /* 19:55 */
  }
}

static void no_routes_and_no_fallback(void) {
  const wg_route_t day_only[] = {{"day", WEEKDAYS, 8 * 3600, 20 * 3600}};

  setenv("TZ", "Europe/London", 1);
  tzset();
  ASSERT_STR_EQ(wg_routes_name_at(NULL, 0, 1796025600), WG_ROUTE_DEFAULT);
  ASSERT(wg_routes_at(NULL, 0, 1796025600) == NULL);
  ASSERT(wg_routes_at(day_only, 1, 1796025599) == NULL); /* the config
                                                           refuses this */
  ASSERT_STR_EQ(wg_routes_name_at(day_only, 1, 1796025600), "day");
}

static void moved_names_the_edge(void) {
  char out[128];

  wg_routes_moved(ward, NWARD, "virtual-ward", "out-of-hours", out,
                  sizeof(out));
  ASSERT_STR_EQ(out, "moved from virtual-ward to out-of-hours at 20:00");
  wg_routes_moved(ward, NWARD, "out-of-hours", "virtual-ward", out,
                  sizeof(out));
  ASSERT_STR_EQ(out, "moved from out-of-hours to virtual-ward at 08:00");
  wg_routes_moved(ward, NWARD, "night", "out-of-hours", out, sizeof(out));
  ASSERT_STR_EQ(out, "moved from night to out-of-hours at 06:00");
  /* A route gone in a reload: no edge to tell. */
  wg_routes_moved(ward, NWARD, "old", "hub", out, sizeof(out));
  ASSERT_STR_EQ(out, "moved from old to hub");
}

TEST_MAIN(T(route_by_local_time), T(no_routes_and_no_fallback),
          T(moved_names_the_edge))
