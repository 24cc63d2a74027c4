/* SPDX-License-Identifier: MIT */
/*
 * bench_pub: publishes N SenML packs of two records (spo2, hr), QoS 1, as
 * fast as the broker takes them, round-robin over D devices oxi-1..oxi-D,
 * each pack with its own time; waits for every PUBACK.
 *   bench_pub PORT N D
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
  double t0;
  long long base_us;

  if (argc != 4) {
    fprintf(stderr, "usage: bench_pub PORT N DEVICES\n");
    return 2;
  }
  port = atoi(argv[1]);
  n = atol(argv[2]);
  d = atol(argv[3]);
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
    snprintf(topic, sizeof(topic), "wardgate/dev/oxi-%ld/senml", i % d + 1);
    snprintf(payload, sizeof(payload),
             "[{\"bn\":\"oxi-%ld:\",\"bt\":%lld.%06lld,\"n\":\"spo2\","
             "\"u\":\"%%\",\"v\":%ld},{\"n\":\"hr\",\"u\":\"beat/min\","
             "\"v\":%ld}]",
             i % d + 1, us / 1000000, us % 1000000, 96 + i % 4, 60 + i % 30);
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
