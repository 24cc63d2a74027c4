/* SPDX-License-Identifier: MIT */
#include "clinic/daylog.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic/rules.h"
#include "commit/store.h" /* the row's fields */
#include "common/csv.h"
#include "common/json_scratch.h"
#include "wardgate/error.h"

static const char *const daylog_csv_header[] = {"id",
                                                "patient",
                                                "rule",
                                                "severity",
                                                "raised",
                                                "routes",
                                                "escalations",
                                                "acknowledged_by",
                                                "acknowledged_at",
                                                "respond_by",
                                                "response",
                                                "late_min",
                                                "outcome",
                                                "note",
                                                "cleared",
                                                NULL};

void wg_daylog_start(wg_daylog_t *d, double now) {
  if (d->day_end == 0)
    d->day_end = wg_rules_next_local_midnight(now);
}

double wg_daylog_next_deadline(const wg_daylog_t *d) { return d->day_end; }

bool wg_daylog_tick(wg_daylog_t *d, double now) {
  if (d->day_end > 0 && now >= d->day_end) {
    d->day = wg_rules_local_midnight(d->day_end - 1);
    d->due = true;
    d->day_end = wg_rules_next_local_midnight(now);
  }
  return d->due;
}

void wg_daylog_published(wg_daylog_t *d) { d->due = false; }

typedef struct log_s {
  bool csv;
  cJSON *alerts;         /* JSON */
  wg_json_build_t build; /* JSON: every cJSON allocation made, or it fails */
  wg_csv_t csv_w;        /* CSV, into text */
  char *text;            /* CSV */
  size_t len, cap;       /* CSV */
} log_t;

/* "met", "late" (with the minutes, rounded up) or "none". */
static const char *daylog_response(const wg_store_day_entry_t *e,
                                   int *late_min) {
  *late_min = 0;
  if (e->acked_at <= 0)
    return "none";
  if (e->acked_at <= e->respond_by)
    return "met";
  *late_min = (int)ceil((e->acked_at - e->respond_by) / 60.0);
  return "late";
}

/* The CSV writer's sink: the text, grown as it needs. */
static int daylog_append(void *ud, const char *s, size_t n) {
  log_t *l = ud;

  if (l->len + n + 1 > l->cap) {
    size_t cap = (l->len + n + 1) * 2;
    char *p = realloc(l->text, cap);
    if (p == NULL)
      return WG_ENOMEM;
    l->text = p;
    l->cap = cap;
  }
  memcpy(l->text + l->len, s, n);
  l->len += n;
  l->text[l->len] = '\0';
  return 0;
}

