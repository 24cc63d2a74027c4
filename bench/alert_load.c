/* SPDX-License-Identifier: MIT */
/*
 * The alert load a hub must carry (issue #27): the pure clinic, on a fake
 * clock, through a synthetic day of a virtual ward. Every patient wears an
 * oximeter (SpO2 and pulse every 15 min), has blood pressure, temperature,
 * respiration and ACVPU taken at 08:00, 14:00 and 20:00, a fall sensor
 * with a heartbeat every 30 min, and one in three a smart cup. Scripted
 * among them: deteriorations (SpO2 falling, pulse and respiration rising
 * over three hours, half of them stopping halfway), falls (one in ten of them a
 * sensor that chatters 200 falls in 100 s), fall sensors that die (battery
 * levels only), cups not used, and a cuff that syncs the day late in one pack.
 * Clinicians acknowledge each alert after a delay by severity, one in ten late.
 *
 * Reports alerts raised per patient-day by rule and severity, events by
 * state, the busiest minute, and for every scripted deterioration, fall,
 * dead sensor and unused cup whether and how fast it was alerted. With
 * --check, exits 1 unless every scripted event was alerted in time and
 * the load targets hold (a test of sensitivity, never of speed).
 *
 *   alert_load [--patients N] [--hours H] [--response default|quiet]
 *              [--spread MIN] [--hourly FILE] [--check]
 *
 * --spread sets the intake checkpoints' spread_min (0: every patient's
 * intake alerts at the checkpoint's second; default: the daemon's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clinic/clinic.h"
#include "core/config.h"
#include "wardgate/log.h"

#define DAY0 1792972800.0 /* 2026-10-26 00:00 UTC */
#define MAXP 2000

typedef enum { K_STABLE, K_DETERIORATE, K_FALL, K_DEAD, K_CUP, K_LATE } kind_t;

typedef struct patient_s {
  kind_t kind;
  bool cup, threshold, chatter;
  double hr, spo2, rr, sbp, temp; /* baseline */
  double event_at;                /* the scripted moment */
  /* Outcomes. */
  double first_alert; /* deterioration: medium or worse; fall; silent */
  double emergency_at, true_medium_at, true_emergency_at;
  int raised;
  wg_severity_t news2_worst; /* the most urgent a NEWS2 alert reached */
} patient_t;

static patient_t pts[MAXP];
static int npatients = 200;
static double hours = 24;
/* A day of the ward already running before the day counted, so that the
 * count is of a ward in its steady state, not of 200 admissions at one
 * minute. */
static double warmup = 24;
static unsigned rng = 12345;
/* intake[].spread_min written to the config; < 0: left to its default. */
static double spread = -1;

static double rnd(void) {
  rng = rng * 1103515245u + 12345u;
  return (double)((rng >> 8) & 0xffff) / 65536.0;
}

/* The physiology of patient @i at @t. */
static void physiology(int i, double t, double *hr, double *spo2, double *rr) {
  patient_t *p = &pts[i];
  double x = 0;

  if (p->kind == K_DETERIORATE && t > p->event_at)
    x = (t - p->event_at) / (3 * 3600.0);
  /* One in two deteriorations stops halfway (a single 3, or 5-6). */
  if (x > (i % 20 == 17 ? 0.45 : 1))
    x = i % 20 == 17 ? 0.45 : 1;
  *hr = p->hr + 45 * x + (rnd() - 0.5) * 4;
  *spo2 = p->spo2 - 9 * x + (rnd() - 0.5) * 1.5;
  *rr = p->rr + 10 * x;
  if (*spo2 > 100)
    *spo2 = 100;
}

