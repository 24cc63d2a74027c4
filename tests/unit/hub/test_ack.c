/* SPDX-License-Identifier: MIT */
/*
 * An ack's check (hub/ack.c): its note's and by's rules, its outcomes,
 * what the parser takes and refuses, with the reason it gives; the
 * canonical form (RFC 8785) of a flat ack, the signature, and the guard:
 * unsigned, badly signed, stale and replayed acks refused, its memory
 * bounded.
 */
#include <stdlib.h>

#include "failalloc.h"
#include "hub/ack.h"
#include "test.h"
#include "wardgate/error.h"

/* An ack's note: UTF-8 as RFC 3629 has it, no control character, at most
 * 500 characters. */
static void note_checked(void) {
  static const struct {
    const char *note, *problem; /* NULL: fine */
  } cases[] = {
      {"Seen at home; GP informed", NULL},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL},
      {"a\tb", "control"},
      {"a\x7f", "control"},
      {"\xc2\x85", "control"},           /* U+0085, C1 */
      {"\xc0\x8a", "not UTF-8"},         /* an overlong LF */
      {"\xe0\x80\x8a", "not UTF-8"},     /* overlong again */
      {"\xed\xa0\x80", "not UTF-8"},     /* a surrogate */
      {"\xf4\x90\x80\x80", "not UTF-8"}, /* past U+10FFFF */
      {"\xf5\x80\x80\x80", "not UTF-8"},
      {"\xc3", "not UTF-8"}, /* cut short */
  };
  char long_note[600];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *got = wg_ack_note_problem(cases[i].note);
    if ((got == NULL) != (cases[i].problem == NULL) ||
        (got != NULL && strstr(got, cases[i].problem) == NULL))
      FAIL_AT("case %zu: %s, want %s", i, got ? got : "fine",
              cases[i].problem ? cases[i].problem : "fine");
  }
  memset(long_note, 'x', 500);
  long_note[500] = '\0';
  ASSERT(wg_ack_note_problem(long_note) == NULL);
  long_note[500] = 'x';
  long_note[501] = '\0';
  ASSERT_CONTAINS(wg_ack_note_problem(long_note), "longer than 500");
}

static int parse(const char *json, wg_ack_t *ack, char *reason, size_t size) {
  reason[0] = '\0';
  return wg_ack_parse(json, strlen(json), ack, reason, size);
}

/* Each outcome of the list is taken as it is; a note of 500 characters,
 * two bytes each, is taken and 501 is not; a large ack is refused unread. */
