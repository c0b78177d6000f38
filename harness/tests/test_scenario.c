// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "model/scenario.h"

static struct scenario s;

static void teardown(void)
{
	scenario_free(&s);
}

static char *data(const char *name)
{
	return xasprintf("%s/scenario/%s", TEST_DATA_DIR, name);
}

START_TEST(valid_scenario_yields_values_and_defaults)
{
	_cleanup_free_ char *p = data("valid.ini");
	const struct scn_group *w;

	ck_assert_msg(scenario_load(&s, p) == 0, "load failed: %s", err_msg());
	w = scenario_group(&s, "writers");
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(w->type, SEC_FIO);
	ck_assert_double_eq(s.global.duration, 45);
	ck_assert_double_eq(s.global.stuck_after, 15);
	ck_assert_int_eq(s.global.trials, 1);
	ck_assert_uint_eq(w->memory_max, 64ULL << 20);
	ck_assert_uint_eq(s.global.sysctl.n, 2);
	ck_assert_str_eq(s.global.sysctl.v[1], "vm.vfs_cache_pressure=1000");
	ck_assert_str_eq(w->dir, "writers");
	ck_assert_str_eq(scenario_group(&s, "trunc")->cgroup, "writers");
	ck_assert_double_eq(scenario_group(&s, "reclaim")->interval, 0.3);
}
END_TEST

START_TEST(indented_continuation_joins_the_previous_value)
{
	_cleanup_free_ char *p = data("valid.ini");

	ck_assert_int_eq(scenario_load(&s, p), 0);
	ck_assert_str_eq(scenario_group(&s, "writers")->args,
			 "--name=w --rw=randwrite --bs=4k --size=8M --directory={dir} "
			 "--time_based --runtime={duration}");
}
END_TEST

static const struct {
	const char *file;
	const char *expect;
} bad[] = {
	{"unknown-key.ini", "unknown-key.ini:3: unknown key 'bogus' in [global]"},
	{"zero-memory.ini", "zero-memory.ini:7: memory.max must be > 0"},
	{"no-type.ini", "no-type.ini:4: [w] has no 'type'"},
	{"bad-client.ini", "bad-client.ini:7: client 2 does not exist: [global] clients = 1"},
	{"bad-duration.ini", "bad-duration.ini:2: duration must be a duration"},
	{"duplicate.ini", "duplicate.ini:3: 'duration' given twice in [global] (first on line 2)"},
	{"cgroup-conflict.ini", "cgroup-conflict.ini:10: [a] and [b] share cgroup 'a' but set "
				"different memory.max"},
	{"bad-sysctl.ini", "bad-sysctl.ini:2: sysctl must look like name=value"},
	{"reclaim-orphan.ini", "reclaim-orphan.ini:3: no workload runs in cgroup 'nowhere'"},
	{"wrong-section.ini", "wrong-section.ini:4: 'at' does not apply to [w] (type churn)"},
	{"garbage.ini", "garbage.ini:3: not a `key = value` line"},
	{"missing-jobfile.ini", "missing-jobfile.ini:3: jobfile: cannot open"},
	{"nfs-client2.ini", "nfs-client2.ini:8: via = nfs: only client 1's mount is re-exported"},
	{"nfs-blk.ini", "nfs-blk.ini:7: via = nfs loads the NFS modules from the host's kernel "
			"store: it needs guest_root = 9p or auto, not blk"},
	{"nfs-expire-alone.ini", "nfs-expire-alone.ini:5: [expire] (type nfs-expire) expires the "
				 "clients of the NFS re-export: some group needs via = nfs"},
	{"fscache-withdraw-alone.ini",
	 "fscache-withdraw-alone.ini:5: [x] (type fscache-withdraw) "
	 "withdraws the local cache: it needs [global] fscache = true"},
	{"fscache-errors-alone.ini", "fscache-errors-alone.ini:2: fscache_read_errors fails reads "
				     "of the local cache: it needs fscache = true"},
	{"fscache-errors-short.ini", "fscache-errors-short.ini:3: fscache_read_errors must be 2 s "
				     "or more"},
	{"fscache-blk.ini", "fscache-blk.ini:3: fscache loads brd, ext4 and cachefiles from the "
			    "host's kernel store: it needs guest_root = 9p or auto, not blk"},
};