static size_t config_write(const char *path, bool quiet) {
  FILE *f = fopen(path, "w");

  if (f == NULL)
    return 0;
  fprintf(f, "{\"gateway_id\":\"gw-bench\",\"database\":\":memory:\","
             "\"ingest\":{\"mqtt\":{}},\"uplink\":{\"mqtt\":{}},"
             "\"patients\":[");
  for (int i = 0; i < npatients; i++) {
    patient_t *p = &pts[i];
    char cup[32] = "";
    if (p->cup)
      snprintf(cup, sizeof(cup), ",\"cup-%d\"", i);
    fprintf(f,
            "%s{\"id\":\"p-%d\",\"devices\":[\"oxi-%d\",\"bp-%d\",\"obs-%d\","
            "{\"id\":\"fall-%d\",\"class\":\"fall_sensor\"}%s],"
            "\"news2\":{\"response\":{\"score_1_4\":\"%s\"}}",
            i ? "," : "", i, i, i, i, i, cup, quiet ? "none" : "low");
    if (p->threshold)
      fprintf(f, ",\"thresholds\":[{\"name\":\"spo2\",\"below\":90,"
                 "\"severity\":\"high\"}]");
    if (p->cup) {
      fprintf(f, ",\"intake\":[{\"name\":\"fluid_intake\",\"daily_target\":"
                 "1.5,\"checkpoints\":{\"12:00\":0.25,\"16:00\":0.5,"
                 "\"20:00\":0.75}");
      if (spread >= 0)
        fprintf(f, ",\"spread_min\":%g", spread);
      fprintf(f, "}]");
    }
    fprintf(f, "}");
  }
  fprintf(f, "]}");
  fclose(f);
  return 1;
}

static void config_error(void *ud, const char *line) {
  (void)ud;
  fprintf(stderr, "%s\n", line);
}

/* Totals of one run. */
typedef struct run_s {
  int raised[WG_RULE_COUNT][WG_SEV_COUNT];
  int states[5];
  int stable_raised, nstable, linked;
  int per_minute[24 * 60 * 7];
  int per_hour[24 * 7];
  /* Scripted events: how many, and how many alerted in time. */
  int n_det, ok_det, n_fall, ok_fall, n_dead, ok_dead, n_cup, ok_cup;
  int news2_reached[WG_SEV_COUNT + 1];
  double worst_det_latency;
  int chatter_events, nchatter;
} run_t;

/* Acks waiting: an alert id and when a clinician answers it. */
typedef struct ack_s {
  char id[96];
  double at;
} ack_t;
static ack_t *acks;
static size_t nacks, acks_cap;

static void ack_later(const wg_alert_t *al, double now) {
  static const double delay_min[WG_SEV_COUNT] = {3, 7, 20, 90};
  static const double timeout_min[WG_SEV_COUNT] = {5, 10, 30, 120};
  double d =
      rnd() < 0.1 ? timeout_min[al->severity] * 2.5 : delay_min[al->severity];

  if (nacks == acks_cap) {
    acks_cap = acks_cap ? acks_cap * 2 : 256;
    acks = realloc(acks, acks_cap * sizeof(*acks));
    if (acks == NULL)
      exit(2);
  }
  snprintf(acks[nacks].id, sizeof(acks[nacks].id), "%s", al->id);
  acks[nacks++].at = now + d * 60;
}

static bool ack_pending(const char *id) {
  for (size_t k = 0; k < nacks; k++)
    if (strcmp(acks[k].id, id) == 0)
      return true;
  return false;
}

/* The spread in force, in minutes (at least the minute the count is in). */
static double spread_used(void) {
  double s = spread >= 0 ? spread : WG_INTAKE_SPREAD_MIN_DEFAULT;
  return s < 1 ? 1 : s;
}

static int patient_of(const char *id) { return atoi(id + 2); }

