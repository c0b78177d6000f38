// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <math.h>

#include "check_main.h"
#include "analysis/sequential.h"
#include "analysis/stats.h"
#include "lib/base.h"

/* Reference values: Wilson score intervals at z = 1.96 (Newcombe 1998, method 3). */
static const struct {
	int k, n;
	double lo, hi;
} wilson_cases[] = {
	{0, 10, 0.0, 0.2775},	 {10, 10, 0.7225, 1.0},	    {5, 10, 0.2366, 0.7634},
	{1, 10, 0.0179, 0.4042}, {81, 263, 0.2553, 0.3662}, {0, 1, 0.0, 0.7935},
};

START_TEST(wilson_matches_reference_values)
{
	struct interval ci = wilson(wilson_cases[_i].k, wilson_cases[_i].n, 1.96);

	ck_assert_double_eq_tol(ci.lo, wilson_cases[_i].lo, 0.0005);
	ck_assert_double_eq_tol(ci.hi, wilson_cases[_i].hi, 0.0005);
}
END_TEST

START_TEST(wilson_without_trials_says_nothing)
{
	struct interval ci = wilson(0, 0, 1.96);

	ck_assert_double_eq(ci.lo, 0);
	ck_assert_double_eq(ci.hi, 1);
}
END_TEST

START_TEST(median_and_max)
{
	double odd[] = {30, 10, 20}, even[] = {4, 1, 3, 2}, one[] = {7};

	ck_assert_double_eq(median(odd, 3), 20);
	ck_assert_double_eq(median(even, 4), 2.5);
	ck_assert_double_eq(median(one, 1), 7);
	ck_assert(isnan(median(one, 0)));
	ck_assert_double_eq(max_of(odd, 3), 30);
	ck_assert_double_eq(mean_of(even, 4), 2.5);
}
END_TEST

/* Hand-computed: hypergeometric tables with the same margins, summed where p <= p(observed). */
START_TEST(fisher_exact_matches_hand_computed_values)
{
	/* 10/10 vs 0/10: the two extreme tables, 2 / C(20,10). */
	ck_assert_double_eq_tol(fisher_two_sided(10, 0, 0, 10), 2.0 / 184756, 1e-12);
	/* 5/5 vs 0/5: 2 / C(10,5). */
	ck_assert_double_eq_tol(fisher_two_sided(5, 0, 0, 5), 2.0 / 252, 1e-12);
	/* Margins 4,4: tables weigh 1,16,36,16,1 (/70); x = 3 sums 1+16+16+1. */
	ck_assert_double_eq_tol(fisher_two_sided(3, 1, 1, 3), 34.0 / 70, 1e-12);
	/* Textbook example (1, 9, 11, 3): p = 0.002759. */
	ck_assert_double_eq_tol(fisher_two_sided(1, 9, 11, 3), 0.002759456185220083, 1e-12);
	/*
	 * Unequal groups (MISS trials dropped): the sum of the tables no more
	 * likely than the observed one is 1/143; doubling the one-sided p would
	 * give 2/143, on the other side of 0.01.
	 */
	ck_assert_double_eq_tol(fisher_two_sided(5, 0, 2, 8), 1.0 / 143, 1e-12);
	ck_assert_double_eq_tol(fisher_two_sided(0, 5, 4, 2), 2.0 / 33, 1e-12);
	ck_assert_double_eq_tol(fisher_two_sided(3, 2, 0, 6), 2.0 / 33, 1e-12);
	ck_assert_double_eq(fisher_two_sided(4, 0, 4, 0), 1);
	ck_assert_double_eq(fisher_two_sided(0, 0, 0, 0), 1);
}
END_TEST

START_TEST(kaplan_meier_with_censoring)
{
	/* Hangs at 1, 3, 3; passes (censored) at 2 and 4. */
	struct km_obs obs[] = {{3, true}, {2, false}, {1, true}, {4, false}, {3, true}};
	struct km_step st[5];
	size_t n = kaplan_meier(obs, 5, st);

	ck_assert_uint_eq(n, 2);
	ck_assert_double_eq(st[0].t, 1);
	ck_assert_int_eq(st[0].at_risk, 5);
	ck_assert_double_eq_tol(st[0].survival, 0.8, 1e-12);
	ck_assert_double_eq(st[1].t, 3);
	ck_assert_int_eq(st[1].at_risk, 3);
	ck_assert_int_eq(st[1].events, 2);
	ck_assert_double_eq_tol(st[1].survival, 0.8 / 3, 1e-12);
}
END_TEST

