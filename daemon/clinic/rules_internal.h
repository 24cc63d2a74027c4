/* SPDX-License-Identifier: MIT */
/*
 * What the per-reading rules (rules.c) and the timed rules (rules_timed.c)
 * share; for those two files only.
 */
#ifndef WG_RULES_INTERNAL_H
#define WG_RULES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "clinic/rules.h"

/* The identity of verdict @v: what it says, of which rule, about what. */
void rules__verdict_set(wg_verdict_t *v, wg_verdict_kind_t kind, wg_rule_t rule,
                        wg_severity_t severity, const char *key);

/* The next of @max verdicts at @out (*@n used), zeroed; NULL when full. */
wg_verdict_t *rules__next_verdict(wg_verdict_t *out, size_t *n, size_t max);

/* The canonical unit of @key, "" when it has none or is not known. */
const char *rules__unit_of(const char *key);

/*
 * Whether a reading named @name is one that @e expects: its own key, or,
 * for the observation set "news2", any NEWS2 parameter.
 */
bool rules__expect_matches(const wg_expect_t *e, const char *name);

/*
 * A new local day for @in at @now: today's total starts again; an alert
 * about an earlier day's shortfall stays open, carried.
 */
void rules__intake_roll(wg_intake_state_t *in, double now);

#endif
