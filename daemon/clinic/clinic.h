/* SPDX-License-Identifier: MIT */
/*
 * The clinic: what readings, acknowledgements and the passing of time mean
 * for the patients. It owns every patient's rule state, the open alerts and
 * the changes not yet committed (alert events and NEWS2 scores), and hands
 * those to the commit, which writes them in its transaction.
 *
 * Pure: no libuv, no SQLite, no network. The time is a parameter and
 * nothing here reads a clock, so that every path is unit-tested with a fake
 * clock. Patients are named by their index in the configuration given to
 * wg_clinic_set_patients(), devices by their index in the patient's list.
 */
#ifndef WG_CLINIC_H
#define WG_CLINIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/alerts.h"
#include "clinic/daylog.h"
#include "clinic/news2.h"
#include "clinic/news2_past.h"
#include "clinic/rules.h"
#include "clinic/rules_device.h"
#include "common/counters.h"
#include "core/config.h"
#include "wardgate/reading.h"

/* A NEWS2 computed, to be stored (and perhaps published) at the commit. */
typedef struct wg_clinic_score_s {
  char patient[WG_ID_MAX + 1];
  double ts;
  int scale;
  wg_news2_t score;
} wg_clinic_score_t;

typedef struct wg_clinic_s {
  const wg_config_t *cfg; /* the patients; borrowed */
  double silent_s;        /* the device_silent period */
  wg_counters_t *counters;
  wg_alerts_t alerts;
  wg_rule_state_t *states; /* one per patient of cfg */
  size_t nstates;
  /* The changes since the last commit. */
  wg_alert_event_t *events;
  size_t nevents;
  size_t events_cap;
  wg_clinic_score_t *scores;
  size_t nscores;
  size_t scores_cap;
  bool changed; /* the open alerts changed since the last commit */
  /* Between wg_clinic_pack_begin() and _end(): the pack's verdicts, one
   * entry per (patient, rule, key). */
  struct wg_clinic_burst_s *burst;
  size_t nburst;
  size_t burst_cap;
  bool in_pack;
  wg_daylog_t daylog; /* the end of the day; daylog.due: its log is due */
  /* device_refused: the devices that had a pack refused (rules_device.h),
   * one entry each, made at the first refusal. */
  wg_device_refusals_t *refusals;
  size_t nrefusals;
  size_t refusals_cap;
  /* Back-filled NEWS2 sets gathered over a commit (news2_past.h), one per
   * patient that has one, scored at wg_clinic_batch_end(). */
  wg_news2_past_t *past;
  size_t npast;
  size_t past_cap;
  /* Why the next wg_clinic_set_patients() removes patients, when the hub
   * discharged them (remote_config): "configuration version 3"; empty
   * for a reload of the file. */
  char discharged_by[64];
  /* Open threshold alerts whose limit changed, closed by the next reading
   * of their name (reconfig.c). */
  struct wg_clinic_superseded_s *superseded;
  size_t nsuperseded;
  /* wg_clinic_observe_clock()'s last look; mono 0 before the first. */
  double clock_wall, clock_mono;
} wg_clinic_t;

/*
 * Set up @cl for @gateway_id with alert ids continuing at @next_seq; a
 * device is silent after @device_silent_h hours; every alert event made is
 * counted in @counters (kept). Returns 0 or WG_EINVAL for a bad gateway id.
 * No patients until wg_clinic_set_patients().
 */
int wg_clinic_init(wg_clinic_t *cl, const char *gateway_id, uint64_t next_seq,
                   double device_silent_h, wg_counters_t *counters);
void wg_clinic_free(wg_clinic_t *cl);

/*
 * Take the patients of @cfg (borrowed until the next call or free) at @now.
 * The rule state of a patient of the same id carries over; a new patient's
 * silence and missed observations count from @now. The open alerts mark
 * the conditions they stand for. Returns 0, or WG_ENOMEM with the patients
 * as they were.
 */
int wg_clinic_set_patients(wg_clinic_t *cl, const wg_config_t *cfg, double now);

/*
 * At start, after wg_clinic_set_patients(): a stored reading of @patient
 * (device index @device, -1 for none) is taken into the rule state without
 * a verdict, oldest first.
 */
void wg_clinic_replay(wg_clinic_t *cl, size_t patient, int device,
                      const wg_reading_t *r, double now);

/*
 * At start, after the replay: the newest NEWS2 of @patient as the store
 * kept it, @score computed at @ts, is the patient's last score (H-CR5): its
 * band sets the interval and the severity of a missed observation
 * (DESIGN.md section 8, 2026-12-06), as before the restart. It is also
 * what the hub last heard: nothing is queued or published for it, and only
 * a score that differs from it is published later. A set measured before
 * it (a late one) does not replace it.
 */
void wg_clinic_restore_score(wg_clinic_t *cl, size_t patient,
                             const wg_news2_t *score, double ts);

/*
 * At start, after the replay: an open alert as the store kept it (its last
 * JSON). Its condition is marked in its patient's rule state. Returns 0,
 * WG_EINVAL for a text that is not an alert (nothing taken), or WG_ENOMEM.
 */
int wg_clinic_restore_alert(wg_clinic_t *cl, const char *json, double now);

/*
 * A new reading of @patient from device index @device, just stored (never a
 * duplicate: a retransmission must not count twice). The alert events it
 * causes are queued.
 */
void wg_clinic_reading(wg_clinic_t *cl, size_t patient, int device,
                       const wg_reading_t *r, double now);

