/* SPDX-License-Identifier: MIT */
/*
 * The CoAP driver: a libcoap server on the daemon's libuv loop. Devices
 * POST SenML packs to /dev/<device_id>/senml; each is answered 2.04 only
 * once its readings are committed (on the ACK, or as a separate response
 * if the device retransmitted meanwhile), or at once with the error that
 * refused it.
 */
#ifndef WARDGATE_COAP_H
#define WARDGATE_COAP_H

#include "wardgate/conf.h"
#include "wardgate/driver.h"

/* Pre-shared key lengths accepted, in bytes (128 to 512 bits). */
#define WG_PSK_KEY_MIN 16
#define WG_PSK_KEY_MAX 64

/* A device's pre-shared key; the identity is its device id. */
typedef struct wg_coap_psk_s {
  const char *identity;
  const unsigned char *key;
  size_t key_len;
} wg_coap_psk_t;

typedef struct wg_coap_opts_s {
  const char *bind; /* address to listen on */
  int port;
  /* With keys, the server speaks DTLS only and a device may post only
   * under its own identity; without, plain UDP. */
  const wg_coap_psk_t *psks;
  size_t npsks;
  /* Listed in /.well-known/core; any device id may still be posted to. */
  const char *const *devices;
  size_t ndevices;
  size_t max_pack; /* bytes; a larger body is refused with 4.13 */
} wg_coap_opts_t;

/*
 * Set up @drv as a CoAP server with @opts (copied). @label names it in log
 * lines. Returns 0, or WG_ENOMEM, WG_EINVAL or WG_ETLS (the reason is
 * logged); on error @drv needs no close. The listening socket is opened by
 * ops->start, which fails with WG_EIO when it cannot be bound.
 */
int wg_coap_driver_init(wg_driver_t *drv, const char *label,
                        const wg_coap_opts_t *opts, const wg_driver_cbs_t *cbs,
                        void *data);

/*
 * List @devices in /.well-known/core too (after a reload): ids not listed
 * yet are added. A device dropped from the configuration stays listed
 * until a restart; its posts are refused all the same. Returns 0 or
 * WG_ENOMEM.
 */
int wg_coap_driver_list_devices(wg_driver_t *drv, const char *const *devices,
                                size_t n);

/* The block ingest.coap (wardgate.json(5)), read into a wg_coap_opts_t:
 * bind, port and the keys of psk_file. */
extern const wg_conf_block_t wg_coap_ingest_conf;

#endif
