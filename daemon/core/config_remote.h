/* SPDX-License-Identifier: MIT */
/*
 * The hub's desired configuration (DESIGN.md sections 4 and 7,
 * `remote_config`): {"version":N,"ts":…,"patients":[…],"sig":…}, and
 * optionally "by" (who changed it) and "gateway" (whom it is for), signed
 * as an ack is, HMAC-SHA256 over its RFC 8785 canonical form less "sig".
 * Its patients are checked by the code that checks the file's
 * (config__patient(), config__check_unique()): one checker, every
 * problem with its key path. Pure: no I/O, no clock (the time is a
 * parameter).
 */
#ifndef WG_CONFIG_REMOTE_H
#define WG_CONFIG_REMOTE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* A larger document is refused unread. */
#define WG_DESIRED_MAX_BYTES (1024 * 1024)
/* A document's "ts" may be this far ahead of the box's clock. */
#define WG_DESIRED_AHEAD_S 300
/* The description of a refusal: the problems, joined, cut to this. */
#define WG_DESIRED_WHY_MAX 1024
/* The largest version (2^53: what every JSON reader holds exactly). */
#define WG_DESIRED_VERSION_MAX 9007199254740992.0

/* A desired document, opened: its signature checked. */
typedef struct wg_desired_s {
  cJSON *tree;     /* the document (wg_desired_close() deletes it) */
  int64_t version; /* 0 when it has none (refused) */
  double ts;
  const char *by; /* in the tree; NULL when the document does not say */
} wg_desired_t;

/*
 * Open the desired document in @payload of @len bytes for @base's gateway:
 * strict JSON (as an ack: no duplicate names, NUL or leading zero), the
 * members version (a whole number from 1 to 2^53), ts (whole Unix seconds,
 * with @verify at most WG_DESIRED_AHEAD_S ahead of @now), patients (an
 * array), sig, and
 * optionally by (as an ack's) and gateway (@base's id); with @verify, sig
 * is HMAC-SHA256 under @base's ack key of the canonical form. 0 with @d
 * set; WG_EINVAL (malformed) or WG_EAUTH (not authentic, or stale) with
 * why in @why of @size bytes, and d->version set when the document has a
 * readable one. Close @d in either case.
 */
int wg_desired_open(wg_desired_t *d, const wg_config_t *base,
                    const void *payload, size_t len, double now, bool verify,
                    char *why, size_t size);

void wg_desired_close(wg_desired_t *d);

/*
 * The configuration in effect under @d: @base's (borrowed: it must
 * outlive the result) with @d's patients, checked by the file's checker
 * against @base (the inputs a device may use are @base's). Each problem
 * goes to @err as "config/desired: patients[1].devices[0]: …". Returns 0
 * with *@out set (wg_config_free() it before @base), WG_EINVAL (problems
 * reported) or WG_ENOMEM.
 */
int wg_desired_config(const wg_desired_t *d, const wg_config_t *base,
                      wg_config_t **out, wg_config_error_fn err, void *ud);

/*
 * For a version newer than the one in effect: refused as stale when its ts
 * is before @running_ts (the ts of the version in effect; 0 for none),
 * else wg_desired_config() with the problems joined with "; " into @why of
 * @size bytes (cut with "..." when long). 0 with *@out set, WG_EAUTH
 * (stale), WG_EINVAL or WG_ENOMEM, why set.
 */
int wg_desired_check(const wg_desired_t *d, const wg_config_t *base,
                     double running_ts, wg_config_t **out, char *why,
                     size_t size);

/*
 * The answer on config/reported: {"version","result","description","ts",
 * "running"}, @result one of "applied", "refused", "unchanged"; malloc'd
 * text, or NULL when memory is short (never one with a member missing).
 */
char *wg_desired_report(int64_t version, const char *result,
                        const char *description, double ts, int64_t running);

#endif
