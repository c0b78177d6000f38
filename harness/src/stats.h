/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STATS_H
#define IPUTSTORM_STATS_H

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

#endif
