/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief The interface between the daemon and a transport driver.
 *
 * A driver adapts one protocol library to the daemon's libuv loop; it sees
 * only the headers in include/wardgate/ and reports what happens through
 * the callbacks the daemon gives it.
 *
 * Threading: everything runs on the thread of the loop given to
 * wg_driver_ops_t::start. The daemon calls the operations there, and the
 * driver calls the callbacks there, from its own libuv callbacks; work a
 * driver hands to libuv's thread pool reports back on the loop. Nothing may
 * block the loop.
 *
 * Re-entrancy: a driver calls one callback at a time, never one from within
 * another. The daemon may call wg_driver_ops_t::publish,
 * wg_driver_ops_t::pause, wg_driver_ops_t::is_connected and
 * wg_driver_ops_t::committed from within a callback (a pack that fills the
 * group commits it at once, so wg_driver_ops_t::committed can run inside
 * wg_driver_cbs_t::pack): a driver must be ready for that.
 *
 * Errors are negative WG_E* codes (wardgate/error.h). When a function that
 * takes a callback returns an error, the callback is never called.
 */
#ifndef WARDGATE_DRIVER_H
#define WARDGATE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "wardgate/error.h"

/**
 * @brief The version of this interface, for wg_driver_ops_t::abi_version.
 *
 * Raised whenever wg_driver_ops_t, wg_driver_cbs_t or wg_driver_t change
 * incompatibly.
 */
#define WG_DRIVER_ABI 2

/** @brief A driver instance: see struct wg_driver_s. */
typedef struct wg_driver_s wg_driver_t;

/**
 * @brief Called once when a driver has finished closing.
 *
 * Runs on the loop thread after every handle of the driver is closed and its
 * own state freed (wg_driver_t::impl is NULL by then); @p drv itself is the
 * caller's and may be freed or reused from here on.
 *
 * @param drv the driver given to wg_driver_ops_t::close
 */
typedef void (*wg_close_cb)(wg_driver_t *drv);

/**
 * @brief What a publish/subscribe driver knows of a message beyond its
 * topic and payload (wg_driver_cbs_t::message_info).
 *
 * Borrowed for the duration of the callback. Members may be added at the
 * end; a driver zeroes what it does not know.
 */
typedef struct wg_message_info_s {
  /**
   * @brief The broker sent a message it had kept (MQTT retain): one
   * published before this subscription, not a new one. A retained message
   * published while the subscription exists arrives with this false.
   */
  bool retained;
} wg_message_info_t;

/**
 * @brief What the daemon wants to hear from a driver.
 *
 * Every pointer handed to a callback is borrowed for the duration of the
 * call: copy what you keep. Any callback may be NULL. The table is the
 * daemon's and must outlive the driver; the driver keeps a pointer to it
 * (wg_driver_t::cbs). All run on the loop thread.
 */