START_TEST(bad_scenario_is_rejected_with_file_and_line)
{
	_cleanup_free_ char *p = data(bad[_i].file);

	ck_assert_int_eq(scenario_load(&s, p), -1);
	ck_assert_msg(strstr(err_msg(), bad[_i].expect), "%s: expected '%s', got '%s'",
		      bad[_i].file, bad[_i].expect, err_msg());
}
END_TEST

/* inih's 200-byte lines once cut long values: a dump then did not load again. */
START_TEST(a_long_line_loads_and_its_dump_loads_again)
{
	_cleanup_free_ char *p = data("long-line.ini"), *d = NULL;
	struct scenario s2;

	ck_assert_msg(scenario_load(&s, p) == 0, "%s", err_msg());
	ck_assert_uint_ge(strlen(s.global.description), 250);
	d = scenario_dump(&s);
	ck_assert_msg(scenario_load_string(&s2, "as-run", d) == 0, "%s", err_msg());
	ck_assert_str_eq(s2.global.description, s.global.description);
	scenario_free(&s2);
}
END_TEST

START_TEST(override_changes_a_value_and_is_validated)
{
	_cleanup_free_ char *p = data("valid.ini");

	ck_assert_int_eq(scenario_load(&s, p), 0);
	ck_assert_int_eq(scenario_override(&s, "duration=10"), 0);
	ck_assert_double_eq(s.global.duration, 10);
	ck_assert_int_eq(scenario_override(&s, "writers.memory.max=32M"), 0);
	ck_assert_uint_eq(scenario_group(&s, "writers")->memory_max, 32ULL << 20);
	ck_assert_int_eq(scenario_override(&s, "writers.memory.max=0"), -1);
	ck_assert_msg(strstr(err_msg(), "-o writers.memory.max=0: memory.max must be > 0"),
		      "got %s", err_msg());
	ck_assert_int_eq(scenario_override(&s, "nonsense=1"), -1);
	ck_assert_msg(strstr(err_msg(), "unknown key 'nonsense'"), "got %s", err_msg());
	ck_assert_int_eq(scenario_override(&s, "no-equals"), -1);
	/* A newline would smuggle an unchecked section into the text the guest re-parses. */
	ck_assert_int_eq(scenario_override(&s, "description=x\n[evil]\ntype = sysrq"), -1);
	ck_assert_msg(strstr(err_msg(), "-o description: the value holds a newline"), "got %s",
		      err_msg());
}
END_TEST

/* One rule for names and paths, in the file and through -o alike. */
static const struct {
	const char *override, *expect;
} bad_names[] = {
	{"writers.cgroup=../../../../etc", "cgroup must be a name"},
	{"writers.cgroup=/sys/fs/cgroup", "cgroup must be a name"},
	{"writers.cgroup=a/b/c", "cgroup must be a name"},
	{"writers.cgroup=.hidden", "cgroup must be a name"},
	{"writers.cgroup=x x", "cgroup must be a name"},
	{"trunc.dir=/etc", "dir must be a relative path inside the mount"},
	{"trunc.dir=a/../../b", "dir must be a relative path inside the mount"},
	{"trunc.dir=a//b", "dir must be a relative path inside the mount"},
	{"trunc.dir=a/", "dir must be a relative path inside the mount"},
	{"trunc.dir=", "dir must be a relative path inside the mount"},
	{"writers.jobfile=/etc", "jobfile /etc is not a regular file"},
	{"writers.memory.max=1e30", "memory.max must be between 1M and 909.495T, not 1e30"},
	{"writers.jobfile=/nonexistent.fio", "jobfile /nonexistent.fio: No such file"},
};

START_TEST(names_and_paths_follow_one_rule_in_overrides_too)
{
	_cleanup_free_ char *p = data("valid.ini");

	ck_assert_int_eq(scenario_load(&s, p), 0);
	ck_assert_int_eq(scenario_override(&s, bad_names[_i].override), -1);
	ck_assert_msg(strstr(err_msg(), bad_names[_i].expect), "%s: expected '%s', got '%s'",
		      bad_names[_i].override, bad_names[_i].expect, err_msg());
}
END_TEST

