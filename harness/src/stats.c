// SPDX-License-Identifier: GPL-2.0
#include "stats.h"

#include <math.h>
#include <stdlib.h>

struct interval wilson(int k, int n, double z)
{
	struct interval r = {0, 1};
	double p, z2, denom, centre, half;

	if (n <= 0)
		return r;
	p = (double)k / n;
	z2 = z * z;
	denom = 1 + z2 / n;
	centre = (p + z2 / (2.0 * n)) / denom;
	half = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
	r.lo = fmax(0, centre - half);
	r.hi = fmin(1, centre + half);
	/* Exact at the edges: 0/n can't have a positive lower bound, nor n/n an upper < 1. */
	if (k == 0)
		r.lo = 0;
	if (k == n)
		r.hi = 1;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double max_of(const double *v, size_t n)
{
	double m = n ? v[0] : NAN;

	for (size_t i = 1; i < n; i++)
		m = fmax(m, v[i]);
	return m;
}

double mean_of(const double *v, size_t n)
{
	double s = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s / n;
}
