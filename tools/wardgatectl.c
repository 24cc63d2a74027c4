/* SPDX-License-Identifier: MIT */
/*
 * wardgatectl: what the gateway is doing, in one command, for the nurse or
 * technician at the home and the support desk on the phone. It reads the
 * daemon's configuration to find the database and the control socket,
 * asks the daemon itself for its status and to take an acknowledgement
 * (the control socket), and reads the database read-only for the rest: it
 * never writes the database. See wardgatectl(1).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "version.h"
#include "wardgate/error.h"
#include "wardgate/log.h"
#include "wardgatectl.h"

void ctl_die(int status, const char *fmt, ...) {
  va_list ap;

  fputs("wardgatectl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(status);
}

static void ctl_usage(FILE *f) {
  fprintf(f,
          "Usage: wardgatectl [-c FILE] COMMAND [options]\n"
          "  status [--json]                  the daemon's live status\n"
          "  alerts [--all] [--patient P]     open alerts (--all: history)\n"
          "  ack ID --by NAME [--outcome O] [--note TEXT]\n"
          "                                   acknowledge an alert here\n"
          "  readings PATIENT [--key K] [--since 24h] [--csv]\n"
          "                                   latest values and trends\n"
          "  scores PATIENT [--since 7d]      the NEWS2 history\n"
          "  export [--since 24h] [--patient P] [--format csv|senml]\n"
          "                                   readings, to standard output\n"
          "  log [--day YYYY-MM-DD] [--csv]   the daily escalation log\n"
          "  sign-ack ID --key-file FILE --by NAME [--outcome O] [--note T]\n"
          "           [--ts SECONDS] [--canonical]\n"
          "                                   an ack signed as the hub signs "
          "it\n"
          "  config [--json] | config history | config diff A B\n"
          "                                   the patients of the hub's "
          "versions\n"
          "  sign-config FILE --key-file FILE [--ts SECONDS] [--canonical]\n"
          "                                   a desired configuration "
          "signed\n"
          "  -c, --config FILE  the daemon's configuration "
          "(/etc/wardgate/wardgate.json)\n"
          "  -t, --timeout D    how long to wait for the daemon (5s)\n"
          "  -V, --version      print the version\n");
}

/* ---- configuration and database ------------------------------------------ */

static char *ctl_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;

  if (f == NULL)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
    if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
      buf[n] = '\0';
    } else {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  return buf;
}

static char *ctl_dup_string(const cJSON *o, const char *key, const char *def) {
  const char *v =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
  return v != NULL ? strdup(v) : def != NULL ? strdup(def) : NULL;
}

/* Only the keys wardgatectl needs: the daemon checks the rest, and the
 * secret files it names may be readable by root alone. */
static void ctl_load_config(ctl_t *c) {
  char *text = ctl_read_file(c->config);
  cJSON *o;

  if (text == NULL)
    ctl_die(EX_SETUP, "cannot read %s: %s", c->config, strerror(errno));
  cJSON_Minify(text); /* the comments */
  if ((o = cJSON_Parse(text)) == NULL || !cJSON_IsObject(o))
    ctl_die(EX_SETUP,
            "%s is not a JSON object (wardgated --check-config -c %s "
            "says why)",
            c->config, c->config);
  c->database = ctl_dup_string(o, "database", "/var/lib/wardgate/wardgate.db");
  c->socket = ctl_dup_string(o, "control_socket", NULL);
  c->gateway = ctl_dup_string(o, "gateway_id", "");
  cJSON_Delete(o);
  free(text);
}

/* The database, read-only through the store: the schema is checked as the
 * daemon checks it, and the store logs why it refuses one. */
wg_store_t *ctl_store(ctl_t *c) {
  int rc;

  if (c->store == NULL &&
      (rc = wg_store_open_readonly(&c->store, c->database)) != 0)
    ctl_die(EX_SETUP, "cannot read the database %s: %s", c->database,
            wg_strerror(rc));
  return c->store;
}

/* A read that failed half-way (the store logged SQLite's words). */
void ctl_read_failed(const ctl_t *c, int rc) {
  ctl_die(EX_SETUP, "%s: %s", c->database, wg_strerror(rc));
}

/* ---- the control socket ---------------------------------------------------
 */

/* The seconds left until @deadline (CLOCK_MONOTONIC), as poll() wants its
 * milliseconds: 0 once it has passed. */
static int ctl_ms_left(const struct timespec *deadline) {
  struct timespec now;
  double ms;

  clock_gettime(CLOCK_MONOTONIC, &now);
  ms = (double)(deadline->tv_sec - now.tv_sec) * 1e3 +
       (double)(deadline->tv_nsec - now.tv_nsec) / 1e6;
  return ms <= 0 ? 0 : ms > 1e9 ? 1000000000 : (int)ceil(ms);
}

/* Why wardgatectl gave up on a daemon that took too long: it may be busy
 * (a long commit, a locked database) or stuck. An ack sent but not
 * answered may still be taken: the operator is told to look, not that it
 * failed. */
