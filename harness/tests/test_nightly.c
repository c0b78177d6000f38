// SPDX-License-Identifier: GPL-2.0
/* `iputstorm nightly`: its config, and the nights it keeps in the history. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/history.h"
#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "model/nightly.h"

static int load(const char *text, struct nightly_config *c)
{
	_cleanup_free_ char *p = test_path("nightly.ini");

	ck_assert_int_eq(write_file(p, text, strlen(text)), 0);
	return nightly_config_load(c, p);
}

START_TEST(a_config_names_series_trees_and_scenarios)
{
	struct nightly_config c;

	ck_assert_int_eq(load("[nightly]\nresults = /r\nkeep_pass_days = 7\n"
			      "[target 6.12]\nkernel = debian:latest-6.12\n"
			      "[target mainline]\ntree = /src/linux\npatch = a.patch\n"
			      "[scenario writeback-iput-fi]\ntrials = 4\noption = duration=45\n"
			      "[scenario smoke]\n",
			      &c),
			 0);
	ck_assert_str_eq(c.results, "/r");
	ck_assert_int_eq(c.keep_pass_days, 7);
	ck_assert_int_eq(c.nt, 2);
	ck_assert_str_eq(c.t[0].kernel, "debian:latest-6.12");
	ck_assert_str_eq(c.t[1].tree, "/src/linux");
	ck_assert_str_eq(c.t[1].branch, "HEAD");
	ck_assert_int_eq((int)c.t[1].patches.n, 1);
	ck_assert_int_eq(c.ns, 2);
	ck_assert_int_eq(c.s[0].trials, 4);
	ck_assert_str_eq(c.s[0].options.v[0], "duration=45");
	ck_assert_int_eq(c.s[1].trials, 6);
	nightly_config_free(&c);
}
END_TEST

/* Each mistake names its line and what to write instead. */
START_TEST(a_bad_config_says_where_and_what_to_do)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[target a]\nkernel = debian:latest-6.12\ntree = /t\n[scenario s]\n",
		 ":1: [target a] needs either kernel"},
		{"[target a]\n[scenario s]\n", "needs either kernel"},
		{"[target a]\nkernel = k\n", "at least one [target NAME] and one [scenario NAME]"},
		{"[target a]\nkernel = k\n[scenario s]\ntrials = 0\n", ":4: trials must be"},
		{"[target a]\nkernel = k\n[scenario s]\noption = duration\n", ":4: option takes"},
		{"[target a]\nkernel = k\npatch = p\n[scenario s]\n", "patch applies to a tree"},
		{"[target a]\nkernel = k\n[target a]\nkernel = j\n[scenario s]\n",
		 "a second [target a]"},
		{"[targets]\n", ":1: unknown section"},
		{"x = 1\n", ":1: a key before any section"},
		{"[nightly]\nkeep_pass_days = -1\n", ":2: keep_pass_days"},
		{"[target a]\nkernel = k\nkernel = j\n[scenario s]\n", ":3: a target names its"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct nightly_config c;

		ck_assert_msg(load(cases[i].text, &c) < 0, "accepted: %s", cases[i].text);
		ck_assert_msg(strstr(err_msg(), cases[i].want), "%s: %s", cases[i].text, err_msg());
		nightly_config_free(&c);
	}
}
END_TEST

/*
 * The last good kernel is the newest good (or first, baseline) night's, never
 * tonight's own, never a regression's.
 */
START_TEST(the_baseline_is_the_targets_last_good_kernel)
{
	_cleanup_free_ char *db = test_path("history.sqlite");
	struct history *h = history_open(db);
	char *k;

	ck_assert(h);
	ck_assert_ptr_null(history_nightly_last_good(h, "6.12", "s", "b"));
	ck_assert_int_eq(
		history_nightly_add(h, &(struct nightly_row){"2026-12-01", "6.12", "s", "a", NULL,
							     "baseline", NULL, NULL}),
		0);
	ck_assert_int_eq(
		history_nightly_add(h, &(struct nightly_row){"2026-12-02", "6.12", "s", "b", "a",
							     "regression", NULL, "first bad: b"}),
		0);
	ck_assert_int_eq(history_nightly_add(h, &(struct nightly_row){"2026-12-02", "7.3", "s", "c",
								      NULL, "good", NULL, NULL}),
			 0);
	k = history_nightly_last_good(h, "6.12", "s", "b");
	ck_assert_str_eq(k, "a");
	free(k);
	ck_assert_int_eq(
		history_nightly_add(h, &(struct nightly_row){"2026-12-03", "6.12", "s", "d", "a",
							     "good", NULL, NULL}),
		0);
	k = history_nightly_last_good(h, "6.12", "s", "e");
	ck_assert_str_eq(k, "d");
	free(k);
	/* A good night of another target or scenario is not this one's baseline. */
	ck_assert_ptr_null(history_nightly_last_good(h, "6.12", "other", "b"));
	ck_assert_int_eq(history_decided(h, "a", "s"), 0);
	history_close(h);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("nightly");
	TCase *tc = tcase_create("nightly");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, a_config_names_series_trees_and_scenarios);
	tcase_add_test(tc, a_bad_config_says_where_and_what_to_do);
	tcase_add_test(tc, the_baseline_is_the_targets_last_good_kernel);
	suite_add_tcase(su, tc);
	return su;
}