typedef struct wg_driver_cbs_s {
  /**
   * @brief The session is up (after each successful (re)connect).
   * @param drv the driver
   */
  void (*connected)(wg_driver_t *drv);
  /**
   * @brief The session was lost; the driver reconnects by itself.
   *
   * Fires only after wg_driver_cbs_t::connected did for that session.
   * @param drv the driver
   */
  void (*disconnected)(wg_driver_t *drv);
  /**
   * @brief A message arrived on a subscribed topic.
   *
   * The driver acknowledges it only after a later
   * wg_driver_ops_t::committed.
   * @param drv the driver
   * @param topic the topic it was published on, NUL-terminated; borrowed
   * @param payload its bytes, not NUL-terminated; borrowed
   * @param len the length of @p payload
   */
  void (*message)(wg_driver_t *drv, const char *topic, const void *payload,
                  size_t len);
  /**
   * @brief The broker acknowledged the QoS 1 message with id @p mid
   * (PUBACK), and did not refuse it (wg_driver_cbs_t::refused).
   * @param drv the driver
   * @param mid the id wg_driver_ops_t::publish gave in its @c *mid
   */
  void (*published)(wg_driver_t *drv, int mid);
  /**
   * @brief A request-response driver (CoAP) received a pack from
   * @p device.
   *
   * Required of a request-response driver; wg_coap_driver_init() refuses a
   * table without it.
   * @param drv the driver
   * @param device the device id the pack was sent for; borrowed
   * @param payload the pack (SenML JSON), not NUL-terminated; borrowed
   * @param len the length of @p payload
   * @param[out] ticket set when the pack was taken: the driver answers once
   *   wg_driver_ops_t::committed reports a ticket at least this one. Also
   *   set, to a nonzero ticket, when the pack is refused but part of it was
   *   kept (a fall in a refused pack): the refusal is then answered once
   *   that ticket is committed, so that the device is never told of it
   *   before what was kept is on disk. The driver zeroes it before the call.
   *   A driver that answers every refusal at once still works: the kept
   *   part then commits with the group, unanswered.
   * @param[out] err the reason, NUL-terminated, when the pack is refused
   * @param errlen the size of @p err
   * @return 0 when the pack was taken: its readings commit with the current
   *   group. Otherwise a negative WG_E* code (such as WG_ENODEV,
   *   WG_EAUTH for a transport the device may not use, WG_EBUSY for a
   *   device over its quota, WG_ETOOBIG, WG_EINVAL,
   * WG_ECLOSING or WG_ENOMEM), with the reason in
   *   @p err; the pack was counted and reported.
   */
  int (*pack)(wg_driver_t *drv, const char *device, const void *payload,
              size_t len, uint64_t *ticket, char *err, size_t errlen);
  /**
   * @brief The driver refused a pack before it could be read (wrong format,
   * too large, wrong identity): to be counted and reported.
   * @param drv the driver
   * @param device the device id the pack was sent for; borrowed
   * @param reason why, for a log line; borrowed
   */
  void (*rejected)(wg_driver_t *drv, const char *device, const char *reason);
  /**
   * @brief The status JSON for a query (CoAP GET /status).
   * @param drv the driver
   * @return a malloc'd NUL-terminated string the driver owns and must
   *   free(), or NULL when memory is short
   */
  char *(*status)(wg_driver_t *drv);
  /**
   * @brief A message arrived on a subscribed topic, with what the protocol
   * says of it: called in place of wg_driver_cbs_t::message when set.
   *
   * The driver acknowledges it only after a later
   * wg_driver_ops_t::committed, whatever the daemon makes of it.
   * @param drv the driver
   * @param topic the topic it was published on, NUL-terminated; borrowed
   * @param payload its bytes, not NUL-terminated; borrowed
   * @param len the length of @p payload
   * @param info the retain flag and the like; borrowed
   */
  void (*message_info)(wg_driver_t *drv, const char *topic, const void *payload,
                       size_t len, const wg_message_info_t *info);
  /**
   * @brief The broker had no session for this persistent client after a
   * reconnect (MQTT CONNACK session-present 0): what it held for the
   * client, its subscriptions and the messages queued, is gone.
   *
   * Called before wg_driver_cbs_t::connected, for every reconnect of a
   * persistent session in this run of the driver that finds no session,
   * and for the first connect when the daemon said the broker should
   * still hold the session from its last run (wg_mqtt_opts_t's
   * expect_session); never for a first connect otherwise (a new client
   * has none) nor for a clean session. Also when the driver gives a
   * persistent session up for a clean one (see
   * wg_driver_cbs_t::session_held). The driver subscribes again by itself.
   * @param drv the driver
   */
  void (*session_lost)(wg_driver_t *drv);
  /**
   * @brief The broker refused the QoS 1 message with id @p mid: its PUBACK
   * carried a reason code of 0x80 or more (MQTT 5 only; an MQTT 3.1.1
   * broker cannot say so). The message was not delivered; the driver
   * forgets it, and wg_driver_cbs_t::published is not called for it.
   *
   * When NULL the refusal is only logged.
   * @param drv the driver
   * @param mid the id wg_driver_ops_t::publish gave in its @c *mid
   * @param reason_code the MQTT 5 reason code, 0x80 to 0xFF
   * @param reason its name, for a log line ("Not authorized"); borrowed
   */
  void (*refused)(wg_driver_t *drv, int mid, int reason_code,
                  const char *reason);
  /**
   * @brief The messages handed to wg_driver_ops_t::publish and not yet
   * acknowledged are gone, never to be sent again nor acknowledged: the
   * driver replaced its client (a clean session after a persistent one
   * the broker could not serve). Their ids mean nothing any more; what
   * must reach the broker is to be published again.
   *
   * When NULL nothing is said.
   * @param drv the driver
   */
  void (*inflight_lost)(wg_driver_t *drv);
  /**
   * @brief Whether the broker holds a persistent session for this client
   * from now on, for the daemon to remember across its restarts.
   *
   * @p held is true at every CONNACK of a persistent session (after
   * wg_driver_cbs_t::session_lost, if that was called for it, and before
   * wg_driver_cbs_t::connected), and false when the driver gives the
   * persistent session up and goes on with a clean one (after
   * wg_driver_cbs_t::session_lost): the loss is reported then, and the
   * next run must not find it again. Never called for a clean session
   * configured as such.
   * @param drv the driver
   * @param held true: the broker keeps the session; false: given up
   */
  void (*session_held)(wg_driver_t *drv, bool held);
} wg_driver_cbs_t;

