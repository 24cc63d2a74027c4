/* SPDX-License-Identifier: MIT */
/*
 * bench_store: what storing the ward stream's readings costs by itself,
 * with nothing else of the daemon: the store's own schema and INSERT
 * (wg_store_put_reading), N packs of bench_pub's ward stream (an SpO2 and a
 * heart rate from each of D oximeters, the same times and text) into a new
 * database, committed COMMIT packs at a time and checkpointed when due, as
 * the daemon does. Prints, for each COMMIT, the CPU microseconds per pack.
 * Whatever else the daemon does comes on top: this is the floor of any design
 * that keeps a row per reading in this table. bench_store DB N D COMMIT...
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "commit/store.h"
#include "wardgate/log.h"

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Returns CPU seconds per pack, or a negative number on a store error. */
static double run(const char *db, long n, long d, long group) {
  char device[32], patient[32], wal[4096], err[256];
  long long base_us = (long long)time(NULL) * 1000000;
  wg_store_t *s;
  double c0, cpu = -1;

  snprintf(wal, sizeof(wal), "%s-wal", db);
  unlink(db);
  unlink(wal);
  if (wg_store_open(&s, db, WG_DURABILITY_PROCESS) != 0)
    return -1;
  c0 = cpu_s();
  for (long i = 0; i < n; i++) {
    long dev = i % d + 1, k = i / d;
    double ts = (double)(base_us + i / d) / 1e6;
    wg_reading_t r[2] = {
        {.device_id = device,
         .patient_id = patient,
         .name = "spo2",
         .unit = "%",
         .ts = ts,
         .received = ts + 0.1,
         .value = (k + dev) % 60 < 10 ? 91 : 96,
         .flags = WG_READING_HAS_VALUE},
        {.device_id = device,
         .patient_id = patient,
         .name = "hr",
         .unit = "beat/min",
         .ts = ts,
         .received = ts + 0.1,
         .value = (double)(90 + k % 2),
         .flags = WG_READING_HAS_VALUE},
    };

    snprintf(device, sizeof(device), "oxi-%ld", dev);
    snprintf(patient, sizeof(patient), "w-%ld", dev);
    if ((i % group == 0 && wg_store_begin(s) != 0) ||
        wg_store_put_reading(s, &r[0]) != 1 ||
        wg_store_put_reading(s, &r[1]) != 1 ||
        ((i % group == group - 1 || i == n - 1) && wg_store_commit(s) != 0)) {
      fprintf(stderr, "bench_store: pack %ld not stored\n", i);
      goto done;
    }
    /* The WAL copied back when due, as the daemon does (on its thread
     * pool; the CPU is the same). */
    if (i % group == group - 1 && wg_store_checkpoint_due(s) &&
        wg_store_checkpoint(s, err, sizeof(err)) != 0) {
      fprintf(stderr, "bench_store: checkpoint: %s\n", err);
      goto done;
    }
  }
  cpu = (cpu_s() - c0) / (double)n;

done:
  wg_store_close(s);
  unlink(db);
  unlink(wal);
  return cpu;
}

int main(int argc, char **argv) {
  long n, d;

  if (argc < 5 || (n = atol(argv[2])) <= 0 || (d = atol(argv[3])) <= 0) {
    fprintf(stderr, "usage: bench_store DB N D COMMIT...\n");
    return 2;
  }
  wg_log_set_level(LOG_WARNING);
  for (int i = 4; i < argc; i++) {
    long group = atol(argv[i]);
    double cpu;

    if (group <= 0 || (cpu = run(argv[1], n, d, group)) < 0)
      return 1;
    printf("%ld %.2f\n", group, cpu * 1e6);
  }
  return 0;
}
