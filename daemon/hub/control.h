/* SPDX-License-Identifier: MIT */
/*
 * The control socket: the way in for wardgatectl at the home, a UNIX
 * stream socket owned by the service, mode 0660. A client sends one line
 * and reads one line back, then the daemon closes the connection:
 *
 *   status              the status JSON the hub gets, with "hub_connected"
 *   ack {"id":…,"by":…} an acknowledgement, the JSON of alerts/ack
 *                       (DESIGN.md section 7), recorded as made at the
 *                       home by "NAME (uid N)", N the sender's uid
 *                       (SO_PEERCRED); answered {"ok":true,"id":…} once
 *                       committed
 *
 * and {"ok":false,"error":"…"} for anything refused. The requests are
 * parsed and answered here; the owner (the hub) is asked only for the
 * state an answer is made of. Nothing here writes the database: an ack
 * joins the batch like the hub's.
 */
#ifndef WG_CONTROL_H
#define WG_CONTROL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "ingest/ingest.h"

/* A request line longer than this is refused. */
#define WG_CONTROL_LINE_MAX 16384
/* A client that has not sent its line by then is disconnected. */
#define WG_CONTROL_IDLE_MS 10000

typedef struct wg_control_s wg_control_t;

/* What the control socket asks its owner; @data is the owner's, as given
 * to wg_control_start(). None may be NULL. */
typedef struct wg_control_cbs_s {
  /* Add the members of the status message (the online form, with its
   * counters) to @o: 0, or WG_ENOMEM when one could not be added. */
  int (*status)(void *data, cJSON *o);
  /* True while the uplink to the hub is connected. */
  bool (*hub_connected)(void *data);
  /* True when an alert with @id is open. */
  bool (*alert_open)(void *data, const char *id);
  /* An ack from the home (borrowed), checked and marked local, is taken
   * into the batch; it is answered at the next wg_control_committed(). */
  void (*ack)(void *data, const wg_ack_t *ack);
} wg_control_cbs_t;

/*
 * Listen on @path (a stale socket left by a crash is replaced; one another
 * process listens on is not). Returns 0 with the socket in *@out, or a
 * negative error, logged, with *@out NULL. @cbs and @data are borrowed
 * until the close has finished.
 */
int wg_control_start(wg_control_t **out, uv_loop_t *loop, const char *path,
                     const wg_control_cbs_t *cbs, void *data);

/* Every ack taken so far is committed: answer the clients waiting. @ctl
 * may be NULL (no socket). */
void wg_control_committed(wg_control_t *ctl);

/* Stop listening, drop the clients, remove the socket; @cb (may be NULL)
 * runs with the owner's data once every handle is closed, and @ctl is
 * freed after it. */
void wg_control_close(wg_control_t *ctl, void (*cb)(void *data));

#endif
