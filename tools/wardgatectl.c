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
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clinic/daylog.h"
#include "commit/store.h"
#include "core/clock.h"
#include "version.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

/* Exit statuses, as wardgatectl(1) lists them. */
enum {
  EX_OK = 0,
  EX_USAGE = 1,   /* a bad command line */
  EX_SETUP = 2,   /* the configuration or the database cannot be read */
  EX_DAEMON = 3,  /* the daemon cannot be reached */
  EX_REFUSED = 4, /* the daemon refused (an ack), or nothing was found */
};

#define SPARK_WIDTH 32

typedef struct ctl_s {
  const char *config;
  char *database;
  char *socket;
  char *gateway;
  wg_store_t *store; /* opened read-only when first needed */
  bool json, all, csv;
  const char *patient, *key, *by, *outcome, *note, *format, *day;
  double since_s;
} ctl_t;

static void die(int status, const char *fmt, ...) {
  va_list ap;

  fputs("wardgatectl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(status);
}

static void usage(FILE *f) {
  fprintf(f, "Usage: wardgatectl [-c FILE] COMMAND [options]\n"
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
             "  -c, --config FILE  the daemon's configuration "
             "(/etc/wardgate/wardgate.json)\n"
             "  -V, --version      print the version\n");
}

/* ---- configuration and database ------------------------------------------ */

static char *read_file(const char *path) {
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

static char *dup_string(const cJSON *o, const char *key, const char *def) {
  const char *v =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
  return v != NULL ? strdup(v) : def != NULL ? strdup(def) : NULL;
}

/* Only the keys wardgatectl needs: the daemon checks the rest, and the
 * secret files it names may be readable by root alone. */
static void load_config(ctl_t *c) {
  char *text = read_file(c->config);
  cJSON *o;

  if (text == NULL)
    die(EX_SETUP, "cannot read %s: %s", c->config, strerror(errno));
  cJSON_Minify(text); /* the comments */
  if ((o = cJSON_Parse(text)) == NULL || !cJSON_IsObject(o))
    die(EX_SETUP,
        "%s is not a JSON object (wardgated --check-config -c %s "
        "says why)",
        c->config, c->config);
  c->database = dup_string(o, "database", "/var/lib/wardgate/wardgate.db");
  c->socket = dup_string(o, "control_socket", NULL);
  c->gateway = dup_string(o, "gateway_id", "");
  cJSON_Delete(o);
  free(text);
}

/* The database, read-only through the store: the schema is checked as the
 * daemon checks it, and the store logs why it refuses one. */
static wg_store_t *store(ctl_t *c) {
  int rc;

  if (c->store == NULL &&
      (rc = wg_store_open_readonly(&c->store, c->database)) != 0)
    die(EX_SETUP, "cannot read the database %s: %s", c->database,
        wg_strerror(rc));
  return c->store;
}

/* A read that failed half-way (the store logged SQLite's words). */
static void read_failed(const ctl_t *c, int rc) {
  die(EX_SETUP, "%s: %s", c->database, wg_strerror(rc));
}

/* ---- the control socket ---------------------------------------------------
 */

/* Send one request line, return the daemon's one-line answer (malloc'd). */
static char *ask(const ctl_t *c, const char *request) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  char *buf = NULL;
  size_t len = 0, cap = 0;
  ssize_t n;
  int fd;

  if (c->socket == NULL)
    die(EX_DAEMON, "%s sets no control_socket: the daemon cannot be asked",
        c->config);
  snprintf(a.sun_path, sizeof(a.sun_path), "%s", c->socket);
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
      connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
    die(EX_DAEMON, "cannot reach wardgated at %s: %s (is it running?)",
        c->socket, strerror(errno));
  if (write(fd, request, strlen(request)) < 0 || write(fd, "\n", 1) < 0)
    die(EX_DAEMON, "%s: %s", c->socket, strerror(errno));
  for (;;) {
    if (len + 4096 > cap && (buf = realloc(buf, cap = len + 65536)) == NULL)
      die(EX_SETUP, "out of memory");
    if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  if (len == 0)
    die(EX_DAEMON, "wardgated closed the connection without an answer "
                   "(stopping?)");
  buf[len] = '\0';
  return buf;
}

/* ---- formatting -----------------------------------------------------------
 */

static const char *local_time(double t, char *out, size_t len) {
  time_t s = (time_t)t;
  struct tm tm;

  strftime(out, len, "%Y-%m-%d %H:%M:%S", localtime_r(&s, &tm));
  return out;
}

static const char *age(double seconds, char *out, size_t len) {
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
static double duration(const char *text) {
  char *end;
  double v = strtod(text, &end);

  if (end == text || v < 0 || !isfinite(v))
    die(EX_USAGE, "not a duration: %s (for example 24h, 30m, 7d)", text);
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
    die(EX_USAGE, "not a duration: %s (for example 24h, 30m, 7d)", text);
  }
  if (*end != '\0' && end[1] != '\0')
    die(EX_USAGE, "not a duration: %s (for example 24h, 30m, 7d)", text);
  return v;
}

static bool utf8_terminal(void) {
  return isatty(STDOUT_FILENO) && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* A reading's value as text: the number, true/false, or the string. */
static const char *value_text(const wg_reading_t *r, char *out, size_t len) {
  if (r->flags & WG_READING_HAS_VALUE)
    snprintf(out, len, "%g", r->value);
  else if (r->flags & WG_READING_HAS_VB)
    snprintf(out, len, "%s", r->vb ? "true" : "false");
  else if (r->vs != NULL)
    snprintf(out, len, "%s", r->vs);
  else
    snprintf(out, len, "-");
  return out;
}

/* ---- status ---------------------------------------------------------------
 */

/* A string member, or "" when it is missing. */
static const char *str(const cJSON *o, const char *key) {
  const char *v =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
  return v != NULL ? v : "";
}

static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool flag(const cJSON *o, const char *key) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int cmd_status(ctl_t *c) {
  char *line = ask(c, "status"), t[32], a[32];
  cJSON *o = cJSON_Parse(line), *n;

  if (c->json) {
    fputs(line, stdout);
    free(line);
    cJSON_Delete(o);
    return EX_OK;
  }
  if (o == NULL)
    die(EX_DAEMON, "the daemon's answer is not JSON: %s", line);
  n = cJSON_GetObjectItemCaseSensitive(o, "counters");
  printf("gateway   %s, wardgated %s, running since %s (%s)\n",
         str(o, "gateway"), str(o, "version"),
         local_time(num(o, "started"), t, sizeof(t)),
         age(num(o, "ts") - num(o, "started"), a, sizeof(a)));
  printf("hub       %s%s%s, alerts go to route \"%s\"\n",
         flag(o, "hub_connected") ? "connected" : "NOT CONNECTED",
         str(o, "uplink")[0] ? " to " : "", str(o, "uplink"),
         str(o, "route")[0] ? str(o, "route") : "hub");
  printf("devices   broker %s; %.0f packs received, %.0f refused\n",
         flag(n, "ingest_connected") ? "connected" : "NOT CONNECTED",
         num(n, "packs_received"), num(n, "packs_rejected"));
  printf("readings  %.0f stored, %.0f waiting, %.0f storage errors\n",
         num(n, "readings_stored"), num(n, "readings_pending"),
         num(n, "store_errors"));
  printf("alerts    %.0f open; %.0f raised, %.0f escalated, %.0f "
         "acknowledged since the start\n",
         num(n, "alerts_open"), num(n, "alerts_raised"),
         num(n, "alerts_escalated"), num(n, "alerts_acknowledged"));
  printf("outbox    %.0f waiting for the hub%s%s\n", num(n, "outbox_depth"),
         flag(n, "outbox_near_limit") ? ", NEAR ITS LIMIT" : "",
         num(n, "outbox_overflow") > 0 ? ", SOME LOST TO OVERFLOW" : "");
  if (num(n, "outbox_yielded") > 0)
    printf("fhir      %.0f copies of readings and scores left out while the "
           "outbox was near its limit\n",
           num(n, "outbox_yielded"));
  free(line);
  cJSON_Delete(o);
  return EX_OK;
}

/* ---- alerts and ack -------------------------------------------------------
 */

static void evidence_text(const cJSON *alert, char *out, size_t len) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(alert, "evidence");
  const cJSON *e = cJSON_GetArrayItem(ev, cJSON_GetArraySize(ev) - 1);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "v");
  const char *n =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "n"));
  const char *u =
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "u"));

  if (e == NULL) {
    snprintf(out, len, "-");
  } else if (cJSON_IsNumber(v)) {
    snprintf(out, len, "%s %g%s%s", n ? n : "", v->valuedouble, u ? " " : "",
             u ? u : "");
  } else {
    v = cJSON_GetObjectItemCaseSensitive(e, "vb");
    snprintf(out, len, "%s%s", n ? n : "",
             cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? " true" : " false") : "");
  }
}