__attribute__((noreturn)) static void
ctl_gave_up(const ctl_t *c, const char *what, bool sent_ack) {
  ctl_die(EX_DAEMON,
          "daemon unreachable: wardgated at %s did not %s within %gs (busy "
          "or stuck? journalctl -u wardgated says; -t sets the wait)%s",
          c->socket, what, c->timeout_s,
          sent_ack ? "; the acknowledgement was sent and may still be "
                     "recorded: see wardgatectl alerts before sending it "
                     "again"
                   : "");
}

/* Send one request line, return the daemon's one-line answer (malloc'd),
 * all within c->timeout_s: the connection, the request and the answer. A
 * blocking connect to a UNIX socket whose queue is full waits as long as
 * SO_SNDTIMEO allows, then fails with EAGAIN. */
char *ctl_ask(const ctl_t *c, const char *request) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  struct timeval tv = {.tv_sec = (time_t)c->timeout_s,
                       .tv_usec = (suseconds_t)(fmod(c->timeout_s, 1) * 1e6)};
  struct timespec deadline;
  bool ack = strncmp(request, "ack ", 4) == 0;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  ssize_t n;
  int fd, left;

  if (c->socket == NULL)
    ctl_die(EX_DAEMON,
            "daemon unreachable: %s sets no control_socket: the daemon "
            "cannot be asked",
            c->config);
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += tv.tv_sec;
  deadline.tv_nsec += (long)tv.tv_usec * 1000;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  snprintf(a.sun_path, sizeof(a.sun_path), "%s", c->socket);
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
    ctl_die(EX_DAEMON, "daemon unreachable: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      ctl_gave_up(c, "take the connection", false);
    ctl_die(EX_DAEMON,
            "daemon unreachable: cannot reach wardgated at %s: %s (is it "
            "running?)",
            c->socket, strerror(errno));
  }
  if (write(fd, request, strlen(request)) < 0 || write(fd, "\n", 1) < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      ctl_gave_up(c, "take the request", false);
    ctl_die(EX_DAEMON, "daemon unreachable: %s: %s", c->socket,
            strerror(errno));
  }
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};

    if (len + 4096 > cap && (buf = realloc(buf, cap = len + 65536)) == NULL)
      ctl_die(EX_SETUP, "out of memory");
    if ((left = ctl_ms_left(&deadline)) == 0 || (n = poll(&p, 1, left)) == 0)
      ctl_gave_up(c, "answer", ack);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      ctl_die(EX_DAEMON, "daemon unreachable: %s: %s", c->socket,
              strerror(errno));
    }
    if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  if (len == 0)
    ctl_die(EX_DAEMON, "daemon unreachable: wardgated closed the connection "
                       "without an answer (stopping?)");
  buf[len] = '\0';
  return buf;
}

/* ---- formatting -----------------------------------------------------------
 */

const char *ctl_local_time(double t, char *out, size_t len) {
  time_t s = (time_t)t;
  struct tm tm;

  strftime(out, len, "%Y-%m-%d %H:%M:%S", localtime_r(&s, &tm));
  return out;
}

const char *ctl_age(double seconds, char *out, size_t len) {
  long s = seconds < 0 ? 0 : (long)seconds;

  if (s >= 86400)
    snprintf(out, len, "%ldd %02ldh", s / 86400, s % 86400 / 3600);
  else if (s >= 3600)
    snprintf(out, len, "%ldh %02ldm", s / 3600, s % 3600 / 60);
  else
    snprintf(out, len, "%ldm %02lds", s / 60, s % 60);
  return out;
}

/* "24h", "30m", "7d", "2w", "90s" or plain seconds. */
static double ctl_duration(const char *text) {
  char *end;
  double v = strtod(text, &end);

  if (end == text || v < 0 || !isfinite(v))
    ctl_die(EX_USAGE, "not a duration: %s (for example 24h, 30m, 7d)", text);
  switch (*end) {
  case '\0':
  case 's':
    break;
  case 'm':
    v *= 60;
    break;
  case 'h':
    v *= 3600;
    break;
  case 'd':
    v *= 86400;
    break;
  case 'w':
    v *= 7 * 86400;
    break;
  default:
    ctl_die(EX_USAGE, "not a duration: %s (for example 24h, 30m, 7d)", text);
  }
  if (*end != '\0' && end[1] != '\0')
    ctl_die(EX_USAGE, "not a duration: %s (for example 24h, 30m, 7d)", text);
  return v;
}

/* A string member, or "" when it is missing. */
const char *ctl_json_str(const cJSON *o, const char *key) {
  const char *v =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
  return v != NULL ? v : "";
}

double ctl_json_num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

