/* SPDX-License-Identifier: MIT */
/*
 * wardgate-sim: simulated home devices. For each of N patients it runs a
 * pulse oximeter, a blood-pressure cuff, a thermometer, an observation
 * tablet (respiration rate, consciousness), a smart cup and a fall sensor,
 * each publishing SenML packs to wardgate/dev/<id>/senml with plausible
 * vitals, plus scripted events (--fall, --desat) for demonstrations and
 * tests. Device ids are <kind>-<patient number>, e.g. oxi-1. With --coap
 * the devices POST to /dev/<id>/senml over CoAP instead, each pack
 * confirmable and waiting for its answer, as a battery sensor does; --kinds
 * picks the devices, so that one run can use MQTT and another CoAP.
 */
#include <coap3/coap.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <mosquitto.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap_request.h"
#include "hubsim.h"

#define MAX_EVENTS 64

typedef struct event_s {
  int patient; /* 1-based */
  double at;   /* seconds after start */
  bool fall;   /* else desaturation */
} event_t;

typedef struct sim_s {
  const char *host;
  int port;
  const char *prefix;
  const char *username;
  const char *password;
  int patients;
  double rate; /* packs per second in all */
  double duration;
  long count;
  int qos;
  bool quiet;
  bool print_config;
  int coap_port;      /* 0: MQTT */
  unsigned kind_mask; /* bit per entry of kinds[] */
  event_t events[MAX_EVENTS];
  int nevents;
} sim_t;

static const char *const kinds[] = {"oxi", "bp", "temp", "obs", "cup", "fall"};
#define NKINDS 6

static volatile sig_atomic_t stop;

/* CoAP: one client session; packs go one at a time, each waiting for its
 * answer (libcoap retransmits a CON as RFC 7252 says). */
static coap_context_t *coap_ctx;
static coap_session_t *coap_sess;
static int coap_answer; /* the answer's code, class*100+detail; 0: none */
static char coap_diag[256];

static coap_response_t on_coap_response(coap_session_t *session,
                                        const coap_pdu_t *sent,
                                        const coap_pdu_t *received,
                                        const coap_mid_t mid) {
  coap_pdu_code_t code = coap_pdu_get_code(received);
  const uint8_t *data;
  size_t len;

  (void)session, (void)sent, (void)mid;
  coap_answer = (int)(COAP_RESPONSE_CLASS(code) * 100 + (code & 0x1f));
  coap_diag[0] = '\0';
  if (coap_get_data(received, &len, &data))
    snprintf(coap_diag, sizeof(coap_diag), " %.*s", (int)len,
             (const char *)data);
  return COAP_RESPONSE_OK;
}

static int coap_open(const char *host, int port) {
  coap_address_t dst;
  struct addrinfo hints, *ai;
  char service[8];

  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_DGRAM;
  snprintf(service, sizeof(service), "%d", port);
  if (getaddrinfo(host, service, &hints, &ai) != 0)
    return -1;
  coap_address_init(&dst);
  dst.size = ai->ai_addrlen;
  memcpy(&dst.addr, ai->ai_addr, ai->ai_addrlen);
  freeaddrinfo(ai);
  coap_startup();
  coap_set_log_level(LOG_ERR);
  if ((coap_ctx = coap_new_context(NULL)) == NULL)
    return -1;
  coap_context_set_block_mode(coap_ctx, COAP_BLOCK_USE_LIBCOAP);
  coap_register_response_handler(coap_ctx, on_coap_response);
  coap_sess = coap_new_client_session(coap_ctx, NULL, &dst, COAP_PROTO_UDP);
  return coap_sess ? 0 : -1;
}

/* POST @payload to /dev/@device/senml; the answer's code, or -1. */
static int coap_post(const char *device, const char *payload) {
  coap_pdu_t *pdu = wg_senml_post(coap_sess, device, payload);
  int waited = 0;

  if (pdu == NULL)
    return -1;
  coap_answer = 0;
  if (coap_send(coap_sess, pdu) == COAP_INVALID_MID)
    return -1;
  /* A CON is retransmitted for up to about 45 s; give up sooner. */
  while (coap_answer == 0 && waited < 15000 && !stop)
    waited += coap_io_process(coap_ctx, 100);
  return coap_answer ? coap_answer : -1;
}

