/* SPDX-License-Identifier: MIT */
/*
 * Each fuzz target defines LLVMFuzzerTestOneInput(). Built with clang's
 * -fsanitize=fuzzer it is a libFuzzer binary (CTest label "fuzz"); built
 * with run_inputs.c it replays the corpus and the regression inputs in the
 * ordinary suite, under the same sanitizers.
 */
#ifndef WG_FUZZ_H
#define WG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
