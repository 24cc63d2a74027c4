/* SPDX-License-Identifier: MIT */
/*
 * The control socket's state and its request handling apart from the
 * socket, for control.c and its unit test only.
 */
#ifndef WG_CONTROL_INTERNAL_H
#define WG_CONTROL_INTERNAL_H

#include <stdint.h>

#include "hub/control.h"

typedef struct wg_control_client_s wg_control_client_t;

struct wg_control_s {
  uv_loop_t *loop;
  uv_pipe_t server;
  char *path; /* NULL: not listening */
  const wg_control_cbs_t *cbs;
  void *data; /* the owner's */
  wg_control_client_t *clients;
  int closing; /* handles still closing */
  void (*closed_cb)(void *data);
};

/*
 * The answer to the request @line (@len bytes, NUL-terminated, its newline
 * taken off; a trailing CR is taken off here) from the user @uid (the
 * peer's, SO_PEERCRED; negative when it is not known, and then an ack is
 * refused): malloc'd text, or NULL when memory is short. An ack taken into
 * the batch has no answer yet: NULL with *@waiting true and its id in @id
 * (@idlen bytes); its "by" names the uid, "NAME (uid N)".
 */
char *control__request(wg_control_t *ctl, int64_t uid, char *line, size_t len,
                       char *id, size_t idlen, bool *waiting);

/* {"ok":@ok,@key:@value}, malloc'd; NULL when memory is short. */
char *control__answer(bool ok, const char *key, const char *value);

#endif