typedef struct alerts_list_s {
  double now;
  int rows;
} alerts_list_t;

/* One alert's line; a payload that is not JSON is left out. */
static int alerts_row(void *ud, const char *payload) {
  alerts_list_t *l = ud;
  cJSON *o = cJSON_Parse(payload);
  char a[32], ev[96], state[40];

  if (o == NULL)
    return 0;
  evidence_text(o, ev, sizeof(ev));
  snprintf(state, sizeof(state), "%s%s", str(o, "state"),
           flag(o, "acknowledged") && strcmp(str(o, "state"), "acknowledged")
               ? ", acked"
               : "");
  printf("%-20s %-10s %-14s %-8s %-19s %-8s %3.0f  %s\n", str(o, "id"),
         str(o, "patient"), str(o, "rule"), str(o, "severity"), state,
         age(l->now - num(o, "raised"), a, sizeof(a)), num(o, "escalation"),
         ev);
  cJSON_Delete(o);
  l->rows++;
  return 0;
}

static int cmd_alerts(ctl_t *c) {
  wg_store_t *s = store(c);
  alerts_list_t l = {wg_wall_now(), 0};
  int rc;

  printf("%-20s %-10s %-14s %-8s %-19s %-8s %3s  %s\n", "ID", "PATIENT", "RULE",
         "SEVERITY", "STATE", "AGE", "ESC", "LAST EVIDENCE");
  if ((rc = wg_store_alerts_list(s, c->all, c->patient, alerts_row, &l)) != 0)
    read_failed(c, rc);
  if (l.rows == 0)
    printf("(no %salerts%s%s)\n", c->all ? "" : "open ",
           c->patient ? " for " : "", c->patient ? c->patient : "");
  return EX_OK;
}

