/* SPDX-License-Identifier: MIT */
/*
 * The kernel's clock state for tests, loaded with LD_PRELOAD: adjtimex(2)
 * reads the first word of the file named by WG_CLOCK_STATE: "unsync" gives
 * an unsynchronised clock (TIME_ERROR, STA_UNSYNC, the maximum error at
 * its limit), as after a power cut on a board without a real-time clock;
 * "sync" a clock NTP keeps (TIME_OK, 50 ms of maximum error). Without the
 * file the call is the kernel's. Only reads (modes 0) are answered.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

int adjtimex(struct timex *tx);

int adjtimex(struct timex *tx) {
  const char *path = getenv("WG_CLOCK_STATE");
  char word[16] = "";
  FILE *f;

  if (path != NULL && tx->modes == 0 && (f = fopen(path, "r")) != NULL) {
    if (fscanf(f, "%15s", word) != 1)
      word[0] = '\0';
    fclose(f);
    if (strcmp(word, "unsync") == 0) {
      tx->status = STA_UNSYNC;
      tx->maxerror = tx->esterror = 16000000;
      return TIME_ERROR;
    }
    if (strcmp(word, "sync") == 0) {
      tx->status = STA_PLL;
      tx->maxerror = 50000;
      tx->esterror = 1000;
      return TIME_OK;
    }
  }
  int (*real)(struct timex *) =
      (int (*)(struct timex *))dlsym(RTLD_NEXT, "adjtimex");
  return real != NULL ? real(tx) : -1;
}
