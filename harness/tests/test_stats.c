// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <math.h>

#include "stats.h"
#include "util.h"

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

static Suite *stats_suite(void)
{
	Suite *su = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_loop_test(tc, wilson_matches_reference_values, 0, ARRAY_SIZE(wilson_cases));
	tcase_add_test(tc, wilson_without_trials_says_nothing);
	tcase_add_test(tc, median_and_max);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
