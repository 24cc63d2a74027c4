/* SPDX-License-Identifier: MIT */
/*
 * The alert lifecycle (DESIGN.md section 8): one open alert per (patient,
 * rule, key); a repeat updates it; escalation when no one acknowledges it in
 * time; an ack stops escalation (and closes an event rule's alert); a clear
 * closes a condition rule's alert. Pure: the time is a parameter and every
 * change comes back as an event for the caller to store and publish.
 */
#ifndef WG_ALERTS_H
#define WG_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/rules.h"

#define WG_ALERT_EVIDENCE_MAX 8
/* An ack's note (DESIGN.md section 7) holds at most this many
 * characters; the hub checks it (wg_ack_note_problem()). */
#define WG_NOTE_MAX_CHARS 500
#define WG_NOTE_MAX_BYTES (4 * WG_NOTE_MAX_CHARS) /* UTF-8 */
/* One evidence entry's JSON: its strings are ids, names and units. */
#define WG_ALERT_EVIDENCE_JSON_MAX 256
/* An alert's evidence as the JSON array its events quote. */
#define WG_ALERT_EVIDENCE_LIST_MAX                                             \
  (2 + WG_ALERT_EVIDENCE_MAX * WG_ALERT_EVIDENCE_JSON_MAX)
/* Repeats that neither raise the severity nor worsen the condition are
 * published as one `updated` event per this many seconds at most. */
#define WG_ALERT_UPDATE_INTERVAL_S 60.0

typedef enum {
  WG_ALERT_RAISED,
  WG_ALERT_UPDATED,
  WG_ALERT_ESCALATED,
  WG_ALERT_ACKNOWLEDGED,
  WG_ALERT_CLEARED
} wg_alert_state_t;

/* "raised", "updated", ...; and back (-1 when unknown). */
const char *wg_alert_state_name(wg_alert_state_t s);
int wg_alert_state_parse(const char *name);

typedef struct wg_alert_s {
  char id[96]; /* <gateway_id>-<sequence of 6 or more digits> */
  uint64_t seq;
  char gateway[WG_ID_MAX + 1];
  char patient[WG_ID_MAX + 1];
  char device[WG_ID_MAX + 1];
  wg_rule_t rule;
  char key[96];
  wg_severity_t severity;
  wg_alert_state_t state; /* of the last event */
  int escalation;
  int repeats;
  double raised;
  double ts; /* of the last event */
  /* DESIGN.md section 7 (2026-12-06): the times of the evidence that last
   * changed it, and whether that evidence was late or retrospective. */
  double measured_at;
  double received_at;
  bool late;
  bool retrospective;
  /* That evidence was received, or the event made, before the box's clock
   * was first synchronised (NTP) since the start: its times may be
   * wrong. */
  bool clock_suspect;
  double ack_timeout_s; /* for its severity, from the patient */
  /* When the response is due: fixed when the current obligation began
   * (the raise, or a rise of severity that undid an ack), as the
   * timeout of the severity then; never recomputed (issue #28 item 5). */
  double respond_by;
  double next_escalation; /* 0 once acknowledged */
  bool acknowledged;
  bool acked_local;    /* at the home (wardgatectl), not from the hub */
  bool acked_verified; /* its signature checked (uplink.ack_key_file) */
  bool open;
  char acked_by[65];
  char route[WG_ID_MAX + 1]; /* who must act: at raise, again at escalation */
  /* The alert raised for the same deterioration by the same reading(s)
   * (a threshold and the NEWS2 alert), "" for none: see wg_alerts_link(). */
  char related[96];
  char summary[256];
  wg_evidence_t evidence[WG_ALERT_EVIDENCE_MAX]; /* oldest first */
  size_t nevidence;
  /* Entries ever added (past the maximum the oldest are dropped): entry i
   * is the (evidence_added - nevidence + i)th, in every copy. */
  uint64_t evidence_added;
  /* Not in its JSON: each event's number (for the snapshot's copy of
   * the event's JSON), and the coalescing of repeats. */
  uint64_t version;
  bool has_worst;
  double worst;      /* the highest grade of its evidence so far */
  int held;          /* repeats not yet published */
  double changed_at; /* its last event */
} wg_alert_t;

