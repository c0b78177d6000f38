// SPDX-License-Identifier: GPL-2.0
/* `iputstorm compare` on a recorded run directory: statistics and every report. */
#define _GNU_SOURCE
#include <check.h>
#include <regex.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "analysis/mdhtml.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/path.h"

/* A matrix of n rounds: base hangs in every trial, fix passes, plus one MISS of fix. */
static void write_run(int n)
{
	json_t *trials = json_array();
	_cleanup_free_ char *p = path_join(test_dir, "run.json");

	for (int i = 0; i < n; i++) {
		json_array_append_new(
			trials,
			json_pack("{s:i, s:s, s:s, s:s, s:s, s:f, s:{s:f, s:f, s:f}, s:[s]}",
				  "trial", 2 * i + 1, "kernel", "base", "verdict", "FAIL", "reason",
				  "ceph-writeback-iput: task hung in evict", "title",
				  "ceph-writeback-iput: task hung in evict", "duration", 26.0,
				  "timing", "stress_start", 5.0, "time_to_hang", 10.0 + i, "total",
				  26.0, "signatures", "ceph-writeback-iput"));
		json_array_append_new(trials,
				      json_pack("{s:i, s:s, s:s, s:s, s:f, s:{s:f, s:f}}", "trial",
						2 * i + 2, "kernel", "fix", "verdict", "PASS",
						"reason", "no hang", "duration", 50.0, "timing",
						"stress_start", 5.0, "total", 50.0));
	}
	json_array_append_new(trials, json_pack("{s:i, s:s, s:s, s:s, s:f}", "trial", 2 * n + 1,
						"kernel", "fix", "verdict", "MISS", "reason",
						"the VM did not boot", "duration", 120.0));
	json_t *run =
		json_pack("{s:s, s:s, s:s, s:b, s:o}", "id", "r1", "scenario", "writeback-iput-fi",
			  "baseline", "base", "injected", 1, "trials", trials);

	ck_assert_int_eq(json_dump_file(run, p, 0), 0);
	json_decref(run);
}

static int compare(const char *extra)
{
	_cleanup_free_ char *cmd =
		xasprintf("%s compare %s %s >/dev/null 2>&1", IPUTSTORM_BIN, extra, test_dir);
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *report(const char *name)
{
	_cleanup_free_ char *p = path_join(test_dir, name);
	char *s = read_file(p, NULL);

	ck_assert_msg(s, "no %s", name);
	return s;
}

static char *html_of(const char *md)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	md_to_html(f, md);
	fclose(f);
	return out;
}

START_TEST(report_markdown_becomes_tables_lists_and_escaped_text)
{
	_cleanup_free_ char *h = html_of("# t <1>\n\n| a | b |\n|---|---|\n| `x&y` | **2** |\n\n"
					 "- one \"q\"\n- two\nsome `open\nmore\n");

	ck_assert_str_eq(h, "<h1>t &lt;1&gt;</h1>\n"
			    "<table>\n<tr><th>a</th><th>b</th></tr>\n"
			    "<tr><td><code>x&amp;y</code></td><td><strong>2</strong></td></tr>\n"
			    "</table>\n<ul>\n<li>one &quot;q&quot;</li>\n<li>two</li>\n</ul>\n"
			    "<p>some `open\nmore</p>\n");
}
END_TEST

/* junit.xml once printed the run id raw: `&` or `"` in it broke the document. */
START_TEST(junit_escapes_run_ids_reasons_and_control_bytes)
{
	_cleanup_free_ char *p = path_join(test_dir, "run.json");
	_cleanup_free_ char *junit = NULL;
	json_t *run = json_pack("{s:s, s:s, s:s, s:[{s:i, s:s, s:s, s:s, s:s, s:f}]}", "id",
				"r&1\"<x>'", "scenario", "s", "baseline", "k", "trials", "trial", 1,
				"kernel", "k", "verdict", "FAIL", "reason",
				"hung <in> \"evict\" & \x01\x1b[2J", "title", "t", "duration", 1.0);

	ck_assert_int_eq(json_dump_file(run, p, 0), 0);
	json_decref(run);
	compare("");
	junit = report("junit.xml");
	ck_assert_msg(strstr(junit, "name=\"r&amp;1&quot;&lt;x&gt;&#39; trial 1\""), "%s", junit);
	ck_assert_msg(strstr(junit, "hung &lt;in&gt; &quot;evict&quot; &amp; \\x01\\x1b[2J"), "%s",
		      junit);
	for (const char *c = junit; *c; c++)
		ck_assert_msg((unsigned char)*c >= 0x20 || *c == '\n', "control byte in junit.xml");
}
END_TEST

