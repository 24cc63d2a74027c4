/* SPDX-License-Identifier: MIT */
/*
 * How urgent an alert is: the four severities of DESIGN.md section 6, in
 * the order the configuration lists them and a route escalates through.
 */
#ifndef WG_SEVERITY_H
#define WG_SEVERITY_H

typedef enum {
  WG_SEV_EMERGENCY,
  WG_SEV_HIGH,
  WG_SEV_MEDIUM,
  WG_SEV_LOW,
  WG_SEV_COUNT
} wg_severity_t;

/* "emergency", "high", "medium", "low", then NULL: also the list of keys
 * and choices the configuration accepts. */
extern const char *const wg_severity_names[WG_SEV_COUNT + 1];

/* The name of @s, or "unknown". */
const char *wg_severity_name(wg_severity_t s);

#endif
