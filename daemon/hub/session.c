/* SPDX-License-Identifier: MIT */
/*
 * The daemon's persistent broker sessions (the ingest's at the home
 * broker, the uplink's at the hub's), remembered across restarts. A
 * session the broker held when the daemon last ran is expected at the
 * first connect: a broker restarted without its store, a session that
 * expired, or one another client took while the daemon was down, lost
 * what was queued for the daemon meanwhile, and that is reported as a
 * reconnect's loss is (report.c). The store keeps one record per session,
 * "session/<label>": the key of its brokers and client id
 * (wg_mqtt_session_key()), written at its first CONNACK in a run and
 * removed when the driver gives it up for a clean session, whose loss was
 * reported then.
 */
#include <stdio.h>
#include <string.h>

#include "commit/store.h"
#include "core/clock.h"
#include "hub/hub.h"
#include "hub/hub_internal.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

int hub__session_slot(wg_hub_t *h, const char *which) {
  for (int i = 0; i < HUB_SESSIONS; i++) {
    if (h->session_label[i] == NULL)
      h->session_label[i] = which;
    if (strcmp(h->session_label[i], which) == 0)
      return i;
  }
  return -1;
}

bool hub__session_at_start(const wg_hub_t *h, int slot) {
  return slot >= 0 && h->session_expected[slot] && !h->session_held[slot];
}

bool wg_hub_session_expected(const char *record, const char *key) {
  return record != NULL && key != NULL && key[0] != '\0' &&
         strcmp(record, key) == 0;
}

static void session_record_name(char *name, size_t size, const char *which) {
  snprintf(name, size, "session/%s", which);
}

void wg_hub_session_expect(wg_hub_t *h, const char *which, wg_mqtt_opts_t *o) {
  char name[64], record[WG_MQTT_SESSION_KEY_MAX];
  int i = hub__session_slot(h, which), rc;

  o->expect_session = false;
  if (i < 0 || o->clean_session ||
      wg_mqtt_session_key(o, h->session_key[i], sizeof(h->session_key[i])) !=
          0) {
    if (i >= 0)
      h->session_key[i][0] = '\0'; /* not remembered */
    return;
  }
  session_record_name(name, sizeof(name), which);
  rc = wg_store_meta_get(h->outbox.store, name, record, sizeof(record));
  if (rc < 0)
    wg_log(LOG_WARNING,
           "hub: the %s session's record cannot be read (%s): a session the "
           "broker lost while the daemon was down goes unnoticed",
           which, wg_strerror(rc));
  o->expect_session = h->session_expected[i] =
      rc == 1 && wg_hub_session_expected(record, h->session_key[i]);
  /* The store says so already: not written again at the connect (a
   * restart that changes nothing leaves the database as it was). */
  h->session_recorded[i] = h->session_expected[i];
  if (o->expect_session)
    wg_log(LOG_INFO,
           "hub: the %s broker held the gateway's session when the daemon "
           "last ran (%s): expected at the first connect",
           which, h->session_key[i]);
}

void wg_hub_session_held(wg_hub_t *h, const char *which, bool held) {
  char name[64];
  int i = hub__session_slot(h, which), rc;

  if (i < 0 || h->session_key[i][0] == '\0')
    return;
  if (held)
    h->session_held[i] = true;
  if (held && h->session_recorded[i])
    return; /* the record says so already */
  session_record_name(name, sizeof(name), which);
  rc = held ? wg_store_meta_put(h->outbox.store, name, h->session_key[i],
                                wg_wall_now())
            : wg_store_meta_delete(h->outbox.store, name);
  if (rc == 0)
    h->session_recorded[i] = held;
  else
    wg_log(LOG_WARNING, "hub: the %s session's record cannot be %s: %s", which,
           held ? "written" : "removed", wg_strerror(rc));
}