/* Found by fuzz_scenario: "pages =" then "  8" dumped as "pages =  8", read back as "8". */
START_TEST(a_continuation_of_an_empty_value_dumps_and_reads_back_the_same)
{
	static const char text[] = "[global]\nduration =\n  10\n";
	_cleanup_free_ char *d = NULL, *d2 = NULL;
	struct scenario s2;

	ck_assert_msg(scenario_load_string(&s, "t.ini", text) == 0, "%s", err_msg());
	ck_assert_double_eq(s.global.duration, 10);
	d = scenario_dump(&s);
	ck_assert_msg(scenario_load_string(&s2, "t.ini", d) == 0, "%s", err_msg());
	d2 = scenario_dump(&s2);
	ck_assert_str_eq(d, d2);
	ck_assert(strstr(d, "\nduration = 10\n"));
	scenario_free(&s2);
	/* Found next: "key =;x" kept ";x", which the dump wrote as "key = ;x", a comment. */
	scenario_free(&s);
	ck_assert_msg(scenario_load_string(&s, "t.ini", "[global]\ndescription =;x\n") == 0, "%s",
		      err_msg());
	ck_assert_str_eq(s.global.description, "");
}
END_TEST

/* Joining continuations once copied the whole value per line (2 min for 2.4 MB). */
START_TEST(forty_thousand_continuation_lines_make_one_value)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, "[global]\nduration = 10\ndescription = x\n");
	for (int i = 0; i < 40000; i++)
		sb_puts(&sb, "  more text\n");
	ck_assert_msg(scenario_load_string(&s, "big.ini", sb.buf) == 0, "%s", err_msg());
	ck_assert_uint_eq(strlen(s.global.description), 1 + 40000 * 10);
	ck_assert(str_startswith(s.global.description, "x more text more text"));
	sb_release(&sb);
}
END_TEST

START_TEST(more_groups_than_the_limit_are_refused_with_the_line)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, "[global]\nduration = 10\n");
	for (int i = 0; i < 300; i++)
		sb_printf(&sb, "[w%d]\ntype = churn\nkind = writer\n", i);
	ck_assert_int_eq(scenario_load_string(&s, "many.ini", sb.buf), -1);
	ck_assert_msg(strstr(err_msg(), "many.ini:771: more than 256 groups"), "%s", err_msg());
	sb_release(&sb);
}
END_TEST

/* dump, load, dump: the same text after the header line, or the file never loaded. */
static int round_trips(const char *dir, int *loaded)
{
	_cleanup_dir_ DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_msg(d, "cannot open %s", dir);
	while ((e = readdir(d))) {
		_cleanup_free_ char *p = path_join(dir, e->d_name), *text = NULL;
		_cleanup_free_ char *d1 = NULL, *d2 = NULL;
		struct scenario a, b;
		size_t len;

		if (e->d_name[0] == '.' || !(text = read_file(p, &len)) || strlen(text) != len)
			continue;
		n++;
		if (scenario_load_string(&a, e->d_name, text) < 0)
			continue;
		(*loaded)++;
		d1 = scenario_dump(&a);
		ck_assert_msg(scenario_load_string(&b, e->d_name, d1) == 0, "%s: its dump: %s", p,
			      err_msg());
		d2 = scenario_dump(&b);
		ck_assert_msg(!strcmp(strchr(d1, '\n'), strchr(d2, '\n')), "%s: dump changed", p);
		scenario_free(&a);
		scenario_free(&b);
	}
	return n;
}

START_TEST(every_shipped_scenario_and_fuzz_corpus_entry_round_trips)
{
	_cleanup_free_ char *shipped = xasprintf("%s/scenarios", IPUTSTORM_SOURCE_DIR);
	_cleanup_free_ char *corpus =
		xasprintf("%s/harness/fuzz/corpus/scenario", IPUTSTORM_SOURCE_DIR);
	_cleanup_free_ char *tests = xasprintf("%s/scenario", TEST_DATA_DIR);
	int loaded = 0, files = 0;

	files += round_trips(shipped, &loaded);
	ck_assert_int_ge(loaded, 7);
	files += round_trips(tests, &loaded);
	files += round_trips(corpus, &loaded);
	ck_assert_int_ge(files, 100);
}
END_TEST

