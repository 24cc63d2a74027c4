/* SPDX-License-Identifier: MIT */
/*
 * bench_home: one home's devices for S seconds, QoS 1, in real time: an
 * oximeter's pack of SpO2 and pulse every second (oxi-1), a fall sensor's
 * heartbeat (its battery) every minute (fall-1), and a blood pressure cuff
 * (bp-1) and a thermometer (temp-1) every EVERY seconds. The vitals stay
 * normal: nothing raises an alert. Prints the packs and the readings sent.
 *   bench_home PORT S [EVERY]      (EVERY: 14400, four hours)
 */
#include <mosquitto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_long acked;

static void home_on_publish(struct mosquitto *m, void *obj, int mid) {
  (void)m;
  (void)obj;
  (void)mid;
  atomic_fetch_add(&acked, 1);
}

static double home_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

  snprintf(topic, sizeof(topic), "wardgate/dev/%s/senml", device);
  return mosquitto_publish(m, NULL, topic, (int)strlen(payload), payload, 1,
                           false) == MOSQ_ERR_SUCCESS
             ? 0
             : -1;
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
  printf("%ld %ld\n", packs, readings);
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  return 0;

fail:
  fprintf(stderr, "bench_home: publish failed\n");
  return 1;
}
