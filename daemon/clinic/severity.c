/* SPDX-License-Identifier: MIT */
#include "clinic/severity.h"

#include <stddef.h>

const char *const wg_severity_names[WG_SEV_COUNT + 1] = {"emergency", "high",
                                                         "medium", "low", NULL};

const char *wg_severity_name(wg_severity_t s) {
  return (unsigned)s < WG_SEV_COUNT ? wg_severity_names[s] : "unknown";
}