/* One change of an alert: a snapshot after it, and why; an
 * acknowledgement's outcome ("" when none) and note (NULL when none,
 * borrowed from the ack: see wg_alerts_ack()) go with its event only. */
typedef struct wg_alert_event_s {
  wg_alert_t alert;
  char cause[384];
  char outcome[16];
  const char *note;
  /* The alert's evidence as its JSON quotes it, each entry as printed by
   * the first event that carried it: an event prints the alert, not again
   * the readings it quotes. "" in an event made by hand: printed then. */
  char evidence[WG_ALERT_EVIDENCE_LIST_MAX];
} wg_alert_event_t;

/* An open alert, its kept JSON and its places in the indexes
 * (clinic/alerts_internal.h). */
typedef struct wg_open_alert_s wg_open_alert_t;

typedef struct wg_alerts_s {
  char gateway[WG_ID_MAX + 1];
  uint64_t next_seq;
  wg_open_alert_t **open; /* the open alerts, oldest first */
  size_t nopen;
  size_t cap;
  /* The open alerts by (patient, rule, key) and by id: the heads of two
   * uthash tables over the same entries. */
  wg_open_alert_t *by_key;
  wg_open_alert_t *by_id;
  const wg_route_t *routes; /* borrowed from the configuration */
  size_t nroutes;
  /* The box's clock has not been synchronised since the start (the
   * owner says): events made now are marked clock_suspect. */
  bool clock_unsynced;
} wg_alerts_t;

/*
 * @next_seq continues the sequence of ids across restarts (one more than the
 * largest stored). Returns 0 or WG_EINVAL for a bad gateway id.
 */
int wg_alerts_init(wg_alerts_t *a, const char *gateway, uint64_t next_seq);
void wg_alerts_free(wg_alerts_t *a);

/* The routes alerts are given from now on (borrowed; none: "hub"). */
void wg_alerts_set_routes(wg_alerts_t *a, const wg_route_t *routes, size_t n);

/* Take back an open alert from the store at start. 0 or WG_ENOMEM. */
int wg_alerts_restore(wg_alerts_t *a, const wg_alert_t *alert);

/* The @i-th open alert, oldest first (i < a->nopen). */
const wg_alert_t *wg_alerts_at(const wg_alerts_t *a, size_t i);

/*
 * The alerts/active message of DESIGN.md section 7, {"ts":@ts,"alerts":[…]}
 * with every open alert, oldest first, each as its last event said when
 * wg_alerts_keep_json() was given that event's JSON (the commit does), so
 * that the snapshot prints nothing again; otherwise built from the alert
 * once and kept until it changes. *len is its length; free() it. NULL when
 * out of memory.
 */
char *wg_alerts_snapshot(wg_alerts_t *a, double ts, size_t *len);

/*
 * @json (@len bytes) is wg_alert_to_json() of event @ev_alert: keep a copy
 * for the snapshot if that event is still the alert's last, so that the
 * snapshot need not print it again. Out of memory keeps nothing.
 */
void wg_alerts_keep_json(wg_alerts_t *a, const wg_alert_t *ev_alert,
                         const char *json, size_t len);

/* The open alert with id @id, or NULL. */
const wg_alert_t *wg_alerts_by_id(const wg_alerts_t *a, const char *id);

/* The open alert for (patient, rule, key), or NULL. */
const wg_alert_t *wg_alerts_find(const wg_alerts_t *a, const char *patient,
                                 wg_rule_t rule, const char *key);

/*
 * Apply verdict @v about @patient at @now; @ack_timeout_min is the patient's
 * per severity. Returns 1 with *ev set when the verdict changed an alert
 * (raised, updated, cleared), 0 when there is nothing to publish (a clear
 * with no open alert, or a repeat held back: one that neither raises the
 * severity nor is worse than the alert's evidence so far, within
 * WG_ALERT_UPDATE_INTERVAL_S of the alert's last event), or WG_ENOMEM.
 */