static void count_events(wg_clinic_t *cl, run_t *run, double now) {
  int minute = (int)((now - DAY0 - warmup * 3600) / 60);

  for (size_t k = 0; k < cl->nevents; k++) {
    const wg_alert_t *al = &cl->events[k].alert;
    patient_t *p = &pts[patient_of(al->patient)];

    /* A clinician answers each alert that asks (raised, escalated, or an
     * ack undone by a rise), once. */
    if (al->open && !al->acknowledged && al->state != WG_ALERT_CLEARED &&
        !ack_pending(al->id))
      ack_later(al, now);
    if (minute < 0)
      continue; /* the day before: not counted */
    if (al->rule == WG_RULE_NEWS2 && al->severity < p->news2_worst)
      p->news2_worst = al->severity;

    run->states[al->state]++;
    if (p->chatter && al->rule == WG_RULE_FALL)
      run->chatter_events++;
    if (al->state == WG_ALERT_RAISED) {
      run->raised[al->rule][al->severity]++;
      run->per_minute[minute]++;
      run->per_hour[minute / 60]++;
      p->raised++;
      if (al->related[0])
        run->linked++;
    }
    if (al->state != WG_ALERT_RAISED && al->state != WG_ALERT_UPDATED)
      continue;
    if (p->kind == K_DETERIORATE && al->severity <= WG_SEV_MEDIUM &&
        p->first_alert == 0 && now >= p->event_at)
      p->first_alert = now;
    if (p->kind == K_DETERIORATE && al->rule == WG_RULE_NEWS2 &&
        al->severity == WG_SEV_EMERGENCY && p->emergency_at == 0)
      p->emergency_at = now;
    if ((p->kind == K_FALL && al->rule == WG_RULE_FALL) ||
        (p->kind == K_DEAD && al->rule == WG_RULE_DEVICE_SILENT &&
         al->severity <= WG_SEV_MEDIUM && strncmp(al->key, "fall-", 5) == 0) ||
        (p->kind == K_CUP && al->rule == WG_RULE_MISSED_OBS &&
         strcmp(al->key, "fluid_intake") == 0))
      if (p->first_alert == 0)
        p->first_alert = now;
  }
}

static void reading(wg_clinic_t *cl, int i, int dev, const char *device,
                    const char *name, double v, bool vb, double t, double now) {
  wg_reading_t r = {0};
  char did[32];

  snprintf(did, sizeof(did), "%s-%d", device, i);
  r.device_id = did;
  r.name = name;
  r.unit = "";
  if (strcmp(name, "fall") == 0 || strcmp(name, "o2") == 0) {
    r.vb = vb;
    r.flags = WG_READING_HAS_VB;
  } else if (strcmp(name, "acvpu") == 0) {
    r.vs = "A";
  } else {
    r.value = v;
    r.flags = WG_READING_HAS_VALUE;
  }
  r.ts = t;
  r.received = now;
  wg_clinic_reading(cl, (size_t)i, dev, &r, now);
}

/* The true tier of patient @i's physiology at @t: remembered once. */
static void truth(int i, double t, double hr, double spo2, double rr) {
  patient_t *p = &pts[i];
  wg_news2_obs_t o = {0};
  wg_news2_t s;

  for (int k = 0; k < WG_NEWS2_NPARAMS; k++)
    o.present[k] = true;
  o.hr = hr;
  o.spo2 = spo2;
  o.rr = rr;
  o.sbp = p->sbp;
  o.temp = p->temp;
  o.acvpu = 'A';
  wg_news2_score(&o, 1, &s);
  if (s.band >= WG_NEWS2_BAND_LOW_MEDIUM && p->true_medium_at == 0)
    p->true_medium_at = t;
  if (s.band == WG_NEWS2_BAND_HIGH && p->true_emergency_at == 0)
    p->true_emergency_at = t;
}