/* A FAIL with no hang ("umount timed out") once showed as "hang median 0.0 s". */
START_TEST(summary_gives_no_time_to_hang_for_a_fail_that_did_not_hang)
{
	_cleanup_free_ char *p = path_join(test_dir, "run.json");
	_cleanup_free_ char *out = path_join(test_dir, "summary.txt");
	_cleanup_free_ char *cmd =
		xasprintf("%s summary %s >%s 2>&1", IPUTSTORM_BIN, test_dir, out);
	_cleanup_free_ char *text = NULL;
	json_t *run = json_pack("{s:s, s:s, s:s, s:[{s:i, s:s, s:s, s:s, s:s, s:f, s:{s:f, s:f}}]}",
				"id", "r", "scenario", "umount-timeout", "kernel", "k", "trials",
				"trial", 1, "kernel", "k", "verdict", "FAIL", "reason",
				"ceph: umount timed out", "title", "ceph: umount timed out",
				"duration", 88.0, "timing", "stress_start", 6.0, "total", 88.0);

	ck_assert_int_eq(json_dump_file(run, p, 0), 0);
	json_decref(run);
	ck_assert_int_eq(system(cmd), 0);
	text = read_file(out, NULL);
	ck_assert_msg(strstr(text, "1/1 ") && strstr(text, "verdict median 82.0 s"), "%s", text);
	ck_assert_msg(!strstr(text, "hang median"), "%s", text);
}
END_TEST

/* "compare results/2*" once counted the newest run twice, by name and through latest. */
START_TEST(a_run_reached_twice_counts_once)
{
	_cleanup_free_ char *link = xasprintf("%s.latest", test_dir);
	_cleanup_free_ char *md = NULL;

	write_run(3);
	ck_assert_int_eq(symlink(test_dir, link), 0);
	ck_assert_int_eq(compare(link), 0);
	unlink(link);
	md = report("report.md");
	ck_assert_msg(strstr(md, "| base (baseline) | 3 | 3 |"), "%s", md);
}
END_TEST

/* natural-caps against writeback-iput-fi once gave "hangs more, p = 0.0079". */
START_TEST(runs_of_different_scenarios_or_injection_need_mixed)
{
	_cleanup_free_ char *other = xasprintf("%s.other", test_dir);
	_cleanup_free_ char *p = path_join(other, "run.json");
	_cleanup_free_ char *cmd = NULL, *mixed = NULL;
	json_t *run =
		json_pack("{s:s, s:s, s:b, s:[{s:i, s:s, s:s, s:s, s:f}]}", "id", "r2", "scenario",
			  "natural-caps", "injected", 0, "trials", "trial", 1, "kernel", "fix",
			  "verdict", "PASS", "reason", "no hang", "duration", 1.0);
	int st;

	write_run(2);
	ck_assert_int_eq(mkdir_p(other, 0755), 0);
	ck_assert_int_eq(json_dump_file(run, p, 0), 0);
	json_decref(run);
	ck_assert_int_eq(compare(other), 2);
	mixed = xasprintf("--mixed %s", other);
	ck_assert_int_ne(compare(mixed), 2);
	cmd = xasprintf("rm -rf %s", other);
	st = system(cmd);
	ck_assert_int_eq(st, 0);
}
END_TEST

