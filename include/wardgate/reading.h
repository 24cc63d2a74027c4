/* SPDX-License-Identifier: MIT */
/*
 * A reading: one validated SenML record, resolved and converted to the
 * canonical unit of its key. After validation at the edge a reading is a
 * plain value; nothing downstream parses again.
 */
#ifndef WARDGATE_READING_H
#define WARDGATE_READING_H

#include <stdbool.h>

enum {
  WG_READING_HAS_VALUE = 1 << 0, /* value holds a number (v) */
  WG_READING_HAS_VB = 1 << 1,    /* vb holds a boolean */
  WG_READING_HAS_SUM = 1 << 2    /* sum holds s */
};

typedef struct wg_reading_s {
  const char *device_id;  /* the device that sent it */
  const char *patient_id; /* NULL for an accepted unknown device */
  const char *name;       /* known key ("spo2") or full resolved name */
  const char *unit;       /* canonical unit, "" when the record has none */
  const char *vs;         /* string value or NULL */
  const char *vd;         /* data value (base64url) or NULL */
  double ts;              /* measurement time, Unix seconds */
  double received;        /* when the gateway received it, Unix seconds */
  double value;           /* with WG_READING_HAS_VALUE */
  double sum;             /* with WG_READING_HAS_SUM */
  unsigned flags;
  bool vb; /* with WG_READING_HAS_VB */
} wg_reading_t;

#endif
