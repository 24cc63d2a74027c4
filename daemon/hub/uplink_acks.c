/* SPDX-License-Identifier: MIT */
/*
 * What the uplink owes the acks it takes in: an audit row only within the
 * gateway's budget (hub__ack_audited()), and a PUBACK that waits for the
 * commit, but not for a failing store (hub__hold_start()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/ack.h"
#include "hub/hub.h"
#include "hub/hub_internal.h"
#include "wardgate/mqtt.h"

/* An ack that only leaves an audit row (its alert is not open, or it was
 * refused) within the gateway's budget of those; one over it, or a repeat,
 * is counted and said, not written (DESIGN.md section 7). */
bool hub__ack_audited(wg_hub_t *h, const wg_ack_t *ack) {
  int rc;

  if (ack->refused[0] == '\0' && wg_alerts_by_id(h->alerts, ack->id) != NULL)
    return true;
  if ((rc = wg_ack_audit_allow(h->ack_guard, ack, ack->ts)) == 0)
    return true;
  h->counters->acks_unaudited++;
  wg_complain(&h->audit_complaint, LOG_WARNING,
              "hub: ack of %s by %s not written to the audit trail: %s "
              "(%llu so far)",
              ack->id, ack->by,
              rc == 1 ? "the same was audited lately"
                      : "over the budget of acks that change nothing",
              (unsigned long long)h->counters->acks_unaudited);
  return false;
}

/* The longest the uplink waits for a commit: a third of its keepalive
 * (the broker gives a client up after one and a half keepalives without a
 * packet, so a held PINGREQ still goes in time), and 5 s at most. */
static uint64_t uplink_acks_grace_ms(const wg_hub_t *h) {
  const wg_mqtt_opts_t *o = (const wg_mqtt_opts_t *)h->cfg->uplink;
  uint64_t ms = (uint64_t)o->keepalive_s * 1000 / 3;

  return ms > 5000 ? 5000 : ms;
}

/*
 * The store has not committed what the uplink took within the grace: the
 * commit is failing and retried. Let the uplink send again, the PUBACK
 * first: an ack is then acknowledged to the hub's broker before it is on
 * disk. It stays in the batch and the clinic has applied it; it is written
 * when the store recovers. A daemon killed before that loses it, and the
 * alert, still open in the database, is restored and escalates again: a
 * repeat, not a silence, where a frozen uplink would have delivered
 * nothing and had the broker publish the gateway offline.
 */
static void uplink_acks_hold_cb(uv_timer_t *t) {
  wg_hub_t *h = t->data;

  if (!h->holding || !h->on)
    return;
  h->holding = false;
  wg_complain(&h->complaint, LOG_WARNING,
              "hub: the store has not committed what the hub sent for "
              "%.1f s: acknowledged to the hub's broker so that the uplink "
              "keeps serving; kept in memory until the store recovers",
              (double)uplink_acks_grace_ms(h) / 1000.0);
  h->uplink.ops->committed(&h->uplink, 0);
}

void hub__hold_start(wg_hub_t *h) {
  h->holding = true;
  if (!uv_is_active((uv_handle_t *)&h->hold_timer))
    uv_timer_start(&h->hold_timer, uplink_acks_hold_cb, uplink_acks_grace_ms(h),
                   0);
}

void hub__hold_stop(wg_hub_t *h) {
  h->holding = false;
  uv_timer_stop(&h->hold_timer);
}