/* summary and compare read the same trials the same way: decided = FAIL + PASS. */
START_TEST(summary_agrees_with_compare_on_the_same_run)
{
	_cleanup_free_ char *out = path_join(test_dir, "summary.json");
	_cleanup_free_ char *cmd =
		xasprintf("%s --json summary %s >%s 2>/dev/null", IPUTSTORM_BIN, test_dir, out);
	json_t *all, *g;
	size_t i;
	int seen = 0;

	write_run(4);
	ck_assert_int_eq(system(cmd), 0);
	all = json_load_file(out, 0, NULL);
	ck_assert(json_is_array(all));
	json_array_foreach (all, i, g) {
		const char *k = json_string_value(json_object_get(g, "kernel"));

		if (!strcmp(k, "base")) {
			ck_assert_int_eq(json_integer_value(json_object_get(g, "reproduced")), 4);
			ck_assert_int_eq(json_integer_value(json_object_get(g, "decided")), 4);
			seen++;
		} else if (!strcmp(k, "fix")) {
			/* 4 PASS and 1 MISS: the MISS is not decided, as in compare. */
			ck_assert_int_eq(json_integer_value(json_object_get(g, "reproduced")), 0);
			ck_assert_int_eq(json_integer_value(json_object_get(g, "decided")), 4);
			ck_assert_int_eq(json_integer_value(json_object_get(g, "miss")), 1);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	json_decref(all);
	ck_assert_int_eq(compare(""), 0);
	{
		_cleanup_free_ char *md = report("report.md");

		ck_assert_msg(strstr(md, "| base (baseline) | 4 | 4 | 0 | 0 | 0 |"), "%s", md);
		ck_assert_msg(strstr(md, "| fix | 5 | 0 | 4 | 0 | 1 |"), "%s", md);
	}
}
END_TEST

/* KTAP as ktap.rst has it: 2-space subtests, ERROR is "not ok # ERROR", all-MISS skipped. */
START_TEST(ktap_follows_the_kernel_rules_for_error_skip_and_indent)
{
	_cleanup_free_ char *p = path_join(test_dir, "run.json");
	_cleanup_free_ char *ktap = NULL;
	json_t *run = json_pack(
		"{s:s, s:s, s:s, s:[{s:i, s:s, s:s, s:s, s:s, s:f}, {s:i, s:s, s:s, s:s, s:f}, "
		"{s:i, s:s, s:s, s:s, s:f}]}",
		"id", "r", "scenario", "s", "baseline", "base", "trials", "trial", 1, "kernel",
		"base", "verdict", "FAIL", "reason", "task hung in evict", "title",
		"task hung in evict", "duration", 1.0, "trial", 2, "kernel", "e", "verdict",
		"ERROR", "reason", "1 workload instance(s) failed", "duration", 1.0, "trial", 3,
		"kernel", "m", "verdict", "MISS", "reason", "the VM did not boot", "duration", 1.0);

	ck_assert_int_eq(json_dump_file(run, p, 0), 0);
	json_decref(run);
	compare("");
	ktap = report("results.ktap");
	ck_assert_msg(strstr(ktap, "KTAP version 1\n1..3\n  KTAP version 1\n  # Subtest: base\n"),
		      "%s", ktap);
	ck_assert_msg(strstr(ktap, "  # trial 1: task hung in evict\n  not ok 1 trial 1\n"), "%s",
		      ktap);
	ck_assert_msg(strstr(ktap, "  not ok 1 trial 2 # ERROR 1 workload instance(s) failed\n"
				   "not ok 2 e\n"),
		      "%s", ktap);
	ck_assert_msg(strstr(ktap, "ok 3 m # SKIP every trial MISS\n"), "%s", ktap);
	ck_assert(!strstr(ktap, "\n    "));
}
END_TEST

START_TEST(ten_vs_zero_shows_the_fix_in_every_report)
{
	_cleanup_free_ char *md = NULL, *junit = NULL, *ktap = NULL, *html = NULL;
	_cleanup_free_ char *kp = path_join(test_dir, "kcidb.json");
	json_t *kcidb;

	write_run(10);
	{
		/* The patched kernel's kernel.json, as `kernel build` writes it for a git tree. */
		_cleanup_free_ char *kj = path_join(test_dir, "kernel-fix.json");
		json_t *k = json_pack(
			"{s:s, s:[s], s:s, s:s, s:s}", "name", "fix", "patches",
			"/p/0001-ceph-defer-final-iput.patch", "patchset_hash",
			"7b77b1b66500ed66bdb3e5f10e78f55ab6d4b404fa676ec1bee2ab5b31346a80",
			"commit", "0123456789abcdef0123456789abcdef01234567", "repository",
			"https://git.example/linux.git");

		ck_assert_int_eq(json_dump_file(k, kj, 0), 0);
		json_decref(k);
	}
	ck_assert_int_eq(compare("--expect-fixed"), 0);
	md = report("report.md");
	ck_assert_msg(strstr(md, "fix removes the hang of base: 0/10 vs 10/10, p = 1.1e-05"), "%s",
		      md);
	ck_assert(strstr(
		md, "| base (baseline) | 10 | 10 | 0 | 0 | 0 | 1.00 | [0.72, 1.00] | 14.0 s |"));
	ck_assert(strstr(md, "| fix | 11 | 0 | 10 | 0 | 1 | 0.00 | [0.00, 0.28] | not reached |"));
	ck_assert(strstr(md, "Fault injection was on"));
	junit = report("junit.xml");
	ck_assert(strstr(junit, "tests=\"10\" failures=\"10\" errors=\"0\" skipped=\"0\""));
	ck_assert(strstr(junit, "tests=\"11\" failures=\"0\" errors=\"0\" skipped=\"1\""));
	/* Injected runs say so in every report a machine reads. */
	ck_assert(strstr(junit, "<property name=\"fault_injection\" value=\"true\"/>"));
	ck_assert(strstr(junit, "<failure message=\"[fault injection] "));
	ktap = report("results.ktap");
	ck_assert(strstr(ktap, "KTAP version 1\n1..2\n# fault injection was on"));
	ck_assert(strstr(ktap, "task hung in evict [fault injection]\n"));
	ck_assert(strstr(ktap, "not ok 1 base\n"));
	ck_assert(strstr(ktap, "ok 2 fix\n"));
	ck_assert(strstr(ktap, "# SKIP MISS: the VM did not boot"));
	html = report("report.html");
	ck_assert(strstr(html, "<svg"));
	ck_assert(!strstr(html, "<script") && !strstr(html, "src=\"http"));
	/* The same numbers as report.md, as a table. */
	ck_assert_msg(strstr(html, "<tr><td>base (baseline)</td><td>10</td><td>10</td><td>0</td>"
				   "<td>0</td><td>0</td><td>1.00</td><td>[0.72, 1.00]</td>"
				   "<td>14.0 s</td></tr>"),
		      "%s", html);
	ck_assert(strstr(html, "<li>fix removes the hang of base: 0/10 vs 10/10, p = 1.1e-05"));
	kcidb = json_load_file(kp, 0, NULL);
	ck_assert(kcidb);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(kcidb, "version"), "minor")), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(kcidb, "tests")), 21);
	ck_assert_uint_eq(json_array_size(json_object_get(kcidb, "checkouts")), 2);
	/* Ids unique per run, and each trial's console log as an output file. */
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(kcidb, "checkouts"), 0), "id")),
			 "iputstorm:r1:base");
	ck_assert(str_endswith(
		json_string_value(json_object_get(
			json_array_get(json_object_get(kcidb, "tests"), 0), "log_url")),
		"/trials/1/console.log"));
	{
		/* What the patched kernel was built from joins KCIDB's checkout. */
		json_t *co = json_array_get(json_object_get(kcidb, "checkouts"), 1);

		ck_assert_str_eq(
			json_string_value(json_object_get(co, "patchset_hash")),
			"7b77b1b66500ed66bdb3e5f10e78f55ab6d4b404fa676ec1bee2ab5b31346a80");
		ck_assert_str_eq(json_string_value(json_object_get(co, "git_commit_hash")),
				 "0123456789abcdef0123456789abcdef01234567");
		ck_assert_str_eq(json_string_value(json_object_get(co, "git_repository_url")),
				 "https://git.example/linux.git");
		ck_assert_str_eq(
			json_string_value(json_object_get(
				json_array_get(json_object_get(co, "patchset_files"), 0), "name")),
			"0001-ceph-defer-final-iput.patch");
		ck_assert_ptr_null(json_object_get(
			json_array_get(json_object_get(kcidb, "checkouts"), 0), "patchset_hash"));
	}
	json_decref(kcidb);
}
END_TEST

