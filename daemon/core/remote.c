/* SPDX-License-Identifier: MIT */
#include "core/remote.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config_remote.h"
#include "core/core_internal.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

static const char *const remote_results[] = {"applied", "refused", "unchanged"};
enum { REMOTE_APPLIED, REMOTE_REFUSED, REMOTE_UNCHANGED };

/* The answer on config/reported, retained. */
static void remote_report(wg_core_t *c, int64_t version, int result,
                          const char *description) {
  char *text = wg_desired_report(version, remote_results[result], description,
                                 wg_wall_now(), c->remote.running);

  if (text == NULL) {
    wg_log(LOG_ERR, "remote: out of memory: config/reported not sent");
    return;
  }
  wg_hub_report_config(&c->hub, text);
  free(text);
}

static void remote_drop_pending(wg_remote_t *r) {
  wg_config_free(r->pending);
  free(r->pending_doc);
  free(r->pending_by);
  r->pending = NULL;
  r->pending_doc = r->pending_by = NULL;
}

static void remote_drop_row(wg_remote_t *r) {
  free(r->row_doc);
  free(r->row_by);
  r->row_doc = r->row_by = NULL;
  memset(&r->row, 0, sizeof(r->row));
}

void wg_remote_free(wg_remote_t *r) {
  remote_drop_pending(r);
  remote_drop_row(r);
}

/* ---- a document from the hub --------------------------------------------- */

static char *remote_strndup(const void *p, size_t n) {
  char *s = malloc(n + 1);
  if (s != NULL) {
    memcpy(s, p, n);
    s[n] = '\0';
  }
  return s;
}

void wg_remote_desired(wg_core_t *c, const void *payload, size_t len) {
  wg_remote_t *r = &c->remote;
  /* The newest taken: waiting for a boundary, for its commit, or in
   * effect. */
  int64_t newest = r->pending    ? r->pending_version
                   : r->applying ? r->row.version
                                 : r->running;
  double newest_ts = r->pending    ? r->pending_ts
                     : r->applying ? r->row_ts
                                   : r->running_ts;
  char why[WG_DESIRED_WHY_MAX], text[WG_REMOTE_DESCRIPTION_MAX];
  wg_config_t *cfg = NULL;
  wg_desired_t d;
  int rc;

  if (c->stopping)
    return; /* retained: the hub's broker gives it again at the next start */
  rc = wg_desired_open(&d, c->cfg, payload, len, wg_wall_now(), true, why,
                       sizeof(why));
  if (rc == 0 && d.version <= newest) {
    /* Delivered again (a reconnect), or older (a hub restored from a
     * backup): nothing is read further, nothing is touched. */
    snprintf(text, sizeof(text),
             "version %" PRId64 " is not newer than version %" PRId64
             " in effect; nothing changed",
             d.version, newest);
    wg_log(d.version == newest ? LOG_INFO : LOG_WARNING, "remote: %s", text);
    remote_report(c, d.version, REMOTE_UNCHANGED, text);
    wg_desired_close(&d);
    return;
  }
  if (rc == 0)
    rc = wg_desired_check(&d, c->cfg, newest_ts, &cfg, why, sizeof(why));
  if (rc == 0) {
    char *doc = remote_strndup(payload, len);
    char *by = d.by ? strdup(d.by) : NULL;
    if (doc == NULL || (d.by != NULL && by == NULL)) {
      free(doc);
      free(by);
      wg_config_free(cfg);
      rc = WG_ENOMEM;
      snprintf(why, sizeof(why), "out of memory");
    } else {
      remote_drop_pending(r); /* a newer one supersedes one not applied */
      r->pending = cfg;
      r->pending_version = d.version;
      r->pending_ts = d.ts;
      r->pending_doc = doc;
      r->pending_by = by;
      r->pending_received = wg_wall_now();
      wg_log(LOG_INFO,
             "remote: configuration version %" PRId64 "%s%s accepted; "
             "applied at the next commit",
             d.version, by ? " by " : "", by ? by : "");
    }
  }
  if (rc != 0) {
    wg_log(LOG_WARNING,
           "remote: configuration version %" PRId64 " refused: %s; "
           "nothing changed",
           d.version, why);
    remote_report(c, d.version, REMOTE_REFUSED, why);
  }
  wg_desired_close(&d);
  /* The commit of this iteration (the message's PUBACK waits for one)
   * calls wg_remote_committed(). */
}

/* ---- applied at a commit boundary ---------------------------------------- */

static bool remote_has(const wg_config_t *cfg, const char *id) {
  for (size_t i = 0; i < cfg->npatients; i++)
    if (strcmp(cfg->patients[i].id, id) == 0)
      return true;
  return false;
}

