/* SPDX-License-Identifier: MIT */
/*
 * Escalation rules (DESIGN.md section 8). Pure functions: a reading, the
 * patient's configuration and rule state, and the time in; verdicts out. No
 * I/O and no clock reads, so that every boundary is unit-tested with a fake
 * clock.
 */
#ifndef WG_RULES_H
#define WG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "clinic/news2.h"
#include "core/config.h"
#include "wardgate/reading.h"

/*
 * The offset after each intake checkpoint at which patient @id's are
 * weighed (intake[].spread_min): whole seconds in [0, @spread_min), fixed
 * per patient id; 0 for a window under 2 s.
 */
double wg_rules_intake_offset_s(const char *id, double spread_min);

/* battery_low at or below this, cleared above the second (hysteresis). */
#define WG_BATTERY_LOW_PCT 15.0
#define WG_BATTERY_OK_PCT 20.0

typedef enum {
  WG_RULE_FALL,
  WG_RULE_THRESHOLD,
  WG_RULE_NEWS2,
  WG_RULE_LOW_INTAKE,
  WG_RULE_MISSED_OBS,
  WG_RULE_DEVICE_SILENT,
  WG_RULE_BATTERY_LOW,
  WG_RULE_DEVICE_REFUSED,       /* rules_device.h */
  WG_RULE_DEVICE_QUOTA,         /* a device over its quota (ingest/quota.h) */
  WG_RULE_CLOCK_UNSYNCHRONIZED, /* the box's clock (clinic.h) */
  WG_RULE_COUNT
} wg_rule_t;

/* "fall", "threshold", ...; and back (-1 when unknown). */
const char *wg_rule_name(wg_rule_t rule);
int wg_rule_parse(const char *name);

/*
 * Event rules (a fall) have no condition to clear: an acknowledgement
 * closes their alert. All others are condition rules.
 */
bool wg_rule_is_event(wg_rule_t rule);

/* One reading quoted as the evidence for a verdict. */
typedef struct wg_evidence_s {
  char n[64];                 /* the reading's name */
  char u[16];                 /* its unit, "" for none */
  char device[WG_ID_MAX + 1]; /* the device that sent it */
  double v;                   /* with WG_READING_HAS_VALUE */
  double t;                   /* measurement time */
  double rt;                  /* when the gateway received it */
  unsigned flags;             /* WG_READING_HAS_VALUE, WG_READING_HAS_VB */
  bool vb;
} wg_evidence_t;

/*
 * How long after its measurement a reading is fresh for @rule (DESIGN.md
 * section 8 "Time"): fall 5 min, threshold 10 min, NEWS2 60 min. A reading
 * received later is late. 0 for the rules that have no such limit.
 */
double wg_rules_fresh_limit_s(wg_rule_t rule);

/*
 * The time @r counts at for "the latest value" and for retrospection: its
 * measurement time, or its receipt time when that is earlier (a fast
 * clock must not shadow the other devices).
 */
double wg_rules_effective_t(const wg_reading_t *r);

/* Fill @e from @r (strings truncated to fit). */
void wg_rules_evidence(wg_evidence_t *e, const wg_reading_t *r);

typedef enum {
  WG_VERDICT_RAISE, /* the condition holds (again): raise or repeat */
  WG_VERDICT_CLEAR  /* the condition no longer holds */
} wg_verdict_kind_t;

typedef struct wg_verdict_s {
  wg_verdict_kind_t kind;
  wg_rule_t rule;
  wg_severity_t severity;
  char key[96]; /* with patient and rule, names the one open alert */
  char summary[256];
  wg_evidence_t evidence;
  /* How bad a graded condition is, higher worse (a threshold: how far
   * beyond its limit; NEWS2: the score), so that a repeat can tell whether
   * it worsened. Ungraded verdicts (a fall) are news at every repeat. */
  bool graded;
  double grade;
  /* A new condition on the alert it repeats (an intake alert carried over
   * midnight, missed again the new day): an ack of the old one does not
   * stand for it. */
  bool renews;
  /* DESIGN.md section 8 "Time": its evidence was received after the rule's
   * fresh limit (the summary says when it was measured), or is older than
   * the newest reading already seen for the patient and key. */
  bool late;
  bool retrospective;
  /* The condition stands but this verdict cannot weigh it (a NEWS2 set
   * made incomplete by a component that aged out): the open alert keeps
   * its severity, and a new one takes @severity. */
  bool keeps_severity;
} wg_verdict_t;

