/* SPDX-License-Identifier: MIT */
#include "commit/commit.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic/daylog.h"
#include "core/clock.h"
#include "wardgate/error.h"

#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define PRUNE_INTERVAL_MS (60 * 1000)
#define PRUNE_BATCH 500
/* The audit trail's retention: the rows of this many alerts at a time,
 * this many times a pass at most. */
#define AUDIT_PRUNE_ALERTS 100
#define AUDIT_PRUNE_ROUNDS 20

/* A clock that keeps counting through a suspend, unlike CLOCK_MONOTONIC:
 * against it, only a step of the wall clock shows. */
static double boot_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double wg_commit_observe_clock(wg_commit_t *cm) {
  double now = wg_wall_now();
  wg_clinic_observe_clock(cm->d.clinic, now, boot_now());
  return now;
}

/* ---- checkpoints --------------------------------------------------------- */

static void commit_closed_one(wg_commit_t *cm) {
  if (--cm->closing == 0 && cm->closed_cb != NULL)
    cm->closed_cb(cm);
}

static void checkpoint_work(uv_work_t *w) {
  wg_commit_t *cm = w->data;
  cm->checkpoint_rc = wg_store_checkpoint(cm->d.store, cm->checkpoint_err,
                                          sizeof(cm->checkpoint_err));
}

static void checkpoint_done(uv_work_t *w, int status) {
  wg_commit_t *cm = w->data;

  (void)status;
  cm->checkpointing = false;
  /* The frames committed meanwhile, on the loop, so that the WAL can
   * start over at the next commit instead of growing. */
  if (cm->checkpoint_rc == 0 && !cm->closed &&
      wg_store_checkpoint_behind(cm->d.store))
    cm->checkpoint_rc = wg_store_checkpoint(cm->d.store, cm->checkpoint_err,
                                            sizeof(cm->checkpoint_err));
  if (cm->checkpoint_rc != 0)
    wg_complain(&cm->complaint, LOG_WARNING, "commit: WAL checkpoint: %s",
                cm->checkpoint_err);
  if (cm->closed)
    commit_closed_one(cm); /* the close waits for it as for a handle */
}

/* After a commit: copy the WAL back into the database off the loop. */
static void maybe_checkpoint(wg_commit_t *cm) {
  if (cm->checkpointing || cm->closed || !wg_store_checkpoint_due(cm->d.store))
    return;
  cm->checkpoint_req.data = cm;
  if (uv_queue_work(cm->loop, &cm->checkpoint_req, checkpoint_work,
                    checkpoint_done) == 0)
    cm->checkpointing = true;
}

/* ---- the phases ---------------------------------------------------------- */

/* Phase 1: the acks the clinic has not seen yet, and the audit rows of
 * those for closed alerts (again on a retry). */
static int apply_acks(wg_commit_t *cm, size_t *reached) {
  wg_batch_t *b = &cm->d.ingest->batch;

  for (size_t k = 0; k < b->nacks; k++) {
    wg_ack_t *a = &b->acks[k];
    int rc;

    *reached = k;
    if (a->refused[0] != '\0') {
      /* Refused at the uplink: an audit row, nothing else (again on a
       * retry, as the whole transaction is). */
      if ((rc = wg_store_audit_refused_ack(cm->d.store, a->id, a->by,
                                           a->outcome, a->refused, a->ts)) < 0)
        return rc;
      continue;
    }
    if (k >= cm->acks_applied) {
      rc = wg_clinic_ack(cm->d.clinic, a->id, a->by, a->outcome, a->note,
                         a->local, a->verified, a->ts);
      a->late = rc == WG_EINVAL;
      if (rc == 0)
        wg_log(LOG_DEBUG, "commit: alert %s already acknowledged", a->id);
    }
    if (!a->late)
      continue;
    if ((rc = wg_store_audit_late_ack(cm->d.store, a->id, a->by, a->outcome,
                                      a->note, a->ts)) < 0)
      return rc;
    if (rc > 0) {
      wg_log(LOG_INFO, "commit: alert %s acknowledged by %s after it closed",
             a->id, a->by);
    } else {
      a->late = false; /* no such alert: nothing to write on a retry */
      if (cm->cbs->unknown_ack != NULL)
        cm->cbs->unknown_ack(cm, a->id);
    }
  }
  *reached = b->nacks;
  return 0;
}

