/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief The CoAP driver: a libcoap server on the daemon's libuv loop.
 *
 * Devices POST SenML packs to /dev/\<device_id\>/senml; each is answered 2.04
 * only once its readings are committed (on the ACK, or as a separate
 * response if the device retransmitted meanwhile), or at once with the
 * error that refused it. GET /status answers wg_driver_cbs_t::status; over
 * DTLS, it and /.well-known/core answer administrators' identities only. The
 * driver calls wg_driver_cbs_t::pack, wg_driver_cbs_t::rejected and
 * wg_driver_cbs_t::status; wg_driver_ops_t::publish fails with WG_EINVAL.
 */
#ifndef WARDGATE_COAP_H
#define WARDGATE_COAP_H

#include "wardgate/conf.h"
#include "wardgate/driver.h"

/** @brief The shortest pre-shared key accepted, in bytes (128 bits). */
#define WG_PSK_KEY_MIN 16
/** @brief The longest pre-shared key accepted, in bytes (512 bits). */
#define WG_PSK_KEY_MAX 64

/** @brief A device's pre-shared key; the identity is its device id. */
typedef struct wg_coap_psk_s {
  const char *identity;     /**< @brief the device id */
  const unsigned char *key; /**< @brief the key's bytes */
  size_t key_len;           /**< @brief their number */
} wg_coap_psk_t;

/**
 * @brief The CoAP server's options; wg_coap_driver_init() copies them, so
 * the caller keeps ownership.
 */
typedef struct wg_coap_opts_s {
  const char *bind; /**< @brief address to listen on; NULL: "::" */
  int port;         /**< @brief UDP port to listen on */
  /** @brief The pre-shared keys. With keys, the server speaks DTLS only and
   * a device may post only under its own identity; without, plain UDP. */
  const wg_coap_psk_t *psks;
  size_t npsks; /**< @brief the number of @c psks */
  /** @brief Listed in /.well-known/core; any device id may still be posted
   * to. */
  const char *const *devices;
  size_t ndevices; /**< @brief the number of @c devices */
  /** @brief In bytes; a larger body is refused with 4.13. Not 0. */
  size_t max_pack;
  /** @brief "insecure": true: plain CoAP off the loopback was asked for;
   * without keys, the start warns about it. */
  bool insecure;
  /** @brief With keys: the identities (of @c psks) that may GET /status
   * and /.well-known/core; any other identity gets 4.03 there. Without
   * keys, not used: plain CoAP answers both to anyone who reaches it. */
  const char *const *admins;
  size_t nadmins; /**< @brief the number of @c admins */
} wg_coap_opts_t;

/**
 * @brief Set up @p drv as a CoAP server.
 *
 * The listening socket is opened by wg_driver_ops_t::start, which fails
 * with WG_EIO when it cannot be bound.
 * @param drv the driver, filled in; the caller's memory
 * @param label names it in log lines; kept, not copied
 * @param opts the options, copied
 * @param cbs the callbacks; kept, not copied; wg_driver_cbs_t::pack is
 *   required
 * @param data stored in wg_driver_t::data
 * @return 0, or WG_ENOMEM, WG_EINVAL or WG_ETLS (the reason is logged); on
 *   error @p drv needs no close
 */
int wg_coap_driver_init(wg_driver_t *drv, const char *label,
                        const wg_coap_opts_t *opts, const wg_driver_cbs_t *cbs,
                        void *data);

/**
 * @brief List @p devices in /.well-known/core too (after a reload).
 *
 * Ids not listed yet are added. A device dropped from the configuration
 * stays listed until a restart; its posts are refused all the same. Before
 * wg_driver_ops_t::start the ids are kept, and the start lists them.
 * @param drv a driver set up by wg_coap_driver_init()
 * @param devices the device ids, copied
 * @param n their number
 * @return 0 or WG_ENOMEM
 */
int wg_coap_driver_list_devices(wg_driver_t *drv, const char *const *devices,
                                size_t n);

/**
 * @brief Whether @p bind names the loopback only (127.0.0.0/8, ::1, an
 * IPv4-mapped 127.x address or "localhost").
 * @param bind an address or host name; NULL (every address) is not
 * @return true when only the box itself can reach it
 */
bool wg_coap_bind_is_loopback(const char *bind);

/**
 * @brief The block ingest.coap (wardgate.json(5)), read into a
 * wg_coap_opts_t: bind (127.0.0.1), port, the keys of psk_file, insecure
 * and admin_identities (identities of psk_file; it requires one). A bind
 * off the loopback without psk_file is a problem unless insecure is true.
 *
 * The devices listed for discovery and the largest pack are the daemon's
 * to add.
 */
extern const wg_conf_block_t wg_coap_ingest_conf;

#endif