/**
 * @brief What a driver does: a const table, one per driver kind.
 *
 * The daemon calls these on the loop thread only.
 */
typedef struct wg_driver_ops_s {
  int abi_version;  /**< @brief WG_DRIVER_ABI */
  const char *name; /**< @brief "mqtt", "coap": for log lines and counts */
  /**
   * @brief Start on @p loop: open the listening socket or begin to connect.
   *
   * Called once, after the driver's init function succeeded.
   * @param drv the driver
   * @param loop the daemon's loop, on whose thread everything runs
   * @return 0 or a negative WG_E* code (WG_EIO when a socket cannot be
   *   bound, say); on error the driver still needs
   *   wg_driver_ops_t::close.
   */
  int (*start)(wg_driver_t *drv, uv_loop_t *loop);
  /**
   * @brief Publish @p len bytes of @p payload on @p topic.
   *
   * QoS 0 messages fail with WG_ENOCONN while disconnected; QoS 1 messages
   * are queued by the library and sent after reconnecting. The driver
   * copies what it queues.
   * @param drv the driver
   * @param topic the topic; borrowed
   * @param payload the message; borrowed
   * @param len the length of @p payload
   * @param qos 0 or 1
   * @param retain whether the broker keeps it for later subscribers
   * @param[out] mid if not NULL, on success the message id later passed to
   *   wg_driver_cbs_t::published
   * @return 0, or a negative WG_E* code, such as WG_ENOCONN, WG_ECLOSING
   *   (after wg_driver_ops_t::close), WG_ETOOBIG or WG_ENOMEM; WG_EINVAL
   *   from a driver that does not publish (CoAP)
   */
  int (*publish)(wg_driver_t *drv, const char *topic, const void *payload,
                 size_t len, int qos, bool retain, int *mid);
  /**
   * @brief Stop (true) or resume (false) taking input, for back-pressure;
   * a request-response driver answers "try later" meanwhile.
   * @param drv the driver
   * @param paused true to stop, false to resume
   */
  void (*pause)(wg_driver_t *drv, bool paused);
  /**
   * @brief Whether the session is up.
   * @param drv the driver
   * @return true while the session is up (for a server, while it listens)
   */
  bool (*is_connected)(const wg_driver_t *drv);
  /**
   * @brief Close gracefully (an MQTT DISCONNECT, so no will is published)
   * and release everything.
   *
   * Asynchronous, like uv_close(): @p cb runs when the driver's handles are
   * closed, possibly from within this call when the driver never started.
   * Until then the driver may still call its callbacks (the CoAP driver
   * serves what is waiting once more, from within this call, to send the
   * answers of what was committed last).
   * @param drv the driver
   * @param cb called once at the end, or NULL
   */
  void (*close)(wg_driver_t *drv, wg_close_cb cb);
  /**
   * @brief Every pack whose ticket is at most @p ticket is committed, as is
   * every message handed to wg_driver_cbs_t::message before this call:
   * answer or acknowledge them.
   *
   * A driver acknowledges nothing it received before this says it is
   * committed. NULL for a driver that needs no word. May be called from
   * within wg_driver_cbs_t::pack.
   * @param drv the driver
   * @param ticket the newest committed ticket; tickets only grow
   */
  void (*committed)(wg_driver_t *drv, uint64_t ticket);
} wg_driver_ops_t;

/**
 * @brief A driver instance.
 *
 * The memory is the daemon's, and must stay put from the driver's init
 * function until its wg_close_cb; the fields are set by that init function.
 */
struct wg_driver_s {
  const wg_driver_ops_t *ops; /**< @brief the driver's operations */
  const wg_driver_cbs_t *cbs; /**< @brief the daemon's callbacks; borrowed */
  /** @brief For log lines: "ingest", "uplink"; borrowed, so it must outlive
   * the driver. */
  const char *label;
  void *data; /**< @brief the daemon's, untouched by the driver */
  void *impl; /**< @brief the driver's own state; NULL once closed */
};

#endif