static const char *daylog_local(double t, char *buf, size_t size) {
  time_t tt = (time_t)floor(t);
  struct tm tm;

  if (t <= 0 || localtime_r(&tt, &tm) == NULL)
    return "";
  strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

/* One row through the CSV writer every CSV of wardgate goes through:
 * `acknowledged_by` and `note` come from the hub, and a cell there must
 * stay one cell of text whatever it holds. */
static int daylog_add_csv(log_t *l, const wg_store_day_entry_t *e) {
  char raised[32], acked[32], respond[32], cleared[32];
  int late_min;
  const char *resp = daylog_response(e, &late_min);
  wg_csv_t *w = &l->csv_w;

  wg_csv_text(w, e->id);
  wg_csv_text(w, e->patient);
  wg_csv_text(w, e->rule);
  wg_csv_text(w, e->severity);
  wg_csv_text(w, daylog_local(e->raised, raised, sizeof(raised)));
  wg_csv_text(w, e->routes);
  wg_csv_number(w, "%d", e->escalations);
  wg_csv_text(w, e->acked_by);
  wg_csv_text(w, daylog_local(e->acked_at, acked, sizeof(acked)));
  wg_csv_text(w, daylog_local(e->respond_by, respond, sizeof(respond)));
  wg_csv_text(w, resp);
  if (late_min)
    wg_csv_number(w, "%d", late_min);
  else
    wg_csv_text(w, NULL);
  wg_csv_text(w, e->outcome);
  wg_csv_text(w, e->note);
  wg_csv_text(w, daylog_local(e->cleared, cleared, sizeof(cleared)));
  return wg_csv_end(w);
}

static int daylog_add_json(log_t *l, const wg_store_day_entry_t *e) {
  cJSON *o = cJSON_CreateObject(), *routes;
  int late_min;
  const char *resp = daylog_response(e, &late_min);

  if (o == NULL || !cJSON_AddItemToArray(l->alerts, o)) {
    cJSON_Delete(o);
    return WG_ENOMEM;
  }
  cJSON_AddStringToObject(o, "id", e->id);
  cJSON_AddStringToObject(o, "patient", e->patient ? e->patient : "");
  cJSON_AddStringToObject(o, "rule", e->rule);
  cJSON_AddStringToObject(o, "severity", e->severity);
  cJSON_AddNumberToObject(o, "raised", e->raised);
  routes = cJSON_AddArrayToObject(o, "routes");
  if (routes != NULL && e->routes != NULL) {
    const char *p = e->routes;
    while (*p) {
      size_t n = strcspn(p, " ");
      char name[WG_ID_MAX + 1];
      snprintf(name, sizeof(name), "%.*s", (int)n, p);
      cJSON_AddItemToArray(routes, cJSON_CreateString(name));
      p += n + (p[n] == ' ');
    }
  }
  cJSON_AddNumberToObject(o, "escalations", e->escalations);
  if (e->acked_at > 0) {
    cJSON_AddStringToObject(o, "acknowledged_by",
                            e->acked_by ? e->acked_by : "");
    cJSON_AddNumberToObject(o, "acknowledged_at", e->acked_at);
  }
  cJSON_AddNumberToObject(o, "respond_by", e->respond_by);
  cJSON_AddStringToObject(o, "response", resp);
  if (late_min > 0)
    cJSON_AddNumberToObject(o, "late_min", late_min);
  if (e->outcome != NULL)
    cJSON_AddStringToObject(o, "outcome", e->outcome);
  if (e->note != NULL)
    cJSON_AddStringToObject(o, "note", e->note);
  if (e->cleared > 0)
    cJSON_AddNumberToObject(o, "cleared", e->cleared);
  /* A row with a member missing ends the walk: the log would be wrong. */
  return wg_json_build_failed(l->build) ? WG_ENOMEM : 0;
}

static int daylog_add(void *ud, const wg_store_day_entry_t *e) {
  log_t *l = ud;
  return l->csv ? daylog_add_csv(l, e) : daylog_add_json(l, e);
}

char *wg_daylog_text(const char *gateway, double day_start, bool csv,
                     wg_daylog_rows_fn rows, struct wg_store_s *source,
                     int *rc) {
  double day_end = wg_rules_next_local_midnight(day_start);
  log_t l = {.csv = csv, .build = wg_json_build_begin()};
  cJSON *o = NULL;
  char day[16], *text = NULL;
  time_t tt = (time_t)day_start;
  struct tm tm;

  localtime_r(&tt, &tm);
  strftime(day, sizeof(day), "%Y-%m-%d", &tm);
  if (csv) {
    wg_csv_init(&l.csv_w, daylog_append, &l);
    *rc = wg_csv_header(&l.csv_w, daylog_csv_header);
  } else if ((o = cJSON_CreateObject()) == NULL) {
    *rc = WG_ENOMEM;
  } else {
    cJSON_AddStringToObject(o, "gateway", gateway);
    cJSON_AddStringToObject(o, "day", day);
    cJSON_AddNumberToObject(o, "from", day_start);
    cJSON_AddNumberToObject(o, "to", day_end);
    l.alerts = cJSON_AddArrayToObject(o, "alerts");
    *rc = wg_json_build_failed(l.build) ? WG_ENOMEM : 0;
  }
  if (*rc == 0)
    *rc = rows(source, day_start, day_end, daylog_add, &l);
  if (*rc == 0 && !csv &&
      ((text = cJSON_PrintUnformatted(o)) == NULL ||
       wg_json_build_failed(l.build))) {
    free(text);
    text = NULL;
    *rc = WG_ENOMEM;
  }
  if (csv) {
    if (*rc == 0)
      text = l.text;
    else
      free(l.text);
  }
  cJSON_Delete(o);
  return text;
}