/*
 * KCIDB I/O schema v5.3's rules, as the kernelci schema states them: every
 * object's own properties only, its required ones, ids of the form
 * ORIGIN:..., origin [a-z0-9_]+, test paths of dot-separated
 * [a-zA-Z0-9_-] words, https:// repository URLs, 40- and 64-hex hashes, the
 * six statuses, and resources with a '/'-free name and a URL.
 */
static bool only_keys(json_t *o, const char *const allowed[], size_t n)
{
	const char *k;
	json_t *v;

	json_object_foreach (o, k, v) {
		bool ok = false;

		for (size_t i = 0; i < n && !ok; i++)
			ok = !strcmp(k, allowed[i]);
		ck_assert_msg(ok, "KCIDB v5 has no property '%s' here", k);
		ck_assert_msg(!json_is_null(v), "'%s' is null", k);
	}
	return true;
}

static bool matches_re(const char *s, const char *re)
{
	regex_t r;
	bool m;

	ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	m = s && regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

static void check_id(json_t *o, const char *key, const char *origin)
{
	const char *id = json_string_value(json_object_get(o, key));

	ck_assert_msg(id && str_startswith(id, origin) && id[strlen(origin)] == ':', "%s '%s'", key,
		      id);
}

static void check_resources(json_t *list)
{
	json_t *r;
	size_t i;

	json_array_foreach (list, i, r) {
		static const char *const keys[] = {"name", "url"};

		only_keys(r, keys, 2);
		ck_assert(matches_re(json_string_value(json_object_get(r, "name")), "^[^/]+$"));
		ck_assert(matches_re(json_string_value(json_object_get(r, "url")),
				     "^(file:///|https://)[^ ]*$"));
	}
}

static void check_kcidb_v5(json_t *k)
{
	static const char *const top[] = {"version", "checkouts", "builds",
					  "tests",   "issues",	  "incidents"};
	static const char *const checkout[] = {"id",
					       "origin",
					       "tree_name",
					       "git_repository_url",
					       "git_commit_hash",
					       "git_commit_name",
					       "git_repository_branch",
					       "patchset_files",
					       "patchset_hash",
					       "comment",
					       "start_time",
					       "log_url",
					       "log_excerpt",
					       "valid",
					       "misc"};
	static const char *const build[] = {"id",	  "origin",	 "checkout_id",	 "comment",
					    "start_time", "duration",	 "architecture", "command",
					    "compiler",	  "config_name", "log_url",	 "status",
					    "misc"};
	static const char *const test[] = {"id",       "origin",       "build_id", "path",
					   "comment",  "log_url",      "status",   "start_time",
					   "duration", "output_files", "misc"};
	static const char *const status_re = "^(FAIL|ERROR|MISS|PASS|DONE|SKIP)$";
	json_t *o;
	size_t i;

	only_keys(k, top, ARRAY_SIZE(top));
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(k, "version"), "major")), 5);
	json_array_foreach (json_object_get(k, "checkouts"), i, o) {
		const char *origin = json_string_value(json_object_get(o, "origin"));

		only_keys(o, checkout, ARRAY_SIZE(checkout));
		ck_assert(matches_re(origin, "^[a-z0-9_]+$"));
		check_id(o, "id", origin);
		if (json_object_get(o, "git_repository_url"))
			ck_assert(matches_re(
				json_string_value(json_object_get(o, "git_repository_url")),
				"^https://"));
		if (json_object_get(o, "git_commit_hash"))
			ck_assert(
				matches_re(json_string_value(json_object_get(o, "git_commit_hash")),
					   "^[0-9a-f]{40}$"));
		if (json_object_get(o, "patchset_hash"))
			ck_assert(matches_re(json_string_value(json_object_get(o, "patchset_hash")),
					     "^$|^[0-9a-f]{64}$"));
		check_resources(json_object_get(o, "patchset_files"));
		ck_assert(json_is_boolean(json_object_get(o, "valid")));
	}
	json_array_foreach (json_object_get(k, "builds"), i, o) {
		const char *origin = json_string_value(json_object_get(o, "origin"));

		only_keys(o, build, ARRAY_SIZE(build));
		check_id(o, "id", origin);
		check_id(o, "checkout_id", origin);
		ck_assert(matches_re(json_string_value(json_object_get(o, "architecture")),
				     "^[a-z0-9_]*$"));
		ck_assert(matches_re(json_string_value(json_object_get(o, "status")), status_re));
	}
	json_array_foreach (json_object_get(k, "tests"), i, o) {
		const char *origin = json_string_value(json_object_get(o, "origin"));

		only_keys(o, test, ARRAY_SIZE(test));
		check_id(o, "id", origin);
		check_id(o, "build_id", origin);
		ck_assert_msg(matches_re(json_string_value(json_object_get(o, "path")),
					 "^([a-zA-Z0-9_-]+([.][a-zA-Z0-9_-]+)*)?$"),
			      "path %s", json_string_value(json_object_get(o, "path")));
		ck_assert(matches_re(json_string_value(json_object_get(o, "status")), status_re));
		ck_assert(json_number_value(json_object_get(o, "duration")) >= 0);
		if (json_object_get(o, "log_url"))
			ck_assert(matches_re(json_string_value(json_object_get(o, "log_url")),
					     "^file:///[^ ]*$"));
		check_resources(json_object_get(o, "output_files"));
	}
}

