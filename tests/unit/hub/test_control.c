/* SPDX-License-Identifier: MIT */
/*
 * The control socket's requests, answered from a fake owner: status with
 * "hub_connected", acks checked and taken as local with the sender's uid,
 * refusals; and requests over a real socket (the uid from SO_PEERCRED), to
 * the close that frees it.
 */
#include <stdint.h>
#include <unistd.h>

#include "failalloc.h"
#include "hub/control_internal.h"
#include "test.h"
#include "wardgate/error.h"

static struct owner_s {
  bool connected;
  wg_ack_t ack;
  int nacks;
  int nclosed;
} owner;

static int fake_status(void *data, cJSON *o) {
  (void)data;
  cJSON_AddStringToObject(o, "state", "online");
  cJSON_AddStringToObject(o, "gateway", "gw-1");
  cJSON_AddNumberToObject(o, "started", 1763900000.25);
  return 0;
}

static bool fake_hub_connected(void *data) {
  return ((struct owner_s *)data)->connected;
}

static bool fake_alert_open(void *data, const char *id) {
  (void)data;
  return strcmp(id, "gw-1-000001") == 0;
}

static void fake_ack(void *data, const wg_ack_t *ack) {
  struct owner_s *o = data;
  o->ack = *ack;
  o->nacks++;
}

static const wg_control_cbs_t cbs = {.status = fake_status,
                                     .hub_connected = fake_hub_connected,
                                     .alert_open = fake_alert_open,
                                     .ack = fake_ack};

/* A request as a client of uid 1000 sends it; the answer, or NULL while
 * waiting. */
static char *request_as(wg_control_t *ctl, int64_t uid, const char *line,
                        bool *waiting, char id[64]) {
  char buf[512];

  snprintf(buf, sizeof(buf), "%s", line);
  return control__request(ctl, uid, buf, strlen(buf), id, 64, waiting);
}

static char *request(wg_control_t *ctl, const char *line, bool *waiting,
                     char id[64]) {
  return request_as(ctl, 1000, line, waiting, id);
}

static void requests_answered(void) {
  wg_control_t ctl = {.cbs = &cbs, .data = &owner};
  char id[64] = "", *text;
  bool waiting;

  memset(&owner, 0, sizeof(owner));
  owner.connected = true;
  text = request(&ctl, "status\r", &waiting, id);
  ASSERT(!waiting);
  ASSERT_STR_EQ(text, "{\"state\":\"online\",\"gateway\":\"gw-1\","
                      "\"started\":1763900000.25,\"hub_connected\":true}");
  free(text);

  text = request(&ctl, "frobnicate", &waiting, id);
  ASSERT(!waiting);
  ASSERT_STR_EQ(text, "{\"ok\":false,\"error\":\"unknown request: send "
                      "\\\"status\\\" or \\\"ack {...}\\\"\"}");
  free(text);

  text = request(&ctl, "ack {\"id\":\"gw-1-000001\"}", &waiting, id);
  ASSERT(!waiting);
  ASSERT_CONTAINS(text, "{\"ok\":false,\"error\":\"malformed ack: needs");
  free(text);

  text = request(&ctl, "ack {\"id\":\"gw-1-000009\",\"by\":\"nurse\"}",
                 &waiting, id);
  ASSERT(!waiting);
  ASSERT_STR_EQ(text, "{\"ok\":false,\"error\":\"no open alert gw-1-000009\"}");
  free(text);
  ASSERT_EQ(owner.nacks, 0);

  text = request(&ctl,
                 "ack {\"id\":\"gw-1-000001\",\"by\":\"nurse\","
                 "\"outcome\":\"visit\"}\r",
                 &waiting, id);
  ASSERT(text == NULL);
  ASSERT(waiting);
  ASSERT_STR_EQ(id, "gw-1-000001");
  ASSERT_EQ(owner.nacks, 1);
  ASSERT(owner.ack.local);
  ASSERT(owner.ack.ts > 0);
  ASSERT_STR_EQ(owner.ack.by, "nurse (uid 1000)");
  ASSERT_STR_EQ(owner.ack.outcome, "visit");

  text = control__answer(true, "id", id);
  ASSERT_STR_EQ(text, "{\"ok\":true,\"id\":\"gw-1-000001\"}");
  free(text);
}

/* The uid the daemon adds cannot be forged in "by", does not make "by"
 * longer than it may be, and an ack from a sender it cannot name is
 * refused. */
static void ack_names_the_uid(void) {
  wg_control_t ctl = {.cbs = &cbs, .data = &owner};
  char id[64] = "", *text, line[256];
  bool waiting;

  memset(&owner, 0, sizeof(owner));
  text = request_as(&ctl, 0, "ack {\"id\":\"gw-1-000001\",\"by\":\"root\"}",
                    &waiting, id);
  ASSERT(text == NULL && waiting);
  ASSERT_STR_EQ(owner.ack.by, "root (uid 0)");

  text = request(&ctl, "ack {\"id\":\"gw-1-000001\",\"by\":\"x (uid 0)\"}",
                 &waiting, id);
  ASSERT(!waiting);
  ASSERT_CONTAINS(text, "\\\"by\\\" may not name a uid");
  free(text);

  /* 64 characters pass the ack's own check, not with " (uid 1000)". */
  snprintf(line, sizeof(line), "ack {\"id\":\"gw-1-000001\",\"by\":\"%s\"}",
           "nurse-with-a-very-long-name-0123456789-0123456789-0123456789-01");
  text = request(&ctl, line, &waiting, id);
  ASSERT(!waiting);
  ASSERT_CONTAINS(text, "\\\"by\\\" is too long for an ack at the home");
  free(text);

  text = request_as(&ctl, -1, "ack {\"id\":\"gw-1-000001\",\"by\":\"n\"}",
                    &waiting, id);
  ASSERT(!waiting);
  ASSERT_CONTAINS(text, "cannot tell which user");
  free(text);
  ASSERT_EQ(owner.nacks, 1);
}

