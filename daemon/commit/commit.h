/* SPDX-License-Identifier: MIT */
/*
 * The group commit (DESIGN.md section 6): the only code that opens a
 * transaction. Once per loop iteration, before the loop sleeps, the batch
 * is written in one transaction, in phases:
 *
 *   1. the acks: applied by the clinic (or, for a closed alert, put in
 *      the audit trail);
 *   2. the readings: inserted; each new one (not a duplicate) goes through
 *      the clinic's rules, and each pack that brought a new NEWS2
 *      parameter is scored;
 *   3. what the clinic made of them: scores, alert events and their outbox
 *      rows; the outbox rows the broker acknowledged are deleted.
 *
 * A failed commit keeps everything in memory and is retried with backoff;
 * every insert is idempotent, and the clinic sees each reading and ack
 * once however often the transaction is retried. While commits fail and
 * the batch grows past a limit, input is paused. After each commit the
 * WAL is checkpointed on the thread pool when due; retention prunes old
 * readings in short transactions of its own.
 */
#ifndef WG_COMMIT_H
#define WG_COMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "clinic/clinic.h"
#include "commit/outbox.h"
#include "commit/store.h"
#include "common/counters.h"
#include "hub/fhir.h"
#include "ingest/ingest.h"
#include "wardgate/log.h"

/* A group larger than this is committed at once, mid-iteration. */
#define WG_COMMIT_AT 8192
/* While commits fail, input pauses once this many readings wait. */
#define WG_COMMIT_PAUSE_AT 100000

typedef struct wg_commit_s wg_commit_t;

/* What the commit tells its owner. Any may be NULL. */
typedef struct wg_commit_cbs_s {
  /*
   * Every input taken with a ticket up to @ticket is on disk (and every
   * message from a driver before this call): answer or acknowledge it.
   * @alerts_changed: the open alerts changed in this commit.
   */
  void (*committed)(wg_commit_t *cm, uint64_t ticket, bool alerts_changed);
  /* Stop (true) or resume (false) taking input. */
  void (*pause)(wg_commit_t *cm, bool paused);
  /* An ack named an alert that was never raised here. */
  void (*unknown_ack)(wg_commit_t *cm, const char *id);
  /* @rows rows of the audit trail are older than @days days and about to
   * be deleted: say so where it is seen. */
  void (*audit_pruning)(wg_commit_t *cm, int64_t rows, int days);
} wg_commit_cbs_t;

/* The places a commit reads from and writes to, all borrowed. */
typedef struct wg_commit_deps_s {
  wg_store_t *store;
  wg_ingest_t *ingest; /* its batch */
  wg_clinic_t *clinic;
  wg_outbox_t *outbox;
  const char *topic_alerts; /* the outbox rows' topics */
  const char *topic_news2;
  const char *topic_log;        /* the daily escalation log's */
  const wg_fhir_opts_t *fhir;   /* NULL: no FHIR export */
  const char (*topic_fhir)[96]; /* by wg_fhir_topic_t */
  const char *gateway;
  int retention_days;
  int audit_retention_days; /* alert_events of closed alerts; 0: kept */
  wg_counters_t *counters;
} wg_commit_deps_t;

struct wg_commit_s {
  uv_loop_t *loop;
  wg_commit_deps_t d;
  const wg_commit_cbs_t *cbs;
  void *data; /* the owner's */

  /* Group commits so far: input taken as ticket t (commits + 1 when it
   * was taken) is committed once commits >= t. */
  uint64_t commits;
  bool input_waiting;  /* input taken since the last commit waits on one */
  size_t evaluated;    /* readings of the batch the clinic has seen */
  size_t acks_applied; /* acks of the batch the clinic has seen */
  uint64_t trimmed_at; /* loop ms of the last malloc_trim() */
  /* A configuration version applied at the last commit boundary
   * (remote_config; borrowed from the owner): its config_versions row is
   * written in the next commit, with what the change did (discharges) and
   * the readings taken under it; NULL once on disk. */
  const wg_store_config_t *config_row;
  bool paused;
  unsigned retry_ms;
  wg_complaint_t complaint;

  uv_prepare_t prepare;
  uv_timer_t retry_timer;
  uv_timer_t prune_timer;
  /* The WAL checkpoint on the thread pool, at most one at a time. */
  uv_work_t checkpoint_req;
  bool checkpointing;
  int checkpoint_rc;
  char checkpoint_err[256];

  bool closed;
  int closing; /* handles (and a checkpoint) still closing */
  void (*closed_cb)(wg_commit_t *cm);
};

/* Set up @cm on @loop; nothing runs until wg_commit_start(). */
void wg_commit_init(wg_commit_t *cm, uv_loop_t *loop,
                    const wg_commit_deps_t *deps, const wg_commit_cbs_t *cbs,
                    void *data);

/*
 * At start, before wg_commit_start(): the clinic as it was before the
 * restart, from the store. It takes the patients of @cfg; the readings its
 * rules need (NEWS2 observations in the window, today's intake) are
 * replayed, oldest first; then the open alerts come back and mark the
 * conditions they stand for. Returns 0 or a negative error.
 */
int wg_commit_restore(wg_commit_t *cm, const wg_config_t *cfg, double now);

/* Commit before each loop sleep, and prune from a timer. */
void wg_commit_start(wg_commit_t *cm);

/*
 * Input is taken now (a pack, a message): returns its ticket, the commit
 * that will cover it, and makes sure that commit happens even if the
 * input brings nothing to write.
 */
uint64_t wg_commit_take(wg_commit_t *cm);

/*
 * After a pack was added to the batch: commits at once when the batch is
 * large (and no retry is pending).
 */
void wg_commit_maybe_now(wg_commit_t *cm);

/*
 * Commit the batch now. Returns 0, or the store's error: everything is
 * kept and the retry timer is armed.
 */
int wg_commit_now(wg_commit_t *cm);

/* A failed commit waits for its retry. */
bool wg_commit_retrying(const wg_commit_t *cm);

/*
 * Stopping: no more retention, no retry from the timer; commit what was
 * taken now. Returns as wg_commit_now() does (on failure the retry timer
 * goes on committing until closed).
 */
int wg_commit_stop(wg_commit_t *cm);

/* Close the handles and wait for a running checkpoint; then @cb. */
void wg_commit_close(wg_commit_t *cm, void (*cb)(wg_commit_t *cm));

/*
 * Look at the wall clock against one that never steps: a step is handed
 * to the clinic (wg_clinic_observe_clock()) before anything is timed by
 * the new clock. Returns the wall time. Every commit does it; so does
 * whoever ticks the clinic.
 */
double wg_commit_observe_clock(wg_commit_t *cm);

#endif
