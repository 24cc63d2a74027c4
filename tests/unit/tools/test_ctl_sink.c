/* SPDX-License-Identifier: MIT */
/*
 * wardgatectl's terminal sink: text from outside shown on a terminal,
 * never acted on (its CSV is common/csv.c's, tested in test_csv.c).
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "test.h"
#include "wardgatectl.h"

static void term_shows_controls(void) {
  char out[CTL_TERM_SIZE(64)];

  ASSERT_STR_EQ(ctl_term("Nurse Jones", out, sizeof(out)), "Nurse Jones");
  ASSERT_STR_EQ(ctl_term("x\x1b[2J\ny", out, sizeof(out)), "x\\x1b[2J\\x0ay");
  ASSERT_STR_EQ(ctl_term("\r\t\x7f", out, sizeof(out)), "\\x0d\\x09\\x7f");
  /* A literal backslash cannot pass for an escape. */
  ASSERT_STR_EQ(ctl_term("a\\x1b", out, sizeof(out)), "a\\\\x1b");
  /* UTF-8 stays; C1 (CSI), bidirectional overrides and bytes that are not
   * UTF-8 are shown. */
  ASSERT_STR_EQ(ctl_term("SpO\xe2\x82\x82 \xc2\xb0"
                         "C",
                         out, sizeof(out)),
                "SpO\xe2\x82\x82 \xc2\xb0"
                "C");
  ASSERT_STR_EQ(ctl_term("\xc2\x9b"
                         "2J",
                         out, sizeof(out)),
                "\\u009b2J");
  ASSERT_STR_EQ(ctl_term("a\xe2\x80\xae"
                         "b",
                         out, sizeof(out)),
                "a\\u202eb");
  ASSERT_STR_EQ(ctl_term("\xff\xc3(", out, sizeof(out)), "\\xff\\xc3(");
  ASSERT_STR_EQ(ctl_term("\xed\xa0\x80", out, sizeof(out)),
                "\\xed\\xa0\\x80"); /* a surrogate */
  ASSERT_STR_EQ(ctl_term(NULL, out, sizeof(out)), "");
}

static void term_cuts_whole(void) {
  char out[8];

  ASSERT_STR_EQ(ctl_term("abcdefg", out, sizeof(out)), "abcdefg");
  ASSERT_STR_EQ(ctl_term("abcdefgh", out, sizeof(out)), "abcd...");
  ASSERT_STR_EQ(ctl_term("ab\x1b"
                         "cdef",
                         out, sizeof(out)),
                "ab...");
  ASSERT_STR_EQ(ctl_term("\xc2\xb0\xc2\xb0\xc2\xb0\xc2\xb0", out, sizeof(out)),
                "\xc2\xb0\xc2\xb0...");
  ASSERT_STR_EQ(ctl_term("abc", out, 2), "a");
}

TEST_MAIN(T(term_shows_controls), T(term_cuts_whole))
