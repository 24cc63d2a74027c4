/* SPDX-License-Identifier: MIT */
/*
 * Patients configured from the hub (remote_config, DESIGN.md sections 4
 * and 7; docs/remote-config.md): the desired document from config/desired
 * checked (core/config_remote.h), applied at a commit boundary, stored in
 * config_versions within the commit that follows, and answered on
 * config/reported. The core's own: it sees the core's insides.
 */
#ifndef WG_REMOTE_H
#define WG_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commit/store.h"
#include "core/config.h"

typedef struct wg_core_s wg_core_t;

/* config/reported's description, at most. */
#define WG_REMOTE_DESCRIPTION_MAX 1024

typedef struct wg_remote_s {
  int64_t running;   /* the version in effect; 0: the file's patients */
  double running_ts; /* its "ts" */
  /* Accepted, waiting for the next commit boundary. */
  wg_config_t *pending;
  int64_t pending_version;
  double pending_ts;
  char *pending_doc; /* as received */
  char *pending_by;
  double pending_received;
  /* Applied, its row waiting for the commit (commit.config_row). */
  bool applying;
  wg_store_config_t row;
  char *row_doc, *row_by;
  double row_ts;
  char description[WG_REMOTE_DESCRIPTION_MAX];
} wg_remote_t;

/*
 * At start, once the store is open and before anything takes the
 * patients: with remote_config, the newest stored version becomes the
 * core's live configuration (the hub need not be there). A stored version
 * the file can no longer carry is said in the journal and the file's
 * patients are used. Returns 0 or a store error.
 */
int wg_remote_restore(wg_core_t *c);

/* A message on config/desired (the hub's callback; borrowed). */
void wg_remote_desired(wg_core_t *c, const void *payload, size_t len);

/* After every commit (a boundary: the batch is empty): a version waiting
 * is applied, and one whose row is now on disk is answered "applied". */
void wg_remote_committed(wg_core_t *c);

void wg_remote_free(wg_remote_t *r);

#endif