static atomic_long acked; /* PUBACKs received */

static void on_publish(struct mosquitto *m, void *obj, int mid) {
  (void)m;
  (void)obj;
  (void)mid;
  atomic_fetch_add(&acked, 1);
}

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The time for the next pack of device @slot: now, but always after its
 * previous pack, so that a burst never repeats a (device, time) pair, which
 * the gateway would rightly store once.
 */
static double unique_time(int slot) {
  static double *last;
  static int nlast;
  double t = now_s();

  if (slot >= nlast) {
    int n = slot + 64;
    double *v = realloc(last, (size_t)n * sizeof(*v));
    if (v == NULL)
      return t;
    memset(v + nlast, 0, (size_t)(n - nlast) * sizeof(*v));
    last = v;
    nlast = n;
  }
  if (t < last[slot] + 1e-6)
    t = last[slot] + 1e-6;
  t = round(t * 1e6) / 1e6;
  last[slot] = t;
  return t;
}

static double jitter(double spread) {
  return ((double)rand() / RAND_MAX - 0.5) * 2 * spread;
}

static void usage(FILE *f) {
  fprintf(f,
          "Usage: wardgate-sim [options]\n"
          "  -h, --host HOST        broker host (127.0.0.1)\n"
          "  -p, --port PORT        broker port (1883)\n"
          "  -n, --patients N       simulated patients (3)\n"
          "  -r, --rate R           packs per second, all devices (2)\n"
          "  -d, --duration S       stop after S seconds (0: until Ctrl-C)\n"
          "  -c, --count N          stop after N packs\n"
          "      --fall P@T         patient P falls T seconds after start\n"
          "      --desat P@T        patient P desaturates (SpO2 84-87 %%) "
          "from T s on\n"
          "      --prefix TOPIC     topic prefix (wardgate/dev)\n"
          "  -u, --username U       broker user; password in "
          "WARDGATE_SIM_PASSWORD\n"
          "      --coap PORT        POST over CoAP to HOST:PORT, not MQTT\n"
          "      --kinds LIST       only these devices (oxi,bp,temp,obs,cup,"
          "fall)\n"
          "      --print-patients   print the patients as config JSON, exit\n"
          "  -q, --quiet            no line per pack\n"
          "The hub's load instead (docs/scaling.md):\n"
          "      --gateways N       N gateways' uplinks and a hub that acks\n"
          "      --alerts-per-hour A  alert events per gateway (54)\n"
          "      --news2-per-hour B   news2 messages per gateway (30)\n"
          "      --status-interval S  retained status every S s (60)\n"
          "      --broker-pid PID   report the broker's resident memory\n"
          "  (-d sets the duration, 60 s by default)\n");
}

static bool parse_kinds(sim_t *s, const char *list) {
  char buf[128], *save = NULL, *k;

  snprintf(buf, sizeof(buf), "%s", list);
  s->kind_mask = 0;
  for (k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
    int i;
    for (i = 0; i < NKINDS && strcmp(k, kinds[i]) != 0; i++)
      ;
    if (i == NKINDS)
      return false;
    s->kind_mask |= 1u << i;
  }
  return s->kind_mask != 0;
}

static bool parse_event(sim_t *s, const char *arg, bool fall) {
  event_t *e;
  char *end;

  if (s->nevents == MAX_EVENTS)
    return false;
  e = &s->events[s->nevents];
  e->patient = (int)strtol(arg, &end, 10);
  if (*end != '@' || e->patient < 1)
    return false;
  e->at = strtod(end + 1, &end);
  if (*end != '\0' || e->at < 0)
    return false;
  e->fall = fall;
  s->nevents++;
  return true;
}