START_TEST(kaplan_meier_censoring_at_an_event_time_counts_at_risk)
{
	/* An event and a censoring at t = 2: the censored trial was still at risk. */
	struct km_obs obs[] = {{2, false}, {2, true}, {5, true}};
	struct km_step st[3];
	size_t n = kaplan_meier(obs, 3, st);

	ck_assert_uint_eq(n, 2);
	ck_assert_double_eq_tol(st[0].survival, 2.0 / 3, 1e-12);
	ck_assert_int_eq(st[1].at_risk, 1);
	ck_assert_double_eq(st[1].survival, 0);
}
END_TEST

/* xorshift64*: the same matrices on every run. */
static double uniform(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (double)((*x * 2685821657736338717ULL) >> 11) / (double)(1ULL << 53);
}

/*
 * NSIM matrices of two kernels that both fail at THETA, ROUNDS rounds each,
 * stopped by the matrix's own rule at LEVEL: the share that ended calling a
 * difference (a false positive).
 */
static double simulate(int nsim, int rounds, double theta, double level, uint64_t seed)
{
	int wrong = 0;

	for (int m = 0; m < nsim; m++) {
		struct tally t[2] = {0};
		const char *why = NULL;

		for (int r = 0; r < rounds; r++) {
			for (int k = 0; k < 2; k++)
				t[k].n[uniform(&seed) < theta ? V_FAIL : V_PASS]++;
			if (sequential_settled(t, 2, rounds - r - 1, level, &why) ||
			    r == rounds - 1) {
				wrong += fisher_two_sided(t[0].n[V_FAIL], t[0].n[V_PASS],
							  t[1].n[V_FAIL], t[1].n[V_PASS]) < level;
				break;
			}
		}
	}
	return (double)wrong / nsim;
}

START_TEST(repeated_looks_keep_their_alpha_at_the_sequential_level)
{
	const double alpha = 0.01;
	double level = sequential_level(20, alpha);
	double se = sqrt(alpha * (1 - alpha) / 20000);
	double naive, fixed;

	/* Exact: every round at 0.01 overshoots; the level found does not. */
	ck_assert_double_eq_tol(sequential_max_error(20, alpha), 0.01627, 5e-5);
	ck_assert_double_eq_tol(level, 0.00694, 5e-5);
	ck_assert(sequential_max_error(20, level) <= alpha);
	/* Small matrices need no correction: Fisher is conservative there. */
	ck_assert_double_eq(sequential_level(6, alpha), alpha);
	/* 20,000 null matrices at the worst rate agree with the exact values. */
	naive = simulate(20000, 20, 0.5, alpha, 42);
	fixed = simulate(20000, 20, 0.5, level, 4242);
	ck_assert_msg(fabs(naive - sequential_error(20, alpha, 0.5)) < 4 * se, "naive %g", naive);
	ck_assert_msg(fabs(fixed - sequential_error(20, level, 0.5)) < 4 * se, "fixed %g", fixed);
	ck_assert_msg(naive > alpha + 3 * se, "testing each round at alpha: %g", naive);
	ck_assert_msg(fixed <= alpha + 3 * se, "at the sequential level: %g", fixed);
	/* And at other rates, 10,000 more each. */
	for (double theta = 0.1; theta < 0.45; theta += 0.2)
		ck_assert(simulate(10000, 20, theta, level, 7) <=
			  alpha + 3 * sqrt(alpha * (1 - alpha) / 10000));
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("stats");
	TCase *tc = tcase_create("stats");

	/* The null-matrix simulation takes seconds, more under the sanitizers. */
	tcase_set_timeout(tc, 120);

	tcase_add_loop_test(tc, wilson_matches_reference_values, 0, ARRAY_SIZE(wilson_cases));
	tcase_add_test(tc, wilson_without_trials_says_nothing);
	tcase_add_test(tc, median_and_max);
	tcase_add_test(tc, fisher_exact_matches_hand_computed_values);
	tcase_add_test(tc, repeated_looks_keep_their_alpha_at_the_sequential_level);
	tcase_add_test(tc, kaplan_meier_with_censoring);
	tcase_add_test(tc, kaplan_meier_censoring_at_an_event_time_counts_at_risk);
	suite_add_tcase(su, tc);
	return su;
}