START_TEST(a_section_name_that_cannot_be_a_directory_or_cgroup_is_named)
{
	static const char text[] = "[global]\nduration = 10\n[w x]\ntype = fio\nargs = --name=x\n";
	static const char ok[] = "[global]\nduration = 10\n[w x]\ntype = fio\nargs = --name=x\n"
				 "dir = wx\ncgroup = wx\n";

	ck_assert_int_eq(scenario_load_string(&s, "t.ini", text), -1);
	ck_assert_msg(strstr(err_msg(), "t.ini:3: section name 'w x' is not usable as a directory"),
		      "got %s", err_msg());
	ck_assert_msg(scenario_load_string(&s, "t.ini", ok) == 0, "%s", err_msg());
}
END_TEST

START_TEST(dump_reloads_to_the_same_values)
{
	_cleanup_free_ char *p = data("valid.ini");
	_cleanup_free_ char *d = NULL, *d2 = NULL;
	struct scenario s2;

	ck_assert_int_eq(scenario_load(&s, p), 0);
	ck_assert_int_eq(scenario_override(&s, "duration=12"), 0);
	d = scenario_dump(&s);
	ck_assert_msg(scenario_load_string(&s2, "as-run", d) == 0, "reload: %s\n%s", err_msg(), d);
	d2 = scenario_dump(&s2);
	/* The header names the scenario; everything after it must match. */
	ck_assert_str_eq(strchr(d, '\n'), strchr(d2, '\n'));
	ck_assert_double_eq(s2.global.duration, 12);
	scenario_free(&s2);
}
END_TEST

START_TEST(key_reference_matches_docs)
{
	_cleanup_free_ char *doc = xasprintf("%s/docs/scenario-keys.md", IPUTSTORM_SOURCE_DIR);
	_cleanup_free_ char *want = read_file(doc, NULL);
	char *got = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&got, &n);

	scenario_print_keys(f);
	fclose(f);
	ck_assert_msg(want, "%s is missing: `iputstorm validate --keys > %s`", doc, doc);
	ck_assert_msg(!strcmp(want, got), "%s is stale: `iputstorm validate --keys > %s`", doc,
		      doc);
	free(got);
}
END_TEST

START_TEST(shipped_scenarios_validate)
{
	_cleanup_free_ char *pat = xasprintf("%s/scenarios/*.ini", IPUTSTORM_SOURCE_DIR);
	glob_t g;

	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_uint_gt(g.gl_pathc, 1);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scenario x;

		if (strstr(g.gl_pathv[i], "signatures.ini"))
			continue;
		ck_assert_msg(scenario_load(&x, g.gl_pathv[i]) == 0, "%s", err_msg());
		scenario_free(&x);
	}
	globfree(&g);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("scenario");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, valid_scenario_yields_values_and_defaults);
	tcase_add_test(tc, indented_continuation_joins_the_previous_value);
	tcase_add_loop_test(tc, bad_scenario_is_rejected_with_file_and_line, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, a_long_line_loads_and_its_dump_loads_again);
	tcase_add_test(tc, override_changes_a_value_and_is_validated);
	tcase_add_loop_test(tc, names_and_paths_follow_one_rule_in_overrides_too, 0,
			    ARRAY_SIZE(bad_names));
	tcase_add_test(tc, a_section_name_that_cannot_be_a_directory_or_cgroup_is_named);
	tcase_add_test(tc, a_continuation_of_an_empty_value_dumps_and_reads_back_the_same);
	tcase_add_test(tc, forty_thousand_continuation_lines_make_one_value);
	tcase_add_test(tc, more_groups_than_the_limit_are_refused_with_the_line);
	tcase_add_test(tc, every_shipped_scenario_and_fuzz_corpus_entry_round_trips);
	tcase_add_test(tc, dump_reloads_to_the_same_values);
	tcase_add_test(tc, key_reference_matches_docs);
	tcase_add_test(tc, shipped_scenarios_validate);
	suite_add_tcase(su, tc);
	return su;
}
