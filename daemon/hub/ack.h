/* SPDX-License-Identifier: MIT */
/*
 * An acknowledgement from the hub (DESIGN.md section 7, alerts/ack): its
 * vocabulary (the outcomes, the rule for a note and for "by"), its parser,
 * shared by the uplink and the control socket, and its signature: with a
 * key (uplink.ack_key_file), an ack carries "ts" and "sig", base64url
 * without padding of HMAC-SHA256(key, the ack without "sig" in RFC 8785
 * canonical form). Pure: no I/O, no clock (the time is a parameter); the
 * batch's form of an ack, wg_ack_t, is the ingest's.
 */
#ifndef WG_ACK_H
#define WG_ACK_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"

/* Acks larger than this are refused unread (a note of 500 characters,
 * written with \u escapes, fits). */
#define WG_ACK_MAX_BYTES 8192

/* A signed ack's "ts" may be this far from the box's clock, either way. */
#define WG_ACK_TOLERANCE_S 300
/* "by": at most this many characters, no control character. */
#define WG_ACK_BY_MAX_CHARS 64
/* A key longer than this is refused (HMAC hashes a longer one anyway). */
#define WG_ACK_KEY_MAX 1024
/* base64url of the 32 bytes of an HMAC-SHA256, without padding. */
#define WG_ACK_SIG_CHARS 43
/* The canonical text of an ack that fits WG_ACK_MAX_BYTES fits this. */
#define WG_ACK_CANON_MAX (4 * WG_ACK_MAX_BYTES)
/* Signed acks remembered against a replay: each for as long as its "ts"
 * is within the tolerance. At the limit a new ack is refused (the hub
 * sends it again later), never an old one forgotten. */
#define WG_ACK_SEEN_MAX 1024

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

/* The characters of a gateway id (DESIGN.md section 4). */
#define WG_ACK_ID_CHARS                                                        \
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/*
 * NULL when @id may be an alert's id: a gateway id ([A-Za-z0-9_-], 1 to 64
 * characters), "-", then 6 or more digits, nothing else; otherwise why not
 * (a static string). An ack of any other id is refused as malformed: an id
 * that can be no alert's never reaches the store, the journal or a log.
 */
const char *wg_ack_id_problem(const char *id);

/*
 * NULL when @by may be an ack's "by": at most WG_ACK_BY_MAX_CHARS
 * characters of UTF-8 and no control character; otherwise why not.
 */
const char *wg_ack_by_problem(const char *by);

/*
 * The length of the key in the @n bytes of a key file: all of them less
 * one trailing newline.
 */
size_t wg_ack_key_len(const void *bytes, size_t n);

/*
 * The canonical text (RFC 8785, JCS) of the members of object @o but "sig":
 * members sorted by the UTF-16 code units of their names, no whitespace,
 * strings escaped as ECMAScript's JSON.stringify does. Written for the
 * ack's flat shape: members may be strings, whole numbers of at most 2^53
 * in magnitude, true, false or null; anything else (an array, an object,
 * a fraction, a string that is not UTF-8) is WG_EINVAL with @why set (a
 * static string). Writes the text, terminated, to @out of @size bytes and
 * its length to *@len; WG_ETOOBIG when it does not fit.
 */
int wg_ack_canonical(const cJSON *o, char *out, size_t size, size_t *len,
                     const char **why);

/*
 * The signature of @text of @len bytes under @key of @keylen (> 0) bytes:
 * base64url, no padding, of HMAC-SHA256, terminated, in @sig. 0, or
 * WG_EINVAL when libcrypto fails.
 */
int wg_ack_sign_text(const void *key, size_t keylen, const char *text,
                     size_t len, char sig[WG_ACK_SIG_CHARS + 1]);

/*
 * The hub's side, for integrators and wardgatectl sign-ack: the ack of
 * alert @id by @by (@outcome and @note NULL when not given) at @ts (whole
 * Unix seconds), signed with @key of @keylen bytes, as one line of JSON
 * (malloc'd; free it). When @canonical is not NULL it receives the text
 * that was signed (malloc'd too). NULL with WG_EINVAL in *@rc and why in
 * @reason of @size bytes when the ack would be refused, or WG_ENOMEM.
 */
char *wg_ack_sign(const void *key, size_t keylen, const char *id,
                  const char *by, const char *outcome, const char *note,
                  double ts, char **canonical, int *rc, char *reason,
                  size_t size);

/* A signed ack remembered against a replay. */
typedef struct wg_ack_seen_s {
  double ts;
  unsigned char mac[32]; /* binds id, by, ts and everything else signed */
} wg_ack_seen_t;

/*
 * Acks that change nothing but leave an audit row (for an alert not open,
 * or refused): at most WG_ACK_AUDIT_BURST rows at once, then one per
 * WG_ACK_AUDIT_EVERY_S seconds, for the whole gateway; and the same
 * (alert, by, outcome, and for a refused ack the reason) as one of the last
 * WG_ACK_AUDIT_RECENT audited is not written again. An ack for an open
 * alert is never limited.
 */
#define WG_ACK_AUDIT_BURST 20
#define WG_ACK_AUDIT_EVERY_S 60
#define WG_ACK_AUDIT_RECENT 256

/* What checks the acks of one uplink: its key, the acks seen, and the
 * budget of audit-only acks. */
typedef struct wg_ack_guard_s {
  unsigned char key[WG_ACK_KEY_MAX];
  size_t keylen; /* 0: no key, acks are taken unverified */
  wg_ack_seen_t seen[WG_ACK_SEEN_MAX];
  size_t nseen;
  char canon[WG_ACK_CANON_MAX];
  double audit_tokens;
  double audit_at; /* when the tokens were last counted; 0: never */
  uint64_t audit_recent[WG_ACK_AUDIT_RECENT]; /* keys, a ring */
  size_t audit_next;
} wg_ack_guard_t;

/*
 * Set @g up with @key of @keylen bytes (0: none; at most WG_ACK_KEY_MAX,
 * longer is WG_EINVAL). The key is copied.
 */
int wg_ack_guard_init(wg_ack_guard_t *g, const void *key, size_t keylen);

/*
 * wg_ack_parse(), and with a key the signature: "ts" a whole number
 * within WG_ACK_TOLERANCE_S of @now, "sig" the ack's signature, and the
 * same signed ack not seen before. 0 with @ack filled but for its time
 * (ack->verified says whether it was signed); WG_EINVAL for a malformed
 * ack ("malformed ack: …" in @reason); WG_EAUTH for one refused, with
 * @ack's id and by filled and "refused ack: …" in @reason.
 */
int wg_ack_check(wg_ack_guard_t *g, const void *payload, size_t len, double now,
                 wg_ack_t *ack, char *reason, size_t size);

/*
 * May @ack, which changes nothing (its alert is not open, or it was refused:
 * ack->refused), leave an audit row at @now? 0: yes (it is counted);
 * 1: the same was audited lately; WG_EBUSY: over the budget.
 */
int wg_ack_audit_allow(wg_ack_guard_t *g, const wg_ack_t *ack, double now);

#endif