/* What users feed in that KCIDB would refuse comes out in a form it takes. */
START_TEST(kcidb_json_keeps_to_the_kcidb_v5_schema)
{
	_cleanup_free_ char *kp = path_join(test_dir, "kcidb.json");
	_cleanup_free_ char *kj = path_join(test_dir, "kernel-fix.json");
	_cleanup_free_ char *rp = path_join(test_dir, "run.json");
	json_t *k, *run, *co;

	write_run(3);
	/* A scenario file named as users name theirs, and an scp-like remote. */
	run = json_load_file(rp, 0, NULL);
	json_object_set_new(run, "scenario", json_string("my scenario+v2.1"));
	ck_assert_int_eq(json_dump_file(run, rp, 0), 0);
	json_decref(run);
	k = json_pack("{s:s, s:[s, s], s:s, s:s, s:s}", "name", "fix", "patches",
		      "/p/0001 fix #1.patch", "/p/dir/", "patchset_hash",
		      "7b77b1b66500ed66bdb3e5f10e78f55ab6d4b404fa676ec1bee2ab5b31346a80", "commit",
		      "0123456789abcdef0123456789abcdef01234567", "repository",
		      "git@git.example.org:ceph/linux.git");
	ck_assert_int_eq(json_dump_file(k, kj, 0), 0);
	json_decref(k);
	setenv("IPUTSTORM_KCIDB_ORIGIN", "My-CI", 1);
	ck_assert_int_eq(compare("--mixed"), 0);
	unsetenv("IPUTSTORM_KCIDB_ORIGIN");
	k = json_load_file(kp, 0, NULL);
	ck_assert(k);
	check_kcidb_v5(k);
	co = json_array_get(json_object_get(k, "checkouts"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(co, "git_repository_url")),
			 "https://git.example.org/ceph/linux.git");
	ck_assert_str_eq(json_string_value(json_object_get(co, "origin")), "iputstorm");
	/* The patch with no file name is left out; the other's name keeps its spaces. */
	ck_assert_uint_eq(json_array_size(json_object_get(co, "patchset_files")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(co, "patchset_files"), 0), "url")),
			 "file:///p/0001%20fix%20%231.patch");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(k, "tests"), 0), "path")),
			 "iputstorm.my_scenario_v2_1");
	json_decref(k);
}
END_TEST

