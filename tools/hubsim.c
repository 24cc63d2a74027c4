/* SPDX-License-Identifier: MIT */
/*
 * wardgate-sim --gateways N: the load of N homes on the hub's broker. Each
 * simulated gateway is its own MQTT connection with its own persistent
 * session and will, and publishes what a real one sends (docs/scaling.md
 * has the rates, measured by bench/rates.sh): its retained status every
 * status interval, alert events (each followed by its retained
 * alerts/active) and NEWS2 messages at the given hourly rates, all QoS 1;
 * it takes acknowledgements on its alerts/ack. A
 * simulated hub subscribes to every gateway's alerts with a persistent
 * session, measures each event's latency from its "ts", and acknowledges
 * each raised alert. All clients share one poll() loop. At the end: the
 * messages per second, the alert latency percentiles at the hub, the acks
 * that came back, and the broker's resident memory when its pid is given.
 */
#define _GNU_SOURCE
#include "hubsim.h"

#include <math.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct gateway_s {
  struct mosquitto *m;
  char id[32];
  double next_status, next_alert, next_news2;
  long alerts; /* alert ids issued */
} gateway_t;

typedef struct hub_s {
  struct mosquitto *m;
  double *lat; /* seconds, one per alert event received */
  size_t nlat, cap;
  long acks_sent;
} hub_t;

static long published, acks_received, connacks;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An exponential wait with mean @mean seconds (a Poisson process). */
static double poisson_wait(double mean) {
  double u = ((double)rand() + 1.0) / ((double)RAND_MAX + 2.0);
  return -mean * log(u);
}

static void on_connect(struct mosquitto *m, void *obj, int rc) {
  (void)m, (void)obj;
  if (rc == 0)
    connacks++;
}

static void on_gateway_message(struct mosquitto *m, void *obj,
                               const struct mosquitto_message *msg) {
  (void)m, (void)obj, (void)msg;
  acks_received++;
}

static void on_hub_message(struct mosquitto *m, void *obj,
                           const struct mosquitto_message *msg) {
  hub_t *h = obj;
  const char *p = msg->payload, *ts, *id;
  char gw[32], alert[48], topic[96], ack[128];

  if (msg->payloadlen <= 0 || (ts = strstr(p, "\"ts\":")) == NULL)
    return;
  if (h->nlat == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 4096;
    double *v = realloc(h->lat, cap * sizeof(*v));
    if (v == NULL)
      return;
    h->lat = v;
    h->cap = cap;
  }
  h->lat[h->nlat++] = now_s() - strtod(ts + 5, NULL);
  /* The hub acknowledges what is raised, as a clinician would. */
  if (strstr(p, "\"state\":\"raised\"") == NULL ||
      (id = strstr(p, "\"id\":\"")) == NULL ||
      sscanf(id + 6, "%47[^\"]", alert) != 1 ||
      sscanf(msg->topic, "wardgate/%31[^/]/", gw) != 1)
    return;
  snprintf(topic, sizeof(topic), "wardgate/%s/alerts/ack", gw);
  snprintf(ack, sizeof(ack), "{\"id\":\"%s\",\"by\":\"hubsim\"}", alert);
  if (mosquitto_publish(m, NULL, topic, (int)strlen(ack), ack, 1, false) ==
      MOSQ_ERR_SUCCESS)
    h->acks_sent++;
}

static struct mosquitto *client(const hubsim_t *o, const char *id,
                                const char *will_topic, const char *will) {
  struct mosquitto *m = mosquitto_new(id, false, NULL);

  if (m == NULL)
    return NULL;
  mosquitto_connect_callback_set(m, on_connect);
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (will_topic != NULL)
    mosquitto_will_set(m, will_topic, (int)strlen(will), will, 1, true);
  if (mosquitto_connect(m, o->host, o->port, 60) != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(m);
    return NULL;
  }
  return m;
}

static void publish(gateway_t *g, const char *what, const char *payload,
                    bool retain) {
  char topic[96];

  snprintf(topic, sizeof(topic), "wardgate/%s/%s", g->id, what);
  if (mosquitto_publish(g->m, NULL, topic, (int)strlen(payload), payload, 1,
                        retain) == MOSQ_ERR_SUCCESS)
    published++;
}

