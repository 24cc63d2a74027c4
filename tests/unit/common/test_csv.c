/* SPDX-License-Identifier: MIT */
/*
 * The one CSV writer (common/csv.c) of the daily log and wardgatectl:
 * every text field quoted as RFC 4180 says, formulas made text, and a
 * failing sink's error kept.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "common/csv.h"
#include "test.h"
#include "wardgate/error.h"

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

/* A sink that takes @ud bytes, then fails. */
static int csv_put_few(void *ud, const char *s, size_t n) {
  size_t *room = ud;
  (void)s;
  if (n > *room)
    return WG_ENOMEM;
  *room -= n;
  return 0;
}

static void csv_keeps_the_first_error(void) {
  size_t room = 5;
  wg_csv_t w;

  wg_csv_init(&w, csv_put_few, &room);
  ASSERT_EQ(wg_csv_text(&w, "ab"), 0); /* "ab" */
  ASSERT_EQ(wg_csv_text(&w, "cd"), WG_ENOMEM);
  ASSERT_EQ(wg_csv_number(&w, "%d", 1), WG_ENOMEM);
  ASSERT_EQ(wg_csv_end(&w), WG_ENOMEM);
  ASSERT_EQ(room, 0); /* "ab" and the comma */
}

TEST_MAIN(T(csv_quotes_and_neutralises), T(csv_keeps_the_first_error))