static int cmd_ack(ctl_t *c, const char *id) {
  cJSON *req = cJSON_CreateObject(), *ans;
  char *json, *request, *line;
  int status;

  if (c->by == NULL || c->by[0] == '\0')
    die(EX_USAGE, "ack needs --by NAME: who acknowledges it");
  cJSON_AddStringToObject(req, "id", id);
  cJSON_AddStringToObject(req, "by", c->by);
  if (c->outcome)
    cJSON_AddStringToObject(req, "outcome", c->outcome);
  if (c->note)
    cJSON_AddStringToObject(req, "note", c->note);
  json = cJSON_PrintUnformatted(req);
  if (json == NULL || asprintf(&request, "ack %s", json) < 0)
    die(EX_SETUP, "out of memory");
  line = ask(c, request);
  ans = cJSON_Parse(line);
  if (flag(ans, "ok")) {
    printf("alert %s acknowledged by %s; recorded, and sent to the hub\n", id,
           c->by);
    status = EX_OK;
  } else {
    fprintf(stderr, "wardgatectl: not acknowledged: %s\n",
            str(ans, "error")[0] ? str(ans, "error") : line);
    status = EX_REFUSED;
  }
  cJSON_Delete(req);
  cJSON_Delete(ans);
  free(json);
  free(request);
  free(line);
  return status;
}

/* ---- readings, scores, export ---------------------------------------------
 */

