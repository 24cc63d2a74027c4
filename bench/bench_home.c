/* SPDX-License-Identifier: MIT */
/*
 * bench_home: one home's devices for S seconds, QoS 1, in real time: an
 * oximeter's pack of SpO2 and pulse every second (oxi-1), a fall sensor's
 * heartbeat (its battery) every minute (fall-1), and a blood pressure cuff
 * (bp-1) and a thermometer (temp-1) every EVERY seconds. The vitals stay
 * normal: nothing raises an alert. Prints the packs and the readings sent,
 * then the time from each publish to its PUBACK (which wardgated sends once
 * the pack is durable) in milliseconds: median, p99 and the longest.
 *   bench_home PORT S [EVERY]      (EVERY: 14400, four hours)
 */
#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Publish times by message id (mosquitto's ids are 1..65535), and each
 * PUBACK's delay; the network thread writes, the main thread reads. */
#define HOME_MIDS 65536
static pthread_mutex_t home_lock = PTHREAD_MUTEX_INITIALIZER;
static double home_sent[HOME_MIDS];
static double *home_delays;
static long home_ndelays;
static atomic_long acked;

static double home_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void home_on_publish(struct mosquitto *m, void *obj, int mid) {
  double now = home_mono();

  (void)m;
  (void)obj;
  pthread_mutex_lock(&home_lock);
  if (home_sent[mid & (HOME_MIDS - 1)] > 0)
    home_delays[home_ndelays++] = now - home_sent[mid & (HOME_MIDS - 1)];
  home_sent[mid & (HOME_MIDS - 1)] = 0;
  pthread_mutex_unlock(&home_lock);
  atomic_fetch_add(&acked, 1);
}

static double home_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int home_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void home_sleep_until(double t) {
  double wait = t - home_now();

  if (wait > 0) {
    struct timespec ts = {(time_t)wait,
                          (long)((wait - (double)(time_t)wait) * 1e9)};
    nanosleep(&ts, NULL);
  }
}

static int home_send(struct mosquitto *m, const char *device,
                     const char *payload) {
  char topic[64];
  int mid = 0, rc;

  snprintf(topic, sizeof(topic), "wardgate/dev/%s/senml", device);
  /* Under the lock, so that a PUBACK cannot come before its time is set. */
  pthread_mutex_lock(&home_lock);
  rc = mosquitto_publish(m, &mid, topic, (int)strlen(payload), payload, 1,
                         false);
  if (rc == MOSQ_ERR_SUCCESS)
    home_sent[mid & (HOME_MIDS - 1)] = home_mono();
  pthread_mutex_unlock(&home_lock);
  return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

int main(int argc, char **argv) {
  struct mosquitto *m;
  long seconds, every, packs = 0, readings = 0;
  double t0;

  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: bench_home PORT SECONDS [EVERY]\n");
    return 2;
  }
  seconds = atol(argv[2]);
  every = argc > 3 ? atol(argv[3]) : 14400;
  if (seconds <= 0 || every <= 0) {
    fprintf(stderr, "bench_home: SECONDS and EVERY are positive\n");
    return 2;
  }
  /* At most an oximeter, a heartbeat, a cuff and a thermometer a second. */
  home_delays = calloc((size_t)seconds * 4 + 4, sizeof(*home_delays));
  if (home_delays == NULL)
    return 1;
  mosquitto_lib_init();
  m = mosquitto_new(NULL, true, NULL);
  mosquitto_publish_callback_set(m, home_on_publish);
  if (mosquitto_connect(m, "127.0.0.1", atoi(argv[1]), 60) !=
      MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "bench_home: cannot connect\n");
    return 1;
  }
  mosquitto_loop_start(m);
  t0 = home_now();
  for (long s = 0; s < seconds; s++) {
    char p[200];
    double t;

    home_sleep_until(t0 + (double)s);
    t = home_now();
    snprintf(p, sizeof(p),
             "[{\"bn\":\"oxi-1:\",\"bt\":%.3f,\"n\":\"spo2\",\"u\":\"%%\","
             "\"v\":%d},{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":%d}]",
             t, 96 + (int)(s % 3), 68 + (int)(s % 7));
    if (home_send(m, "oxi-1", p) != 0)
      goto fail;
    packs++, readings += 2;
    if (s % 60 == 30) {
      snprintf(p, sizeof(p),
               "[{\"bt\":%.3f,\"n\":\"battery\",\"u\":\"%%EL\",\"v\":80}]", t);
      if (home_send(m, "fall-1", p) != 0)
        goto fail;
      packs++, readings++;
    }
    if (s % every == 10) {
      snprintf(p, sizeof(p),
               "[{\"bt\":%.3f,\"n\":\"sbp\",\"u\":\"mmHg\",\"v\":128},"
               "{\"n\":\"dbp\",\"u\":\"mmHg\",\"v\":82},"
               "{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":70}]",
               t);
      if (home_send(m, "bp-1", p) != 0)
        goto fail;
      snprintf(p, sizeof(p),
               "[{\"bt\":%.3f,\"n\":\"temp\",\"u\":\"Cel\",\"v\":36.8}]", t);
      if (home_send(m, "temp-1", p) != 0)
        goto fail;
      packs += 2, readings += 4;
    }
  }
  while (atomic_load(&acked) < packs)
    home_sleep_until(home_now() + 0.01);
  pthread_mutex_lock(&home_lock);
  qsort(home_delays, (size_t)home_ndelays, sizeof(*home_delays), home_cmp);
  printf("%ld %ld %.1f %.1f %.1f\n", packs, readings,
         home_delays[home_ndelays / 2] * 1e3,
         home_delays[(home_ndelays - 1) * 99 / 100] * 1e3,
         home_delays[home_ndelays - 1] * 1e3);
  pthread_mutex_unlock(&home_lock);
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  free(home_delays);
  return 0;

fail:
  fprintf(stderr, "bench_home: publish failed\n");
  return 1;
}
