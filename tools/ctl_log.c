/* SPDX-License-Identifier: MIT */
/* wardgatectl log: the daily escalation log of a local day, from the
 * database. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic/daylog.h"
#include "wardgate/error.h"
#include "wardgatectl.h"

int ctl_cmd_log(ctl_t *c) {
  wg_store_t *s;
  struct tm tm = {0};
  double day;
  char *text;
  int rc;

  if (c->day != NULL) {
    if (strptime(c->day, "%Y-%m-%d", &tm) == NULL)
      ctl_die(EX_USAGE, "--day takes YYYY-MM-DD, not %s", c->day);
  } else { /* yesterday */
    time_t t = time(NULL) - 86400;
    localtime_r(&t, &tm);
  }
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  day = (double)mktime(&tm);
  s = ctl_store(c);
  text = wg_daylog_text(c->gateway, day, c->csv, wg_store_day_log, s, &rc);
  if (text == NULL)
    ctl_die(EX_SETUP, "cannot make the log: %s", wg_strerror(rc));
  fputs(text, stdout);
  if (text[0] && text[strlen(text) - 1] != '\n')
    fputc('\n', stdout);
  free(text);
  return EX_OK;
}