/* The FHIR copy of a pack's vital signs, stored in this transaction. */
static int put_fhir_vitals(wg_commit_t *cm, wg_fhir_vitals_t *fv, double now) {
  int rc;
  char *json = wg_fhir_vitals_end(fv, &rc);

  if (json != NULL)
    rc = wg_outbox_add_copy(cm->d.outbox, cm->d.topic_fhir[WG_FHIR_VITALS],
                            json, now);
  free(json);
  return rc;
}

/* Phase 2: the readings, each new one through the rules once, and NEWS2
 * once per pack that brought a new parameter; with the FHIR export, each
 * pack's new vital signs as one bundle. */
static int put_readings(wg_commit_t *cm, double now, size_t *reached,
                        uint64_t *stored, uint64_t *dup) {
  wg_batch_t *b = &cm->d.ingest->batch;
  wg_fhir_vitals_t fv = {0};
  size_t i = 0;

  /* A back-filled burst, whether one pack or many (a phone relaying a
   * cuff's memory one reading a message): the verdicts of the whole batch
   * are folded per patient, rule and key, so that it yields one alert per
   * rule and key whose summary gives the range, not an event a reading. A
   * failure below keeps what is held for the retry. */
  wg_clinic_pack_begin(cm->d.clinic);
  for (size_t p = 0; p < b->npacks; p++) {
    wg_pack_t *pk = &b->packs[p];
    const wg_device_t *dev = pk->device;
    bool fhir = cm->d.fhir != NULL && dev != NULL;
    int rc;

    if (fhir)
      wg_fhir_vitals_begin(&fv, cm->d.fhir, cm->d.gateway, dev->patient->id,
                           dev->id);
    /* A pack taken ends its device's run of refusals (device_refused; a
     * refused pack's falls were counted as its refusal), once. */
    if (dev != NULL && pk->refused == NULL && !pk->counted) {
      wg_clinic_device_pack(cm->d.clinic, dev->patient_index, dev->id, NULL,
                            now);
      pk->counted = true;
    }
    for (; i < pk->end; i++) {
      const wg_reading_t *r = &b->readings.v[i];

      *reached = i;
      if ((rc = wg_store_put_reading(cm->d.store, r)) < 0) {
        int ignored;
        free(wg_fhir_vitals_end(&fv, &ignored));
        return rc;
      }
      if (rc == 0) {
        (*dup)++;
        continue;
      }
      (*stored)++;
      if (fhir)
        wg_fhir_vitals_add(&fv, r);
      if (i < cm->evaluated || dev == NULL)
        continue;
      if (pk->refused != NULL)
        wg_clinic_refused_reading(cm->d.clinic, dev->patient_index,
                                  dev->device_index, r, pk->refused, now);
      else
        wg_clinic_reading(cm->d.clinic, dev->patient_index, dev->device_index,
                          r, now);
      pk->news2 |= wg_news2_param(r->name) >= 0;
    }
    if (fhir && (rc = put_fhir_vitals(cm, &fv, now)) != 0)
      return rc;
    if (pk->news2 && !pk->scored && dev != NULL) {
      wg_clinic_news2(cm->d.clinic, dev->patient_index, dev->id, now);
      pk->scored = true;
    }
  }
  wg_clinic_pack_end(cm->d.clinic, now);
  /* Back-filled NEWS2 sets, once for the whole batch (again on a retry:
   * what was scored then is queued, and nothing is held twice). */
  wg_clinic_batch_end(cm->d.clinic, now);
  *reached = b->readings.n;
  return 0;
}

