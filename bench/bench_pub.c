/* SPDX-License-Identifier: MIT */
/*
 * bench_pub: publishes N SenML packs of two records (spo2, hr), QoS 1,
 * round-robin over D devices oxi-1..oxi-D, each pack with its own time;
 * waits for every PUBACK. As fast as the broker takes them, or RATE packs
 * a second.
 *   bench_pub PORT N D [steady|ward|falls [RATE]]
 * steady (the default): vitals that never cross a band or a limit.
 * ward: a ward's stream. Each device's heart rate alternates 90 and 91
 *   (the edge of NEWS2's 0 and 1), and its SpO2 spends 10 of every 60
 *   packs at 91 %: below a limit of 92 and scoring a NEWS2 3, so that
 *   threshold and NEWS2 alerts are raised, repeated and cleared.
 * falls: one fall from each of fall-1..fall-N (D unused).
 */
#include <mosquitto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_long acked;

static void on_publish(struct mosquitto *m, void *obj, int mid) {
  (void)m;
  (void)obj;
  (void)mid;
  atomic_fetch_add(&acked, 1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  struct mosquitto *m;
  long n, d;
  int port;
  double t0, rate;
  long long base_us;
  const char *mode = argc > 4 ? argv[4] : "steady";

  if (argc < 4 || argc > 6 ||
      (strcmp(mode, "steady") != 0 && strcmp(mode, "ward") != 0 &&
       strcmp(mode, "falls") != 0)) {
    fprintf(stderr, "usage: bench_pub PORT N DEVICES [steady|ward|falls "
                    "[RATE]]\n");
    return 2;
  }
  port = atoi(argv[1]);
  n = atol(argv[2]);
  d = atol(argv[3]);
  rate = argc > 5 ? strtod(argv[5], NULL) : 0;
  mosquitto_lib_init();
  m = mosquitto_new(NULL, true, NULL);
  mosquitto_max_inflight_messages_set(m, 1000);
  mosquitto_publish_callback_set(m, on_publish);
  if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "bench_pub: cannot connect\n");
    return 1;
  }
  mosquitto_loop_start(m);
  t0 = now_s();
  base_us = (long long)(t0 * 1e6);
  for (long i = 0; i < n; i++) {
    char topic[64], payload[160];
    /* A distinct time per pack of a device, a microsecond apart; in
     * integer microseconds, so that no two round to the same text. */
    long long us = base_us + i / d;
    long dev = i % d + 1, k = i / d, spo2 = 96 + i % 4, hr = 60 + i % 30;

    if (strcmp(mode, "falls") == 0) {
      snprintf(topic, sizeof(topic), "wardgate/dev/fall-%ld/senml", i + 1);
      snprintf(payload, sizeof(payload),
               "[{\"bt\":%lld.%06lld,\"n\":\"fall\",\"vb\":true}]",
               us / 1000000, us % 1000000);
    } else {
      if (strcmp(mode, "ward") == 0) {
        hr = 90 + k % 2;
        spo2 = (k + dev) % 60 < 10 ? 91 : 96;
      }
      snprintf(topic, sizeof(topic), "wardgate/dev/oxi-%ld/senml", dev);
      snprintf(payload, sizeof(payload),
               "[{\"bn\":\"oxi-%ld:\",\"bt\":%lld.%06lld,\"n\":\"spo2\","
               "\"u\":\"%%\",\"v\":%ld},{\"n\":\"hr\",\"u\":\"beat/min\","
               "\"v\":%ld}]",
               dev, us / 1000000, us % 1000000, spo2, hr);
    }
    if (rate > 0) { /* paced: the i-th pack leaves at t0 + i / rate */
      double wait = t0 + (double)i / rate - now_s();
      if (wait > 0) {
        struct timespec ts = {(time_t)wait,
                              (long)((wait - (double)(time_t)wait) * 1e9)};
        nanosleep(&ts, NULL);
      }
    }
    /* Bound what libmosquitto queues: wait while far ahead of the acks. */
    while (i - atomic_load(&acked) > 5000) {
      struct timespec ts = {0, 200000};
      nanosleep(&ts, NULL);
    }
    if (mosquitto_publish(m, NULL, topic, (int)strlen(payload), payload, 1,
                          false) != MOSQ_ERR_SUCCESS) {
      fprintf(stderr, "bench_pub: publish failed\n");
      return 1;
    }
  }
  while (atomic_load(&acked) < n) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  printf("%.6f %.6f\n", t0, now_s());
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  return 0;
}