static void minute(wg_clinic_t *cl, int m, double now) {
  int h = m / 60 % 24, mm = m % 60;

  for (int i = 0; i < npatients; i++) {
    patient_t *p = &pts[i];
    double hr, spo2, rr;

    /* Each patient's wearables run at a phase of their own (a ward's
     * devices are not switched on in the same minute). */
    int ph = (int)((unsigned)i * 2654435761u >> 20) % 15;

    physiology(i, now, &hr, &spo2, &rr);
    if ((mm + 60 - ph) % 15 == 0) { /* the oximeter */
      wg_clinic_pack_begin(cl);
      reading(cl, i, 0, "oxi", "spo2", spo2, false, now, now);
      reading(cl, i, 0, "oxi", "hr", hr, false, now, now);
      if (p->kind == K_DETERIORATE) /* a wearable with respiration */
        reading(cl, i, 0, "oxi", "rr", rr, false, now, now);
      wg_clinic_pack_end(cl, now);
      wg_clinic_news2(cl, (size_t)i, "oxi", now);
      if (p->kind == K_DETERIORATE)
        truth(i, now, hr, spo2, rr);
    }
    if (mm == 0 && (h == 8 || h == 14 || h == 20)) {
      bool late = p->kind == K_LATE && h != 20;
      if (!late) {
        wg_clinic_pack_begin(cl);
        reading(cl, i, 1, "bp", "sbp", p->sbp + (rnd() - 0.5) * 8, false, now,
                now);
        wg_clinic_pack_end(cl, now);
        wg_clinic_pack_begin(cl);
        reading(cl, i, 2, "obs", "rr", rr, false, now, now);
        reading(cl, i, 2, "obs", "temp", p->temp + (rnd() - 0.5) * 0.4, false,
                now, now);
        reading(cl, i, 2, "obs", "acvpu", 0, false, now, now);
        reading(cl, i, 2, "obs", "o2", 0, false, now, now);
        wg_clinic_pack_end(cl, now);
        wg_clinic_news2(cl, (size_t)i, "obs", now);
      }
      if (p->kind == K_LATE && h == 20) { /* the day's cuff, synced now */
        double day = now - 20 * 3600.0;
        wg_clinic_pack_begin(cl);
        for (int k = 0; k < 3; k++)
          reading(cl, i, 1, "bp", "sbp", p->sbp + k, false,
                  day + (8 + 6 * k) * 3600.0, now);
        wg_clinic_pack_end(cl, now);
        wg_clinic_news2(cl, (size_t)i, "bp", now);
      }
    }
    if ((mm + 60 - ph) % 30 == 0) { /* the fall sensor's heartbeat */
      bool dead = p->kind == K_DEAD && now >= p->event_at;
      wg_clinic_pack_begin(cl);
      reading(cl, i, 3, "fall", dead ? "battery" : "fall", 80, false, now, now);
      wg_clinic_pack_end(cl, now);
    }
    if (p->kind == K_FALL && now == p->event_at)
      for (int k = 0; k < (p->chatter ? 200 : 1); k++) {
        wg_clinic_pack_begin(cl);
        reading(cl, i, 3, "fall", "fall", 0, true, now + 0.5 * k, now);
        wg_clinic_pack_end(cl, now);
      }
    /* The unused cup's last drink was the day before, at a time of its
     * own; nothing since. Each patient drinks at a minute of their own
     * past those hours (no ward drinks in lockstep); the checkpoints
     * they are weighed at are the same for all. */
    if (p->cup && (p->kind != K_CUP || now < p->event_at) &&
        mm == (int)((unsigned)i * 2654435761u >> 16) % 60 &&
        (h == 8 || h == 10 || h == 12 || h == 15 || h == 18 || h == 20)) {
      wg_clinic_pack_begin(cl);
      reading(cl, i, 4, "cup", "fluid_intake", 0.2 + rnd() * 0.12, false, now,
              now);
      wg_clinic_pack_end(cl, now);
    }
  }
}

