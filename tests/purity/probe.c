/* SPDX-License-Identifier: MIT */
/*
 * Built only by the purity test, as a pure stage is (wg_pure_library): the
 * header named by WG_PROBE_HEADER must stop the build.
 */
#include WG_PROBE_HEADER

int wg_purity_probe(void);

int wg_purity_probe(void) { return 0; }
