/* SPDX-License-Identifier: MIT */
/*
 * An ack's check (hub/ack.c): its note's rule, its outcomes, and what the
 * parser takes and refuses, with the reason it gives.
 */
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
  ASSERT_EQ(parse("{\"id\":\"a\",\"by\":\"x\",\"outcome\":\"home\"}", &ack,
                  reason, sizeof(reason)),
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

TEST_MAIN(T(note_checked), T(outcomes_and_sizes))
