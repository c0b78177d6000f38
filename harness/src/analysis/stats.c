// SPDX-License-Identifier: GPL-2.0
#include "analysis/stats.h"
#include "lib/base.h"

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

static double log_choose(int n, int k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

/* Hypergeometric probability of the table with top-left cell x, margins fixed. */
static double table_p(int x, int row1, int col1, int n)
{
	return exp(log_choose(col1, x) + log_choose(n - col1, row1 - x) - log_choose(n, row1));
}

double fisher_two_sided(int a, int b, int c, int d)
{
	int row1 = a + b, col1 = a + c, n = a + b + c + d;
	int lo = MAX(0, row1 + col1 - n), hi = MIN(row1, col1);
	double p_obs, p = 0;

	if (n == 0)
		return 1;
	p_obs = table_p(a, row1, col1, n);
	for (int x = lo; x <= hi; x++) {
		double px = table_p(x, row1, col1, n);

		/* Relative tolerance: equal tables must count despite rounding. */
		if (px <= p_obs * (1 + 1e-7))
			p += px;
	}
	return fmin(1, p);
}

size_t kaplan_meier(const struct km_obs *obs, size_t n, struct km_step *out)
{
	struct km_obs *o = malloc(n * sizeof(*o) + 1);
	double s = 1;
	size_t at_risk = n, nsteps = 0;

	if (!o)
		return 0;
	for (size_t i = 0; i < n; i++)
		o[i] = obs[i];
	/* By time; at equal times events before censorings (the usual convention). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i;
		     j > 0 && (o[j].t < o[j - 1].t ||
			       (o[j].t == o[j - 1].t && o[j].event && !o[j - 1].event));
		     j--) {
			struct km_obs t = o[j];

			o[j] = o[j - 1];
			o[j - 1] = t;
		}
	for (size_t i = 0; i < n;) {
		double t = o[i].t;
		int events = 0, leaving = 0;

		for (; i < n && o[i].t == t; i++, leaving++)
			events += o[i].event;
		if (events) {
			s *= 1 - (double)events / at_risk;
			out[nsteps++] = (struct km_step){
				.t = t, .survival = s, .at_risk = (int)at_risk, .events = events};
		}
		at_risk -= leaving;
	}
	free(o);
	return nsteps;
}
