/* SPDX-License-Identifier: MIT */
/*
 * The CoAP driver's configuration block, ingest.coap, read into the
 * driver's options with its pre-shared keys. The devices listed for
 * discovery and the largest pack are the daemon's to add.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "wardgate/coap.h"

static int hex_digit(int ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/*
 * The pre-shared keys, as mosquitto's psk_file writes them: one
 * "identity:hexkey" per line, the identity a device id; blank lines and
 * lines starting with '#' are skipped.
 */
static void read_psks(wg_conf_t *c, const char *path, const char *file,
                      wg_coap_opts_t *o) {
  char line[512], where[512];
  size_t n = 0, cap = 0, lineno = 0;
  wg_coap_psk_t *v = NULL;
  int problems = c->problems;
  FILE *f;

  if ((f = fopen(file, "r")) == NULL) {
    wg_conf_problem(c, path, "cannot read %s: %s", file, strerror(errno));
    return;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    char *colon, *hex;
    unsigned char key[WG_PSK_KEY_MAX], *kept;
    size_t hexlen, i;

    lineno++;
    snprintf(where, sizeof(where), "%.200s (%.250s line %zu)", path, file,
             lineno);
    if (strchr(line, '\n') == NULL && !feof(f)) {
      wg_conf_problem(c, where, "line too long");
      break;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if ((colon = strrchr(line, ':')) == NULL) { /* ids may hold ':' */
      wg_conf_problem(c, where, "must be identity:hexkey");
      continue;
    }
    *colon = '\0';
    hex = colon + 1;
    hexlen = strlen(hex);
    if (!wg_conf_id_ok(line, strlen(line), WG_DEVICE_ID_EXTRA)) {
      wg_conf_problem(c, where, "the identity must be a device id");
      continue;
    }
    if (hexlen % 2 != 0 || hexlen / 2 < WG_PSK_KEY_MIN ||
        hexlen / 2 > WG_PSK_KEY_MAX) {
      wg_conf_problem(c, where, "the key must be %d to %d bytes in hex",
                      WG_PSK_KEY_MIN, WG_PSK_KEY_MAX);
      continue;
    }
    for (i = 0; i < hexlen / 2; i++) {
      int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        break;
      key[i] = (unsigned char)(hi << 4 | lo);
    }
    if (i < hexlen / 2) {
      wg_conf_problem(c, where, "the key is not hexadecimal");
      continue;
    }
    for (i = 0; i < n; i++)
      if (strcmp(v[i].identity, line) == 0)
        break;
    if (i < n) {
      wg_conf_problem(c, where, "identity %s appears twice", line);
      continue;
    }
    if (n == cap) {
      wg_coap_psk_t *nv;
      cap = cap ? cap * 2 : 16;
      if ((nv = wg_conf_alloc(c, cap, sizeof(*nv))) == NULL)
        break;
      if (n)
        memcpy(nv, v, n * sizeof(*v));
      v = nv;
    }
    v[n].identity = wg_conf_strdup(c, line);
    if (v[n].identity == NULL ||
        (kept = wg_conf_alloc(c, hexlen / 2, 1)) == NULL)
      break;
    memcpy(kept, key, hexlen / 2);
    v[n].key = kept;
    v[n].key_len = hexlen / 2;
    n++;
  }
  fclose(f);
  if (n == 0 && c->problems == problems && !c->oom)
    wg_conf_problem(c, path, "%s holds no keys", file);
  o->psks = v;
  o->npsks = n;
}

bool wg_coap_bind_is_loopback(const char *bind) {
  struct in6_addr a6;
  struct in_addr a4;

  if (bind == NULL)
    return false; /* "::", every address */
  if (strcmp(bind, "localhost") == 0)
    return true;
  if (inet_pton(AF_INET, bind, &a4) == 1)
    return (ntohl(a4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, bind, &a6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&a6))
      return true;
    return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
  }
  return false; /* a host name: it may resolve to anything */
}

/*
 * "admin_identities": identities of the psk_file that may read /status and
 * /.well-known/core over DTLS. A device's identity may post its own packs
 * and nothing more: the device list and the counters are not its to read.
 */
static void read_admins(wg_conf_t *c, const char *path, const cJSON *arr,
                        wg_coap_opts_t *o) {
  char sub[WG_CONF_PATH_MAX];
  const char **v;
  const cJSON *e;
  int i = 0;

  if (!cJSON_IsArray(arr)) {
    wg_conf_problem(c, path, "must be an array of identities of psk_file");
    return;
  }
  if (o->npsks == 0) {
    wg_conf_problem(c, path, "needs psk_file: plain CoAP has no identities");
    return;
  }
  v = wg_conf_alloc(c, (size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
  if (v == NULL)
    return;
  cJSON_ArrayForEach(e, arr) {
    size_t k = 0;

    wg_conf_join_index(sub, path, i++);
    if (!cJSON_IsString(e)) {
      wg_conf_problem(c, sub, "must be a string");
      continue;
    }
    while (k < o->npsks && strcmp(o->psks[k].identity, e->valuestring) != 0)
      k++;
    if (k == o->npsks) {
      wg_conf_problem(c, sub, "%s has no key in psk_file", e->valuestring);
      continue;
    }
    v[o->nadmins++] = o->psks[k].identity;
  }
  o->admins = v;
}

static void *read_ingest(wg_conf_t *c, const char *path, const cJSON *obj) {
  static const char *const keys[] = {
      "bind", "port", "psk_file", "insecure", "admin_identities", NULL};
  char sub[WG_CONF_PATH_MAX];
  const char *psk_file;
  const cJSON *insecure, *admins;
  wg_coap_opts_t *o;

  if (!wg_conf_object(c, path, obj, keys))
    return NULL;
  if ((o = wg_conf_alloc(c, 1, sizeof(*o))) == NULL)
    return NULL;
  o->bind = wg_conf_string(c, path, obj, "bind", "127.0.0.1", false, false);
  o->port =
      (int)wg_conf_number(c, path, obj, "port", 5683, 1, 65535, true, false);
  psk_file = wg_conf_string(c, path, obj, "psk_file", NULL, false, true);
  wg_conf_join(sub, path, "psk_file");
  if (psk_file)
    read_psks(c, sub, psk_file, o);
  wg_conf_join(sub, path, "admin_identities");
  if ((admins = cJSON_GetObjectItemCaseSensitive(obj, "admin_identities")) !=
          NULL &&
      !cJSON_IsNull(admins))
    read_admins(c, sub, admins, o);
  insecure = cJSON_GetObjectItemCaseSensitive(obj, "insecure");
  wg_conf_join(sub, path, "insecure");
  if (insecure != NULL && !cJSON_IsBool(insecure))
    wg_conf_problem(c, sub, "must be true or false");
  o->insecure = cJSON_IsTrue(insecure);
  /* Plain CoAP authenticates nobody: anyone who can reach the port can post
   * readings for any patient. Off the box's own loopback, that takes DTLS
   * or an explicit "insecure". */
  wg_conf_join(sub, path, "bind");
  if (o->bind != NULL && psk_file == NULL && !o->insecure &&
      !wg_coap_bind_is_loopback(o->bind))
    wg_conf_problem(c, sub,
                    "%s is not a loopback address: plain CoAP there lets "
                    "anyone on the network post readings; give a psk_file "
                    "(DTLS), or \"insecure\": true to accept the risk",
                    o->bind);
  return o;
}

const wg_conf_block_t wg_coap_ingest_conf = {"coap", read_ingest};
