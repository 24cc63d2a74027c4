/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* struct ucred */
#include "hub/control.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/json_scratch.h"
#include "core/clock.h"
#include "hub/ack.h"
#include "hub/control_internal.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

struct wg_control_client_s {
  wg_control_client_t *next;
  wg_control_t *ctl;
  uv_pipe_t pipe;
  uv_timer_t idle;
  uv_write_t write;
  int open_handles;
  bool closing;
  bool waiting; /* an ack taken: answered at the next commit */
  int64_t uid;  /* the peer's (SO_PEERCRED); -1 when it is not known */
  char id[sizeof(((wg_ack_t *)0)->id)];
  char *line; /* what was read so far */
  size_t len;
  char *reply;
  char rbuf[4096];
};

/* The last handle closed: the owner is told, and the memory goes. */
static void control_handle_closed(wg_control_t *ctl) {
  if (--ctl->closing > 0)
    return;
  if (ctl->closed_cb != NULL)
    ctl->closed_cb(ctl->data);
  free(ctl);
}

static void control_client_handle_closed(uv_handle_t *h) {
  wg_control_client_t *cl = h->data;
  wg_control_t *ctl = cl->ctl;

  if (--cl->open_handles > 0)
    return;
  free(cl->line);
  free(cl->reply);
  free(cl);
  control_handle_closed(ctl);
}

static void control_client_close(wg_control_client_t *cl) {
  wg_control_client_t **p;

  if (cl->closing)
    return;
  cl->closing = true;
  for (p = &cl->ctl->clients; *p != NULL; p = &(*p)->next)
    if (*p == cl) {
      *p = cl->next;
      break;
    }
  uv_close((uv_handle_t *)&cl->pipe, control_client_handle_closed);
  uv_close((uv_handle_t *)&cl->idle, control_client_handle_closed);
}

static void control_written(uv_write_t *req, int status) {
  (void)status; /* a client gone before its answer: nothing to do */
  control_client_close(req->data);
}

/* Send @text (malloc'd, taken; NULL: out of memory) and a newline, then
 * close. */
static void control_reply(wg_control_client_t *cl, char *text) {
  uv_buf_t buf[2] = {uv_buf_init(text, text ? (unsigned)strlen(text) : 0),
                     uv_buf_init("\n", 1)};

  cl->waiting = false;
  cl->reply = text;
  cl->write.data = cl;
  if (text == NULL || uv_write(&cl->write, (uv_stream_t *)&cl->pipe, buf, 2,
                               control_written) != 0)
    control_client_close(cl);
}

