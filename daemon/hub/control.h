/* SPDX-License-Identifier: MIT */
/*
 * The control socket: the way in for wardgatectl at the home, a UNIX
 * stream socket owned by the service, mode 0660. A client sends one line
 * and reads one line back, then the daemon closes the connection:
 *
 *   status              the status JSON the hub gets, with "hub_connected"
 *   ack {"id":…,"by":…} an acknowledgement, the JSON of alerts/ack
 *                       (DESIGN.md section 7), recorded as made at the
 *                       home; answered {"ok":true,"id":…} once committed
 *
 * and {"ok":false,"error":"…"} for anything refused. Nothing here writes
 * the database: an ack joins the batch like the hub's.
 */
#ifndef WG_CONTROL_H
#define WG_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "ingest/ingest.h"

/* A request line longer than this is refused. */
#define WG_CONTROL_LINE_MAX 16384
/* A client that has not sent its line by then is disconnected. */
#define WG_CONTROL_IDLE_MS 10000

typedef struct wg_control_s wg_control_t;
typedef struct wg_control_client_s wg_control_client_t;

typedef struct wg_control_cbs_s {
  /* The status JSON (malloc'd), or NULL when out of memory. */
  char *(*status)(wg_control_t *ctl);
  /* An ack from the home: 0 when taken into the batch (answered at the
   * next wg_control_committed()), or an error with the reason in @err. */
  int (*ack)(wg_control_t *ctl, const wg_ack_t *ack, char *err, size_t len);
} wg_control_cbs_t;

struct wg_control_s {
  uv_loop_t *loop;
  uv_pipe_t server;
  char *path; /* NULL: not listening */
  const wg_control_cbs_t *cbs;
  void *data; /* the owner's */
  wg_control_client_t *clients;
  int closing; /* handles still closing */
  void (*closed_cb)(wg_control_t *ctl);
};

/*
 * Listen on @path (a stale socket left by a crash is replaced; one another
 * process listens on is not). Returns 0 or a negative error, logged.
 */
int wg_control_start(wg_control_t *ctl, uv_loop_t *loop, const char *path,
                     const wg_control_cbs_t *cbs, void *data);

/* Every ack taken so far is committed: answer the clients waiting. */
void wg_control_committed(wg_control_t *ctl);

/* Stop listening, drop the clients, remove the socket; @cb (may be NULL)
 * runs once every handle is closed, at once if none was open. */
void wg_control_close(wg_control_t *ctl, void (*cb)(wg_control_t *ctl));

#endif
