/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_ANALYSIS_SEQUENTIAL_H
#define IPUTSTORM_ANALYSIS_SEQUENTIAL_H

#include <stdbool.h>

#include "model/verdict.h"

/*
 * `matrix --until-significant` tests baseline against each kernel after
 * every round. Testing each look at alpha would call a difference that is
 * not there more often than alpha (1.3-1.9 % at 20 rounds, alpha 0.01), so
 * every look tests at a smaller level, chosen so that the chance of ever
 * calling a difference between two kernels that fail alike stays at most
 * alpha, whatever their common failure rate (docs/statistics.md).
 *
 * The chance is exact, not simulated: a dynamic program over the fail
 * counts (a, b) after each round, one decided trial per kernel per round,
 * summing the paths that first reach Fisher p < level; maximised over
 * failure rates 0.01..0.99. The level is the largest (to 1e-4 relative)
 * for which that maximum is <= alpha.
 */

/* Per-look level for up to ROUNDS rounds at overall ALPHA. */
double sequential_level(int rounds, double alpha);

/* The exact chance of ever rejecting within ROUNDS rounds at LEVEL, both kernels failing at THETA. */
double sequential_error(int rounds, double level, double theta);

/* Its maximum over the failure rates 0.01, 0.02, ..., 0.99. */
double sequential_max_error(int rounds, double level);

/*
 * Whether a matrix may stop after this round: every kernel differs from the
 * baseline (t[0]) at LEVEL, or none can any more within LEFT rounds.
 */
bool sequential_settled(const struct tally *t, int nk, int left, double level, const char **why);
#endif
