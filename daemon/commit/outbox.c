/* SPDX-License-Identifier: MIT */
#include "commit/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"

int wg_outbox_init(wg_outbox_t *o, wg_store_t *store, int64_t max) {
  int64_t n;

  memset(o, 0, sizeof(*o));
  o->store = store;
  o->max = max;
  o->complaint.interval_s = 60;
  o->yield_complaint.interval_s = 60;
  if ((n = wg_store_outbox_count(store)) < 0)
    return (int)n;
  o->depth = n;
  if (n > 0)
    wg_log(LOG_INFO, "outbox: %lld messages for the hub from before",
           (long long)n);
  return 0;
}

void wg_outbox_free(wg_outbox_t *o) {
  free(o->acked);
  o->acked = NULL;
  o->nacked = o->acked_cap = 0;
}

int wg_outbox_add(wg_outbox_t *o, const char *topic, const char *payload,
                  const char *alert_id, const char *state, double now) {
  int64_t depth = o->depth + o->added - o->removed;
  int rc;

  if (depth >= o->max && alert_id != NULL) {
    if ((rc = wg_store_outbox_compact(o->store, alert_id, topic)) < 0)
      return rc;
    o->removed += rc;
    depth -= rc;
  }
  if (depth >= o->max) {
    o->overflow++;
    wg_complain(&o->complaint, LOG_ERR,
                "outbox: full (%lld messages): %s event of %s not queued; "
                "the alert stays in alerts/active",
                (long long)depth, state ? state : "a",
                alert_id ? alert_id : "?");
    return 0;
  }
  if ((rc = wg_store_outbox_add(o->store, topic, payload, alert_id, state,
                                now)) != 0)
    return rc;
  o->added++;
  return 0;
}

int wg_outbox_add_copy(wg_outbox_t *o, const char *topic, const char *payload,
                       double now) {
  int64_t depth = o->depth + o->added - o->removed;
  int rc;

  if (depth >= o->max * 8 / 10) {
    o->yielding++;
    return 0;
  }
  if ((rc = wg_store_outbox_add(o->store, topic, payload, NULL, NULL, now)) !=
      0)
    return rc;
  o->added++;
  return 0;
}

int wg_outbox_delete_acked(wg_outbox_t *o) {
  int rc;

  for (o->deleting = 0; o->deleting < o->nacked; o->deleting++)
    if ((rc = wg_store_outbox_delete(o->store, o->acked[o->deleting])) != 0)
      return rc;
  return 0;
}

void wg_outbox_committed(wg_outbox_t *o) {
  int64_t depth = o->depth + o->added - o->removed - (int64_t)o->deleting;
  bool near = depth >= o->max * 8 / 10;

  o->depth = depth < 0 ? 0 : depth;
  if (o->added > 0)
    o->at_end = false;
  /* Rows acknowledged while the transaction ran stay for the next one. */
  if (o->deleting > 0)
    memmove(o->acked, o->acked + o->deleting,
            (o->nacked - o->deleting) * sizeof(*o->acked));
  o->nacked -= o->deleting;
  o->deleting = 0;
  o->added = o->removed = 0;
  if (o->yielding > 0)
    wg_complain(&o->yield_complaint, LOG_WARNING,
                "outbox: %lld messages wait for the hub: FHIR copies are not "
                "queued until it takes them (%llu left out so far)",
                (long long)o->depth,
                (unsigned long long)(o->yielded + (uint64_t)o->yielding));
  o->yielded += (uint64_t)o->yielding;
  o->yielding = 0;
  if (near && !o->near_limit)
    wg_log(LOG_WARNING,
           "outbox: %lld messages wait for the hub (limit %lld): is the "
           "uplink down?",
           (long long)o->depth, (long long)o->max);
  o->near_limit = near;
}

void wg_outbox_rolled_back(wg_outbox_t *o) {
  o->deleting = 0;
  o->added = o->removed = o->yielding = 0;
}

static bool outbox_is_acked(const wg_outbox_t *o, int64_t seq) {
  for (size_t i = 0; i < o->nacked; i++)
    if (o->acked[i] == seq)
      return true;
  return false;
}

static bool outbox_is_inflight(const wg_outbox_t *o, int64_t seq) {
  for (size_t i = 0; i < o->ninflight; i++)
    if (o->inflight[i].seq == seq)
      return true;
  return false;
}