static void outcomes_and_sizes(void) {
  char note[1200], json[1400], reason[320], big[WG_ACK_MAX_BYTES + 16];
  wg_ack_t ack;

  for (int k = 0; wg_ack_outcomes[k] != NULL; k++) {
    snprintf(json, sizeof(json),
             "{\"id\":\"gw-1-000009\",\"by\":\"x\",\"outcome\":\"%s\"}",
             wg_ack_outcomes[k]);
    ASSERT_EQ(parse(json, &ack, reason, sizeof(reason)), 0);
    ASSERT_STR_EQ(ack.outcome, wg_ack_outcomes[k]);
  }
  ASSERT_EQ(parse("{\"id\":\"gw-1-000001\",\"by\":\"x\",\"outcome\":\"home\"}",
                  &ack, reason, sizeof(reason)),
            WG_EINVAL);
  ASSERT_CONTAINS(reason, "malformed ack: \"outcome\" must be one of advice");
  for (int i = 0; i < 500; i++)
    memcpy(note + 2 * i, "\xc3\xa9", 2);
  note[1000] = '\0';
  snprintf(json, sizeof(json),
           "{\"id\":\"gw-1-000002\",\"by\":\"x\",\"note\":\"%s\"}", note);
  ASSERT_EQ(parse(json, &ack, reason, sizeof(reason)), 0);
  ASSERT_STR_EQ(ack.id, "gw-1-000002");
  ASSERT_EQ(strlen(ack.note), 1000);
  snprintf(json, sizeof(json),
           "{\"id\":\"gw-1-000003\",\"by\":\"x\",\"note\":\"%sz\"}", note);
  ASSERT_EQ(parse(json, &ack, reason, sizeof(reason)), WG_EINVAL);
  ASSERT_STR_EQ(reason,
                "malformed ack: \"note\" is longer than 500 characters");
  memset(big, ' ', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  ASSERT_EQ(parse(big, &ack, reason, sizeof(reason)), WG_EINVAL);
  ASSERT_STR_EQ(reason, "malformed ack: larger than 8192 bytes");
}

/* "id": a gateway id, "-", 6 or more digits; anything else refused
 * clearly, before it can reach a journal line or the store. */
static void id_checked(void) {
  static const struct {
    const char *id;
    bool ok;
  } cases[] = {
      {"gw-1-000001", true},
      {"gw_0001-1234567", true},
      {"a-000000", true},
      {"gw-1-00001", false},         /* 5 digits */
      {"gw-1-000001x", false},       /* trailing */
      {"-000001", false},            /* no gateway */
      {"000001", false},             /* no dash */
      {"gw 1-000001", false},        /* a space */
      {"gw\n1-000001", false},       /* a line break */
      {"gw/1-000001", false},        /* a topic separator */
      {"gw-1-00000\xd9\xa1", false}, /* an Arabic-Indic digit */
      {"x", false},
  };
  char json[300], reason[320], gw[80];
  wg_ack_t ack;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    if ((wg_ack_id_problem(cases[i].id) == NULL) != cases[i].ok)
      FAIL_AT("case %zu: %s", i, cases[i].id);
  memset(gw, 'g', 64);
  snprintf(gw + 64, sizeof(gw) - 64, "-000001");
  ASSERT(wg_ack_id_problem(gw) == NULL);
  memmove(gw + 1, gw, strlen(gw) + 1); /* 65 characters of gateway id */
  ASSERT(wg_ack_id_problem(gw) != NULL);
  ASSERT_EQ(parse("{\"id\":\"gw-1-1\\n<0>forged\",\"by\":\"x\"}", &ack, reason,
                  sizeof(reason)),
            WG_EINVAL);
  ASSERT_STR_EQ(reason, "malformed ack: \"id\" is not an alert id (<gateway "
                        "id>-<6 or more digits>)");
  snprintf(json, sizeof(json), "{\"id\":\"gw-1-000042\",\"by\":\"x\"}");
  ASSERT_EQ(parse(json, &ack, reason, sizeof(reason)), 0);
  ASSERT_STR_EQ(ack.id, "gw-1-000042");
}

/* "by": no control character, at most 64 characters. */
static void by_checked(void) {
  char json[400], reason[320];
  wg_ack_t ack;

  ASSERT(wg_ack_by_problem("Dr Who") == NULL);
  ASSERT_CONTAINS(wg_ack_by_problem("Dr\nWho"), "control character");
  ASSERT_EQ(parse("{\"id\":\"gw-1-000001\",\"by\":\"x\\n<0>forged\"}", &ack,
                  reason, sizeof(reason)),
            WG_EINVAL);
  ASSERT_STR_EQ(reason, "malformed ack: \"by\" holds a control character");
  snprintf(json, sizeof(json), "{\"id\":\"gw-1-000001\",\"by\":\"%064d\"}", 0);
  ASSERT_EQ(parse(json, &ack, reason, sizeof(reason)), 0);
  snprintf(json, sizeof(json), "{\"id\":\"gw-1-000001\",\"by\":\"%065d\"}", 0);
  ASSERT_EQ(parse(json, &ack, reason, sizeof(reason)), WG_EINVAL);
  ASSERT_STR_EQ(reason, "malformed ack: \"by\" is longer than 64 characters");
}

static int canon(const char *json, char *out, size_t size, const char **why) {
  cJSON *o = cJSON_Parse(json);
  size_t len = 0;
  int rc;

  if (o == NULL)
    return -1000;
  rc = wg_ack_canonical(o, out, size, &len, why);
  cJSON_Delete(o);
  if (rc == 0 && len != strlen(out))
    return -1001;
  return rc;
}

/* RFC 8785 for the flat shape: sorted by UTF-16 code units (U+1F600 comes
 * before U+FB01 there, after it by code point), "sig" left out, strings
 * as JSON.stringify writes them, whole numbers in plain digits. */
static void canonical_form(void) {
  char out[512];
  const char *why;

  ASSERT_EQ(canon("{ \"ts\": 1763900000, \"id\": \"gw-1-000001\", \"sig\": "
                  "\"x\", \"by\": \"Dr Who\" }",
                  out, sizeof(out), &why),
            0);
  ASSERT_STR_EQ(out,
                "{\"by\":\"Dr Who\",\"id\":\"gw-1-000001\",\"ts\":1763900000}");
  ASSERT_EQ(canon("{\"\\ufb01\":1,\"\\ud83d\\ude00\":2,\"a\":3,\"\\u20ac\":"
                  "4,\"B\":5}",
                  out, sizeof(out), &why),
            0);
  ASSERT_STR_EQ(out, "{\"B\":5,\"a\":3,\"\xe2\x82\xac\":4,"
                     "\"\xf0\x9f\x98\x80\":2,\"\xef\xac\x81\":1}");
  ASSERT_EQ(canon("{\"s\":\"\\u0001\\n\\t\\\"\\\\\\/\\u00e9\\u2028\",\"n\":"
                  "null,\"t\":true,\"f\":false,\"z\":-0,\"e\":1e3}",
                  out, sizeof(out), &why),
            0);
  ASSERT_STR_EQ(out, "{\"e\":1000,\"f\":false,\"n\":null,\"s\":\"\\u0001\\n"
                     "\\t\\\"\\\\/\xc3\xa9\xe2\x80\xa8\",\"t\":true,\"z\":0}");
  ASSERT_EQ(canon("{\"a\":1.5}", out, sizeof(out), &why), WG_EINVAL);
  ASSERT_CONTAINS(why, "whole number");
  ASSERT_EQ(canon("{\"a\":[1]}", out, sizeof(out), &why), WG_EINVAL);
  ASSERT_EQ(canon("{\"a\":\"long enough\"}", out, 8, &why), WG_ETOOBIG);
}

/* HMAC-SHA256 as RFC 4231 test case 2 has it, in base64url. */
static void signature_known(void) {
  static const char data[] = "what do ya want for nothing?";
  char sig[WG_ACK_SIG_CHARS + 1];

  ASSERT_EQ(wg_ack_sign_text("Jefe", 4, data, strlen(data), sig), 0);
  ASSERT_STR_EQ(sig, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
  ASSERT_EQ(wg_ack_sign_text("", 0, data, strlen(data), sig), WG_EINVAL);
  ASSERT_EQ(wg_ack_key_len("k\n", 2), 1);
  ASSERT_EQ(wg_ack_key_len("k\n\n", 3), 2);
  ASSERT_EQ(wg_ack_key_len("k", 1), 1);
}

#define KEY "0123456789abcdef0123456789abcdef"
#define NOW 1763900000.0

static int check(wg_ack_guard_t *g, const char *json, double now, wg_ack_t *ack,
                 char *reason) {
  reason[0] = '\0';
  return wg_ack_check(g, json, strlen(json), now, ack, reason, 320);
}

/* A signed ack of @id at @ts, into @json. */
static void sign(const char *id, long ts, char *json, size_t size) {
  char text[256], sig[WG_ACK_SIG_CHARS + 1];

  snprintf(text, sizeof(text), "{\"by\":\"Dr Who\",\"id\":\"%s\",\"ts\":%ld}",
           id, ts);
  if (wg_ack_sign_text(KEY, 32, text, strlen(text), sig) != 0)
    abort();
  snprintf(json, size,
           "{\"id\":\"%s\",\"by\":\"Dr Who\",\"ts\":%ld,"
           "\"sig\":\"%s\"}",
           id, ts, sig);
}

static void guard_checks(void) {
  static const char good[] =
      "{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"ts\":1763900000,"
      "\"sig\":\"PM-D76W0jg0fcN1-5BZRSFfofktz1Rg4os2rqyrTa1g\"}";
  wg_ack_guard_t *g = malloc(sizeof(*g));
  char reason[320];
  wg_ack_t ack;

  ASSERT(g != NULL);
  /* Without a key: taken as today, unverified. */
  ASSERT_EQ(wg_ack_guard_init(g, NULL, 0), 0);
  ASSERT_EQ(
      check(g, "{\"id\":\"gw-1-000001\",\"by\":\"x\"}", NOW, &ack, reason), 0);
  ASSERT(!ack.verified);
  ASSERT_EQ(check(g, good, NOW, &ack, reason), 0);
  ASSERT(!ack.verified);
  ASSERT_EQ(check(g, "{\"id\":\"gw-1-000001\",\"by\":\"x\\u0000\"}", NOW, &ack,
                  reason),
            WG_EINVAL);
  /* With one: the worked example of the README is taken, once. */
  ASSERT_EQ(wg_ack_guard_init(g, KEY, 32), 0);
  ASSERT_EQ(check(g, good, NOW + 299, &ack, reason), 0);
  ASSERT(ack.verified);
  ASSERT_STR_EQ(ack.id, "gw-1-000001");
  ASSERT_EQ(check(g, good, NOW + 1, &ack, reason), WG_EAUTH);
  ASSERT_CONTAINS(reason, "refused ack: replayed");
  ASSERT_STR_EQ(ack.id, "gw-1-000001");
  ASSERT_STR_EQ(ack.by, "Dr Who");
  ASSERT_EQ(wg_ack_guard_init(g, KEY, 32), 0);
  ASSERT_EQ(check(g, good, NOW + 301, &ack, reason), WG_EAUTH);
  ASSERT_CONTAINS(reason, "refused ack: stale");
  ASSERT_EQ(check(g, good, NOW - 301, &ack, reason), WG_EAUTH);
  ASSERT_CONTAINS(reason, "refused ack: stale");
  ASSERT_EQ(
      check(g, "{\"id\":\"gw-1-000001\",\"by\":\"x\"}", NOW, &ack, reason),
      WG_EAUTH);
  ASSERT_STR_EQ(reason, "refused ack: unsigned (no \"sig\")");
  ASSERT_EQ(check(g,
                  "{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"ts\":"
                  "1763900000.5,\"sig\":\"PM-D76W0jg0fcN1-5BZRSFfofktz1Rg4os2"
                  "rqyrTa1g\"}",
                  NOW, &ack, reason),
            WG_EAUTH);
  ASSERT_CONTAINS(reason, "whole Unix seconds");
  /* Another by, the same signature: a forgery. */
  ASSERT_EQ(check(g,
                  "{\"id\":\"gw-1-000001\",\"by\":\"Dr No\",\"ts\":1763900000,"
                  "\"sig\":\"PM-D76W0jg0fcN1-5BZRSFfofktz1Rg4os2rqyrTa1g\"}",
                  NOW, &ack, reason),
            WG_EAUTH);
  ASSERT_STR_EQ(reason, "refused ack: bad signature");
  /* Another key. */
  ASSERT_EQ(wg_ack_guard_init(g, KEY "x", 33), 0);
  ASSERT_EQ(check(g, good, NOW, &ack, reason), WG_EAUTH);
  ASSERT_STR_EQ(reason, "refused ack: bad signature");
  free(g);
}

/* The memory of acks seen is bounded: at the limit a new ack is refused
 * (never is an old one forgotten while it could be replayed), and room
 * comes back as acks age out of the tolerance. */
static void guard_bounded(void) {
  wg_ack_guard_t *g = malloc(sizeof(*g));
  char reason[320], json[256], id[32];
  wg_ack_t ack;

  ASSERT(g != NULL);
  ASSERT_EQ(wg_ack_guard_init(g, KEY, 32), 0);
  for (int i = 0; i < WG_ACK_SEEN_MAX; i++) {
    snprintf(id, sizeof(id), "gw-1-%06d", i);
    sign(id, (long)NOW, json, sizeof(json));
    if (check(g, json, NOW, &ack, reason) != 0)
      FAIL_AT("ack %d: %s", i, reason);
  }
  sign("gw-1-999999", (long)NOW, json, sizeof(json));
  ASSERT_EQ(check(g, json, NOW, &ack, reason), WG_EAUTH);
  ASSERT_CONTAINS(reason, "too many signed acks");
  sign("gw-1-000000", (long)NOW, json, sizeof(json));
  ASSERT_EQ(check(g, json, NOW + 300, &ack, reason), WG_EAUTH);
  ASSERT_CONTAINS(reason, "replayed");
  sign("gw-1-999999", (long)NOW + 200, json, sizeof(json));
  ASSERT_EQ(check(g, json, NOW + 301, &ack, reason), 0);
  ASSERT_EQ(g->nseen, WG_ACK_SEEN_MAX);
  free(g);
}

/* The reference signer: what it signs, the guard takes; the README's
 * worked example is this one. */
static void sign_then_check(void) {
  wg_ack_guard_t *g = malloc(sizeof(*g));
  char reason[320], *canonical = NULL, *text;
  wg_ack_t ack;
  int rc;

  ASSERT(g != NULL);
  text = wg_ack_sign(KEY, 32, "gw-1-000001", "Dr Who", NULL, NULL, NOW,
                     &canonical, &rc, reason, sizeof(reason));
  ASSERT_EQ(rc, 0);
  ASSERT_STR_EQ(text, "{\"id\":\"gw-1-000001\",\"by\":\"Dr Who\",\"ts\":"
                      "1763900000,\"sig\":\"PM-D76W0jg0fcN1-5BZRSFfofktz1Rg4os"
                      "2rqyrTa1g\"}");
  ASSERT_STR_EQ(canonical,
                "{\"by\":\"Dr Who\",\"id\":\"gw-1-000001\",\"ts\":1763900000}");
  free(canonical);
  free(text);
  text = wg_ack_sign(KEY, 32, "gw-1-000002", "Dr Who", "visit",
                     "Seen at home \xe2\x80\x94 \"fine\"", NOW, NULL, &rc,
                     reason, sizeof(reason));
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(wg_ack_guard_init(g, KEY, 32), 0);
  ASSERT_EQ(check(g, text, NOW, &ack, reason), 0);
  ASSERT(ack.verified);
  ASSERT_STR_EQ(ack.outcome, "visit");
  free(text);
  ASSERT(wg_ack_sign(KEY, 32, "gw-1-000002", "Dr\nWho", NULL, NULL, NOW, NULL,
                     &rc, reason, sizeof(reason)) == NULL);
  ASSERT_EQ(rc, WG_EINVAL);
  ASSERT_CONTAINS(reason, "\"by\" holds a control character");
  free(g);
}

/* Acks that change nothing leave an audit row within a budget: the same
 * (alert, by, outcome, refused or late) once, a burst of others, then one a
 * minute for the whole gateway. */
static void audit_budget(void) {
  wg_ack_guard_t *g = malloc(sizeof(*g));
  wg_ack_t ack = {.id = "gw-1-000001", .by = "nurse"};
  int allowed = 0;

  ASSERT(g != NULL);
  ASSERT_EQ(wg_ack_guard_init(g, NULL, 0), 0);
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW), 0);
  for (int i = 0; i < 300; i++)
    ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW + i), 1);
  /* Refused is another row than late; another outcome another again. */
  snprintf(ack.refused, sizeof(ack.refused), "refused ack: bad signature");
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW), 0);
  ack.refused[0] = '\0';
  snprintf(ack.outcome, sizeof(ack.outcome), "visit");
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW), 0);
  /* 300 others at once: the rest of the burst. */
  for (int i = 0; i < 300; i++) {
    snprintf(ack.by, sizeof(ack.by), "by-%d", i);
    allowed += wg_ack_audit_allow(g, &ack, NOW) == 0;
  }
  ASSERT_EQ(allowed, WG_ACK_AUDIT_BURST - 3);
  snprintf(ack.by, sizeof(ack.by), "by-0");
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW + 30), 1); /* audited */
  snprintf(ack.by, sizeof(ack.by), "by-x");
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW + 30), WG_EBUSY);
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW + WG_ACK_AUDIT_EVERY_S), 0);
  snprintf(ack.by, sizeof(ack.by), "by-y");
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW + WG_ACK_AUDIT_EVERY_S), WG_EBUSY);
  /* A clock stepped back gives no tokens. */
  ASSERT_EQ(wg_ack_audit_allow(g, &ack, NOW - 86400), WG_EBUSY);
  free(g);
}

static char *sign_build(void *data) {
  char reason[320], *canonical = NULL;
  int rc;
  char *text = wg_ack_sign(KEY, 32, "gw-1-000001", "Dr Who", "visit", "n", NOW,
                           &canonical, &rc, reason, sizeof(reason));

  (void)data;
  if ((text == NULL) != (rc == WG_ENOMEM) ||
      (text != NULL) != (canonical != NULL))
    abort();
  free(canonical);
  return text;
}

/* Out of memory, the signed ack is whole or absent. */
static void sign_out_of_memory(void) {
  char *text = sign_build(NULL);

  ASSERT(text != NULL);
  free(text);
  ASSERT(failalloc_every(sign_build, NULL) >= 5);
}

TEST_MAIN(T(sign_then_check), T(sign_out_of_memory), T(note_checked),
          T(outcomes_and_sizes), T(id_checked), T(by_checked),
          T(canonical_form), T(signature_known), T(guard_checks),
          T(guard_bounded), T(audit_budget))
