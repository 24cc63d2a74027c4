/* SPDX-License-Identifier: MIT */
/*
 * The interface between the daemon and a transport driver. A driver adapts
 * one protocol library to the daemon's libuv loop; it sees only the headers
 * in include/wardgate/ and reports what happens through the callbacks the
 * daemon gives it.
 */
#ifndef WARDGATE_DRIVER_H
#define WARDGATE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "wardgate/error.h"

#define WG_DRIVER_ABI 2

typedef struct wg_driver_s wg_driver_t;
typedef void (*wg_close_cb)(wg_driver_t *drv);

/*
 * What the daemon wants to hear from a driver. Every pointer handed to a
 * callback is borrowed for the duration of the call: copy what you keep.
 * Any callback may be NULL.
 */
typedef struct wg_driver_cbs_s {
  /* The session is up (after each successful (re)connect). */
  void (*connected)(wg_driver_t *drv);
  /* The session was lost; the driver reconnects by itself. */
  void (*disconnected)(wg_driver_t *drv);
  /* A message arrived on a subscribed topic. */
  void (*message)(wg_driver_t *drv, const char *topic, const void *payload,
                  size_t len);
  /* The broker acknowledged the QoS 1 message with id @mid (PUBACK). */
  void (*published)(wg_driver_t *drv, int mid);
  /*
   * A request-response driver (CoAP) received a pack from @device. Returns
   * 0 when the pack was taken: its readings commit with the current group,
   * and the driver answers once ops->committed reports *ticket. Otherwise a
   * negative WG_E* code, with the reason in @err; the pack was counted and
   * reported.
   */
  int (*pack)(wg_driver_t *drv, const char *device, const void *payload,
              size_t len, uint64_t *ticket, char *err, size_t errlen);
  /* The driver refused a pack before it could be read (wrong format, too
   * large, wrong identity): to be counted and reported. */
  void (*rejected)(wg_driver_t *drv, const char *device, const char *reason);
  /* The status JSON for a query (CoAP GET /status); free() it. */
  char *(*status)(wg_driver_t *drv);
} wg_driver_cbs_t;

typedef struct wg_driver_ops_s {
  int abi_version;  /* WG_DRIVER_ABI */
  const char *name; /* "mqtt", "coap" */
  /* Start on @loop. Returns 0 or a negative WG_E* code. */
  int (*start)(wg_driver_t *drv, uv_loop_t *loop);
  /*
   * Publish @len bytes of @payload on @topic. On success *mid (if not NULL)
   * is the message id later passed to cbs->published. QoS 0 messages fail
   * with WG_ENOCONN while disconnected; QoS 1 messages are queued by the
   * library and sent after reconnecting.
   */
  int (*publish)(wg_driver_t *drv, const char *topic, const void *payload,
                 size_t len, int qos, bool retain, int *mid);
  /* Stop (true) or resume (false) taking input, for back-pressure; a
   * request-response driver answers "try later" meanwhile. */
  void (*pause)(wg_driver_t *drv, bool paused);
  /* True while the session is up. */
  bool (*is_connected)(const wg_driver_t *drv);
  /*
   * Close gracefully (an MQTT DISCONNECT, so no will is published) and
   * release everything; @cb runs when the driver's handles are closed.
   */
  void (*close)(wg_driver_t *drv, wg_close_cb cb);
  /*
   * Every pack whose ticket is at most @ticket is committed, as is every
   * message handed to cbs->message before this call: answer or acknowledge
   * them. A driver acknowledges nothing it received before this says it is
   * committed. NULL for a driver that needs no word.
   */
  void (*committed)(wg_driver_t *drv, uint64_t ticket);
} wg_driver_ops_t;

struct wg_driver_s {
  const wg_driver_ops_t *ops;
  const wg_driver_cbs_t *cbs;
  const char *label; /* for log lines: "ingest", "uplink" */
  void *data;        /* the daemon's */
  void *impl;        /* the driver's own state */
};

#endif
