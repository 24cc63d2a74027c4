/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store (DESIGN.md section 6). One connection, WAL journal, every
 * statement prepared once. The caller groups writes: wg_store_begin(), any
 * number of puts, wg_store_commit().
 */
#ifndef WG_STORE_H
#define WG_STORE_H

#include <stdbool.h>

#include "config.h"
#include "wardgate/reading.h"

/* The schema version this build writes (PRAGMA user_version). */
#define WG_STORE_SCHEMA_VERSION 1

typedef struct wg_store_s wg_store_t;

/*
 * Open (creating or migrating) the database at @path. With
 * WG_DURABILITY_POWER every commit is fsynced (synchronous=FULL); with
 * WG_DURABILITY_PROCESS a commit survives a crash of the daemon but not a
 * power cut (synchronous=NORMAL). Returns 0, WG_EIO (the reason is logged)
 * or WG_ENOMEM.
 */
int wg_store_open(wg_store_t **out, const char *path,
                  wg_durability_t durability);

/* Finalize every statement and close. NULL is fine. */
void wg_store_close(wg_store_t *s);

/*
 * Transactions. Errors: WG_EBUSY (the database is locked by another
 * process), WG_EFULL (the disk is full), WG_EIO (anything else). A failed
 * commit leaves no transaction open; the caller may retry the whole group.
 */
int wg_store_begin(wg_store_t *s);
int wg_store_commit(wg_store_t *s);
void wg_store_rollback(wg_store_t *s);

/*
 * Insert a reading received at @received. Returns 1 if stored, 0 if an
 * identical (device, name, unit, ts) was already there, or a negative error.
 */
int wg_store_put_reading(wg_store_t *s, const wg_reading_t *r, double received);

/*
 * Delete at most @limit readings measured before @before, in one short
 * transaction. Returns the number deleted or a negative error.
 */
int wg_store_prune(wg_store_t *s, double before, int limit);

#endif