static int run(bool quiet, run_t *r, const char *hourly) {
  char path[64];
  wg_config_t *cfg = NULL;
  wg_counters_t counters = {0};
  wg_clinic_t cl;
  int minutes = (int)(hours * 60);

  memset(r, 0, sizeof(*r));
  rng = 12345;
  minutes += (int)(warmup * 60);
  for (int i = 0; i < npatients; i++) {
    patient_t *p = &pts[i];
    memset(p, 0, sizeof(*p));
    p->kind = i % 10 == 7    ? K_DETERIORATE
              : i % 20 == 8  ? K_FALL
              : i % 20 == 18 ? K_DEAD
              : i % 20 == 9  ? K_CUP
              : i % 20 == 19 ? K_LATE
                             : K_STABLE;
    p->cup = i % 3 == 0 || p->kind == K_CUP;
    p->threshold = i % 4 == 3;
    p->chatter = p->kind == K_FALL && i % 40 == 8;
    p->hr = 62 + rnd() * 28; /* 62-90: some at the 1-4 edge with noise */
    p->spo2 = 95.6 + rnd() * 2.4;
    p->rr = 13 + rnd() * 6;
    p->sbp = 112 + rnd() * 30;
    p->temp = 36.4 + rnd() * 1.2;
    /* Each kind's events scattered over 06:00-19:59 by the patient's
     * rank among its kind (j): independent patients do not fall, or lose
     * a sensor, in the same minute. */
    int j = p->kind == K_DETERIORATE ? i / 10 : i / 20;
    p->event_at = DAY0 + warmup * 3600 + (6 + (j * 3 + i % 20) % 14) * 3600.0 +
                  60.0 * (j * 13 % 60);
    p->news2_worst = WG_SEV_COUNT;
    if (p->kind == K_CUP) /* its last drink the evening before */
      p->event_at = DAY0 + warmup * 3600 - (4 + i % 6) * 3600.0;
    r->nstable += p->kind == K_STABLE;
  }
  snprintf(path, sizeof(path), "/tmp/alert_load-%d.json", (int)getpid());
  if (!config_write(path, quiet) ||
      wg_config_load(path, &cfg, config_error, NULL) != 0) {
    unlink(path);
    return -1;
  }
  unlink(path);
  if (wg_clinic_init(&cl, "gw-bench", 1, 24, &counters) != 0 ||
      wg_clinic_set_patients(&cl, cfg, DAY0) != 0)
    return -1;
  nacks = 0;
  for (int m = 0; m <= minutes; m++) {
    double now = DAY0 + 60.0 * m;
    size_t k = 0;

    minute(&cl, m, now);
    count_events(&cl, r, now);
    wg_clinic_committed(&cl);
    /* Acks due, then the timers of every second of the minute. */
    while (k < nacks) {
      if (acks[k].at <= now) {
        wg_clinic_ack(&cl, acks[k].id, "nurse", "advice", NULL, false, false,
                      now);
        acks[k] = acks[--nacks];
      } else {
        k++;
      }
    }
    for (double t = now; t < now + 60; t += 15)
      wg_clinic_tick(&cl, t);
    count_events(&cl, r, now);
    wg_clinic_committed(&cl);
  }
  for (int i = 0; i < npatients; i++) {
    patient_t *p = &pts[i];
    if (p->kind == K_STABLE)
      r->stable_raised += p->raised;
    r->news2_reached[p->news2_worst]++;
    if (p->chatter)
      r->nchatter++;
    switch (p->kind) {
    case K_DETERIORATE: {
      /* Within an hour of the physiology's medium tier (RCP: urgent,
       * hourly observation), within 15 min of its emergency tier. */
      bool ok = p->true_medium_at > 0 && p->first_alert > 0 &&
                p->first_alert - p->true_medium_at <= 3600 &&
                (p->true_emergency_at == 0 ||
                 (p->emergency_at > 0 &&
                  p->emergency_at - p->true_emergency_at <= 900));
      if (p->true_medium_at == 0)
        break; /* the day ended before it showed */
      r->n_det++;
      r->ok_det += ok;
      if (p->first_alert > 0 &&
          p->first_alert - p->true_medium_at > r->worst_det_latency)
        r->worst_det_latency = p->first_alert - p->true_medium_at;
      break;
    }
    case K_FALL:
      if (p->event_at <= DAY0 + (warmup + hours) * 3600) {
        r->n_fall++;
        r->ok_fall += p->first_alert == p->event_at;
      }
      break;
    case K_DEAD:
      /* Its last heartbeat was at most 30 min before it died; silent an
       * hour after that. */
      if (p->event_at + 3600 <= DAY0 + (warmup + hours) * 3600) {
        r->n_dead++;
        r->ok_dead +=
            p->first_alert > 0 && p->first_alert <= p->event_at + 3600;
      }
      break;
    case K_CUP:
      /* At the noon checkpoint, within its spread (intake.spread_min). */
      if (hours >= 12.5) {
        double noon = DAY0 + warmup * 3600 + 12 * 3600;
        r->n_cup++;
        r->ok_cup += p->first_alert >= noon &&
                     p->first_alert <= noon + 60 * spread_used();
      }
      break;
    default:
      break;
    }
  }
  if (hourly != NULL) {
    FILE *f = fopen(hourly, "w");
    if (f != NULL) {
      fprintf(f, "hour,raised\n");
      for (int h = 0; h < (int)hours; h++)
        fprintf(f, "%d,%d\n", h, r->per_hour[h]);
      fclose(f);
    }
  }
  wg_clinic_free(&cl);
  wg_config_free(cfg);
  return 0;
}