START_TEST(too_few_trials_is_undecided_and_a_missing_fix_fails)
{
	write_run(2);
	ck_assert_int_eq(compare(""), 3);
	tmpdir_teardown();
	tmpdir_setup();
	write_run(4); /* 0/4 vs 4/4: p = 0.029, not below 0.01 */
	ck_assert_int_eq(compare(""), 0);
	ck_assert_int_eq(compare("--expect-fixed"), 1);
	ck_assert_int_eq(compare("--expect-fixed --alpha 0.05"), 0);
}
END_TEST

/* A natural matrix where the candidate hangs differently from the baseline, at a rate
 * no test could tell apart: the new title and the new ERROR still decide. */
START_TEST(a_hang_the_baseline_never_showed_is_news_whatever_the_rate)
{
	_cleanup_free_ char *src = path_join(TEST_DATA_DIR, "compare/natural-new-hang.json");
	_cleanup_free_ char *dst = path_join(test_dir, "run.json");
	_cleanup_free_ char *body = read_file(src, NULL), *md = NULL;

	ck_assert_msg(body, "cannot read %s", src);
	ck_assert_int_eq(write_file(dst, body, strlen(body)), 0);
	ck_assert_int_eq(compare(""), 1);
	md = report("report.md");
	ck_assert_msg(strstr(md,
			     "patched shows no significant difference from stock: 1/3 vs 1/4, "
			     "p = 1; new hang on patched: \"task hung in ceph_inode_work\" x1; 1 "
			     "ERROR trial(s) on patched, none on stock"),
		      "%s", md);
	/* Counters summed per kernel; a counter a kernel never reported is a dash. */
	ck_assert_msg(strstr(md, "| stock | 8 | – | 400 | – | – | – | – | – | – | – | – | – | – | "
				 "– | – | – |"),
		      "%s", md);
	ck_assert_msg(strstr(md, "| patched | 0 | – | 0 | – | – | – | – | – | 120 | – | – | – | – "
				 "| – | – | – |"),
		      "%s", md);
	/* The baseline's own hang is not news. */
	ck_assert(!strstr(md, "new hang on patched: \"task hung in truncate"));
}
END_TEST

