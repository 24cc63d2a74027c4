/* SPDX-License-Identifier: MIT */
/*
 * An acknowledgement from the hub (DESIGN.md section 7, alerts/ack): its
 * vocabulary (the outcomes, the rule for a note) and its parser, shared by
 * the uplink and the control socket. Pure: no I/O, no clock; the batch's
 * form of an ack, wg_ack_t, is the ingest's.
 */
#ifndef WG_ACK_H
#define WG_ACK_H

#include <stddef.h>

#include "ingest/ingest.h"

/* Acks larger than this are refused unread (a note of 500 characters,
 * written with \u escapes, fits). */
#define WG_ACK_MAX_BYTES 8192

/* The outcomes an ack may record, NULL-terminated: "advice", "visit",
 * "ambulance", "admitted", "no_action", "other". */
extern const char *const wg_ack_outcomes[];

/*
 * NULL when @note may be an ack's note: at most WG_NOTE_MAX_CHARS
 * characters of valid UTF-8 and no control character; otherwise why not
 * (a static string).
 */
const char *wg_ack_note_problem(const char *note);

/*
 * Check an ack (DESIGN.md section 7): strict JSON, "id" and "by" non-empty
 * strings that fit, optionally "outcome" (one of wg_ack_outcomes) and
 * "note" (wg_ack_note_problem()). 0 with @ack filled but for its time;
 * otherwise WG_EINVAL and why, "malformed ack: …", in @reason of @size
 * bytes. A bad outcome or note refuses the ack whole.
 */
int wg_ack_parse(const void *payload, size_t len, wg_ack_t *ack, char *reason,
                 size_t size);

#endif