/* The day's raised alerts, and the busiest minute's (at @at). */
static int busiest_minute(const run_t *r, int *total, int *at) {
  int busiest = 0;

  *total = *at = 0;
  for (int k = 0; k < WG_RULE_COUNT; k++)
    for (int s = 0; s < WG_SEV_COUNT; s++)
      *total += r->raised[k][s];
  for (int m = 0; m < (int)(hours * 60) + 1; m++)
    if (r->per_minute[m] > busiest) {
      busiest = r->per_minute[m];
      *at = m;
    }
  return busiest;
}

static void report(const char *name, const run_t *r) {
  int total = 0, at = 0, busiest = busiest_minute(r, &total, &at);
  double days = hours / 24.0;

  printf("\n### %s\n\n| rule | emergency | high | medium | low | per "
         "patient-day |\n|---|---|---|---|---|---|\n",
         name);
  for (int k = 0; k < WG_RULE_COUNT; k++) {
    int n = 0;
    for (int s = 0; s < WG_SEV_COUNT; s++)
      n += r->raised[k][s];
    printf("| %s | %d | %d | %d | %d | %.2f |\n", wg_rule_name((wg_rule_t)k),
           r->raised[k][0], r->raised[k][1], r->raised[k][2], r->raised[k][3],
           n / (npatients * days));
  }
  printf("| **all** | | | | | **%.2f** |\n\n", total / (npatients * days));
  printf("- events: %d raised, %d updated, %d escalated, %d acknowledged, "
         "%d cleared\n",
         r->states[0], r->states[1], r->states[2], r->states[3], r->states[4]);
  printf("- stable patients: %.2f raised per patient-day (%d patients)\n",
         r->nstable ? r->stable_raised / (r->nstable * days) : 0, r->nstable);
  printf("- busiest minute: %d raised at %02d:%02d, %.1f %% of the day's\n",
         busiest, at / 60 % 24, at % 60, total ? 100.0 * busiest / total : 0);
  printf("- patients whose NEWS2 alert reached: emergency %d, medium %d, "
         "low %d\n",
         r->news2_reached[WG_SEV_EMERGENCY], r->news2_reached[WG_SEV_MEDIUM],
         r->news2_reached[WG_SEV_LOW]);
  printf("- alerts raised linked to another for the same deterioration "
         "(escalated once, one ack for both): %d\n",
         r->linked);
  printf("- chattering fall sensors: %d events from %d sensors' 200 falls "
         "each\n",
         r->chatter_events, r->nchatter);
  printf("- scripted: deteriorations %d/%d alerted in time (worst %.0f min "
         "after the tier showed), falls %d/%d at once, dead fall sensors "
         "%d/%d within the hour, unused cups %d/%d within %g min of noon\n",
         r->ok_det, r->n_det, r->worst_det_latency / 60, r->ok_fall, r->n_fall,
         r->ok_dead, r->n_dead, r->ok_cup, r->n_cup, spread_used());
}