/* One trial with verify churners: title NULL is a PASS, else a FAIL of that corruption. */
static json_t *verify_trial(int n, const char *kernel, const char *title, long long verified,
			    long long mismatches)
{
	json_t *t = json_pack("{s:i, s:s, s:s, s:s, s:f, s:{s:f, s:f}, s:{s:I, s:I}}", "trial", n,
			      "kernel", kernel, "verdict", title ? "FAIL" : "PASS", "reason",
			      title ?: "no hang", "duration", 20.0, "timing", "stress_start", 5.0,
			      "total", 20.0, "integrity", "verified_bytes", (json_int_t)verified,
			      "mismatches", (json_int_t)mismatches);

	if (title)
		json_object_set_new(t, "title", json_string(title));
	return t;
}

/* Writes the run of these trials (baseline "base") and compares it: compare's exit. */
static int compare_verify_run(const char *scenario, json_t *trials)
{
	_cleanup_free_ char *p = path_join(test_dir, "run.json");
	json_t *run = json_pack("{s:s, s:s, s:s, s:b, s:o}", "id", "r1", "scenario", scenario,
				"baseline", "base", "injected", 0, "trials", trials);

	ck_assert_int_eq(json_dump_file(run, p, 0), 0);
	json_decref(run);
	return compare("");
}