/* What a real gateway's messages look like, with the sizes they have. */
static void gateway_turn(gateway_t *g, const hubsim_t *o, double now,
                         double started) {
  char buf[1024];

  if (now >= g->next_status) {
    snprintf(buf, sizeof(buf),
             "{\"state\":\"online\",\"gateway\":\"%s\",\"version\":\"0.1.0\","
             "\"started\":%.3f,\"ts\":%.6f,\"route\":\"hub\",\"counters\":{"
             "\"packs_received\":%ld,\"packs_rejected\":0,\"readings_stored\":"
             "%ld,\"readings_duplicate\":0,\"store_errors\":0,"
             "\"errors_suppressed\":0,\"alerts_raised\":%ld,\"alerts_updated\":"
             "0,\"alerts_escalated\":0,\"alerts_acknowledged\":0,"
             "\"alerts_cleared\":0,\"acks_rejected\":0,\"readings_pending\":0,"
             "\"ingest_connected\":true,\"alerts_open\":0,\"outbox_depth\":0,"
             "\"outbox_near_limit\":false,\"outbox_overflow\":0}}",
             g->id, started, now, (long)(now - started),
             2 * (long)(now - started), g->alerts);
    publish(g, "status", buf, true);
    g->next_status += o->status_interval_s;
  }
  if (o->alerts_per_hour > 0 && now >= g->next_alert) {
    snprintf(buf, sizeof(buf),
             "{\"id\":\"%s-%06ld\",\"gateway\":\"%s\",\"patient\":\"p-001\","
             "\"device\":\"oxi-1\",\"rule\":\"threshold\",\"severity\":"
             "\"high\",\"state\":\"raised\",\"escalation\":0,\"ts\":%.6f,"
             "\"raised\":%.6f,\"summary\":\"spo2 88 %% below 90 %%\","
             "\"evidence\":[{\"n\":\"spo2\",\"v\":88,\"u\":\"%%\",\"t\":%.6f,"
             "\"device\":\"oxi-1\"}],\"repeats\":0,\"key\":\"spo2<90\","
             "\"acknowledged\":false,\"ack_timeout_s\":600,\"escalates_at\":"
             "%.6f,\"route\":\"hub\",\"respond_by\":%.6f}",
             g->id, ++g->alerts, g->id, now, now, now, now + 600, now + 600);
    publish(g, "alerts", buf, false);
    /* After a change, the retained snapshot of the open alerts (one here,
     * about the size a home's snapshot has). */
    char active[1200];
    snprintf(active, sizeof(active), "{\"ts\":%.6f,\"alerts\":[%s]}", now, buf);
    publish(g, "alerts/active", active, true);
    g->next_alert += poisson_wait(3600.0 / o->alerts_per_hour);
  }
  if (o->news2_per_hour > 0 && now >= g->next_news2) {
    snprintf(buf, sizeof(buf),
             "{\"patient\":\"p-001\",\"ts\":%.6f,\"score\":%d,\"scale\":1,"
             "\"complete\":true,\"missing\":[],\"components\":{\"rr\":0,"
             "\"spo2\":%d,\"o2\":0,\"sbp\":0,\"hr\":0,\"acvpu\":0,\"temp\":0},"
             "\"band\":\"low\"}",
             now, rand() % 3, rand() % 3);
    publish(g, "news2", buf, false);
    g->next_news2 += 3600.0 / o->news2_per_hour;
  }
}

/* One poll() over every client's socket, then their reads and writes. */
static void io_turn(gateway_t *gw, long connected, struct mosquitto *hub,
                    struct pollfd *pfd) {
  long n = 0;

  for (long i = 0; i <= connected; i++) {
    struct mosquitto *m = i < connected ? gw[i].m : hub;
    pfd[n].fd = mosquitto_socket(m);
    pfd[n].events = POLLIN | (mosquitto_want_write(m) ? POLLOUT : 0);
    n++;
  }
  poll(pfd, (nfds_t)n, 20);
  for (long i = 0; i < n; i++) {
    struct mosquitto *m = i < connected ? gw[i].m : hub;
    if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
      mosquitto_loop_read(m, 1);
    if (pfd[i].revents & POLLOUT || mosquitto_want_write(m))
      mosquitto_loop_write(m, 1);
  }
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double rss_mb(int pid) {
  char path[64], line[256];
  double kb = -1;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/status", pid);
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "VmRSS: %lf", &kb) == 1)
      break;
  fclose(f);
  return kb / 1024.0;
}

