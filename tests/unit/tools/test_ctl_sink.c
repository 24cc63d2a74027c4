/* SPDX-License-Identifier: MIT */
/*
 * wardgatectl's sinks: text from outside shown on a terminal, never acted
 * on; CSV (common/csv.c's writer, the daily log's too, to a FILE as
 * wardgatectl writes) with fields quoted as RFC 4180 says and formulas
 * made text.
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

/* One record through the writer, as text. */
static char *csv_record(const char *const *cells, int number) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  wg_csv_t w = WG_CSV_FILE(f);

  for (; *cells != NULL; cells++)
    wg_csv_text(&w, *cells);
  if (number)
    wg_csv_number(&w, "%d", number);
  wg_csv_end(&w);
  fclose(f);
  return text;
}

static void csv_quotes_and_neutralises(void) {
  const char *plain[] = {"p-001", "", "a,b", "say \"hi\"", "l1\nl2", NULL};
  const char *formulas[] = {"=1+2", "+1",  "-1",  "@SUM(A1)",
                            "\tx",  "\rx", "a=1", NULL};
  const char *forged[] = {"97\n1700000000,p-002,oxi-9,spo2,%,71", NULL};
  char *text;

  text = csv_record(plain, -3);
  ASSERT_STR_EQ(text, "\"p-001\",\"\",\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\","
                      "-3\n");
  free(text);
  text = csv_record(formulas, 0);
  ASSERT_STR_EQ(text, "\"'=1+2\",\"'+1\",\"'-1\",\"'@SUM(A1)\",\"'\tx\","
                      "\"'\rx\",\"a=1\"\n");
  free(text);
  /* A value cannot start a record of its own: it stays in its field. */
  text = csv_record(forged, 0);
  ASSERT_STR_EQ(text, "\"97\n1700000000,p-002,oxi-9,spo2,%,71\"\n");
  free(text);
}

TEST_MAIN(T(term_shows_controls), T(term_cuts_whole),
          T(csv_quotes_and_neutralises))