static void print_patients(const sim_t *s) {
  printf("[\n");
  for (int p = 1; p <= s->patients; p++) {
    printf("    {\"id\": \"p-%03d\", \"devices\": [", p);
    for (int k = 0; k < NKINDS; k++)
      printf("%s\"%s-%d\"", k ? ", " : "", kinds[k], p);
    printf("]}%s\n", p < s->patients ? "," : "");
  }
  printf("  ]\n");
}

static bool desaturated(const sim_t *s, int patient, double t) {
  for (int i = 0; i < s->nevents; i++)
    if (!s->events[i].fall && s->events[i].patient == patient &&
        t >= s->events[i].at)
      return true;
  return false;
}

/* Writes the pack of device @kind of @patient into @buf. */
static int make_pack(const sim_t *s, char *buf, size_t len, int kind,
                     int patient, double t, double bt) {
  switch (kind) {
  case 0: {
    double spo2 =
        desaturated(s, patient, t) ? 85.5 + jitter(1.5) : 96.5 + jitter(1.5);
    return snprintf(buf, len,
                    "[{\"bn\":\"urn:dev:oxi-%d:\",\"bt\":%.6f,\"n\":\"spo2\","
                    "\"u\":\"%%\",\"v\":%.0f},{\"n\":\"hr\",\"u\":\"beat/min\","
                    "\"v\":%.0f}]",
                    patient, bt, spo2, 74 + jitter(8));
  }
  case 1:
    return snprintf(buf, len,
                    "[{\"bn\":\"urn:dev:bp-%d:\",\"bt\":%.6f,\"n\":\"sbp\","
                    "\"u\":\"mmHg\",\"v\":%.0f},{\"n\":\"dbp\",\"u\":\"mmHg\","
                    "\"v\":%.0f}]",
                    patient, bt, 124 + jitter(10), 78 + jitter(6));
  case 2:
    return snprintf(
        buf, len,
        "[{\"bn\":\"urn:dev:temp-%d:\",\"bt\":%.6f,\"n\":\"temp\","
        "\"u\":\"Cel\",\"v\":%.1f},{\"n\":\"battery\",\"u\":\"%%EL\","
        "\"v\":%.0f}]",
        patient, bt, 36.8 + jitter(0.3), 80 + jitter(10));
  case 3:
    return snprintf(buf, len,
                    "[{\"bn\":\"urn:dev:obs-%d:\",\"bt\":%.6f,\"n\":\"rr\","
                    "\"u\":\"1/min\",\"v\":%.0f},{\"n\":\"acvpu\",\"vs\":\"A\"}"
                    ",{\"n\":\"o2\",\"vb\":false}]",
                    patient, bt, 15 + jitter(2));
  case 4:
    return snprintf(
        buf, len,
        "[{\"bn\":\"urn:dev:cup-%d:\",\"bt\":%.6f,\"n\":"
        "\"fluid_intake\",\"u\":\"ml\",\"v\":%.0f},{\"n\":\"battery\","
        "\"u\":\"%%EL\",\"v\":%.0f}]",
        patient, bt, 150 + jitter(50), 60 + jitter(10));
  default:
    return snprintf(
        buf, len,
        "[{\"bn\":\"urn:dev:fall-%d:\",\"bt\":%.6f,\"n\":\"fall\","
        "\"vb\":false},{\"n\":\"battery\",\"u\":\"%%EL\",\"v\":%.0f}]",
        patient, bt, 90 + jitter(5));
  }
}

static long published_total;