int wg_hubsim_run(const hubsim_t *o) {
  gateway_t *gw = calloc((size_t)o->gateways, sizeof(*gw));
  struct pollfd *pfd = calloc((size_t)o->gateways + 1, sizeof(*pfd));
  hub_t hub = {0};
  char id[64], will[256], topic[96];
  unsigned run = (unsigned)time(NULL) ^ (unsigned)getpid();
  double started = now_s(), end, misc = 0, rss_max = -1, setup_s;
  long connected = 0;

  if (gw == NULL || pfd == NULL)
    return 1;
  mosquitto_lib_init();
  srand(run);
  snprintf(id, sizeof(id), "hubsim-%08x-hub", run);
  if ((hub.m = client(o, id, NULL, NULL)) == NULL) {
    fprintf(stderr, "wardgate-sim: the hub cannot connect to %s:%d\n", o->host,
            o->port);
    return 1;
  }
  mosquitto_user_data_set(hub.m, &hub);
  mosquitto_message_callback_set(hub.m, on_hub_message);
  mosquitto_subscribe(hub.m, NULL, "wardgate/+/alerts", 1);
  for (int i = 0; i < o->gateways; i++) {
    gateway_t *g = &gw[i];
    snprintf(g->id, sizeof(g->id), "sim%08x-%05d", run, i + 1);
    snprintf(id, sizeof(id), "wardgate-%s-uplink", g->id);
    snprintf(topic, sizeof(topic), "wardgate/%s/status", g->id);
    snprintf(will, sizeof(will),
             "{\"state\":\"offline\",\"gateway\":\"%s\",\"version\":"
             "\"0.1.0\",\"started\":%.3f}",
             g->id, started);
    if ((g->m = client(o, id, topic, will)) == NULL) {
      fprintf(stderr, "wardgate-sim: gateway %d cannot connect\n", i + 1);
      break;
    }
    connected++;
    mosquitto_message_callback_set(g->m, on_gateway_message);
    snprintf(topic, sizeof(topic), "wardgate/%s/alerts/ack", g->id);
    mosquitto_subscribe(g->m, NULL, topic, 1);
  }
  /* Every session established (CONNACK) before the measured window: a
   * broker's rate of taking new sessions is a figure of its own. */
  for (double limit = now_s() + 300;
       connacks < connected + 1 && now_s() < limit;)
    io_turn(gw, connected, hub.m, pfd);
  setup_s = now_s() - started;
  started = now_s();
  /* Phases spread over the intervals, as homes are not in step. */
  for (long i = 0; i < connected; i++) {
    gw[i].next_status = started + o->status_interval_s * rand() / RAND_MAX;
    gw[i].next_news2 =
        started + 3600.0 / fmax(o->news2_per_hour, 1e-9) * rand() / RAND_MAX;
    gw[i].next_alert =
        started + poisson_wait(3600.0 / fmax(o->alerts_per_hour, 1e-9));
  }
  end = now_s() + o->duration_s;
  while (now_s() < end) {
    double now = now_s();

    for (long i = 0; i < connected; i++)
      gateway_turn(&gw[i], o, now, started);
    io_turn(gw, connected, hub.m, pfd);
    if (now - misc >= 1.0) { /* keepalives, reconnects, the broker's size */
      misc = now;
      for (long i = 0; i <= connected; i++) {
        struct mosquitto *m = i < connected ? gw[i].m : hub.m;
        if (mosquitto_loop_misc(m) == MOSQ_ERR_NO_CONN)
          mosquitto_reconnect(m);
      }
      if (o->broker_pid > 0)
        rss_max = fmax(rss_max, rss_mb(o->broker_pid));
    }
  }
  /* Let what is in flight arrive. */
  for (double stop = now_s() + 2; now_s() < stop;)
    for (long i = 0; i <= connected; i++)
      mosquitto_loop(i < connected ? gw[i].m : hub.m, 5, 1);

  qsort(hub.lat, hub.nlat, sizeof(*hub.lat), by_value);
#define PCT(p)                                                                 \
  (hub.nlat ? hub.lat[(size_t)((double)(hub.nlat - 1) * (p))] * 1000 : 0)
  printf("sessions %ld of %ld established in %.1f s\n", connacks, connected + 1,
         setup_s);
  printf("gateways %ld, %.0f s: %ld messages published, %.1f messages/s\n",
         connected, o->duration_s, published,
         (double)published / o->duration_s);
  printf("alert events at the hub %zu: latency p50 %.2f ms, p99 %.2f ms, max "
         "%.2f ms\n",
         hub.nlat, PCT(0.5), PCT(0.99), PCT(1.0));
  printf("acks sent by the hub %ld, received by the gateways %ld\n",
         hub.acks_sent, acks_received);
  if (o->broker_pid > 0)
    printf("broker resident memory: %.1f MB at the end, %.1f MB at most\n",
           rss_mb(o->broker_pid), rss_max);
#undef PCT
  /* Leave the broker as it was: no retained status, no sessions. */
  for (long i = 0; i <= connected; i++) {
    struct mosquitto *m = i < connected ? gw[i].m : hub.m;
    if (i < connected) {
      snprintf(topic, sizeof(topic), "wardgate/%s/status", gw[i].id);
      mosquitto_publish(m, NULL, topic, 0, NULL, 1, true);
      snprintf(topic, sizeof(topic), "wardgate/%s/alerts/active", gw[i].id);
      mosquitto_publish(m, NULL, topic, 0, NULL, 1, true);
      snprintf(id, sizeof(id), "wardgate-%s-uplink", gw[i].id);
    } else {
      snprintf(id, sizeof(id), "hubsim-%08x-hub", run);
    }
    mosquitto_loop(m, 100, 1);
    mosquitto_disconnect(m);
    mosquitto_loop(m, 100, 1);
    if (mosquitto_reinitialise(m, id, true, NULL) == MOSQ_ERR_SUCCESS &&
        mosquitto_connect(m, o->host, o->port, 60) == MOSQ_ERR_SUCCESS) {
      mosquitto_loop(m, 100, 1);
      mosquitto_disconnect(m);
    }
    mosquitto_destroy(m);
  }
  mosquitto_lib_cleanup();
  free(hub.lat);
  free(gw);
  free(pfd);
  return connected == o->gateways ? 0 : 1;
}