char *control__answer(bool ok, const char *key, const char *value) {
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;

  cJSON_AddBoolToObject(o, "ok", ok);
  cJSON_AddStringToObject(o, key, value);
  if (!wg_json_build_failed(b))
    text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

/* The status message the hub gets, and whether the hub is connected. */
static char *control_status(wg_control_t *ctl) {
  wg_json_build_t b = wg_json_build_begin();
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;

  if (o != NULL && ctl->cbs->status(ctl->data, o) == 0) {
    cJSON_AddBoolToObject(o, "hub_connected",
                          ctl->cbs->hub_connected(ctl->data));
    if (!wg_json_build_failed(b))
      text = cJSON_PrintUnformatted(o);
  }
  cJSON_Delete(o);
  return text;
}

/* An ack from the home: checked by the hub's parser, for an open alert,
 * marked local and taken into the batch. Its "by" is what the person typed,
 * so the daemon ties it to the user who sent it: " (uid N)" is added, and a
 * "by" that names a uid itself is refused, so that the last one is always
 * the kernel's word. Beside "by" rather than in a field of its own, so that
 * the audit row, the acknowledged event and the daily log all carry it with
 * nothing else changed. 0, or an error with the reason in @err. */
static int control_ack(wg_control_t *ctl, int64_t uid, const char *text,
                       size_t len, wg_ack_t *ack, char *err, size_t errlen) {
  char suffix[32];

  memset(ack, 0, sizeof(*ack));
  if (wg_ack_parse(text, len, ack, err, errlen) != 0)
    return WG_EINVAL;
  if (uid < 0) {
    snprintf(err, errlen, "cannot tell which user sends this ack");
    return WG_EINVAL;
  }
  if (strstr(ack->by, "(uid") != NULL) {
    snprintf(err, errlen,
             "\"by\" may not name a uid: the daemon adds the sender's own");
    return WG_EINVAL;
  }
  snprintf(suffix, sizeof(suffix), " (uid %" PRId64 ")", uid);
  if (strlen(ack->by) + strlen(suffix) >= sizeof(ack->by)) {
    snprintf(err, errlen,
             "\"by\" is too long for an ack at the home: at most %zu bytes "
             "with \"%s\"",
             sizeof(ack->by) - 1 - strlen(suffix), suffix);
    return WG_EINVAL;
  }
  strcat(ack->by, suffix);
  if (!ctl->cbs->alert_open(ctl->data, ack->id)) {
    snprintf(err, errlen, "no open alert %s", ack->id);
    return WG_EINVAL;
  }
  ack->local = true;
  ack->ts = wg_wall_now();
  ctl->cbs->ack(ctl->data, ack);
  return 0;
}

char *control__request(wg_control_t *ctl, int64_t uid, char *line, size_t len,
                       char *id, size_t idlen, bool *waiting) {
  char err[320] = "";
  wg_ack_t ack;

  *waiting = false;
  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';
  if (strcmp(line, "status") == 0)
    return control_status(ctl);
  if (strncmp(line, "ack ", 4) != 0)
    return control__answer(false, "error",
                           "unknown request: send \"status\" or \"ack {...}\"");
  if (control_ack(ctl, uid, line + 4, len - 4, &ack, err, sizeof(err)) != 0)
    return control__answer(false, "error", err);
  snprintf(id, idlen, "%s", ack.id);
  *waiting = true;
  wg_log(LOG_INFO, "control: alert %s acknowledged at the home by %s", ack.id,
         ack.by);
  return NULL;
}

static void control_handle_line(wg_control_client_t *cl, char *line,
                                size_t len) {
  char *text = control__request(cl->ctl, cl->uid, line, len, cl->id,
                                sizeof(cl->id), &cl->waiting);

  if (!cl->waiting)
    control_reply(cl, text);
}

static void control_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  wg_control_client_t *cl = h->data;

  (void)suggested;
  *buf = uv_buf_init(cl->rbuf, sizeof(cl->rbuf));
}

static void control_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  wg_control_client_t *cl = s->data;
  const char *nl;
  size_t take;
  char *grown;

  if (n < 0) {
    control_client_close(cl);
    return;
  }
  nl = memchr(buf->base, '\n', (size_t)n);
  take = nl ? (size_t)(nl - buf->base) : (size_t)n;
  if (cl->len + take > WG_CONTROL_LINE_MAX) {
    uv_read_stop(s);
    control_reply(cl, control__answer(false, "error", "request line too long"));
    return;
  }
  if ((grown = realloc(cl->line, cl->len + take + 1)) == NULL) {
    control_client_close(cl);
    return;
  }
  cl->line = grown;
  memcpy(cl->line + cl->len, buf->base, take);
  cl->len += take;
  cl->line[cl->len] = '\0';
  if (nl == NULL)
    return;
  uv_read_stop(s);
  uv_timer_stop(&cl->idle);
  control_handle_line(cl, cl->line, cl->len);
}

static void control_on_idle(uv_timer_t *t) { control_client_close(t->data); }

/* The uid of the process at the other end of @pipe, as the kernel saw it
 * at connect(): -1 when it cannot be had. */
