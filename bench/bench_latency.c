/* SPDX-License-Identifier: MIT */
/*
 * bench_latency: publishes falls from lfall-1..lfall-N on the ingest broker at
 * R per second, each with its send time as bt, and listens on the uplink
 * for the raised alerts; prints one latency (seconds) per alert: its
 * arrival time minus the fall's send time (the evidence time). Like a hub,
 * it acknowledges each alert, so that open alerts do not pile up.
 *   bench_latency INGEST_PORT UPLINK_PORT GATEWAY N RATE [floor]
 * With "floor" it measures what no gateway can beat: the same messages at
 * the same rate published to a topic it subscribes to itself, one hop
 * through the broker, each latency its arrival time minus its send time.
 */
#include <mosquitto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_long received;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char ack_topic[128];
static int floor_mode;

static void on_message(struct mosquitto *m, void *obj,
                       const struct mosquitto_message *msg) {
  double at = now_s();
  const char *p = msg->payload, *t, *id;
  char ack[160];
  (void)obj;
  if (floor_mode) {
    t = strstr(p, "\"bt\":");
    if (t != NULL) {
      printf("%.6f\n", at - strtod(t + 5, NULL));
      fflush(stdout);
      atomic_fetch_add(&received, 1);
    }
    return;
  }
  if (strstr(p, "\"state\":\"raised\"") == NULL ||
      (t = strstr(p, "\"evidence\":[{\"n\":\"fall\",\"vb\":true,\"t\":")) ==
          NULL)
    return;
  t += strlen("\"evidence\":[{\"n\":\"fall\",\"vb\":true,\"t\":");
  printf("%.6f\n", at - strtod(t, NULL));
  fflush(stdout);
  atomic_fetch_add(&received, 1);
  if ((id = strstr(p, "\"id\":\"")) != NULL) {
    int n = (int)strcspn(id + 6, "\"");
    snprintf(ack, sizeof(ack), "{\"id\":\"%.*s\",\"by\":\"bench\"}", n, id + 6);
    mosquitto_publish(m, NULL, ack_topic, (int)strlen(ack), ack, 1, false);
  }
}

int main(int argc, char **argv) {
  struct mosquitto *pub, *sub;
  char topic[128];
  long n;
  double rate, deadline;

  if (argc < 6 || argc > 7 || (argc == 7 && strcmp(argv[6], "floor") != 0)) {
    fprintf(stderr, "usage: bench_latency INGEST_PORT UPLINK_PORT GATEWAY N "
                    "RATE [floor]\n");
    return 2;
  }
  floor_mode = argc == 7;
  n = atol(argv[4]);
  rate = strtod(argv[5], NULL);
  mosquitto_lib_init();
  sub = mosquitto_new(NULL, true, NULL);
  mosquitto_message_callback_set(sub, on_message);
  pub = mosquitto_new(NULL, true, NULL);
  /* A fall is a small packet: no Nagle delay on the device's side either. */
  mosquitto_int_option(pub, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_int_option(sub, MOSQ_OPT_TCP_NODELAY, 1);
  if (mosquitto_connect(sub, "127.0.0.1", atoi(argv[2]), 60) != 0 ||
      mosquitto_connect(pub, "127.0.0.1", atoi(argv[1]), 60) != 0) {
    fprintf(stderr, "bench_latency: cannot connect\n");
    return 1;
  }
  if (floor_mode)
    snprintf(topic, sizeof(topic), "wardgate/%s/floor", argv[3]);
  else
    snprintf(topic, sizeof(topic), "wardgate/%s/alerts", argv[3]);
  snprintf(ack_topic, sizeof(ack_topic), "wardgate/%s/alerts/ack", argv[3]);
  mosquitto_subscribe(sub, NULL, topic, 1);
  mosquitto_loop_start(sub);
  mosquitto_loop_start(pub);
  {
    struct timespec ts = {0, 500000000};
    nanosleep(&ts, NULL);
  }
  for (long i = 1; i <= n; i++) {
    char t[64], payload[128];
    struct timespec ts = {
        (time_t)(1 / rate),
        (long)((1 / rate - (double)(time_t)(1 / rate)) * 1e9)};
    if (floor_mode)
      snprintf(t, sizeof(t), "wardgate/%s/floor", argv[3]);
    else
      snprintf(t, sizeof(t), "wardgate/dev/lfall-%ld/senml", i);
    snprintf(payload, sizeof(payload),
             "[{\"bt\":%.6f,\"n\":\"fall\",\"vb\":true}]", now_s());
    mosquitto_publish(pub, NULL, t, (int)strlen(payload), payload, 1, false);
    nanosleep(&ts, NULL);
  }
  deadline = now_s() + 30;
  while (atomic_load(&received) < n && now_s() < deadline) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  mosquitto_disconnect(pub);
  mosquitto_disconnect(sub);
  mosquitto_loop_stop(pub, false);
  mosquitto_loop_stop(sub, false);
  mosquitto_destroy(pub);
  mosquitto_destroy(sub);
  mosquitto_lib_cleanup();
  return atomic_load(&received) == n ? 0 : 1;
}