/* Per threshold of a patient: the run of readings beyond or inside. */
typedef struct wg_threshold_state_s {
  unsigned beyond;  /* readings in a row beyond the limit */
  unsigned inside;  /* readings in a row back inside */
  bool active;      /* an alert is open for it */
  double newest;    /* the newest reading of its key (0: none yet) */
  double run_first; /* the first reading of the run beyond */
} wg_threshold_state_t;

/* A device reporting more falls than this within a minute is chattering
 * (H-F3): its fall alert's summary says so, so that someone checks it. */
#define WG_RULES_FALL_CHATTER 5

/* A NEWS2 alert whose last tier was 1-4 (`low`) clears only when the sets
 * below it span this long (RCP chart 4's 4-hourly frequency at 1-4): a
 * score hovering between 0 and 1 is one episode, not an alert an hour. */
#define WG_RULES_NEWS2_LOW_CLEAR_S (4 * 3600.0)

/* A confirm count needs its readings within this of the run's first. */
#define WG_RULES_CONFIRM_WINDOW_S 600.0

/* The latest value of one NEWS2 parameter. */
typedef struct wg_news2_latest_s {
  bool present;
  double ts; /* measured (a future time counts as its receipt) */
  double rt; /* received */
  double value;
  bool vb;
  char vs;
  char device[WG_ID_MAX + 1];
} wg_news2_latest_t;

/* @r into @l, unless @l holds a newer measurement; true when kept. */
bool wg_rules_news2_keep(wg_news2_latest_t *l, const wg_reading_t *r);

/* Per intake entry of a patient: today's total and the checkpoints done. */
typedef struct wg_intake_state_s {
  double day_start; /* local midnight; 0 before the first use */
  double day_end;   /* the next local midnight */
  double total;     /* canonical unit, readings measured today */
  size_t checked;   /* checkpoints of today already evaluated */
  double required;  /* what the last failed checkpoint asked for */
  bool active;
  /* Its alert is an earlier day's, still open: the first drink of today
   * closes it, the first missed checkpoint of today renews it. */
  bool carried;
  unsigned readings; /* of today, counted in total */
  /* "No reading from the cup today" (issue #27) is open: a checkpoint
   * passed with no reading at all, which says the cup is not in use or
   * not reporting, not that the patient drank nothing. Any reading of the
   * key clears it; midnight does not. */
  bool nodata;
} wg_intake_state_t;

/* Per expected key: when it was last seen. */
typedef struct wg_expect_state_s {
  double last;
  bool active;
} wg_expect_state_t;

/* Per device of the patient. */
typedef struct wg_device_state_s {
  double last;      /* when it last sent a measurement (receipt time) */
  double heard;     /* when it last sent anything, a battery level too */
  double fall_from; /* its falls counted since (a minute's window) */
  unsigned falls;   /* falls since fall_from */
  double battery_t; /* its newest battery reading */
  bool silent;
  bool battery_low;
} wg_device_state_t;

/* A patient's rule state; one per patient, owned by the caller. */
typedef struct wg_rule_state_s {
  wg_threshold_state_t *thresholds; /* one per patient threshold */
  size_t nthresholds;
  wg_news2_latest_t news2[WG_NEWS2_NPARAMS];
  bool news2_scored; /* news2_last holds a score */
  wg_news2_t news2_last;
  double news2_anchor; /* the newest component of the set last scored */
  double fall_newest;  /* the newest fall reading */
  bool news2_alert;    /* a NEWS2 alert is open */
  /* While it is open: the parameters (bit per wg_news2_param_t) its sets
   * have held, of which each must be in a set that clears it; those of
   * them that had aged out at the last computation; and the fresh sets in
   * a row below the band (two clear it). */
  unsigned news2_keys;
  unsigned news2_lost;
  unsigned news2_below;
  double news2_below_from;   /* the first set of that run */
  int news2_tier;            /* the severity of the last set in a tier */
  wg_news2_pub_t news2_pub;  /* what news2 messages said (the clinic's) */
  wg_intake_state_t *intake; /* one per patient intake entry */
  size_t nintake;
  wg_expect_state_t *expect; /* one per patient expect entry */
  size_t nexpect;
  wg_device_state_t *devices; /* one per patient device */
  size_t ndevices;
} wg_rule_state_t;

/*
 * Set up @st for @p at @now (the time from which silence and missed
 * observations are counted). WG_ENOMEM on failure. Free with
 * wg_rule_state_free.
 */
int wg_rule_state_init(wg_rule_state_t *st, const wg_patient_t *p, double now);
void wg_rule_state_free(wg_rule_state_t *st);

/*
 * Carry what @from knew over to @to after a reload: per threshold, intake
 * entry or expected key of the same name, per device of the same id, and
 * the NEWS2 observations. @pf and @pt are their patients.
 */