static void sparkline(const double *v, const bool *has, int n, bool unicode) {
  static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double lo = INFINITY, hi = -INFINITY;

  for (int i = 0; i < n; i++)
    if (has[i]) {
      lo = fmin(lo, v[i]);
      hi = fmax(hi, v[i]);
    }
  for (int i = 0; i < n; i++) {
    if (!unicode) {
      if (has[i])
        printf(" %g", round(v[i] * 10) / 10);
      continue;
    }
    if (!has[i])
      fputs(" ", stdout);
    else
      fputs(bars[hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.999) : 3], stdout);
  }
}

/* One key of a patient's readings over the window. */
typedef struct series_s {
  char name[64], unit[32], latest[128];
  double last_ts;
  long count;
  double sum[SPARK_WIDTH];
  long n[SPARK_WIDTH];
} series_t;

#define SERIES_MAX 64

static int by_name(const void *a, const void *b) {
  const series_t *x = a, *y = b;
  int d = strcmp(x->name, y->name);
  return d ? d : strcmp(x->unit, y->unit);
}

static void readings_csv_row(void *ud, const wg_reading_t *r) {
  char v[128];

  (void)ud;
  printf("%.3f,%s,%s,%s,%s\n", r->ts, r->device_id, r->name, r->unit,
         value_text(r, v, sizeof(v)));
}

/* The keys of a patient's readings, each with its slices of the window. */
typedef struct readings_sum_s {
  series_t *series;
  int keys, last;
  double from, width;
} readings_sum_t;

static void readings_sum_row(void *ud, const wg_reading_t *r) {
  readings_sum_t *m = ud;
  series_t *series = m->series, *k = &series[m->last];
  int b = (int)((r->ts - m->from) / m->width);

  if (m->keys == 0 || strcmp(k->name, r->name) != 0 ||
      strcmp(k->unit, r->unit) != 0) {
    for (m->last = 0; m->last < m->keys; m->last++)
      if (strcmp(series[m->last].name, r->name) == 0 &&
          strcmp(series[m->last].unit, r->unit) == 0)
        break;
    if (m->last == m->keys) {
      if (m->keys == SERIES_MAX)
        return; /* more keys than a screen shows */
      snprintf(series[m->keys].name, sizeof(series->name), "%s", r->name);
      snprintf(series[m->keys].unit, sizeof(series->unit), "%s", r->unit);
      m->keys++;
    }
    k = &series[m->last];
  }
  k->count++;
  if (r->ts >= k->last_ts) {
    k->last_ts = r->ts;
    value_text(r, k->latest, sizeof(k->latest));
  }
  if (b >= 0 && b < SPARK_WIDTH && (r->flags & WG_READING_HAS_VALUE)) {
    k->sum[b] += r->value;
    k->n[b]++;
  }
}

static int cmd_readings(ctl_t *c, const char *patient) {
  static series_t series[SERIES_MAX];
  double now = wg_wall_now(), from = now - c->since_s;
  readings_sum_t m = {series, 0, 0, from, c->since_s / SPARK_WIDTH};
  bool unicode = utf8_terminal();
  wg_store_t *s = store(c);
  char when[32];
  int rc;

  if (c->csv) {
    printf("time,device,name,unit,value\n");
    if ((rc = wg_store_readings_each(s, from, patient, c->key, readings_csv_row,
                                     NULL)) != 0)
      read_failed(c, rc);
    return EX_OK;
  }
  /* One pass in time order (the readings' time index), each key's slices
   * of the window averaged here: a GROUP BY would sort them all. */
  if ((rc = wg_store_readings_each(s, from, patient, c->key, readings_sum_row,
                                   &m)) != 0)
    read_failed(c, rc);
  printf("patient %s, the last %s\n", patient,
         age(c->since_s, when, sizeof(when)));
  if (m.keys == 0) {
    printf("  (no readings)\n");
    return EX_REFUSED;
  }
  qsort(series, (size_t)m.keys, sizeof(*series), by_name);
  for (int i = 0; i < m.keys; i++) {
    series_t *k = &series[i];
    double mean[SPARK_WIDTH];
    bool has[SPARK_WIDTH];

    for (int b = 0; b < SPARK_WIDTH; b++) {
      has[b] = k->n[b] > 0;
      mean[b] = has[b] ? k->sum[b] / (double)k->n[b] : 0;
    }
    printf("  %-14s %8s %-9s %s  %7ld  ", k->name, k->latest, k->unit,
           local_time(k->last_ts, when, sizeof(when)), k->count);
    sparkline(mean, has, SPARK_WIDTH, unicode);
    putchar('\n');
  }
  return EX_OK;
}

