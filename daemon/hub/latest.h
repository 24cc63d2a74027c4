/* SPDX-License-Identifier: MIT */
/*
 * The latest NEWS2 of every patient, for the retained news2/latest
 * (DESIGN.md section 7): each configured patient's last news2 message as
 * the hub published it, kept as its text, so that the snapshot joins the
 * texts with no query and no print of a message again.
 */
#ifndef WG_HUB_LATEST_H
#define WG_HUB_LATEST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* One patient's entry (latest.c). */
typedef struct wg_latest_entry_s wg_latest_entry_t;

typedef struct wg_latest_s {
  wg_latest_entry_t *by_patient; /* uthash, in the order of the patients */
  unsigned generation;           /* of the last wg_latest_set_patients() */
  bool changed; /* since the owner last cleared it: a snapshot is due */
} wg_latest_t;

void wg_latest_init(wg_latest_t *l);

/* Every entry and its text freed; @l is empty and can be used again. */
void wg_latest_free(wg_latest_t *l);

/*
 * The patients are those of @cfg (borrowed for the call): a patient no
 * longer there leaves the set with its message (`changed` is set when one
 * had a message); a new one gets an entry without a message. Only a
 * patient with an entry is kept by wg_latest_put(). Returns 0, or
 * WG_ENOMEM when a new patient could not be given an entry (its messages
 * are not kept until the next call; the rest is done).
 */
int wg_latest_set_patients(wg_latest_t *l, const wg_config_t *cfg);

/* True when @patient is in the set and has no message yet. */
bool wg_latest_wants(const wg_latest_t *l, const char *patient);

/*
 * @json (@len bytes, copied) is the latest news2 message of @patient: it
 * takes the place of the one kept. Returns 1 when kept (`changed` is set
 * if the text differs), 0 when @patient is not in the set, or WG_ENOMEM
 * (the message kept before stays).
 */
int wg_latest_put(wg_latest_t *l, const char *patient, const char *json,
                  size_t len);

/*
 * A news2 message as published (DESIGN.md section 7): its "patient" read,
 * then as wg_latest_put(). A retrospective one (a back-filled set, scored
 * at its own time) is not the patient's latest: 0, nothing kept. WG_EINVAL
 * when @json is not a news2 message (WG_ENOMEM when memory is short to
 * read it).
 */
int wg_latest_learn(wg_latest_t *l, const char *json, size_t len);

/* How many patients have a message. */
size_t wg_latest_count(const wg_latest_t *l);

/*
 * The news2/latest payload at @ts: {"ts":…,"patients":[<message>,…]}, the
 * patients with a message in the order of the configuration. Malloc'd
 * text (its length in *len), or NULL when memory is short: then nothing
 * is half-built.
 */
char *wg_latest_snapshot(const wg_latest_t *l, double ts, size_t *len);

#endif
