/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief A reading: one validated SenML record, resolved and converted to
 * the canonical unit of its key.
 *
 * After validation at the edge a reading is a plain value; nothing
 * downstream parses again.
 */
#ifndef WARDGATE_READING_H
#define WARDGATE_READING_H

#include <stdbool.h>

/** @brief The bits of wg_reading_t::flags: which values a reading holds. */
enum {
  WG_READING_HAS_VALUE = 1 << 0, /**< @brief value holds a number (v) */
  WG_READING_HAS_VB = 1 << 1,    /**< @brief vb holds a boolean */
  WG_READING_HAS_SUM = 1 << 2,   /**< @brief sum holds s */
  /** @brief Received before the box's clock was first synchronised (NTP)
   * since the start: its receipt time may be wrong. */
  WG_READING_CLOCK_SUSPECT = 1 << 3
};

/**
 * @brief One reading. Its strings belong to whoever made it (the batch it
 * is in); a reading handed to a callback is borrowed: copy what you keep.
 */
typedef struct wg_reading_s {
  const char *device_id;  /**< @brief the device that sent it */
  const char *patient_id; /**< @brief NULL for an accepted unknown device */
  /** @brief Known key ("spo2") or full resolved name. */
  const char *name;
  /** @brief Canonical unit, "" when the record has none. */
  const char *unit;
  const char *vs;  /**< @brief string value or NULL */
  const char *vd;  /**< @brief data value (base64url) or NULL */
  double ts;       /**< @brief measurement time, Unix seconds */
  double received; /**< @brief when the gateway received it, Unix seconds */
  double value;    /**< @brief with WG_READING_HAS_VALUE */
  double sum;      /**< @brief with WG_READING_HAS_SUM */
  unsigned flags;  /**< @brief WG_READING_HAS_* bits */
  bool vb;         /**< @brief with WG_READING_HAS_VB */
} wg_reading_t;

#endif