typedef struct scores_list_s {
  bool csv;
  int rows;
} scores_list_t;

static int scores_row(void *ud, const wg_store_score_t *sc) {
  scores_list_t *l = ud;
  char t[32];

  if (l->csv)
    printf("%.3f,%d,%s,%s,\"%s\"\n", sc->ts, sc->score, sc->band,
           sc->complete ? "yes" : "no", sc->components);
  else
    printf("%-19s %5d  %-10s %-8s %s\n", local_time(sc->ts, t, sizeof(t)),
           sc->score, sc->band, sc->complete ? "yes" : "no", sc->components);
  l->rows++;
  return 0;
}

static int cmd_scores(ctl_t *c, const char *patient) {
  wg_store_t *s = store(c);
  scores_list_t l = {c->csv, 0};
  int rc;

  if (c->csv)
    printf("time,score,band,complete,components\n");
  else
    printf("%-19s %5s  %-10s %-8s %s\n", "TIME", "NEWS2", "BAND", "COMPLETE",
           "COMPONENTS");
  if ((rc = wg_store_scores_each(s, patient, wg_wall_now() - c->since_s,
                                 scores_row, &l)) != 0)
    read_failed(c, rc);
  if (l.rows == 0 && !c->csv)
    printf("(no NEWS2 scores for %s)\n", patient);
  return EX_OK;
}

static void progress(long done, long total) {
  int w = 40, fill = total > 0 ? (int)(done * w / total) : w;

  fprintf(stderr, "\r[%.*s%*s] %3d %% %ld/%ld", fill,
          "########################################", w - fill, "",
          total > 0 ? (int)(done * 100 / total) : 100, done, total);
}

typedef struct export_s {
  bool senml, bar;
  long total, done;
} export_t;

static void export_row(void *ud, const wg_reading_t *r) {
  export_t *e = ud;
  char v[128];

  if (e->senml) {
    cJSON *o = cJSON_CreateObject();
    char *text;
    snprintf(v, sizeof(v), "%s:%s", r->device_id, r->name);
    cJSON_AddStringToObject(o, "n", v);
    if (r->unit[0])
      cJSON_AddStringToObject(o, "u", r->unit);
    cJSON_AddNumberToObject(o, "t", r->ts);
    if (r->flags & WG_READING_HAS_VALUE)
      cJSON_AddNumberToObject(o, "v", r->value);
    else if (r->flags & WG_READING_HAS_VB)
      cJSON_AddBoolToObject(o, "vb", r->vb);
    else if (r->vs != NULL)
      cJSON_AddStringToObject(o, "vs", r->vs);
    text = cJSON_PrintUnformatted(o);
    printf("%s%s", e->done ? ",\n" : "\n", text ? text : "{}");
    free(text);
    cJSON_Delete(o);
  } else {
    printf("%.6f,%s,%s,%s,%s,%s\n", r->ts, r->patient_id ? r->patient_id : "",
           r->device_id, r->name, r->unit, value_text(r, v, sizeof(v)));
  }
  if (e->bar && ++e->done % 1000 == 0)
    progress(e->done, e->total);
  else if (!e->bar)
    e->done++;
}