static int64_t control_peer_uid(uv_pipe_t *pipe) {
  struct ucred cred;
  socklen_t len = sizeof(cred);
  uv_os_fd_t fd;

  if (uv_fileno((uv_handle_t *)pipe, &fd) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      len != sizeof(cred)) {
    wg_log(LOG_WARNING, "control: cannot tell who connected: %s",
           strerror(errno));
    return -1;
  }
  return (int64_t)cred.uid;
}

static void control_on_connection(uv_stream_t *server, int status) {
  wg_control_t *ctl = server->data;
  wg_control_client_t *cl;

  if (status < 0 || (cl = calloc(1, sizeof(*cl))) == NULL)
    return;
  cl->ctl = ctl;
  uv_pipe_init(ctl->loop, &cl->pipe, 0);
  uv_timer_init(ctl->loop, &cl->idle);
  cl->pipe.data = cl->idle.data = cl;
  cl->open_handles = 2;
  ctl->closing++; /* released when both handles are closed */
  cl->next = ctl->clients;
  ctl->clients = cl;
  if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0 ||
      uv_read_start((uv_stream_t *)&cl->pipe, control_on_alloc,
                    control_on_read) != 0) {
    control_client_close(cl);
    return;
  }
  cl->uid = control_peer_uid(&cl->pipe);
  uv_timer_start(&cl->idle, control_on_idle, WG_CONTROL_IDLE_MS, 0);
}

/* Whether a process listens on the socket at @path. */
static bool control_in_use(const char *path) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool used;

  if (fd < 0)
    return false;
  snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
  used = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
  close(fd);
  return used;
}

int wg_control_start(wg_control_t **out, uv_loop_t *loop, const char *path,
                     const wg_control_cbs_t *cbs, void *data) {
  wg_control_t *ctl;
  struct stat st;
  int rc;

  *out = NULL;
  if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
    return WG_ENOMEM;
  ctl->loop = loop;
  ctl->cbs = cbs;
  ctl->data = data;
  if (lstat(path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode) || control_in_use(path)) {
      wg_log(LOG_ERR, "control: %s %s", path,
             S_ISSOCK(st.st_mode) ? "is in use by another process"
                                  : "exists and is not a socket");
      free(ctl);
      return WG_EBUSY;
    }
    unlink(path); /* left by a daemon that did not stop cleanly */
  }
  if ((ctl->path = strdup(path)) == NULL) {
    free(ctl);
    return WG_ENOMEM;
  }
  uv_pipe_init(loop, &ctl->server, 0);
  ctl->server.data = ctl;
  ctl->closing = 1; /* the server handle */
  /* 0660: the service's user and group, as wardgatectl(1) says. */
  rc = uv_pipe_bind(&ctl->server, path);
  if (rc == 0 && chmod(path, 0660) != 0)
    rc = uv_translate_sys_error(errno);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&ctl->server, 8, control_on_connection);
  if (rc != 0) {
    wg_log(LOG_ERR, "control: cannot listen on %s: %s", path, uv_strerror(rc));
    wg_control_close(ctl, NULL); /* freed once the server is closed */
    return WG_EIO;
  }
  wg_log(LOG_INFO, "control: listening on %s", path);
  *out = ctl;
  return 0;
}

void wg_control_committed(wg_control_t *ctl) {
  wg_control_client_t *cl, *next;

  if (ctl == NULL)
    return;
  for (cl = ctl->clients; cl != NULL; cl = next) {
    next = cl->next; /* control_reply() may unlink it */
    if (cl->waiting)
      control_reply(cl, control__answer(true, "id", cl->id));
  }
}

static void control_server_closed(uv_handle_t *h) {
  control_handle_closed(h->data);
}

void wg_control_close(wg_control_t *ctl, void (*cb)(void *data)) {
  ctl->closed_cb = cb;
  while (ctl->clients != NULL)
    control_client_close(ctl->clients);
  uv_close((uv_handle_t *)&ctl->server, control_server_closed);
  unlink(ctl->path);
  free(ctl->path);
  ctl->path = NULL;
}
