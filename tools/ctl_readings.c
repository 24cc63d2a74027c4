/* SPDX-License-Identifier: MIT */
/* wardgatectl readings, scores and export: a patient's readings with their
 * trends, the NEWS2 history, and every reading as CSV or SenML, read
 * through the store. */
#include <cjson/cJSON.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "wardgatectl.h"

#define SPARK_WIDTH 32

static bool ctl_utf8_terminal(void) {
  return isatty(STDOUT_FILENO) && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* A reading's value as text: the number, true/false, or the string. */
static const char *ctl_value_text(const wg_reading_t *r, char *out,
                                  size_t len) {
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

static void ctl_sparkline(const double *v, const bool *has, int n,
                          bool unicode) {
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

static int series_by_name(const void *a, const void *b) {
  const series_t *x = a, *y = b;
  int d = strcmp(x->name, y->name);
  return d ? d : strcmp(x->unit, y->unit);
}

/* A reading's value as a CSV field: a number unquoted, true/false and a
 * string as text. */
static void ctl_readings_csv_value(wg_csv_t *w, const wg_reading_t *r) {
  if (r->flags & WG_READING_HAS_VALUE)
    wg_csv_number(w, "%g", r->value);
  else if (r->flags & WG_READING_HAS_VB)
    wg_csv_text(w, r->vb ? "true" : "false");
  else
    wg_csv_text(w, r->vs);
}

static void readings_csv_row(void *ud, const wg_reading_t *r) {
  wg_csv_t *w = ud;

  wg_csv_number(w, "%.3f", r->ts);
  wg_csv_text(w, r->device_id);
  wg_csv_text(w, r->name);
  wg_csv_text(w, r->unit);
  ctl_readings_csv_value(w, r);
  wg_csv_end(w);
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
    ctl_value_text(r, k->latest, sizeof(k->latest));
  }
  if (b >= 0 && b < SPARK_WIDTH && (r->flags & WG_READING_HAS_VALUE)) {
    k->sum[b] += r->value;
    k->n[b]++;
  }
}

int ctl_cmd_readings(ctl_t *c, const char *patient) {
  static series_t series[SERIES_MAX];
  double now = wg_wall_now(), from = now - c->since_s;
  readings_sum_t m = {series, 0, 0, from, c->since_s / SPARK_WIDTH};
  bool unicode = ctl_utf8_terminal();
  wg_store_t *s = ctl_store(c);
  char when[32], tp[CTL_TERM_SIZE(64)];
  int rc;

  if (c->csv) {
    static const char *const head[] = {"time", "device", "name",
                                       "unit", "value",  NULL};
    wg_csv_t w = WG_CSV_FILE(stdout);

    wg_csv_header(&w, head);
    if ((rc = wg_store_readings_each(s, from, patient, c->key, readings_csv_row,
                                     &w)) != 0)
      ctl_read_failed(c, rc);
    return EX_OK;
  }
  /* One pass in time order (the readings' time index), each key's slices
   * of the window averaged here: a GROUP BY would sort them all. */
  if ((rc = wg_store_readings_each(s, from, patient, c->key, readings_sum_row,
                                   &m)) != 0)
    ctl_read_failed(c, rc);
  printf("patient %s, the last %s\n", ctl_term(patient, tp, sizeof(tp)),
         ctl_age(c->since_s, when, sizeof(when)));
  if (m.keys == 0) {
    printf("  (no readings)\n");
    return EX_REFUSED;
  }
  qsort(series, (size_t)m.keys, sizeof(*series), series_by_name);
  for (int i = 0; i < m.keys; i++) {
    series_t *k = &series[i];
    double mean[SPARK_WIDTH];
    bool has[SPARK_WIDTH];
    char name[CTL_TERM_SIZE(sizeof(k->name))],
        latest[CTL_TERM_SIZE(sizeof(k->latest))],
        unit[CTL_TERM_SIZE(sizeof(k->unit))];

    for (int b = 0; b < SPARK_WIDTH; b++) {
      has[b] = k->n[b] > 0;
      mean[b] = has[b] ? k->sum[b] / (double)k->n[b] : 0;
    }
    printf("  %-14s %8s %-9s %s  %7ld  ", ctl_term(k->name, name, sizeof(name)),
           ctl_term(k->latest, latest, sizeof(latest)),
           ctl_term(k->unit, unit, sizeof(unit)),
           ctl_local_time(k->last_ts, when, sizeof(when)), k->count);
    ctl_sparkline(mean, has, SPARK_WIDTH, unicode);
    putchar('\n');
  }
  return EX_OK;
}

typedef struct scores_list_s {
  bool csv;
  wg_csv_t w;
  int rows;
} scores_list_t;

static int scores_row(void *ud, const wg_store_score_t *sc) {
  scores_list_t *l = ud;
  char t[32], band[CTL_TERM_SIZE(32)], comp[CTL_TERM_SIZE(512)];

  if (l->csv) {
    wg_csv_number(&l->w, "%.3f", sc->ts);
    wg_csv_number(&l->w, "%d", sc->score);
    wg_csv_text(&l->w, sc->band);
    wg_csv_text(&l->w, sc->complete ? "yes" : "no");
    wg_csv_text(&l->w, sc->components);
    wg_csv_end(&l->w);
  } else {
    printf("%-19s %5d  %-10s %-8s %s\n", ctl_local_time(sc->ts, t, sizeof(t)),
           sc->score, ctl_term(sc->band, band, sizeof(band)),
           sc->complete ? "yes" : "no",
           ctl_term(sc->components, comp, sizeof(comp)));
  }
  l->rows++;
  return 0;
}

int ctl_cmd_scores(ctl_t *c, const char *patient) {
  wg_store_t *s = ctl_store(c);
  static const char *const head[] = {"time",     "score",      "band",
                                     "complete", "components", NULL};
  scores_list_t l = {c->csv, WG_CSV_FILE(stdout), 0};
  char tp[CTL_TERM_SIZE(64)];
  int rc;

  if (c->csv)
    wg_csv_header(&l.w, head);
  else
    printf("%-19s %5s  %-10s %-8s %s\n", "TIME", "NEWS2", "BAND", "COMPLETE",
           "COMPONENTS");
  if ((rc = wg_store_scores_each(s, patient, wg_wall_now() - c->since_s,
                                 scores_row, &l)) != 0)
    ctl_read_failed(c, rc);
  if (l.rows == 0 && !c->csv)
    printf("(no NEWS2 scores for %s)\n", ctl_term(patient, tp, sizeof(tp)));
  return EX_OK;
}

static void export_progress(long done, long total) {
  int w = 40, fill = total > 0 ? (int)(done * w / total) : w;

  fprintf(stderr, "\r[%.*s%*s] %3d %% %ld/%ld", fill,
          "########################################", w - fill, "",
          total > 0 ? (int)(done * 100 / total) : 100, done, total);
}

typedef struct export_s {
  bool senml, bar;
  long total, done;
  wg_csv_t w;
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
    wg_csv_number(&e->w, "%.6f", r->ts);
    wg_csv_text(&e->w, r->patient_id);
    wg_csv_text(&e->w, r->device_id);
    wg_csv_text(&e->w, r->name);
    wg_csv_text(&e->w, r->unit);
    ctl_readings_csv_value(&e->w, r);
    wg_csv_end(&e->w);
  }
  if (e->bar && ++e->done % 1000 == 0)
    export_progress(e->done, e->total);
  else if (!e->bar)
    e->done++;
}

int ctl_cmd_export(ctl_t *c) {
  static const char *const head[] = {"time", "patient", "device", "name",
                                     "unit", "value",   NULL};
  export_t e = {strcmp(c->format, "senml") == 0, isatty(STDERR_FILENO), 0, 0,
                WG_CSV_FILE(stdout)};
  double from = wg_wall_now() - c->since_s;
  wg_store_t *s;
  int64_t total;
  int rc;

  if (!e.senml && strcmp(c->format, "csv") != 0)
    ctl_die(EX_USAGE, "--format is csv or senml, not %s", c->format);
  s = ctl_store(c);
  if (e.bar) {
    if ((total = wg_store_readings_count(s, from, c->patient, NULL)) < 0)
      ctl_read_failed(c, (int)total);
    e.total = (long)total;
  }
  if (e.senml)
    fputs("[", stdout);
  else
    wg_csv_header(&e.w, head);
  if ((rc = wg_store_readings_each(s, from, c->patient, NULL, export_row,
                                   &e)) != 0)
    ctl_read_failed(c, rc);
  if (e.senml)
    fputs("\n]\n", stdout);
  if (e.bar) {
    export_progress(e.done, e.done);
    fputc('\n', stderr);
  }
  return EX_OK;
}