static int cmd_export(ctl_t *c) {
  export_t e = {strcmp(c->format, "senml") == 0, isatty(STDERR_FILENO), 0, 0};
  double from = wg_wall_now() - c->since_s;
  wg_store_t *s;
  int64_t total;
  int rc;

  if (!e.senml && strcmp(c->format, "csv") != 0)
    die(EX_USAGE, "--format is csv or senml, not %s", c->format);
  s = store(c);
  if (e.bar) {
    if ((total = wg_store_readings_count(s, from, c->patient, NULL)) < 0)
      read_failed(c, (int)total);
    e.total = (long)total;
  }
  fputs(e.senml ? "[" : "time,patient,device,name,unit,value\n", stdout);
  if ((rc = wg_store_readings_each(s, from, c->patient, NULL, export_row,
                                   &e)) != 0)
    read_failed(c, rc);
  if (e.senml)
    fputs("\n]\n", stdout);
  if (e.bar) {
    progress(e.done, e.done);
    fputc('\n', stderr);
  }
  return EX_OK;
}

/* ---- the daily log --------------------------------------------------------
 */

static int cmd_log(ctl_t *c) {
  wg_store_t *s;
  struct tm tm = {0};
  double day;
  char *text;
  int rc;

  if (c->day != NULL) {
    if (strptime(c->day, "%Y-%m-%d", &tm) == NULL)
      die(EX_USAGE, "--day takes YYYY-MM-DD, not %s", c->day);
  } else { /* yesterday */
    time_t t = time(NULL) - 86400;
    localtime_r(&t, &tm);
  }
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  day = (double)mktime(&tm);
  s = store(c);
  text = wg_daylog(s, c->gateway, day, c->csv, &rc);
  if (text == NULL)
    die(EX_SETUP, "cannot make the log: %s", wg_strerror(rc));
  fputs(text, stdout);
  if (text[0] && text[strlen(text) - 1] != '\n')
    fputc('\n', stdout);
  free(text);
  return EX_OK;
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
      {NULL, 0, NULL, 0}};
  ctl_t c = {.config = "/etc/wardgate/wardgate.json", .format = "csv"};
  const char *cmd, *arg = NULL, *since = NULL;
  int opt, status;

  setlocale(LC_ALL, "");
  wg_log_set_level(LOG_ERR);
  while ((opt = getopt_long(argc, argv, "+c:Vh", opts, NULL)) != -1) {
    switch (opt) {
    case 'c':
      c.config = optarg;
      break;
    case 'V':
      printf("wardgatectl %s\n", WG_VERSION);
      return EX_OK;
    case 'h':
      usage(stdout);
      return EX_OK;
    default:
      usage(stderr);
      return EX_USAGE;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return EX_USAGE;
  }
  cmd = argv[optind++];
  /* The command's own options, and at most one operand. */
  while (optind < argc) {
    if ((opt = getopt_long(argc, argv, "+", opts, NULL)) == -1) {
      if (arg != NULL)
        die(EX_USAGE, "%s: unexpected %s", cmd, argv[optind]);
      arg = argv[optind++];
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
    default:
      usage(stderr);
      return EX_USAGE;
    }
  }
  c.since_s = duration(since                        ? since
                       : strcmp(cmd, "scores") == 0 ? "7d"
                                                    : "24h");
  load_config(&c);

  if (strcmp(cmd, "status") == 0 && arg == NULL)
    status = cmd_status(&c);
  else if (strcmp(cmd, "alerts") == 0 && arg == NULL)
    status = cmd_alerts(&c);
  else if (strcmp(cmd, "ack") == 0 && arg != NULL)
    status = cmd_ack(&c, arg);
  else if (strcmp(cmd, "readings") == 0 && arg != NULL)
    status = cmd_readings(&c, arg);
  else if (strcmp(cmd, "scores") == 0 && arg != NULL)
    status = cmd_scores(&c, arg);
  else if (strcmp(cmd, "export") == 0 && arg == NULL)
    status = cmd_export(&c);
  else if (strcmp(cmd, "log") == 0 && arg == NULL)
    status = cmd_log(&c);
  else
    die(EX_USAGE,
        "%s: unknown command, or its operand is missing or extra "
        "(wardgatectl --help)",
        cmd);
  wg_store_close(c.store);
  free(c.database);
  free(c.socket);
  free(c.gateway);
  return status;
}
