/* SPDX-License-Identifier: MIT */
/*
 * The one CSV writer (common/csv.c) of the daily log and wardgatectl, into
 * a buffer as the daily log writes, and a failing sink's error kept (its
 * quoting and formulas through a FILE, as wardgatectl writes: in
 * test_ctl_sink.c).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "test.h"
#include "wardgate/error.h"

/* A sink into a buffer, as the daily log's. */
typedef struct buf_s {
  char text[256];
  size_t len;
} buf_t;

static int csv_put_buf(void *ud, const char *s, size_t n) {
  buf_t *b = ud;
  if (b->len + n >= sizeof(b->text))
    return WG_ETOOBIG;
  memcpy(b->text + b->len, s, n);
  b->len += n;
  b->text[b->len] = '\0';
  return 0;
}

/* Any sink: a header, then text and numbers, quoted and not. */
static void csv_into_a_buffer(void) {
  static const char *const head[] = {"id", "by", "n", NULL};
  buf_t b = {{0}, 0};
  wg_csv_t w;

  wg_csv_init(&w, csv_put_buf, &b);
  ASSERT_EQ(wg_csv_header(&w, head), 0);
  ASSERT_EQ(wg_csv_text(&w, "gw-1-000001"), 0);
  ASSERT_EQ(wg_csv_text(&w, "-Dr \"Who\""), 0);
  ASSERT_EQ(wg_csv_number(&w, "%d", 42), 0);
  ASSERT_EQ(wg_csv_end(&w), 0);
  ASSERT_STR_EQ(b.text, "\"id\",\"by\",\"n\"\n"
                        "\"gw-1-000001\",\"'-Dr \"\"Who\"\"\",42\n");
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

TEST_MAIN(T(csv_into_a_buffer), T(csv_keeps_the_first_error))