void wg_rule_state_carry(wg_rule_state_t *to, const wg_patient_t *pt,
                         const wg_rule_state_t *from, const wg_patient_t *pf);

/* The alert key of threshold @i of @p, as verdicts carry it. */
void wg_rules_threshold_key(const wg_threshold_t *t, char *out, size_t len);

/*
 * Evaluate reading @r of patient @p at @now; @device is the index of its
 * device in p->devices (-1: look it up). Writes at most @max verdicts to
 * @out and returns how many. @r must be new (not a stored duplicate): a
 * retransmission must not count twice. Also keeps the state the other
 * rules need (NEWS2 observations, intake totals, last seen).
 */
size_t wg_rules_eval(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, int device, double now,
                     wg_verdict_t *out, size_t max);

/* Take a stored reading into the state only (after a restart): no verdict. */
void wg_rules_replay(const wg_patient_t *p, wg_rule_state_t *st,
                     const wg_reading_t *r, int device, double now);

/*
 * NEWS2 of @p at @now from the latest observations no older than its
 * window, into *@score. Returns true when the score, a component or the
 * completeness differs from the last one computed. (Whether the hub hears
 * of the score is wg_news2_pub_offer()'s to say.) *@has_verdict tells
 * whether there is a verdict in *@v: a RAISE at the severity of the
 * score's response tier (wg_rules_news2_tier()) on a change; CLEAR only at
 * the second fresh set in a row below the lowest tier that raises (a set is
 * fresh when a new reading came since the last computation and it is not late)
 * that holds every parameter the alert's sets have held (DESIGN.md section 8,
 * revised 2026-12-06). A set below the band that lacks one because it aged out
 * of the window is a RAISE with keeps_severity, whose summary names it:
 * ageing never clears.
 */
/*
 * The severity the response tier of RCP chart 4 that @s falls in raises
 * for @p, or -1 for none: aggregate 0 none; 1-4 `low` (none with
 * news2.response.score_1_4 "none"); a single parameter scoring 3 with an
 * aggregate of at most 4 `medium` (`low` with single_3 "low"); 5-6
 * `medium`; 7 or more `emergency`.
 */
int wg_rules_news2_tier(const wg_patient_t *p, const wg_news2_t *s);

bool wg_rules_news2(const wg_patient_t *p, wg_rule_state_t *st, double now,
                    wg_news2_t *score, wg_verdict_t *v, bool *has_verdict);

/*
 * How long device @i of @p may send no measurement before it is silent,
 * and the severity of its silence in *@sev (issue #27): a fall sensor 60
 * min (its "silent_min") at `medium`, since a fall sensor that stopped
 * means falls are not being watched; any other device @silent_s (its
 * "silent_min" when given) at `low`.
 */
double wg_rules_device_silent_s(const wg_patient_t *p, size_t i,
                                double silent_s, wg_severity_t *sev);

/*
 * The time-based rules at @now: missed observations, silent devices, intake
 * checkpoints and the daily reset. @silent_s is the device_silent period.
 * Writes at most @max verdicts and returns how many.
 */
size_t wg_rules_tick(const wg_patient_t *p, wg_rule_state_t *st, double now,
                     double silent_s, wg_verdict_t *out, size_t max);

/*
 * The earliest time after @now at which wg_rules_tick() has something to
 * do for @p, or 0 for never.
 */
double wg_rules_next_deadline(const wg_patient_t *p, const wg_rule_state_t *st,
                              double now, double silent_s);

/*
 * After a restart or a reload: an alert of @rule about @key, raised at
 * @raised and last changed at @last, is open for @p, so its condition
 * holds. Marks it in @st, so that the rule clears it when the condition
 * ends instead of raising it again. For low_intake the amount required is
 * that of the last checkpoint passed at @now, the checkpoints passed by
 * @last are not weighed again (the alert stands for them), and an alert
 * raised before today is carried into today as at midnight: today's first
 * drink clears it, today's first missed checkpoint renews it.
 */
void wg_rules_restore_open(const wg_patient_t *p, wg_rule_state_t *st,
                           wg_rule_t rule, const char *key, double raised,
                           double last, double now);

/* The missed_obs interval of @e in seconds, following NEWS2 if asked. */
double wg_rules_expect_interval_s(const wg_expect_t *e,
                                  const wg_rule_state_t *st);

/* Local midnight at or before @t, and the one after it (DST-aware). */
double wg_rules_local_midnight(double t);
double wg_rules_next_local_midnight(double t);

#endif