static int publish(struct mosquitto *m, const sim_t *s, const char *device,
                   const char *payload) {
  char topic[256];
  int rc;

  if (s->coap_port) {
    int code = coap_post(device, payload);
    if (code != 204) {
      if (code < 0)
        fprintf(stderr, "wardgate-sim: POST %s: no answer\n", device);
      else
        fprintf(stderr, "wardgate-sim: POST %s: %d.%02d%s\n", device,
                code / 100, code % 100, coap_diag);
      return MOSQ_ERR_UNKNOWN;
    }
    if (!s->quiet)
      printf("%s %s -> 2.04\n", device, payload);
    return MOSQ_ERR_SUCCESS;
  }
  snprintf(topic, sizeof(topic), "%s/%s/senml", s->prefix, device);
  rc = mosquitto_publish(m, NULL, topic, (int)strlen(payload), payload, s->qos,
                         false);
  if (rc == MOSQ_ERR_SUCCESS)
    published_total++;
  if (rc != MOSQ_ERR_SUCCESS)
    fprintf(stderr, "wardgate-sim: publish %s: %s\n", topic,
            mosquitto_strerror(rc));
  else if (!s->quiet)
    printf("%s %s\n", device, payload);
  return rc;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"host", required_argument, NULL, 'h'},
      {"port", required_argument, NULL, 'p'},
      {"patients", required_argument, NULL, 'n'},
      {"rate", required_argument, NULL, 'r'},
      {"duration", required_argument, NULL, 'd'},
      {"count", required_argument, NULL, 'c'},
      {"fall", required_argument, NULL, 'F'},
      {"desat", required_argument, NULL, 'D'},
      {"prefix", required_argument, NULL, 'P'},
      {"username", required_argument, NULL, 'u'},
      {"print-patients", no_argument, NULL, 'C'},
      {"coap", required_argument, NULL, 'K'},
      {"kinds", required_argument, NULL, 'k'},
      {"quiet", no_argument, NULL, 'q'},
      {"gateways", required_argument, NULL, 'G'},
      {"alerts-per-hour", required_argument, NULL, 'A'},
      {"news2-per-hour", required_argument, NULL, 'N'},
      {"status-interval", required_argument, NULL, 'S'},
      {"broker-pid", required_argument, NULL, 'B'},
      {"help", no_argument, NULL, 'H'},
      {NULL, 0, NULL, 0}};
  sim_t s = {.host = "127.0.0.1",
             .port = 1883,
             .prefix = "wardgate/dev",
             .patients = 3,
             .rate = 2,
             .qos = 1,
             .kind_mask = (1u << NKINDS) - 1};
  /* --gateways: the hub's load instead of a home's devices. Rates from
   * bench/rates.sh (docs/scaling.md). */
  hubsim_t hub = {
      .status_interval_s = 60, .alerts_per_hour = 54, .news2_per_hour = 30};
  struct mosquitto *m;
  double start, next;
  long sent = 0, failed = 0, tick = 0;
  bool fallen[MAX_EVENTS] = {false}, periodic;
  int ch, rc;

  while ((ch = getopt_long(argc, argv, "h:p:n:r:d:c:u:q", opts, NULL)) != -1) {
    switch (ch) {
    case 'h':
      s.host = optarg;
      break;
    case 'p':
      s.port = atoi(optarg);
      break;
    case 'n':
      s.patients = atoi(optarg);
      break;
    case 'r':
      s.rate = strtod(optarg, NULL);
      break;
    case 'd':
      s.duration = strtod(optarg, NULL);
      break;
    case 'c':
      s.count = atol(optarg);
      break;
    case 'F':
    case 'D':
      if (!parse_event(&s, optarg, ch == 'F')) {
        fprintf(stderr, "wardgate-sim: bad event %s (want P@SECONDS)\n",
                optarg);
        return 2;
      }
      break;
    case 'P':
      s.prefix = optarg;
      break;
    case 'u':
      s.username = optarg;
      s.password = getenv("WARDGATE_SIM_PASSWORD");
      break;
    case 'C':
      s.print_config = true;
      break;
    case 'K':
      s.coap_port = atoi(optarg);
      break;
    case 'k':
      if (!parse_kinds(&s, optarg)) {
        fprintf(stderr, "wardgate-sim: bad --kinds %s\n", optarg);
        return 2;
      }
      break;
    case 'q':
      s.quiet = true;
      break;
    case 'G':
      hub.gateways = atoi(optarg);
      break;
    case 'A':
      hub.alerts_per_hour = strtod(optarg, NULL);
      break;
    case 'N':
      hub.news2_per_hour = strtod(optarg, NULL);
      break;
    case 'S':
      hub.status_interval_s = strtod(optarg, NULL);
      break;
    case 'B':
      hub.broker_pid = atoi(optarg);
      break;
    case 'H':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (s.patients < 1 || s.patients > 100000 || s.rate <= 0 || s.port < 1 ||
      s.port > 65535) {
    usage(stderr);
    return 2;
  }
  if (s.print_config) {
    print_patients(&s);
    return 0;
  }
  if (hub.gateways > 0) {
    hub.host = s.host;
    hub.port = s.port;
    hub.duration_s = s.duration > 0 ? s.duration : 60;
    if (hub.status_interval_s <= 0)
      usage(stderr);
    return hub.status_interval_s > 0 ? wg_hubsim_run(&hub) : 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  srand((unsigned)time(NULL));
  if (s.coap_port) {
    m = NULL;
    if (coap_open(s.host, s.coap_port) != 0) {
      fprintf(stderr, "wardgate-sim: cannot set up CoAP to %s:%d\n", s.host,
              s.coap_port);
      return 1;
    }
  } else {
    mosquitto_lib_init();
    m = mosquitto_new(NULL, true, NULL);
    if (m == NULL) {
      fprintf(stderr, "wardgate-sim: out of memory\n");
      return 1;
    }
    mosquitto_max_inflight_messages_set(m, 1000);
    mosquitto_publish_callback_set(m, on_publish);
    if (s.username)
      mosquitto_username_pw_set(m, s.username, s.password);
    rc = mosquitto_connect(m, s.host, s.port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
      fprintf(stderr, "wardgate-sim: connect %s:%d: %s\n", s.host, s.port,
              rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
      return 1;
    }
    mosquitto_loop_start(m);
  }

  start = next = now_s();
  periodic = (s.kind_mask & ((1u << (NKINDS - 1)) - 1)) != 0;
  while (!stop) {
    double t = now_s() - start;
    char payload[512], device[64];
    int slot = (int)(tick % (s.patients * (NKINDS - 1)));
    int patient = slot / (NKINDS - 1) + 1, kind = slot % (NKINDS - 1);

    if ((s.duration > 0 && t >= s.duration) || (s.count && sent >= s.count))
      break;
    for (int i = 0; i < s.nevents; i++) {
      if (!s.events[i].fall || fallen[i] || t < s.events[i].at ||
          s.events[i].patient > s.patients ||
          !(s.kind_mask & 1u << (NKINDS - 1)))
        continue;
      fallen[i] = true;
      snprintf(device, sizeof(device), "fall-%d", s.events[i].patient);
      snprintf(payload, sizeof(payload),
               "[{\"bn\":\"urn:dev:fall-%d:\",\"bt\":%.6f,\"n\":\"fall\","
               "\"vb\":true}]",
               s.events[i].patient, now_s());
      publish(m, &s, device, payload);
    }
    /* The fall sensors report rarely; the other devices share the rate. */
    if (periodic) {
      tick++;
      if (!(s.kind_mask & 1u << kind))
        continue;
      make_pack(&s, payload, sizeof(payload), kind, patient, t,
                unique_time(slot));
      snprintf(device, sizeof(device), "%s-%d", kinds[kind], patient);
      if (publish(m, &s, device, payload) != MOSQ_ERR_SUCCESS)
        failed++;
      sent++;
    }
    next += 1.0 / s.rate;
    double wait = next - now_s();
    if (wait > 0) {
      struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
      nanosleep(&ts, NULL);
    }
  }
  if (m != NULL) {
    /* Wait (up to 10 s) for the broker to acknowledge what was sent. */
    for (int i = 0;
         i < 500 && s.qos > 0 && atomic_load(&acked) < published_total; i++) {
      struct timespec ts = {0, 20000000};
      nanosleep(&ts, NULL);
    }
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
  } else {
    coap_session_release(coap_sess);
    coap_free_context(coap_ctx);
    coap_cleanup();
  }
  if (!s.quiet)
    fprintf(stderr,
            "wardgate-sim: %ld packs sent, %ld refused, %ld acknowledged\n",
            sent, failed, m != NULL ? atomic_load(&acked) : sent - failed);
  return failed ? 1 : 0;
}
