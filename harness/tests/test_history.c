// SPDX-License-Identifier: GPL-2.0
/* The results history: runs kept in bench/data, imported into a fresh database. */
#define _GNU_SOURCE
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "check_main.h"
#include "analysis/dashboard.h"
#include "analysis/history.h"
#include "lib/fileio.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/path.h"

#define AB IPUTSTORM_SOURCE_DIR "/bench/data/umount-timeout-ab/20261202-054201-umount-timeout"
#define MAP IPUTSTORM_SOURCE_DIR "/bench/data/umount-timeout-map"

static json_t *group(json_t *all, const char *kernel)
{
	json_t *o;
	size_t i;

	json_array_foreach (all, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "kernel")), kernel))
			return o;
	ck_abort_msg("no group for %s", kernel);
	return NULL;
}

static long long num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

START_TEST(a_matrix_imported_twice_counts_once_per_kernel)
{
	_cleanup_free_ char *db = path_join(test_dir, "h.sqlite");
	struct history *h = history_open(db);
	struct history_query q = {0};
	json_t *all;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(history_import_run(h, AB), 10);
	ck_assert_int_eq(history_import_run(h, AB), 10);
	all = history_query(h, &q);
	ck_assert_uint_eq(json_array_size(all), 2);
	ck_assert_int_eq(num(group(all, "7.3.4+deb13-amd64"), "fail"), 5);
	ck_assert_int_eq(num(group(all, "7.3.4+dirtyfix"), "pass"), 5);
	ck_assert_int_eq(num(group(all, "7.3.4+dirtyfix"), "fail"), 0);
	json_decref(all);
	history_close(h);
}
END_TEST

START_TEST(queries_filter_by_kernel_scenario_and_date)
{
	_cleanup_free_ char *db = path_join(test_dir, "h.sqlite");
	struct history *h = history_open(db);
	struct history_query by_kernel = {.kernel = "6.17.13+deb13-amd64"};
	struct history_query by_scn = {.scenario = "writeback-iput-fi"};
	struct history_query late = {.since = "2026-12-02T06:00"};
	json_t *a, *b, *c;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(history_import_run(h, AB), 10);
	ck_assert_int_eq(history_import_run(h, MAP "/20261202-055805-umount-timeout"), 2);
	ck_assert_int_eq(history_import_run(h, MAP "/20261202-060740-umount-timeout"), 2);
	a = history_query(h, &by_kernel);
	b = history_query(h, &by_scn);
	c = history_query(h, &late);
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_int_eq(num(json_array_get(a, 0), "fail"), 2);
	ck_assert_uint_eq(json_array_size(b), 0);
	/* Only the 7.3.4 map run started after 06:00. */
	ck_assert_uint_eq(json_array_size(c), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 0), "kernel")),
			 "7.3.4+deb13-amd64");
	ck_assert_int_eq(num(json_array_get(c, 0), "trials"), 2);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	history_close(h);
}
END_TEST

START_TEST(a_directory_that_is_no_run_is_refused_by_name)
{
	_cleanup_free_ char *db = path_join(test_dir, "h.sqlite");
	struct history *h = history_open(db);

	ck_assert_int_eq(history_import_run(h, test_dir), -1);
	ck_assert_msg(strstr(err_msg(), test_dir), "%s", err_msg());
	history_close(h);
	ck_assert_ptr_null(history_open("/nonexistent/dir/h.sqlite"));
}
END_TEST

/* Kept runs carry no verdict.json and older ones no "root": the title names it. */
START_TEST(a_root_is_read_from_the_title_when_the_run_kept_none)
{
	_cleanup_free_ char *db = path_join(test_dir, "h.sqlite");
	struct history *h = history_open(db);
	struct history_query q = {0};
	json_t *all, *sig;

	ck_assert_int_eq(history_import_run(h, IPUTSTORM_SOURCE_DIR
					    "/bench/data/writeback-iput-fi-map/"
					    "20261202-040000-writeback-iput-fi"),
			 3);
	all = history_query(h, &q);
	sig = json_object_get(json_object_get(json_array_get(all, 0), "signatures"),
			      "ceph-writeback-iput");
	ck_assert_int_eq(num(sig, "count"), 3);
	json_decref(all);
	history_close(h);
}
END_TEST

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

START_TEST(the_dashboard_shows_each_kernel_its_interval_and_its_failures)
{
	_cleanup_free_ char *db = path_join(test_dir, "h.sqlite");
	_cleanup_free_ char *out = path_join(test_dir, "site");
	_cleanup_free_ char *index = path_join(out, "index.html");
	_cleanup_free_ char *html = NULL;
	struct history *h = history_open(db);
	struct history_query q = {0};
	json_t *groups, *trials;

	ck_assert_int_eq(history_import_run(h, AB), 10);
	groups = history_query(h, &q);
	trials = history_trials(h, &q);
	ck_assert_uint_eq(json_array_size(trials), 10);
	ck_assert_int_eq(dashboard_write(out, groups, trials, db), 0);
	html = read_file(index, NULL);
	ck_assert_ptr_nonnull(html);
	ck_assert_msg(strstr(html, "<h2>umount-timeout</h2>"), "no scenario section");
	ck_assert_msg(strstr(html, "series 7.3"), "no series row");
	ck_assert_msg(strstr(html, "7.3.4+dirtyfix"), "no fixed kernel");
	ck_assert_msg(strstr(html, "5/5<br><small>[0.57, 1.00]</small>"), "no stock interval");
	/* Five FAILs, each with its console. */
	ck_assert_int_eq(count(html, "/console.log\">console.log</a>"), 5);
	ck_assert_int_eq(count(html, "<table>"), count(html, "</table>"));
	ck_assert_int_eq(count(html, "<svg"), count(html, "</svg>"));
	json_decref(groups);
	json_decref(trials);
	history_close(h);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("history");
	TCase *tc = tcase_create("history");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, a_matrix_imported_twice_counts_once_per_kernel);
	tcase_add_test(tc, queries_filter_by_kernel_scenario_and_date);
	tcase_add_test(tc, a_directory_that_is_no_run_is_refused_by_name);
	tcase_add_test(tc, a_root_is_read_from_the_title_when_the_run_kept_none);
	tcase_add_test(tc, the_dashboard_shows_each_kernel_its_interval_and_its_failures);
	suite_add_tcase(su, tc);
	return su;
}