/* The alert's Flag as @ev leaves it: not a copy to leave out when the
 * outbox is nearly full, since a Flag left active would stay so; queued
 * like the event, superseded the same way. */
static int put_fhir_flag(wg_commit_t *cm, const wg_alert_event_t *ev,
                         double now) {
  char *fhir = wg_fhir_flag(cm->d.fhir, ev);
  int rc;

  if (fhir == NULL)
    return WG_ENOMEM;
  rc = wg_outbox_add(cm->d.outbox, cm->d.topic_fhir[WG_FHIR_ALERTS], fhir,
                     ev->alert.id, wg_alert_state_name(ev->alert.state), now);
  free(fhir);
  return rc;
}

/* Phase 3: scores rows and news2 messages; then the alert events into the
 * audit trail, the alerts table and the outbox, one JSON text for all
 * three. A score goes out before the alert it causes. */
static int write_results(wg_commit_t *cm, double now) {
  wg_clinic_t *cl = cm->d.clinic;

  if (cm->config_row != NULL) {
    int rc = wg_store_put_config(cm->d.store, cm->config_row);
    if (rc != 0)
      return rc;
  }
  for (size_t i = 0; i < cl->nscores; i++) {
    const wg_clinic_score_t *cs = &cl->scores[i];
    wg_news2_json_t j;
    int rc;

    wg_news2_json(&cs->score, cs->patient, cs->ts, cs->scale, true, &j);
    rc = wg_store_put_score(cm->d.store, cs->patient, cs->ts, cs->score.score,
                            cs->scale, cs->score.complete,
                            wg_news2_band_name(cs->score.band), j.components,
                            j.missing);
    if (rc == 0)
      rc = wg_outbox_add(cm->d.outbox, cm->d.topic_news2, j.message, NULL, NULL,
                         now);
    if (rc == 0 && cm->d.fhir != NULL) {
      char *fhir = wg_fhir_news2(cm->d.fhir, cm->d.gateway, cs->patient, cs->ts,
                                 cs->scale, &cs->score);
      rc = fhir == NULL
               ? WG_ENOMEM
               : wg_outbox_add_copy(cm->d.outbox,
                                    cm->d.topic_fhir[WG_FHIR_NEWS2], fhir, now);
      free(fhir);
    }
    if (rc != 0)
      return rc;
  }
  for (size_t i = 0; i < cl->nevents; i++) {
    const wg_alert_event_t *ev = &cl->events[i];
    char *json = wg_alert_event_to_json(ev);
    int rc;

    if (json == NULL)
      return WG_ENOMEM;
    /* The snapshot shows the alert as this event does: one print. */
    wg_alerts_keep_json(&cl->alerts, &ev->alert, json, strlen(json));
    rc = wg_store_put_alert_event(cm->d.store, ev, json, true);
    if (rc == 0)
      rc = wg_outbox_add(cm->d.outbox, cm->d.topic_alerts, json, ev->alert.id,
                         wg_alert_state_name(ev->alert.state), now);
    free(json);
    if (rc == 0 && cm->d.fhir != NULL)
      rc = put_fhir_flag(cm, ev, now);
    if (rc != 0)
      return rc;
  }
  if (cl->daylog.due) { /* a local day has ended: its escalation log */
    int rc;
    char *log = wg_daylog_text(cm->d.gateway, cl->daylog.day, false,
                               wg_store_day_log, cm->d.store, &rc);
    if (log == NULL)
      return rc;
    rc = wg_outbox_add(cm->d.outbox, cm->d.topic_log, log, NULL, NULL, now);
    free(log);
    if (rc != 0)
      return rc;
  }
  return wg_outbox_delete_acked(cm->d.outbox);
}

/* ---- the group commit ---------------------------------------------------- */

static void commit_retry_cb(uv_timer_t *t);

static void set_paused(wg_commit_t *cm, bool paused) {
  if (cm->paused == paused)
    return;
  cm->paused = paused;
  if (cm->cbs->pause != NULL)
    cm->cbs->pause(cm, paused);
}