/* "version N: K patients; admitted a, b; discharged c", cut to fit. */
static void remote_describe(const wg_config_t *from, const wg_config_t *to,
                            int64_t version, char *out, size_t size) {
  size_t n = (size_t)snprintf(out, size, "version %" PRId64 ": %zu patients",
                              version, to->npatients);
  const wg_config_t *sides[2][2] = {{to, from}, {from, to}};
  static const char *const what[2] = {"admitted ", "discharged "};

  for (int k = 0; k < 2; k++) {
    bool first = true;
    for (size_t i = 0; i < sides[k][0]->npatients && n < size; i++) {
      const char *id = sides[k][0]->patients[i].id;
      if (remote_has(sides[k][1], id))
        continue;
      n += (size_t)snprintf(out + n, size - n, "%s%s%s", first ? "; " : ", ",
                            first ? what[k] : "", id);
      first = false;
    }
  }
}

void wg_remote_committed(wg_core_t *c) {
  wg_remote_t *r = &c->remote;
  wg_config_t *cfg = r->pending;
  const wg_config_t *old = c->live;

  if (r->applying && c->commit.config_row == NULL) {
    /* Its row, the discharges and the readings taken under it are on
     * disk together. */
    r->applying = false;
    r->running = r->row.version;
    r->running_ts = r->row_ts;
    wg_log(LOG_INFO, "remote: applied configuration %s", r->description);
    remote_report(c, r->row.version, REMOTE_APPLIED, r->description);
    remote_drop_row(r);
  }
  if (cfg == NULL || r->applying || c->stopping)
    return;
  remote_describe(old, cfg, r->pending_version, r->description,
                  sizeof(r->description));
  /* Here the batch is empty: every reading taken so far was evaluated
   * under the old patients, every one from now on is under the new. */
  snprintf(c->clinic.discharged_by, sizeof(c->clinic.discharged_by),
           "configuration version %" PRId64, r->pending_version);
  if (core__take_patients(c, cfg) != 0) {
    c->clinic.discharged_by[0] = '\0';
    wg_log(LOG_ERR,
           "remote: out of memory: configuration version %" PRId64
           " not applied",
           r->pending_version);
    remote_report(c, r->pending_version, REMOTE_REFUSED,
                  "out of memory at the gateway; send it again");
    remote_drop_pending(r);
    return;
  }
  c->clinic.discharged_by[0] = '\0';
  r->pending = NULL;
  r->row = (wg_store_config_t){.version = r->pending_version,
                               .received = r->pending_received,
                               .applied = wg_wall_now(),
                               .by = r->pending_by,
                               .document = r->pending_doc};
  r->row_doc = r->pending_doc;
  r->row_by = r->pending_by;
  r->row_ts = r->pending_ts;
  r->pending_doc = r->pending_by = NULL;
  r->applying = true;
  c->commit.config_row = &r->row;
  /* Now, so that nothing else is taken before its row: this commit calls
   * back here, and the version is answered. A failure retries. */
  wg_commit_now(&c->commit);
}

/* ---- at start --------------------------------------------------------------
 */

static int remote_restore_cb(void *ud, const wg_store_config_t *row) {
  wg_core_t *c = ud;
  char why[WG_DESIRED_WHY_MAX];
  wg_config_t *cfg = NULL;
  wg_desired_t d;
  int rc;

  /* Its signature was checked when it came; the store is the daemon's. */
  rc = wg_desired_open(&d, c->cfg, row->document, strlen(row->document),
                       wg_wall_now(), false, why, sizeof(why));
  if (rc == 0)
    rc = wg_desired_check(&d, c->cfg, 0, &cfg, why, sizeof(why));
  if (rc == WG_ENOMEM) {
    wg_desired_close(&d);
    return rc;
  }
  if (rc != 0) {
    wg_log(LOG_ERR,
           "remote: the stored configuration version %" PRId64
           " does not fit this configuration file: %s; the file's patients "
           "are used until the hub sends a version that does",
           row->version, why);
  } else {
    c->live = cfg;
    c->remote.running = row->version;
    c->remote.running_ts = d.ts;
    wg_log(LOG_INFO,
           "remote: patients of configuration version %" PRId64
           " (stored): %zu patients",
           row->version, cfg->npatients);
  }
  wg_desired_close(&d);
  return 0;
}

int wg_remote_restore(wg_core_t *c) {
  if (!c->cfg->remote_config)
    return 0;
  return wg_store_config_latest(c->store, remote_restore_cb, c);
}
