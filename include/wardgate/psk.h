/* SPDX-License-Identifier: MIT */
/*
 * A pre-shared key for DTLS, as the configuration reads it and the CoAP
 * driver uses it. A header of its own, without libuv, so that the
 * daemon's pure modules can hold the configuration.
 */
#ifndef WARDGATE_PSK_H
#define WARDGATE_PSK_H

#include <stddef.h>

/* Pre-shared key lengths accepted, in bytes (128 to 512 bits). */
#define WG_PSK_KEY_MIN 16
#define WG_PSK_KEY_MAX 64

/* A device's pre-shared key; the identity is its device id. */
typedef struct wg_coap_psk_s {
  const char *identity;
  const unsigned char *key;
  size_t key_len;
} wg_coap_psk_t;

#endif