/* A group is on disk: the input waiting on it can be answered. */
static void commit_done(wg_commit_t *cm, bool alerts_changed) {
  cm->commits++;
  cm->input_waiting = false;
  if (cm->cbs->committed != NULL)
    cm->cbs->committed(cm, cm->commits, alerts_changed);
}

static bool nothing_to_write(const wg_commit_t *cm) {
  const wg_batch_t *b = &cm->d.ingest->batch;
  return b->readings.n == 0 && b->nacks == 0 && cm->config_row == NULL &&
         cm->d.clinic->nevents == 0 && cm->d.clinic->nscores == 0 &&
         !cm->d.clinic->daylog.due && !wg_outbox_has_acked(cm->d.outbox);
}

int wg_commit_now(wg_commit_t *cm) {
  const wg_batch_t *b = &cm->d.ingest->batch;
  size_t acks = 0, readings = 0;
  uint64_t stored = 0, dup = 0;
  /* A step of the clock first, so that nothing set now is moved by it. */
  double now = wg_commit_observe_clock(cm);
  int rc;

  if (nothing_to_write(cm)) {
    /* Input that brought no new row is as committed as it will ever be. */
    if (cm->input_waiting)
      commit_done(cm, false);
    return 0;
  }
  if ((rc = wg_store_begin(cm->d.store)) != 0)
    goto fail;
  if ((rc = apply_acks(cm, &acks)) != 0 ||
      (rc = put_readings(cm, now, &readings, &stored, &dup)) != 0 ||
      (rc = write_results(cm, now)) != 0) {
    wg_store_rollback(cm->d.store);
    goto fail;
  }
  if ((rc = wg_store_commit(cm->d.store)) != 0)
    goto fail;

  cm->d.counters->readings_stored += stored;
  cm->d.counters->readings_duplicate += dup;
  maybe_checkpoint(cm);
  wg_ingest_reset(cm->d.ingest);
  cm->config_row = NULL;
  cm->evaluated = 0;
  cm->acks_applied = 0;
  wg_outbox_committed(cm->d.outbox);
  cm->retry_ms = RETRY_MIN_MS;
  uv_timer_stop(&cm->retry_timer);
  if (cm->paused && !cm->closed) {
    wg_log(LOG_INFO, "commit: store writable again");
    set_paused(cm, false);
  }
  {
    size_t cap = cm->d.clinic->events_cap + cm->d.clinic->burst_cap;
    bool changed = wg_clinic_committed(cm->d.clinic);
    /* A burst's memory, given back by the clinic, goes back to the
     * system too: a gateway's footprint is what it holds, not the
     * largest burst it ever saw. */
#ifdef __GLIBC__
    if (cm->d.clinic->events_cap + cm->d.clinic->burst_cap < cap)
      malloc_trim(0);
#else
    (void)cap;
#endif
    commit_done(cm, changed);
  }
  return 0;

fail:
  /* What the clinic has seen stays seen. */
  if (acks > cm->acks_applied)
    cm->acks_applied = acks;
  if (readings > cm->evaluated)
    cm->evaluated = readings;
  wg_outbox_rolled_back(cm->d.outbox);
  cm->d.counters->store_errors++;
  wg_complain(&cm->complaint, LOG_ERR,
              "commit: cannot commit %zu readings and %zu alert events (%s); "
              "keeping them and retrying",
              b->readings.n, cm->d.clinic->nevents, wg_strerror(rc));
  if (b->readings.n >= WG_COMMIT_PAUSE_AT && !cm->paused) {
    wg_log(LOG_WARNING, "commit: %zu readings waiting; pausing input",
           b->readings.n);
    set_paused(cm, true);
  }
  uv_timer_start(&cm->retry_timer, commit_retry_cb, cm->retry_ms, 0);
  cm->retry_ms =
      cm->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : cm->retry_ms * 2;
  return rc;
}

static void commit_retry_cb(uv_timer_t *t) { wg_commit_now(t->data); }

