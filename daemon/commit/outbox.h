/* SPDX-License-Identifier: MIT */
/*
 * The outbox: messages for the hub (alert events) kept in SQLite until the
 * hub's broker acknowledges them (PUBACK). Rows are added inside the same
 * transaction as the readings that caused them, sent in order with a bounded
 * number in flight, and deleted in a later transaction once acknowledged.
 * After a reconnect libmosquitto sends again what it had in flight, and the
 * outbox goes on after it; after a restart everything not yet acknowledged
 * is sent again, oldest first: delivery is at least once, and the alert id
 * lets the hub see each event once.
 */
#ifndef WG_OUTBOX_H
#define WG_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commit/store.h"
#include "wardgate/log.h"

/*
 * Messages handed to the MQTT client and not yet acknowledged. libmosquitto
 * keeps at most 20 of them unacknowledged on the wire (its default, and
 * MQTT's receive maximum) and queues the rest in order; handing it twice
 * that lets the pump refill in batches while the wire stays full.
 */
#define WG_OUTBOX_INFLIGHT 40
#define WG_OUTBOX_DEFAULT_MAX 100000

typedef struct wg_outbox_inflight_s {
  int mid;
  int64_t seq;
} wg_outbox_inflight_t;

typedef struct wg_outbox_s {
  wg_store_t *store;
  int64_t max;   /* rows at most; see wg_outbox_add() */
  int64_t depth; /* rows committed */
  int64_t sent;  /* the last row handed to the uplink */
  bool at_end;   /* the last pump found no row after sent; no commit has
                    added one since */
  wg_outbox_inflight_t inflight[WG_OUTBOX_INFLIGHT];
  size_t ninflight;
  int64_t *acked; /* acknowledged rows, deleted at the next commit */
  size_t nacked;
  size_t acked_cap;
  size_t deleting;   /* of acked, how many the open transaction deletes */
  int64_t added;     /* rows added in the open transaction */
  int64_t removed;   /* rows removed by compaction in it */
  uint64_t overflow; /* events not queued because the outbox was full */
  uint64_t yielded;  /* copies not queued for an outbox near its limit */
  int64_t yielding;  /* of those, in the open transaction */
  bool near_limit;
  /* Refused by the hub's broker (an MQTT 5 PUBACK reason code of 0x80 or
   * more): the oldest such row, sent again from at the next
   * wg_outbox_retry_refused(), or 0; and how many refusals so far. */
  int64_t retry_from;
  uint64_t refused;
  wg_complaint_t complaint;       /* an event not queued */
  wg_complaint_t yield_complaint; /* copies left out */
} wg_outbox_t;

/* Count the rows in @store. Returns 0 or a negative error. */
int wg_outbox_init(wg_outbox_t *o, wg_store_t *store, int64_t max);
void wg_outbox_free(wg_outbox_t *o);

/*
 * Inside the caller's transaction: queue @payload for @topic. When the
 * outbox holds @max rows, the queued "updated"/"escalated" messages of the
 * same alert on the same topic (superseded by this one) are removed first; if
 * it is still full the event is not queued, counted in `overflow` and logged:
 * the alert itself stays in the alerts table and in the retained alerts/active
 * snapshot, which is republished on every reconnect. Returns 0 or a
 * negative store error.
 */
int wg_outbox_add(wg_outbox_t *o, const char *topic, const char *payload,
                  const char *alert_id, const char *state, double now);

/*
 * Inside the caller's transaction: queue @payload, a copy the database can
 * give again (the FHIR export of readings and scores), only while the
 * outbox is below 80 % of @max, so that a copy never takes the room of an
 * alert event; otherwise it is counted in `yielded` and logged. Returns 0
 * or a negative store error.
 */
int wg_outbox_add_copy(wg_outbox_t *o, const char *topic, const char *payload,
                       double now);

/* Inside the caller's transaction: delete the acknowledged rows. */
int wg_outbox_delete_acked(wg_outbox_t *o);

/* The caller's transaction committed, or rolled back. */
void wg_outbox_committed(wg_outbox_t *o);
void wg_outbox_rolled_back(wg_outbox_t *o);

/* Publishes one message QoS 1; sets *mid. Returns 0 or a negative error. */
typedef int (*wg_outbox_publish_fn)(void *ud, const char *topic,
                                    const char *payload, int *mid);

/* Send committed rows until WG_OUTBOX_INFLIGHT are in flight; once the
 * window is full, not before half of it is acknowledged. */
void wg_outbox_pump(wg_outbox_t *o, wg_outbox_publish_fn publish, void *ud);

/* A PUBACK for @mid: true when it was one of ours (its row is then deleted
 * at the next commit). */
bool wg_outbox_puback(wg_outbox_t *o, int mid);

/*
 * The broker refused @mid (an MQTT 5 reason code of 0x80 or more): not
 * delivered. True when it was one of ours: its row stays, counted in
 * `refused`, and is sent again after wg_outbox_retry_refused().
 */
bool wg_outbox_refused(wg_outbox_t *o, int mid);

/* Rows refused wait to be sent again. */
bool wg_outbox_has_refused(const wg_outbox_t *o);

/* Send the refused rows again, at the next pump (rows in flight or
 * acknowledged meanwhile are not sent twice). */
void wg_outbox_retry_refused(wg_outbox_t *o);

/*
 * The uplink was lost. What is in flight stays so: libmosquitto sends it
 * again at the reconnect (one delivery per event, not two); the pump goes
 * on after it.
 */
void wg_outbox_disconnected(wg_outbox_t *o);

/* What was in flight will never be acknowledged (the uplink's client was
 * replaced): every row still here goes again, from the oldest. */
void wg_outbox_inflight_lost(wg_outbox_t *o);

/* Acknowledged rows wait to be deleted. */
bool wg_outbox_has_acked(const wg_outbox_t *o);

/* Nothing queued, in flight or waiting for deletion. */
bool wg_outbox_drained(const wg_outbox_t *o);

#endif