typedef struct outbox_pump_s {
  wg_outbox_t *o;
  wg_outbox_publish_fn publish;
  void *ud;
  bool failed;
} outbox_pump_t;

static int outbox_pump_one(void *ud, int64_t seq, const char *topic,
                           const char *payload) {
  outbox_pump_t *p = ud;
  wg_outbox_t *o = p->o;
  int mid;

  /* Its deletion is not committed yet, or after a refusal it is one of
   * the rows the pump goes over again that is still in flight. */
  if (outbox_is_acked(o, seq) || outbox_is_inflight(o, seq)) {
    o->sent = seq;
    return 0;
  }
  if (p->publish(p->ud, topic, payload, &mid) != 0) {
    p->failed = true;
    return 1;
  }
  o->inflight[o->ninflight].mid = mid;
  o->inflight[o->ninflight++].seq = seq;
  o->sent = seq;
  return o->ninflight == WG_OUTBOX_INFLIGHT;
}

void wg_outbox_pump(wg_outbox_t *o, wg_outbox_publish_fn publish, void *ud) {
  outbox_pump_t p = {o, publish, ud, false};

  /*
   * Most commits add nothing for the hub: no query for them. Nor for each
   * PUBACK of a backlog: the window is refilled once half of it is free,
   * one query for many rows, while the other half keeps the link busy.
   */
  while (!o->at_end && !p.failed && o->ninflight <= WG_OUTBOX_INFLIGHT / 2) {
    int limit = (int)(WG_OUTBOX_INFLIGHT - o->ninflight);
    int n = wg_store_outbox_each(o->store, o->sent, limit, outbox_pump_one, &p);
    if (n < 0)
      break;
    if (n < limit && !p.failed)
      o->at_end = true; /* every committed row is sent */
  }
}

bool wg_outbox_puback(wg_outbox_t *o, int mid) {
  for (size_t i = 0; i < o->ninflight; i++) {
    if (o->inflight[i].mid != mid)
      continue;
    if (o->nacked == o->acked_cap) {
      size_t cap = o->acked_cap ? o->acked_cap * 2 : 64;
      int64_t *v = realloc(o->acked, cap * sizeof(*v));
      if (v == NULL)
        return true; /* the row is sent again later: at least once */
      o->acked = v;
      o->acked_cap = cap;
    }
    o->acked[o->nacked++] = o->inflight[i].seq;
    o->inflight[i] = o->inflight[--o->ninflight];
    return true;
  }
  return false;
}

bool wg_outbox_refused(wg_outbox_t *o, int mid) {
  for (size_t i = 0; i < o->ninflight; i++) {
    if (o->inflight[i].mid != mid)
      continue;
    if (o->retry_from == 0 || o->inflight[i].seq < o->retry_from)
      o->retry_from = o->inflight[i].seq;
    o->refused++;
    o->inflight[i] = o->inflight[--o->ninflight];
    return true;
  }
  return false;
}

bool wg_outbox_has_refused(const wg_outbox_t *o) { return o->retry_from > 0; }

void wg_outbox_retry_refused(wg_outbox_t *o) {
  if (o->retry_from == 0)
    return;
  /* The pump goes over the rows from there again; each one acknowledged
   * or in flight is passed over. */
  if (o->retry_from - 1 < o->sent)
    o->sent = o->retry_from - 1;
  o->retry_from = 0;
  o->at_end = false;
}

void wg_outbox_disconnected(wg_outbox_t *o) {
  /*
   * libmosquitto keeps every message it was handed and not yet
   * acknowledged, and sends each again (same message id, DUP set) once the
   * broker takes the new connection, whatever the session: the rows in
   * flight stay in flight, and their PUBACKs still find them. Sending them
   * from here too would deliver each twice. The pump goes on after the
   * last row it handed over; a restart, which loses libmosquitto's
   * queue, sends every row still here from the oldest.
   */
  o->at_end = false;
}

void wg_outbox_inflight_lost(wg_outbox_t *o) {
  o->ninflight = 0;
  o->sent = 0;
  o->retry_from = 0;
  o->at_end = false;
}

bool wg_outbox_has_acked(const wg_outbox_t *o) { return o->nacked > 0; }

bool wg_outbox_drained(const wg_outbox_t *o) {
  return o->depth == 0 && o->ninflight == 0 && o->nacked == 0;
}
