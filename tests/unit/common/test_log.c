/* SPDX-License-Identifier: MIT */
/*
 * The journal's escaping (common/log.c): text from outside cannot forge a
 * journal line, at any priority, nor reach a terminal as an escape.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "wardgate/log.h"

/* What wg_log() writes for @by, under journald (JOURNAL_STREAM set). */
static void logged(const char *by, char *out, size_t size) {
  char path[64];
  FILE *f;
  int saved = dup(2), fd;
  size_t n;

  snprintf(path, sizeof(path), "/tmp/wg-test-log-%d", (int)getpid());
  fflush(stderr);
  fd = fileno(fopen(path, "w"));
  dup2(fd, 2);
  wg_log(LOG_WARNING, "hub: ack rejected: by %s", by);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  f = fopen(path, "r");
  n = fread(out, 1, size - 1, f);
  out[n] = '\0';
  fclose(f);
  unlink(path);
}

static void no_forged_lines(void) {
  char out[2048];

  setenv("JOURNAL_STREAM", "8:1234", 1);
  logged("x\n<0>wardgated: emergency: forged", out, sizeof(out));
  ASSERT_STR_EQ(out, "<4>hub: ack rejected: by x\\x0a<0>wardgated: "
                     "emergency: forged\n");
  logged("a\r\x1b[2Jb\x7f\tc", out, sizeof(out));
  ASSERT_STR_EQ(out, "<4>hub: ack rejected: by a\\x0d\\x1b[2Jb\\x7f\\x09c\n");
  /* UTF-8 stays as it is. */
  logged("Dr \xc3\x89mile", out, sizeof(out));
  ASSERT_STR_EQ(out, "<4>hub: ack rejected: by Dr \xc3\x89mile\n");
}

TEST_MAIN(T(no_forged_lines))