bool ctl_json_flag(const cJSON *o, const char *key) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* ---- main ------------------------------------------------------------------
 */

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"config", required_argument, NULL, 'c'},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {"json", no_argument, NULL, 'j'},
      {"all", no_argument, NULL, 'a'},
      {"csv", no_argument, NULL, 'C'},
      {"patient", required_argument, NULL, 'p'},
      {"key", required_argument, NULL, 'k'},
      {"since", required_argument, NULL, 's'},
      {"by", required_argument, NULL, 'b'},
      {"outcome", required_argument, NULL, 'o'},
      {"note", required_argument, NULL, 'n'},
      {"format", required_argument, NULL, 'f'},
      {"day", required_argument, NULL, 'd'},
      {"key-file", required_argument, NULL, 'K'},
      {"ts", required_argument, NULL, 'T'},
      {"canonical", no_argument, NULL, 'N'},
      {"timeout", required_argument, NULL, 't'},
      {NULL, 0, NULL, 0}};
  ctl_t c = {.config = "/etc/wardgate/wardgate.json",
             .format = "csv",
             .timeout_s = CTL_TIMEOUT_S};
  const char *cmd, *arg = NULL, *since = NULL, *timeout = NULL;
  const char *args[3] = {NULL, NULL, NULL}; /* config diff A B: three */
  size_t nargs = 0;
  int opt, status;

  setlocale(LC_ALL, "");
  wg_log_set_level(LOG_ERR);
  while ((opt = getopt_long(argc, argv, "+c:t:Vh", opts, NULL)) != -1) {
    switch (opt) {
    case 'c':
      c.config = optarg;
      break;
    case 't':
      timeout = optarg;
      break;
    case 'V':
      printf("wardgatectl %s\n", WG_VERSION);
      return EX_OK;
    case 'h':
      ctl_usage(stdout);
      return EX_OK;
    default:
      ctl_usage(stderr);
      return EX_USAGE;
    }
  }
  if (optind >= argc) {
    ctl_usage(stderr);
    return EX_USAGE;
  }
  cmd = argv[optind++];
  /* The command's own options, and at most one operand. */
  while (optind < argc) {
    if ((opt = getopt_long(argc, argv, "+t:", opts, NULL)) == -1) {
      if (nargs == (strcmp(cmd, "config") == 0 ? 3u : 1u))
        ctl_die(EX_USAGE, "%s: unexpected %s", cmd, argv[optind]);
      args[nargs++] = argv[optind++];
      arg = args[0];
      continue;
    }
    switch (opt) {
    case 'j':
      c.json = true;
      break;
    case 'a':
      c.all = true;
      break;
    case 'C':
      c.csv = true;
      break;
    case 'p':
      c.patient = optarg;
      break;
    case 'k':
      c.key = optarg;
      break;
    case 's':
      since = optarg;
      break;
    case 'b':
      c.by = optarg;
      break;
    case 'o':
      c.outcome = optarg;
      break;
    case 'n':
      c.note = optarg;
      break;
    case 'f':
      c.format = optarg;
      break;
    case 'd':
      c.day = optarg;
      break;
    case 'K':
      c.key_file = optarg;
      break;
    case 'T':
      c.ts = optarg;
      break;
    case 'N':
      c.canonical = true;
      break;
    case 't':
      timeout = optarg;
      break;
    default:
      ctl_usage(stderr);
      return EX_USAGE;
    }
  }
  c.since_s = ctl_duration(since                        ? since
                           : strcmp(cmd, "scores") == 0 ? "7d"
                                                        : "24h");
  if (timeout != NULL &&
      ((c.timeout_s = ctl_duration(timeout)) <= 0 || c.timeout_s > 86400))
    ctl_die(EX_USAGE,
            "--timeout takes a duration above 0 and at most 1d, not %s",
            timeout);
  if (strcmp(cmd, "sign-ack") == 0 && arg != NULL) /* the hub's side */
    return ctl_cmd_sign_ack(&c, arg);
  if (strcmp(cmd, "sign-config") == 0 && arg != NULL)
    return ctl_cmd_sign_config(&c, arg);
  ctl_load_config(&c);

  if (strcmp(cmd, "status") == 0 && arg == NULL)
    status = ctl_cmd_status(&c);
  else if (strcmp(cmd, "alerts") == 0 && arg == NULL)
    status = ctl_cmd_alerts(&c);
  else if (strcmp(cmd, "ack") == 0 && arg != NULL)
    status = ctl_cmd_ack(&c, arg);
  else if (strcmp(cmd, "readings") == 0 && arg != NULL)
    status = ctl_cmd_readings(&c, arg);
  else if (strcmp(cmd, "scores") == 0 && arg != NULL)
    status = ctl_cmd_scores(&c, arg);
  else if (strcmp(cmd, "export") == 0 && arg == NULL)
    status = ctl_cmd_export(&c);
  else if (strcmp(cmd, "log") == 0 && arg == NULL)
    status = ctl_cmd_log(&c);
  else if (strcmp(cmd, "config") == 0)
    status = ctl_cmd_config(&c, args, nargs);
  else
    ctl_die(EX_USAGE,
            "%s: unknown command, or its operand is missing or extra "
            "(wardgatectl --help)",
            cmd);
  wg_store_close(c.store);
  free(c.database);
  free(c.socket);
  free(c.gateway);
  return status;
}
