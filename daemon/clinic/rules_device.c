/* SPDX-License-Identifier: MIT */
#include "clinic/rules_device.h"

#include <stdio.h>
#include <string.h>

#include "common/text.h"

/* Whether @refusal is about the time of a record: the device's clock. */
static bool rules_device_clock(const char *refusal) {
  return strstr(refusal, "before 2020") != NULL ||
         strstr(refusal, "in the future") != NULL ||
         strstr(refusal, "older than the retention") != NULL;
}

static void rules_device_verdict(const wg_device_refusals_t *st,
                                 wg_verdict_kind_t kind, double now,
                                 wg_verdict_t *v) {
  memset(v, 0, sizeof(*v));
  v->kind = kind;
  v->rule = WG_RULE_DEVICE_REFUSED;
  v->severity = WG_SEV_LOW;
  wg_copy(v->key, sizeof(v->key), st->device);
  wg_copy(v->evidence.n, sizeof(v->evidence.n), "refused_packs");
  wg_copy(v->evidence.device, sizeof(v->evidence.device), st->device);
  v->evidence.v = st->refused;
  v->evidence.flags = WG_READING_HAS_VALUE;
  v->evidence.t = v->evidence.rt = now;
}

bool wg_rules_device_pack(wg_device_refusals_t *st, const char *refusal,
                          double now, wg_verdict_t *v) {
  char text[sizeof(v->summary) + 160];

  if (refusal == NULL) {
    if (!st->active) {
      st->refused = 0;
      return false;
    }
    if (++st->accepted < WG_DEVICE_REFUSED_CLEAR)
      return false;
    st->active = false;
    st->refused = 0;
    rules_device_verdict(st, WG_VERDICT_CLEAR, now, v);
    snprintf(v->summary, sizeof(v->summary), "%s's packs are taken again",
             st->device);
    return true;
  }
  st->accepted = 0;
  if (st->refused < WG_DEVICE_REFUSED_AFTER)
    st->refused++;
  if (st->active || st->refused < WG_DEVICE_REFUSED_AFTER)
    return false;
  st->active = true;
  rules_device_verdict(st, WG_VERDICT_RAISE, now, v);
  /* Printed whole, then cut to fit, as every summary is. */
  snprintf(text, sizeof(text),
           "%s: %u packs in a row refused, its data is not reaching the "
           "record%s; last: %s",
           st->device, st->refused,
           rules_device_clock(refusal) ? " (its clock looks wrong)" : "",
           refusal);
  wg_copy(v->summary, sizeof(v->summary), text);
  return true;
}

void wg_rules_device_restore_open(wg_device_refusals_t *st) {
  st->active = true;
  st->refused = WG_DEVICE_REFUSED_AFTER;
  st->accepted = 0;
}
