/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STATS_H
#define IPUTSTORM_STATS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Small-sample statistics for reproduction rates: N is 10-50 trials, so
 * intervals must behave at 0/N and N/N (Wilson, not the normal approximation).
 */

struct interval {
	double lo, hi;
};

/* Wilson score interval for k successes in n trials at z (1.96: 95 %). */
struct interval wilson(int k, int n, double z);
/* Median of n values (sorted in place); NAN when n == 0. */
double median(double *v, size_t n);
double max_of(const double *v, size_t n);
double mean_of(const double *v, size_t n);

/*
 * Fisher's exact test, two-sided, for the 2x2 table [[a, b], [c, d]]: the
 * sum of the hypergeometric probabilities of every table with the same
 * margins that is no more likely than the observed one (not twice the
 * one-sided p, which differs once the groups are of unequal size).
 */
double fisher_two_sided(int a, int b, int c, int d);

/* Kaplan–Meier: time to hang; trials without a hang are censored at their length. */
struct km_obs {
	double t;
	bool event; /* hung at t (else censored at t) */
};

struct km_step {
	double t, survival; /* S(t) just after t */
	int at_risk, events;
};

/* Steps at each event time; out needs room for n. Returns the number of steps. */
size_t kaplan_meier(const struct km_obs *obs, size_t n, struct km_step *out);

#endif
