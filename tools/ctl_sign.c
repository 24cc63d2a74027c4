/* SPDX-License-Identifier: MIT */
/* wardgatectl sign-ack: an ack signed as the hub's clinical application
 * signs it (DESIGN.md section 7), the reference for integrators. It needs
 * the key, not the gateway: no configuration, no database, no daemon. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/ack.h"
#include "wardgate/error.h"
#include "wardgatectl.h"

size_t ctl_read_key(const ctl_t *c, unsigned char *key) {
  FILE *f = fopen(c->key_file, "rb");
  size_t n;

  if (f == NULL)
    ctl_die(EX_SETUP, "cannot read %s: %s", c->key_file, strerror(errno));
  n = wg_ack_key_len(key, fread(key, 1, WG_ACK_KEY_MAX + 2, f));
  fclose(f);
  if (n == 0 || n > WG_ACK_KEY_MAX)
    ctl_die(EX_SETUP, "%s: the key must have 1 to %d bytes", c->key_file,
            WG_ACK_KEY_MAX);
  return n;
}

int ctl_cmd_sign_ack(ctl_t *c, const char *id) {
  unsigned char key[WG_ACK_KEY_MAX + 2];
  char reason[320], *canonical = NULL, *text, *end = NULL;
  double ts = (double)time(NULL);
  size_t n;
  int rc;

  if (c->key_file == NULL || c->by == NULL)
    ctl_die(EX_USAGE, "sign-ack: needs --key-file FILE and --by NAME");
  if (c->ts != NULL) {
    errno = 0;
    ts = strtod(c->ts, &end);
    if (errno != 0 || end == c->ts || *end != '\0' || ts != floor(ts))
      ctl_die(EX_USAGE, "sign-ack: --ts takes whole Unix seconds, not %s",
              c->ts);
  }
  n = ctl_read_key(c, key);
  text = wg_ack_sign(key, n, id, c->by, c->outcome, c->note, ts, &canonical,
                     &rc, reason, sizeof(reason));
  if (text == NULL)
    ctl_die(rc == WG_EINVAL ? EX_USAGE : EX_SETUP, "sign-ack: %s", reason);
  printf("%s\n", c->canonical ? canonical : text);
  free(canonical);
  free(text);
  return EX_OK;
}