START_TEST(corrupt_data_the_baseline_never_had_is_worse_whatever_the_rate)
{
	_cleanup_free_ char *md = NULL;
	json_t *trials = json_array();

	for (int i = 0; i < 8; i++)
		json_array_append_new(
			trials,
			verify_trial(i + 1, i % 2 ? "cand" : "base",
				     i == 7 ? "data corruption in v-1-0-2 at offset 512" : NULL,
				     1000000, i == 7 ? 2 : 0));
	ck_assert_int_eq(compare_verify_run("default", trials), 1);
	md = report("report.md");
	ck_assert_msg(strstr(md, "data corruption on cand in 1 trial(s) (2 blocks), none on base"),
		      "%s", md);
	ck_assert_msg(strstr(md, "| base | 4000000 | 0 | 0 |"), "%s", md);
	ck_assert_msg(strstr(md, "| cand | 4000000 | 2 | 1 |"), "%s", md);
}
END_TEST

START_TEST(a_fix_of_corrupt_data_is_called_so_not_a_hang)
{
	_cleanup_free_ char *md = NULL;
	json_t *trials = json_array();

	/* The baseline fails every trial with data read back wrong, the fix none. */
	for (int i = 0; i < 10; i++)
		json_array_append_new(
			trials,
			verify_trial(i + 1, i % 2 ? "fix" : "base",
				     i % 2 ? NULL : "data corruption in vz-1-0-0 at offset 24576",
				     1000, i % 2 ? 0 : 1));
	ck_assert_int_eq(compare_verify_run("fscache-resize", trials), 0);
	md = report("report.md");
	ck_assert_msg(strstr(md, "fix removes the data corruption of base: 0/5 vs 5/5, p = 0.0079"),
		      "%s", md);
	ck_assert_msg(!strstr(md, "removes the hang"), "%s", md);
}
END_TEST

START_TEST(corruption_at_another_offset_is_no_new_failure)
{
	_cleanup_free_ char *md = NULL;
	json_t *trials = json_array();

	for (int i = 0; i < 6; i++) {
		_cleanup_free_ char *title =
			xasprintf("data corruption in v-1-0-%d at offset %d", i, 512 * (i + 1));

		json_array_append_new(trials,
				      verify_trial(i + 1, i % 2 ? "cand" : "base", title, 1000, 1));
	}
	ck_assert_int_eq(compare_verify_run("fscache-stale", trials), 0);
	md = report("report.md");
	ck_assert_msg(
		strstr(md, "cand shows no significant difference from base: 3/3 vs 3/3, p = 1 "),
		"%s", md);
	ck_assert_msg(!strstr(md, "new hang"), "%s", md);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("compare");
	TCase *tc = tcase_create("compare");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, report_markdown_becomes_tables_lists_and_escaped_text);
	tcase_add_test(tc, ten_vs_zero_shows_the_fix_in_every_report);
	tcase_add_test(tc, kcidb_json_keeps_to_the_kcidb_v5_schema);
	tcase_add_test(tc, junit_escapes_run_ids_reasons_and_control_bytes);
	tcase_add_test(tc, summary_gives_no_time_to_hang_for_a_fail_that_did_not_hang);
	tcase_add_test(tc, a_run_reached_twice_counts_once);
	tcase_add_test(tc, summary_agrees_with_compare_on_the_same_run);
	tcase_add_test(tc, ktap_follows_the_kernel_rules_for_error_skip_and_indent);
	tcase_add_test(tc, runs_of_different_scenarios_or_injection_need_mixed);
	tcase_add_test(tc, too_few_trials_is_undecided_and_a_missing_fix_fails);
	tcase_add_test(tc, a_hang_the_baseline_never_showed_is_news_whatever_the_rate);
	tcase_add_test(tc, corrupt_data_the_baseline_never_had_is_worse_whatever_the_rate);
	tcase_add_test(tc, a_fix_of_corrupt_data_is_called_so_not_a_hang);
	tcase_add_test(tc, corruption_at_another_offset_is_no_new_failure);
	suite_add_tcase(su, tc);
	return su;
}
