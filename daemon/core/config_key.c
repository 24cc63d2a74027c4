/* SPDX-License-Identifier: MIT */
/*
 * uplink.ack_key_file (DESIGN.md sections 4 and 7): the key the hub's
 * clinical application signs acks with, read at load so that
 * --check-config says when it is missing or too short. The key is the
 * file's bytes less one trailing newline (hub/ack.c's rule), 16 bytes at
 * least: a shorter one could be guessed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/arena.h"
#include "core/config_internal.h"
#include "hub/ack.h"

void config__ack_key(wg_conf_t *c, wg_config_t *cfg) {
  static const char *const path = "uplink.ack_key_file";
  unsigned char buf[WG_ACK_KEY_MAX + 2], *key;
  size_t n = 0;
  FILE *f = fopen(cfg->ack_key_file, "rb");

  if (f == NULL) {
    wg_conf_problem(c, path, "%s: %s", cfg->ack_key_file, strerror(errno));
    return;
  }
  n = fread(buf, 1, sizeof(buf), f);
  if (ferror(f))
    wg_conf_problem(c, path, "%s: %s", cfg->ack_key_file, strerror(errno));
  fclose(f);
  n = wg_ack_key_len(buf, n);
  if (n < 16 || n > WG_ACK_KEY_MAX) {
    wg_conf_problem(c, path, "%s: the key must have 16 to %d bytes (has %zu%s)",
                    cfg->ack_key_file, WG_ACK_KEY_MAX, n,
                    n > WG_ACK_KEY_MAX ? " or more" : "");
    return;
  }
  if ((key = wg_arena_alloc(c->arena, n)) == NULL) {
    c->oom = true;
    return;
  }
  memcpy(key, buf, n);
  cfg->ack_key = key;
  cfg->ack_key_len = n;
}