static bool check(const run_t *r) {
  bool ok = true;
  int total, at, busiest = busiest_minute(r, &total, &at);

#define EXPECT(c, ...)                                                         \
  do {                                                                         \
    if (!(c)) {                                                                \
      fprintf(stderr, "alert_load: " __VA_ARGS__);                             \
      fprintf(stderr, "\n");                                                   \
      ok = false;                                                              \
    }                                                                          \
  } while (0)
  EXPECT(r->n_det > 0 && r->ok_det == r->n_det,
         "deteriorations alerted in time: %d of %d", r->ok_det, r->n_det);
  EXPECT(r->n_fall > 0 && r->ok_fall == r->n_fall, "falls alerted: %d of %d",
         r->ok_fall, r->n_fall);
  EXPECT(r->ok_dead == r->n_dead, "dead fall sensors alerted: %d of %d",
         r->ok_dead, r->n_dead);
  EXPECT(r->ok_cup == r->n_cup, "unused cups alerted: %d of %d", r->ok_cup,
         r->n_cup);
  EXPECT(r->nstable > 0 &&
             r->stable_raised <= 2 * r->nstable * (hours / 24.0) + 0.5,
         "stable patients: %d raised for %d", r->stable_raised, r->nstable);
  /* Under 20 alerts in the day a single one is over 5 %: the share says
   * something of the structure only above that. */
  if (total >= 20)
    EXPECT(busiest * 20 <= total,
           "busiest minute %02d:%02d: %d of the day's %d alerts", at / 60 % 24,
           at % 60, busiest, total);
  else
    printf("- busiest minute's share not checked: %d alerts in the day, "
           "under 20\n",
           total);
  EXPECT(r->chatter_events <= 4 * r->nchatter,
         "chattering sensors: %d events for %d", r->chatter_events,
         r->nchatter);
  return ok;
}

int main(int argc, char **argv) {
  const char *hourly = NULL, *response = "both";
  bool want_check = false, ok = true;
  run_t *r = calloc(1, sizeof(*r));

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--patients") == 0 && i + 1 < argc)
      npatients = atoi(argv[++i]);
    else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc)
      hours = atof(argv[++i]);
    else if (strcmp(argv[i], "--response") == 0 && i + 1 < argc)
      response = argv[++i];
    else if (strcmp(argv[i], "--hourly") == 0 && i + 1 < argc)
      hourly = argv[++i];
    else if (strcmp(argv[i], "--spread") == 0 && i + 1 < argc)
      spread = atof(argv[++i]);
    else if (strcmp(argv[i], "--check") == 0)
      want_check = true;
    else {
      fprintf(stderr,
              "usage: %s [--patients N] [--hours H] [--response "
              "default|quiet|both] [--spread MIN] [--hourly FILE] [--check]\n",
              argv[0]);
      return 2;
    }
  }
  if (r == NULL || npatients < 1 || npatients > MAXP || hours <= 0 ||
      hours > 24 * 7 || spread > 30) {
    fprintf(stderr, "alert_load: 1-%d patients, up to a week\n", MAXP);
    return 2;
  }
  setenv("TZ", "UTC", 1);
  tzset();
  wg_log_set_level(LOG_WARNING); /* not a journal line an event */
  printf("alert_load: %d patients, %g h\n", npatients, hours);
  if (strcmp(response, "default") != 0) {
    if (run(true, r, NULL) != 0) {
      free(r);
      return 2;
    }
    report("score 1-4 raising nothing (news2.response.score_1_4 \"none\")", r);
    if (want_check)
      ok &= check(r);
  }
  if (strcmp(response, "quiet") != 0) {
    if (run(false, r, hourly) != 0) {
      free(r);
      return 2;
    }
    report("the defaults (score 1-4 a low prompt)", r);
    if (want_check)
      ok &= check(r);
  }
  free(r);
  free(acks);
  return ok ? 0 : 1;
}