/*
 * A pack's readings follow (the commit: a whole batch's, however many
 * packs), up to wg_clinic_pack_end(): their verdicts are held and folded
 * per (patient, rule, key), so that a back-filled burst (a cuff syncing a
 * day, in one pack or in many) yields at most one alert per rule and key,
 * whose
 * summary gives the range, not an event a reading. At the end, for each
 * key: the worst raise (by severity, then grade; the first for an event
 * such as a fall) is applied, its summary ending "; N readings from HH:MM
 * to HH:MM" when there were several, then the last verdict if it is a
 * clear. A key with one verdict is applied as it came. A second begin
 * before the end keeps what is held (a retried commit).
 */
void wg_clinic_pack_begin(wg_clinic_t *cl);
void wg_clinic_pack_end(wg_clinic_t *cl, double now);

/*
 * wg_clinic_reading() for a fall kept from a pack the ingest refused for
 * @refusal: the fall alert it raises or updates names the refusal in its
 * summary, so that no one takes the device for sound (DESIGN.md section 5,
 * 2026-12-06).
 */
void wg_clinic_refused_reading(wg_clinic_t *cl, size_t patient, int device,
                               const wg_reading_t *r, const char *refusal,
                               double now);

/*
 * A pack of @device of @patient was refused for @refusal, or taken (NULL)
 * at @now: a device whose packs keep being refused raises device_refused
 * (rules_device.h), cleared once its packs are taken again. Called for each
 * pack once, whatever its readings.
 */
void wg_clinic_device_pack(wg_clinic_t *cl, size_t patient, const char *device,
                           const char *refusal, double now);

/*
 * Device @device_id (index @device of @patient) is over its quota, for
 * @reason, or, with @reason NULL, back within it (ingest/quota.h): a
 * device_quota alert (severity low: a technical alert) is raised, once
 * while it is open, or cleared. Its falls still raise (DESIGN.md section 5).
 */
void wg_clinic_device_quota(wg_clinic_t *cl, size_t patient, int device,
                            const char *device_id, const char *reason,
                            double now);

/*
 * The box's clock (hub/clocksync.h, DESIGN.md section 7 rule list,
 * extended): with @unsynced, it has not been synchronised (NTP) for
 * @unsynced_s seconds (since the start if @since_start) and every
 * configured patient without one gets a clock_unsynchronized alert
 * (severity low: a technical alert, keyed by the gateway id): the times of
 * that home's readings and alerts are not to be trusted, and the hub must
 * see it on each patient's list. Without, each open one is cleared (the
 * clock is synchronised). Called at every reading of the clock; a patient
 * whose alert is open (raised, or restored after a restart) gets nothing
 * new (clinic_clock.c).
 */
void wg_clinic_clock(wg_clinic_t *cl, bool unsynced, double unsynced_s,
                     bool since_start, double now);

/*
 * After a pack from @device brought a new NEWS2 parameter of @patient: the
 * score, queued for the commit, and the alert it drives. A late set's
 * score is marked late with its measured time.
 */
void wg_clinic_news2(wg_clinic_t *cl, size_t patient, const char *device,
                     double now);

/*
 * The batch's readings are all through the rules: each back-filled NEWS2
 * set gathered (components older than the patient's newest) is scored on
 * its own at its own time, marked retrospective, queued with its measured
 * time as its ts (so that it never stands as the patient's latest score),
 * and drives no alert. Once per batch, however many packs brought it: a
 * round synced one reading a pack is one score, not seven.
 */
void wg_clinic_batch_end(wg_clinic_t *cl, double now);

/*
 * An acknowledgement of alert @id by @by, with @outcome and @note (NULL or
 * "" when not given), at the home if @local, its signature checked if
 * @verified (the acknowledged event's "verified"). Returns 1 when it changed
 * the alert (an event is queued), 0 when the alert was already acknowledged, or
 * WG_EINVAL when no open alert has that id (the caller may find it closed
 * in the audit trail).
 */
int wg_clinic_ack(wg_clinic_t *cl, const char *id, const char *by,
                  const char *outcome, const char *note, bool local,
                  bool verified, double now);

/* The time-based rules and the escalations due at @now; events queued. */
void wg_clinic_tick(wg_clinic_t *cl, double now);

/*
 * The earliest time after @now at which wg_clinic_tick() has something to
 * do (a timed rule or an escalation), or 0 for never.
 */
double wg_clinic_next_deadline(const wg_clinic_t *cl, double now);

/*
 * The wall clock stepped by @step seconds (NTP, an operator): what is a
 * duration since a past moment — escalations, held updates and news2
 * messages, missed observations, silent devices — keeps its length, so
 * that a step back does not delay an escalation by the step. What is a
 * time of day (intake checkpoints, the end of the day) follows the clock.
 */
void wg_clinic_clock_stepped(wg_clinic_t *cl, double step);

/* A wall clock moving this much more or less than a monotonic one between
 * two looks has been stepped. */
#define WG_CLINIC_CLOCK_STEP_S 2.0

/*
 * One look at the wall clock @wall and a monotonic clock @mono (seconds):
 * a step since the last look is logged and handed to
 * wg_clinic_clock_stepped(). Returns the step, or 0.
 */
double wg_clinic_observe_clock(wg_clinic_t *cl, double wall, double mono);

/*
 * The queued events and scores are committed: forget them. Returns true
 * when the open alerts changed since the last call (the snapshot of open
 * alerts is due again).
 */
bool wg_clinic_committed(wg_clinic_t *cl);

#endif