int wg_alerts_apply(wg_alerts_t *a, const char *patient, const wg_verdict_t *v,
                    const double ack_timeout_min[WG_SEV_COUNT], double now,
                    wg_alert_event_t *ev);

/*
 * An acknowledgement of @id by @by at @now, with @outcome and @note (each
 * NULL or "" when not given; checked by the caller), from the hub or, if
 * @local, at the home (wardgatectl ack); @verified when its signature was
 * checked (the event says "verified", the cause says so too). The event borrows
 * @note: a caller that keeps the event keeps a copy (the clinic does).
 * Returns 1 with *ev set, 0 when the
 * alert was already acknowledged (nothing changes), or WG_EINVAL when no open
 * alert has that id (unknown, or already closed).
 */
int wg_alerts_ack(wg_alerts_t *a, const char *id, const char *by,
                  const char *outcome, const char *note, bool local,
                  bool verified, double now, wg_alert_event_t *ev);

/*
 * Close open alert @id at @now for @reason (e.g. "patient p-1 removed from
 * the configuration"), whatever its state: a `cleared` event whose cause
 * and summary give the reason; it escalates no more. Returns 1 with *ev
 * set, or WG_EINVAL when no open alert has that id.
 */
int wg_alerts_close(wg_alerts_t *a, const char *id, const char *reason,
                    double now, wg_alert_event_t *ev);

/*
 * Link open alerts @id and @other as one deterioration (issue #27: a
 * threshold alert and the NEWS2 alert raised by the same reading): each
 * names the other in `related`. While both are open and unacknowledged
 * only the more urgent escalates (the NEWS2 alert when they are equally
 * urgent): the hub is asked once; the other escalates again on its own
 * deadline once its partner is closed. An ack of either is for both
 * (wg_alerts_ack_related()). Returns 0, or WG_EINVAL when either is not
 * open, they are the same, or either is already linked to another.
 */
int wg_alerts_link(wg_alerts_t *a, const char *id, const char *other);

/*
 * After the acknowledgement of @id: its related alert, if open and not yet
 * acknowledged, is acknowledged as by the same ack, its cause saying so.
 * Returns 1 with *ev set, or 0 when there is none to acknowledge.
 */
int wg_alerts_ack_related(wg_alerts_t *a, const char *id, const char *by,
                          const char *outcome, const char *note, bool local,
                          bool verified, double now, wg_alert_event_t *ev);

/*
 * Escalate the first alert whose acknowledgement is overdue at @now (due at
 * exactly raised + ack timeout, then every timeout after). Returns 1 with
 * *ev set, or 0 when none is due; call again until 0.
 */
int wg_alerts_escalate_due(wg_alerts_t *a, double now, wg_alert_event_t *ev);

/*
 * Publish the repeats held back by an alert whose last event is
 * WG_ALERT_UPDATE_INTERVAL_S old at @now: one `updated` event with the
 * latest evidence and the count. Returns 1 with *ev set, or 0 when none is
 * due; call again until 0.
 */
int wg_alerts_update_due(wg_alerts_t *a, double now, wg_alert_event_t *ev);

/* The wall clock stepped by @step seconds: every deadline counted from a
 * past moment (escalations, held updates) moves with it. */
void wg_alerts_clock_stepped(wg_alerts_t *a, double step);

/* The earliest escalation or held update deadline, or 0 when none. */
double wg_alerts_next_deadline(const wg_alerts_t *a);

/*
 * The alert event JSON of DESIGN.md section 7 for @al; free() it. NULL when
 * out of memory.
 */
char *wg_alert_to_json(const wg_alert_t *al);

/* The JSON of event @ev: its alert's, with the outcome and note of an
 * acknowledgement. free() it; NULL when out of memory. */
char *wg_alert_event_to_json(const wg_alert_event_t *ev);

/*
 * Parse what wg_alert_to_json() wrote back into @al (for the store's copy of
 * open alerts). Returns 0 or WG_EINVAL.
 */
int wg_alert_from_json(const char *json, wg_alert_t *al);

#endif