bool wg_commit_retrying(const wg_commit_t *cm) {
  return uv_is_active((const uv_handle_t *)&cm->retry_timer);
}

/* Runs once per loop iteration, just before the loop waits for I/O. */
static void prepare_cb(uv_prepare_t *p) {
  wg_commit_t *cm = p->data;

  if (!wg_commit_retrying(cm))
    wg_commit_now(cm);
}

uint64_t wg_commit_take(wg_commit_t *cm) {
  cm->input_waiting = true;
  return cm->commits + 1;
}

void wg_commit_maybe_now(wg_commit_t *cm) {
  if (cm->d.ingest->batch.readings.n >= WG_COMMIT_AT && !wg_commit_retrying(cm))
    wg_commit_now(cm);
}

/* ---- retention ----------------------------------------------------------- */

/* The audit trail's retention (audit_retention_days): the rows of closed
 * alerts older than that, said loudly (the journal, and the hub's errors
 * topic) before the first of them goes; an open alert's rows stay. */
static void commit_prune_audit(wg_commit_t *cm, double now) {
  int days = cm->d.audit_retention_days;
  double before = now - days * 86400.0;
  int64_t due, done = 0;
  int n = AUDIT_PRUNE_ALERTS;

  if (days <= 0 || (due = wg_store_audit_due(cm->d.store, before)) <= 0)
    return;
  wg_log(LOG_WARNING,
         "commit: %lld audit rows (alert_events) of closed alerts are older "
         "than audit_retention_days (%d): deleting them",
         (long long)due, days);
  if (cm->cbs->audit_pruning != NULL)
    cm->cbs->audit_pruning(cm, due, days);
  for (int i = 0; i < AUDIT_PRUNE_ROUNDS && n > 0; i++)
    if ((n = wg_store_audit_prune(cm->d.store, before, AUDIT_PRUNE_ALERTS)) > 0)
      done += n;
  wg_log(LOG_INFO, "commit: %lld audit rows deleted", (long long)done);
}

static void prune_cb(uv_timer_t *t) {
  wg_commit_t *cm = t->data;
  double now = wg_wall_now();
  double cutoff = now - cm->d.retention_days * 86400.0;
  int n;

  /* Small batches, each its own short transaction: the write lock is never
   * held long, and the loop goes on between batches. */
  if (wg_commit_retrying(cm))
    return; /* the store is failing; ingest comes first */
  /* Whatever its time, a reading acknowledged today stays: the ingest
   * refuses what is older than the retention, but a reading just inside
   * it would otherwise be deleted moments after the device was told it is
   * stored. */
  n = wg_store_prune(cm->d.store, cutoff, now - 86400.0, PRUNE_BATCH);
  /* Not while a backlog of readings goes, batch after batch. */
  if (n >= 0 && n < PRUNE_BATCH)
    commit_prune_audit(cm, now);
  if (n > 0)
    wg_log(LOG_DEBUG, "commit: pruned %d readings", n);
  if (n == PRUNE_BATCH)
    uv_timer_start(t, prune_cb, 10, PRUNE_INTERVAL_MS);
  else if (uv_timer_get_repeat(t) != PRUNE_INTERVAL_MS || n < 0)
    uv_timer_start(t, prune_cb, PRUNE_INTERVAL_MS, PRUNE_INTERVAL_MS);
}

/* ---- restore at start ---------------------------------------------------- */

typedef struct restore_s {
  wg_commit_t *cm;
  double now;
  size_t patient; /* restore_score_cb()'s */
} restore_t;

static void replay_cb(void *ud, const wg_reading_t *r) {
  restore_t *rs = ud;
  const wg_device_t *d = wg_ingest_find(rs->cm->d.ingest, r->device_id);

  if (d != NULL)
    wg_clinic_replay(rs->cm->d.clinic, d->patient_index, d->device_index, r,
                     rs->now);
}

