// SPDX-License-Identifier: GPL-2.0
#include "analysis/sequential.h"
#include "analysis/stats.h"
#include "lib/base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rounds past this are tested at the level of this many (slightly conservative, still valid). */
#define MAX_EXACT_ROUNDS 60

/* reject[r][a][b]: Fisher p of a/r against b/r is below level. */
struct region {
	int rounds;
	double *p; /* (rounds + 1)^3 p-values, computed once */
};

static double *pval(struct region *g, int r, int a, int b)
{
	int n = g->rounds + 1;

	return &g->p[((size_t)r * n + a) * n + b];
}

static void region_init(struct region *g, int rounds)
{
	int n = rounds + 1;

	g->rounds = rounds;
	g->p = xcalloc((size_t)n * n * n, sizeof(double));
	for (int r = 1; r <= rounds; r++)
		for (int a = 0; a <= r; a++)
			for (int b = 0; b <= r; b++)
				*pval(g, r, a, b) = fisher_two_sided(a, r - a, b, r - b);
}

static double error_at(struct region *g, double level, double theta)
{
	int n = g->rounds + 1;
	double *cur = xcalloc((size_t)n * n, sizeof(double));
	double *next = xcalloc((size_t)n * n, sizeof(double));
	double rejected = 0;

	cur[0] = 1;
	for (int r = 1; r <= g->rounds; r++) {
		memset(next, 0, (size_t)n * n * sizeof(double));
		/* Each kernel's trial of this round fails with probability theta. */
		for (int a = 0; a < r; a++)
			for (int b = 0; b < r; b++) {
				double m = cur[a * n + b];

				if (m == 0)
					continue;
				next[a * n + b] += m * (1 - theta) * (1 - theta);
				next[(a + 1) * n + b] += m * theta * (1 - theta);
				next[a * n + b + 1] += m * (1 - theta) * theta;
				next[(a + 1) * n + b + 1] += m * theta * theta;
			}
		for (int a = 0; a <= r; a++)
			for (int b = 0; b <= r; b++)
				if (*pval(g, r, a, b) < level) {
					rejected += next[a * n + b];
					next[a * n + b] = 0;
				}
		double *t = cur;

		cur = next;
		next = t;
	}
	free(cur);
	free(next);
	return rejected;
}

static double max_error(struct region *g, double level)
{
	double worst = 0;

	for (int i = 1; i <= 99; i++)
		worst = fmax(worst, error_at(g, level, i / 100.0));
	return worst;
}

double sequential_error(int rounds, double level, double theta)
{
	struct region g;
	double e;

	region_init(&g, MIN(rounds, MAX_EXACT_ROUNDS));
	e = error_at(&g, level, theta);
	free(g.p);
	return e;
}

double sequential_max_error(int rounds, double level)
{
	struct region g;
	double e;

	region_init(&g, MIN(rounds, MAX_EXACT_ROUNDS));
	e = max_error(&g, level);
	free(g.p);
	return e;
}

double sequential_level(int rounds, double alpha)
{
	struct region g;
	double lo = 0, hi = alpha;

	if (rounds < 1)
		return alpha;
	region_init(&g, MIN(rounds, MAX_EXACT_ROUNDS));
	if (max_error(&g, hi) <= alpha) {
		free(g.p);
		return hi;
	}
	/* The error grows with the level: bisect on it. */
	while (hi - lo > hi * 1e-4) {
		double mid = (lo + hi) / 2;

		if (max_error(&g, mid) <= alpha)
			lo = mid;
		else
			hi = mid;
	}
	free(g.p);
	return lo;
}

bool sequential_settled(const struct tally *t, int nk, int left, double level, const char **why)
{
	bool all_sig = true, none_can = true;

	for (int i = 1; i < nk; i++) {
		int bf = t[0].n[V_FAIL], bp = t[0].n[V_PASS], kf = t[i].n[V_FAIL],
		    kp = t[i].n[V_PASS];
		/* The smallest p still reachable if every trial left separated them most. */
		double best = fmin(fisher_two_sided(bf + left, bp, kf, kp + left),
				   fisher_two_sided(bf, bp + left, kf + left, kp));

		all_sig &= fisher_two_sided(bf, bp, kf, kp) < level;
		none_can &= best >= level;
	}
	if (all_sig)
		*why = "every kernel differs from the baseline";
	else if (none_can)
		*why = "no kernel can differ from the baseline within the trials left";
	return all_sig || none_can;
}
