/* SPDX-License-Identifier: MIT */
/*
 * What only the alert lifecycle sees: an open alert as alerts.c keeps it,
 * in its two indexes, with the JSON of its last event for the snapshot.
 */
#ifndef WG_ALERTS_INTERNAL_H
#define WG_ALERTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/alerts.h"

/* An index insertion that cannot allocate leaves the entry out and says so
 * on the entry, instead of calling exit(). */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(oa) ((oa)->index_oom = true)
#include <uthash.h>

/* The key of the (patient, rule, key) index: the patient and its NUL, the
 * rule as one byte, then the key without its NUL. */
#define WG_ALERTS_INDEX_KEY_MAX                                                \
  (sizeof(((wg_alert_t *)0)->patient) + 1 + sizeof(((wg_alert_t *)0)->key))

struct wg_open_alert_s {
  wg_alert_t alert;
  char *json; /* of its last event, or NULL until asked for */
  size_t json_len;
  /* Its evidence entries' JSON, each printed once and kept, joined with no
   * separator: entries evidence_from to evidence_to (numbered as
   * evidence_added counts them), evidence_len[i] bytes each. */
  char *evidence_text;
  uint64_t evidence_from, evidence_to;
  uint16_t evidence_len[WG_ALERT_EVIDENCE_MAX];
  char index_key[WG_ALERTS_INDEX_KEY_MAX];
  size_t index_key_len;
  bool index_oom; /* set by uthash when an insertion ran out of memory */
  UT_hash_handle hh_key, hh_id;
};

/*
 * @e as an evidence entry's JSON in @out (@size bytes); "" when it does not
 * fit or memory is short (wg_alert_to_json() then tries again).
 * (alerts_json.c)
 */
void alerts__evidence_json(const wg_evidence_t *e, char *out, size_t size);

/*
 * The evidence of open alert @oa as a JSON array in @out: the entries it
 * still holds as printed before, the others printed now and kept. An entry
 * that cannot be kept (memory is short) is printed again next time; "" when
 * memory could not print one (the event's JSON then prints the list under
 * its own check). (alerts_json.c)
 */
void alerts__evidence_list(wg_open_alert_t *oa,
                           char out[WG_ALERT_EVIDENCE_LIST_MAX]);

#endif