static int restore_alert_cb(void *ud, const char *payload) {
  restore_t *rs = ud;
  int rc = wg_clinic_restore_alert(rs->cm->d.clinic, payload, rs->now);

  if (rc == WG_EINVAL) {
    wg_log(LOG_WARNING, "commit: an open alert in the database is "
                        "unreadable; skipped");
    return 0;
  }
  return rc;
}

/* The newest stored NEWS2 of patient rs->patient: its last band (H-CR5). */
static int restore_score_cb(void *ud, const wg_store_score_t *sc) {
  restore_t *rs = ud;
  wg_news2_t s;

  if (wg_news2_from_stored(sc->score, sc->complete, sc->band, sc->components,
                           &s) != 0) {
    wg_log(LOG_WARNING,
           "commit: the last NEWS2 of %s in the database is unreadable; "
           "its band is unknown until the next score",
           sc->patient);
    return 0;
  }
  wg_clinic_restore_score(rs->cm->d.clinic, rs->patient, &s, sc->ts);
  return 0;
}

int wg_commit_restore(wg_commit_t *cm, const wg_config_t *cfg, double now) {
  restore_t rs = {cm, now, 0};
  double since = wg_rules_local_midnight(now);
  int rc;

  for (size_t i = 0; i < cfg->npatients; i++) {
    double w = now - cfg->patients[i].news2_window_min * 60.0;
    if (w < since)
      since = w;
  }
  if ((rc = wg_clinic_set_patients(cm->d.clinic, cfg, now)) != 0 ||
      (rc = wg_store_readings_since(cm->d.store, since, replay_cb, &rs)) != 0)
    return rc;
  for (rs.patient = 0; rs.patient < cfg->npatients; rs.patient++)
    if ((rc = wg_store_score_latest(cm->d.store, cfg->patients[rs.patient].id,
                                    restore_score_cb, &rs)) != 0)
      return rc;
  if ((rc = wg_store_alerts_open(cm->d.store, restore_alert_cb, &rs)) != 0)
    return rc;
  if (cm->d.clinic->alerts.nopen > 0)
    wg_log(LOG_INFO, "commit: %zu open alerts from before",
           cm->d.clinic->alerts.nopen);
  return 0;
}

/* ---- life cycle ---------------------------------------------------------- */

void wg_commit_init(wg_commit_t *cm, uv_loop_t *loop,
                    const wg_commit_deps_t *deps, const wg_commit_cbs_t *cbs,
                    void *data) {
  memset(cm, 0, sizeof(*cm));
  cm->loop = loop;
  cm->d = *deps;
  cm->cbs = cbs;
  cm->data = data;
  cm->retry_ms = RETRY_MIN_MS;
  cm->complaint.interval_s = 10;
}

void wg_commit_start(wg_commit_t *cm) {
  uv_prepare_init(cm->loop, &cm->prepare);
  uv_timer_init(cm->loop, &cm->retry_timer);
  uv_timer_init(cm->loop, &cm->prune_timer);
  cm->prepare.data = cm->retry_timer.data = cm->prune_timer.data = cm;
  uv_prepare_start(&cm->prepare, prepare_cb);
  uv_timer_start(&cm->prune_timer, prune_cb, 5000, PRUNE_INTERVAL_MS);
}

int wg_commit_stop(wg_commit_t *cm) {
  uv_timer_stop(&cm->prune_timer);
  uv_timer_stop(&cm->retry_timer);
  return wg_commit_now(cm);
}

static void commit_handle_closed(uv_handle_t *h) { commit_closed_one(h->data); }

void wg_commit_close(wg_commit_t *cm, void (*cb)(wg_commit_t *cm)) {
  cm->closed = true;
  cm->closed_cb = cb;
  cm->closing = 3 + (cm->checkpointing ? 1 : 0);
  uv_close((uv_handle_t *)&cm->prepare, commit_handle_closed);
  uv_close((uv_handle_t *)&cm->retry_timer, commit_handle_closed);
  uv_close((uv_handle_t *)&cm->prune_timer, commit_handle_closed);
}
