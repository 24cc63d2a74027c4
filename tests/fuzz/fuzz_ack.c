/* SPDX-License-Identifier: MIT */
/*
 * The check of an ack from the hub's broker, on any bytes: taken, it holds
 * a non-empty id and by and a known outcome; refused, it says why.
 */
#include <string.h>

#include "fuzz.h"
#include "hub/ack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char reason[320];
  wg_ack_t ack;

  reason[0] = '\0';
  if (wg_ack_parse(data, size, &ack, reason, sizeof(reason)) == 0) {
    if (ack.id[0] == '\0' || ack.by[0] == '\0' ||
        wg_ack_note_problem(ack.note) != NULL)
      __builtin_trap();
  } else if (strncmp(reason, "malformed ack: ", 15) != 0) {
    __builtin_trap();
  }
  return 0;
}
