/* SPDX-License-Identifier: MIT */
#include "hub/alarm_state.h"

#include <stdlib.h>
#include <string.h>

#include "wardgate/error.h"

void wg_alarm_state_init(wg_alarm_state_t *st, double after_s,
                         wg_severity_t min_severity, wg_alarm_change_fn change,
                         void *ud) {
  memset(st, 0, sizeof(*st));
  st->after_s = after_s;
  st->min_severity = min_severity;
  st->change = change;
  st->ud = ud;
}

void wg_alarm_state_free(wg_alarm_state_t *st) {
  for (size_t i = 0; i < st->n; i++)
    free(st->v[i].json);
  free(st->v);
  st->v = NULL;
  st->n = st->cap = 0;
}

static wg_alarm_entry_t *alarm_state_find(wg_alarm_state_t *st,
                                          const char *id) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->v[i].id, id) == 0)
      return &st->v[i];
  return NULL;
}

/* Whether the hub has not had @e at its severity (a lower index is more
 * severe). */
static bool alarm_state_waiting(const wg_alarm_entry_t *e) {
  return e->severity < e->confirmed;
}

static void alarm_state_off(wg_alarm_state_t *st, wg_alarm_entry_t *e,
                            const char *why) {
  if (!e->on)
    return;
  e->on = false;
  st->change(st->ud, e, false, why);
  free(e->json);
  e->json = NULL;
}

/* Why the alarm of an alert that left the watch goes off. */
static const char *alarm_state_gone_why(const wg_alerts_t *a,
                                        const wg_alarm_entry_t *e) {
  const wg_alert_t *al = wg_alerts_by_id(a, e->id);

  if (al == NULL)
    return e->acked_why != NULL ? e->acked_why : "the alert is closed";
  if (al->acknowledged)
    return al->acked_local ? "acknowledged at the home"
                           : "acknowledged at the hub";
  return "the alert's severity is below local_alarm.min_severity";
}

static wg_alarm_entry_t *alarm_state_add(wg_alarm_state_t *st,
                                         const wg_alert_t *al) {
  wg_alarm_entry_t *e;

  if (st->n == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 16;
    wg_alarm_entry_t *v = realloc(st->v, cap * sizeof(*v));
    if (v == NULL)
      return NULL;
    st->v = v;
    st->cap = cap;
  }
  e = &st->v[st->n++];
  memset(e, 0, sizeof(*e));
  memcpy(e->id, al->id, sizeof(e->id));
  e->id[sizeof(e->id) - 1] = '\0';
  e->confirmed = WG_SEV_COUNT;
  return e;
}

int wg_alarm_state_sync(wg_alarm_state_t *st, const wg_alerts_t *a, double now,
                        double wall, bool (*pending)(void *pud, const char *id),
                        void *pud) {
  int rc = 0;
  size_t k = 0;

  for (size_t i = 0; i < st->n; i++)
    st->v[i].live = false;
  for (size_t i = 0; i < a->nopen; i++) {
    const wg_alert_t *al = wg_alerts_at(a, i);
    wg_alarm_entry_t *e;
    bool was_waiting;

    if (al->acknowledged || al->severity > st->min_severity)
      continue;
    if ((e = alarm_state_find(st, al->id)) == NULL) {
      double age = wall - al->raised;
      if ((e = alarm_state_add(st, al)) == NULL) {
        rc = WG_ENOMEM;
        continue;
      }
      /* Found at start with nothing of it in the outbox: the hub had it
       * before the restart. */
      if (!st->seeded && (pending == NULL || !pending(pud, al->id)))
        e->confirmed = al->severity;
      e->severity = al->severity;
      e->since = now - (age > 0 ? age : 0);
    }
    was_waiting = alarm_state_waiting(e);
    e->severity = al->severity;
    /* A rise of severity the hub has not had: it waits from now. */
    if (!was_waiting && alarm_state_waiting(e))
      e->since = now;
    e->live = true;
  }
  st->seeded = true;
  /* The entries whose alert left the watch go, their alarm off. */
  for (size_t i = 0; i < st->n; i++) {
    if (!st->v[i].live) {
      alarm_state_off(st, &st->v[i], alarm_state_gone_why(a, &st->v[i]));
      continue;
    }
    if (!alarm_state_waiting(&st->v[i]))
      alarm_state_off(st, &st->v[i], "the hub's broker has it");
    st->v[k++] = st->v[i];
  }
  st->n = k;
  return rc;
}

void wg_alarm_state_confirm(wg_alarm_state_t *st, const char *id,
                            wg_severity_t severity) {
  wg_alarm_entry_t *e = alarm_state_find(st, id);

  if (e == NULL)
    return;
  if (severity < e->confirmed)
    e->confirmed = severity;
  if (!alarm_state_waiting(e))
    alarm_state_off(st, e, "the hub's broker has it");
}

void wg_alarm_state_acked(wg_alarm_state_t *st, const char *id, bool local) {
  wg_alarm_entry_t *e = alarm_state_find(st, id);

  if (e != NULL)
    e->acked_why =
        local ? "acknowledged at the home" : "acknowledged at the hub";
}

double wg_alarm_state_due(wg_alarm_state_t *st, double now) {
  double next = 0;

  for (size_t i = 0; i < st->n; i++) {
    wg_alarm_entry_t *e = &st->v[i];
    double due = e->since + st->after_s;

    if (e->on || !alarm_state_waiting(e))
      continue;
    if (now >= due) {
      e->on = true;
      st->change(st->ud, e, true, NULL);
    } else if (next == 0 || due < next) {
      next = due;
    }
  }
  return next;
}

size_t wg_alarm_state_on(const wg_alarm_state_t *st) {
  size_t n = 0;

  for (size_t i = 0; i < st->n; i++)
    n += st->v[i].on;
  return n;
}
