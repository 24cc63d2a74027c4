/* SPDX-License-Identifier: MIT */
/*
 * Whether the box's clock is synchronised (NTP, DESIGN.md section 8 "Time";
 * docs/clinical-safety.md H-G6): the kernel's word (adjtimex(2)), read
 * every minute (or every clock_sync_grace_min, if shorter), shown in the
 * status (`clock_synchronized`) and, once the clock has stayed
 * unsynchronised for clock_sync_grace_min since the start or since it was
 * lost, reported on the errors topic (source "clock") and in the journal.
 * After a power cut a board without a real-time clock starts from its
 * last saved time; every time it stamps is wrong until NTP has set it.
 */
#ifndef WG_CLOCKSYNC_H
#define WG_CLOCKSYNC_H

#include <stdbool.h>

/* The kernel's maximum error (timex.maxerror, in microseconds) at which the
 * clock no longer counts as synchronised: NTP_PHASE_LIMIT, where the kernel
 * itself sets STA_UNSYNC. */
#define WG_CLOCK_MAXERROR_US 16000000L

/*
 * The judgement, pure: what adjtimex(2) returned (@state: TIME_OK …
 * TIME_ERROR, or -1 when the call failed), its @status bits and
 * @maxerror_us. True when the clock is synchronised: no STA_UNSYNC, not
 * TIME_ERROR, and the maximum error below WG_CLOCK_MAXERROR_US.
 */
bool wg_clock_judge(int state, int status, long maxerror_us);

typedef enum {
  WG_CLOCK_NOTHING, /* no change worth a word */
  WG_CLOCK_SYNCED,  /* synchronised again (or for the first time) */
  WG_CLOCK_LOST,    /* it was synchronised and is no longer */
  WG_CLOCK_REPORT   /* unsynchronised for the grace: report it, once */
} wg_clock_event_t;

/* The watch over time, pure: monotonic seconds in. */
typedef struct wg_clock_watch_s {
  double grace_s;
  double started;
  double unsynced_since; /* while not synced: since when (or the start) */
  bool known;            /* a reading was taken */
  bool synced;
  bool ever_synced; /* since the start */
  bool reported;    /* this unsynchronised spell was reported */
} wg_clock_watch_t;

void wg_clock_watch_init(wg_clock_watch_t *w, double grace_s, double now);

/* A reading @synced at @now: what to say. */
wg_clock_event_t wg_clock_watch_step(wg_clock_watch_t *w, double now,
                                     bool synced);

/* What the clock_unsynchronized alert (clinic/clinic.h) should be now. */
typedef enum {
  WG_CLOCK_ALERT_KEEP,  /* as it is: open or not */
  WG_CLOCK_ALERT_RAISE, /* open (raised if it is not) */
  WG_CLOCK_ALERT_CLEAR  /* closed (cleared if it is open) */
} wg_clock_alert_t;

/*
 * After the last wg_clock_watch_step() of @w: RAISE while the clock has
 * stayed unsynchronised for the grace (the spell was reported), CLEAR
 * once it is synchronised, KEEP before the first reading and within the
 * grace, so that an alert restored from before a restart stays open
 * (no duplicate at the grace) and none is raised early.
 */
wg_clock_alert_t wg_clock_watch_alert(const wg_clock_watch_t *w);

/* Reads the kernel's state: true when synchronised (wg_clock_judge()). */
bool wg_clock_read(void);

#endif