/* ---- over the socket ----------------------------------------------------- */

typedef struct client_s {
  char *line; /* what it sends */
  uv_pipe_t pipe;
  uv_connect_t connect;
  uv_write_t write;
  char got[1024];
  size_t len;
} client_t;

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  client_t *c = h->data;
  (void)suggested;
  *buf = uv_buf_init(c->got + c->len, (unsigned)(sizeof(c->got) - 1 - c->len));
}

static void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  client_t *c = s->data;
  (void)buf;
  if (n > 0) {
    c->len += (size_t)n;
    c->got[c->len] = '\0';
  } else if (n < 0) {
    uv_close((uv_handle_t *)s, NULL);
  }
}

static void client_connected(uv_connect_t *req, int status) {
  client_t *c = req->data;
  uv_buf_t line = uv_buf_init(c->line, (unsigned)strlen(c->line));

  if (status != 0) {
    uv_close((uv_handle_t *)&c->pipe, NULL);
    return;
  }
  uv_write(&c->write, (uv_stream_t *)&c->pipe, &line, 1, NULL);
  uv_read_start((uv_stream_t *)&c->pipe, client_alloc, client_read);
}

static void on_closed(void *data) { ((struct owner_s *)data)->nclosed++; }

static void socket_round_trip(void) {
  char path[64];
  uv_loop_t loop;
  wg_control_t *ctl;
  client_t c = {.line = "status\n"};
  client_t a = {.line = "ack {\"id\":\"gw-1-000001\",\"by\":\"nurse\"}\n"};
  char by[64];
  FILE *f;

  memset(&owner, 0, sizeof(owner));
  snprintf(path, sizeof(path), "/tmp/wg-test-control-%d.sock", (int)getpid());
  unlink(path);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  /* A file that is not a socket is left alone. */
  ASSERT((f = fopen(path, "w")) != NULL);
  fclose(f);
  ASSERT_EQ(wg_control_start(&ctl, &loop, path, &cbs, &owner), WG_EBUSY);
  ASSERT(ctl == NULL);
  unlink(path);
  ASSERT_EQ(wg_control_start(&ctl, &loop, path, &cbs, &owner), 0);
  ASSERT(ctl != NULL);
  uv_pipe_init(&loop, &c.pipe, 0);
  c.pipe.data = c.connect.data = &c;
  uv_pipe_connect(&c.connect, &c.pipe, path, client_connected);
  while (strchr(c.got, '\n') == NULL && uv_run(&loop, UV_RUN_ONCE) != 0)
    ;
  ASSERT_STR_EQ(c.got, "{\"state\":\"online\",\"gateway\":\"gw-1\","
                       "\"started\":1763900000.25,\"hub_connected\":false}\n");
  /* An ack names the uid the kernel gives for the peer (SO_PEERCRED), and
   * is answered once committed. */
  uv_pipe_init(&loop, &a.pipe, 0);
  a.pipe.data = a.connect.data = &a;
  uv_pipe_connect(&a.connect, &a.pipe, path, client_connected);
  while (owner.nacks == 0 && uv_run(&loop, UV_RUN_ONCE) != 0)
    ;
  snprintf(by, sizeof(by), "nurse (uid %lu)", (unsigned long)getuid());
  ASSERT_STR_EQ(owner.ack.by, by);
  ASSERT(a.len == 0);
  wg_control_committed(ctl);
  while (strchr(a.got, '\n') == NULL && uv_run(&loop, UV_RUN_ONCE) != 0)
    ;
  ASSERT_STR_EQ(a.got, "{\"ok\":true,\"id\":\"gw-1-000001\"}\n");
  wg_control_close(ctl, on_closed);
  ASSERT_EQ(access(path, F_OK), -1); /* the socket is removed */
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(owner.nclosed, 1);
  ASSERT_EQ(uv_loop_close(&loop), 0);
}

/* ---- out of memory: each answer whole or not at all ---------------------- */

static char *build_request(void *data) {
  char id[64] = "";
  bool waiting;
  wg_control_t ctl = {.cbs = &cbs, .data = &owner};

  return request(&ctl, data, &waiting, id);
}

/* The answers that do not wait: an ack's refusal (the request's parser,
 * ingest's, says "invalid JSON" when its own allocation fails, so the
 * answer is built here from the refusal's text) and its answer once
 * committed. */
static char *build_refusal(void *data) {
  return control__answer(false, "error", data);
}

static char *build_ok(void *data) { return control__answer(true, "id", data); }

static void answers_whole_or_none(void) {
  memset(&owner, 0, sizeof(owner));
  owner.connected = true;
  ASSERT(failalloc_every(build_request, "status") >= 10);
  ASSERT(failalloc_every(build_request, "frobnicate") >= 6);
  ASSERT(failalloc_every(build_refusal, "no open alert gw-1-000009") >= 6);
  ASSERT(failalloc_every(build_ok, "gw-1-000001") >= 6);
  ASSERT_EQ(owner.nacks, 0);
}

TEST_MAIN(T(requests_answered), T(ack_names_the_uid), T(socket_round_trip),
          T(answers_whole_or_none))
