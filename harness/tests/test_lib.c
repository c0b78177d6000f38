// SPDX-License-Identifier: GPL-2.0
/* The lib layer: strings, vectors, parsing, processes, lines, INI, options, errors, files. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/fileio.h"
#include "lib/ini.h"
#include "lib/json.h"
#include "lib/lines.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/proc.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"
#include "lib/rng.h"
#include "lib/strv.h"
#include "lib/text.h"

START_TEST(strbuf_grows_and_detaches_a_terminated_string)
{
	struct strbuf sb = {0};
	char *s;

	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i % 10);
	sb_add(&sb, "xy", 1);
	ck_assert_uint_eq(sb.len, 2001);
	ck_assert_int_eq(sb.buf[2000], 'x');
	s = sb_detach(&sb);
	ck_assert_ptr_null(sb.buf);
	ck_assert_uint_eq(strlen(s), 2001);
	free(s);
	s = sb_detach(&sb); /* empty is "", never NULL */
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(strv_splits_on_blanks_without_quoting_and_stays_null_terminated)
{
	_cleanup_strv_ struct strv v = {0};
	_cleanup_free_ char *j = NULL;

	ck_assert_int_eq(strv_split_ws(&v, "  fio\t--name='a b'  --rw=write \n"), 4);
	ck_assert_str_eq(v.v[1], "--name='a");
	ck_assert_str_eq(v.v[2], "b'");
	ck_assert_ptr_null(v.v[4]);
	strv_pushf(&v, "%s-%d", "x", 7);
	ck_assert_str_eq(v.v[4], "x-7");
	j = argv_join(v.v);
	ck_assert_str_eq(j, "fio --name='a b' --rw=write x-7");
}
END_TEST

START_TEST(values_parse_with_their_units_and_refuse_the_rest)
{
	uint64_t u;
	double d;
	bool b;
	long long i;

	ck_assert_int_eq(parse_size("64M", &u), 0);
	ck_assert_uint_eq(u, 64ULL << 20);
	ck_assert_int_eq(parse_size("1.5G", &u), 0);
	ck_assert_uint_eq(u, 3ULL << 29);
	ck_assert_int_eq(parse_size("4096", &u), 0);
	ck_assert_uint_eq(u, 4096);
	ck_assert_int_eq(parse_size("12Q", &u), -1);
	ck_assert_int_eq(parse_size("-1M", &u), -1);
	/* Past 2^64 the cast was undefined (UBSan): now it says so. */
	ck_assert_int_eq(parse_size("1e30", &u), -2);
	ck_assert_uint_eq(u, UINT64_MAX);
	ck_assert_int_eq(parse_size("18446744073709551616", &u), -2);
	ck_assert_int_eq(parse_size("16777216T", &u), -2);
	ck_assert_int_eq(parse_size("16777215T", &u), 0);
	/* Decimal only. */
	ck_assert_int_eq(parse_size("0x10", &u), -1);
	ck_assert_int_eq(parse_size("inf", &u), -1);
	ck_assert_int_eq(parse_size("nan", &u), -1);
	ck_assert_int_eq(parse_size(".5G", &u), 0);
	ck_assert_uint_eq(u, 1ULL << 29);
	ck_assert_int_eq(parse_seconds("500ms", &d), 0);
	ck_assert_double_eq(d, 0.5);
	ck_assert_int_eq(parse_seconds("2m", &d), 0);
	ck_assert_double_eq(d, 120);
	ck_assert_int_eq(parse_seconds("1h", &d), 0);
	ck_assert_double_eq(d, 3600);
	ck_assert_int_eq(parse_seconds("soon", &d), -1);
	ck_assert_int_eq(parse_bool("Yes", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(parse_bool("off", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(parse_bool("maybe", &b), -1);
	ck_assert_int_eq(parse_int("0x10", &i), 0);
	ck_assert_int_eq(i, 16);
	ck_assert_int_eq(parse_int("12abc", &i), -1);
	ck_assert_int_eq(parse_int("", &i), -1);
}
END_TEST

START_TEST(run_capture_returns_output_and_names_a_failure)
{
	char *ok[] = {"sh", "-c", "echo hello; echo oops >&2", NULL};
	char *bad[] = {"sh", "-c", "echo broken pipe; exit 3", NULL};
	_cleanup_free_ char *out = NULL, *out2 = NULL;

	ck_assert_int_eq(run_capture(ok, 10, &out), 0);
	ck_assert_str_eq(out, "hello\noops\n");
	ck_assert_int_eq(run_capture(bad, 10, &out2), -1);
	ck_assert_msg(strstr(err_msg(), "'sh -c echo broken pipe; exit 3' failed: broken pipe"),
		      "%s", err_msg());
}
END_TEST

START_TEST(run_argv_kills_a_child_past_its_timeout)
{
	char *slow[] = {"sleep", "30", NULL};
	double t0 = now_mono();

	ck_assert_int_eq(run_argv(slow, 0.3, NULL), -1);
	ck_assert_double_lt(now_mono() - t0, 5);
	ck_assert_msg(strstr(err_msg(), "sleep did not finish within"), "%s", err_msg());
}
END_TEST

START_TEST(spawn_in_a_missing_namespace_fails_before_forking)
{
	char *argv[] = {"true", NULL};
	struct spawn_opts o = {.netns = "iputstorm-no-such-netns"};

	ck_assert_int_eq(spawn(argv, &o), -1);
	ck_assert_msg(strstr(err_msg(), "/run/netns/iputstorm-no-such-netns"), "%s", err_msg());
}
END_TEST

START_TEST(a_zeroed_spawn_opts_runs_in_our_namespace_with_dev_null_stdin)
{
	char *argv[] = {"sh", "-c", "cat; readlink /proc/self/ns/net", NULL};
	_cleanup_free_ char *out = NULL;
	char ours[128];
	ssize_t n = readlink("/proc/self/ns/net", ours, sizeof(ours) - 1);

	ck_assert_int_gt(n, 0);
	ours[n] = '\0';
	ck_assert_int_eq(run_capture(argv, 10, &out), 0);
	ck_assert_str_eq(str_strip(out), ours);
}
END_TEST

static struct strv got;

static void collect(const char *line, void *ctx)
{
	strv_push(&got, line);
}

START_TEST(line_splitter_joins_chunks_and_strips_cr_and_nul)
{
	struct line_splitter ls = {.max_line = 8};

	ls_feed(&ls, "ab", 2, collect, NULL);
	ls_feed(&ls, "c\r\nd\0e\n0123456789abc\nlast", 25, collect, NULL);
	ls_flush(&ls, collect, NULL);
	ck_assert_uint_eq(got.n, 4);
	ck_assert_str_eq(got.v[0], "abc");
	ck_assert_str_eq(got.v[1], "de");
	ck_assert_str_eq(got.v[2], "01234567");
	ck_assert_str_eq(got.v[3], "last");
	ls_release(&ls);
	strv_release(&got);
}
END_TEST

static int on_ini(const struct ini_item *it, void *ctx)
{
	struct strbuf *sb = ctx;

	sb_printf(sb, "%d:%c:%s:%s=%s|", it->line, "SKC"[it->kind], it -> section,
		  it -> key ? it -> key : "", it->value ? it->value : "");
	return 0;
}

START_TEST(ini_reads_sections_keys_continuations_and_comments)
{
	static const char text[] = "; top\n[a]\nx = 1 ; why\ny: two words\n  more\n\n# c\n[b]\n"
				   "z =\n";
	_cleanup_strbuf_ struct strbuf sb = {0};

	ck_assert_int_eq(ini_parse(text, strlen(text), "t.ini", on_ini, &sb), 0);
	ck_assert_str_eq(sb.buf, "2:S:a:=|3:K:a:x=1|4:K:a:y=two words|5:C:a:y=more|8:S:b:=|"
				 "9:K:b:z=|");
}
END_TEST

START_TEST(ini_refuses_nul_bytes_control_characters_and_bad_utf8_with_the_line)
{
	static const struct {
		const char *text;
		size_t len;
		const char *err;
	} bad[] = {
		{"[a]\nx = 3\0 0000\n", 15, "t.ini:2: a NUL byte"},
		{"[a]\nx = \x1b[31mred\n", 16, "t.ini:2: not UTF-8 text, or a control character"},
		{"[a]\nd = caf\xc3\n", 12, "t.ini:2: not UTF-8"},
		{"[a\n", 3, "t.ini:1: '[' without ']'"},
		{"[a]\nno separator\n", 17, "t.ini:2: not a `key = value` line"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_strbuf_ struct strbuf sb = {0};

		ck_assert_int_eq(ini_parse(bad[i].text, bad[i].len, "t.ini", on_ini, &sb), -1);
		ck_assert_msg(strstr(err_msg(), bad[i].err), "case %zu: %s", i, err_msg());
	}
	ck_assert(text_is_clean("d\xc3\xa9j\xc3\xa0 vu\t", 10));
}
END_TEST

START_TEST(ini_reads_a_long_line_whole)
{
	size_t n = 8 << 20;
	_cleanup_free_ char *text = xmalloc(n + 16);
	_cleanup_strbuf_ struct strbuf sb = {0};

	memcpy(text, "[a]\nv = ", 8);
	memset(text + 8, 'x', n);
	ck_assert_int_eq(ini_parse(text, n + 8, "t.ini", on_ini, &sb), 0);
	ck_assert_uint_eq(sb.len, n + strlen("1:S:a:=|2:K:a:v=|"));
}
END_TEST

struct opts_seen {
	struct strv seen;
};

static int on_opt(int id, const char *arg, void *ctx)
{
	struct opts_seen *o = ctx;

	if (id == 'n' && strcmp(arg, "3"))
		return err_set("-n takes 3 here, not '%s'", arg);
	strv_pushf(&o->seen, "%d=%s", id, arg ? arg : "");
	return 0;
}

static const struct opt test_opts[] = {
	{'n', "trials", "N", "trials"},
	{300, "fast", NULL, "a flag"},
	{0},
};

static const struct cmd_spec test_spec = {
	.name = "t", .usage = "[-n N] X", .summary = "test", .opts = test_opts};

START_TEST(options_come_from_the_table_and_errors_say_which)
{
	char *ok[] = {"t", "-n", "3", "--fast", "x", NULL};
	char *unknown[] = {"t", "--slow", NULL};
	char *bad[] = {"t", "--trials=4", NULL};
	struct opts_seen o = {0};

	ck_assert_int_eq(opt_parse(&test_spec, 5, ok, on_opt, &o), 4);
	ck_assert_str_eq(o.seen.v[0], "110=3");
	ck_assert_str_eq(o.seen.v[1], "300=");
	ck_assert_int_eq(opt_parse(&test_spec, 2, unknown, on_opt, &o), -1);
	ck_assert_int_eq(opt_parse(&test_spec, 2, bad, on_opt, &o), -1);
	ck_assert_msg(strstr(err_msg(), "-n takes 3 here, not '4'"), "%s", err_msg());
	strv_release(&o.seen);
}
END_TEST

/* As git and most GNU tools: options after operands, "--" ends them, --json anywhere. */
START_TEST(options_may_follow_operands_until_a_double_dash)
{
	char *late[] = {"t", "x", "-n", "3", "y", "--fast", NULL};
	char *dash[] = {"t", "--", "--fast", "-n", NULL};
	char *json[] = {"t", "x", "--json", NULL};
	struct opts_seen o = {0};
	int first;

	first = opt_parse(&test_spec, 6, late, on_opt, &o);
	ck_assert_int_eq(first, 4);
	ck_assert_str_eq(late[first], "x");
	ck_assert_str_eq(late[first + 1], "y");
	ck_assert_uint_eq(o.seen.n, 2);
	strv_release(&o.seen);
	first = opt_parse(&test_spec, 4, dash, on_opt, &o);
	ck_assert_int_eq(first, 2);
	ck_assert_str_eq(dash[first], "--fast");
	ck_assert_uint_eq(o.seen.n, 0);
	json_output = false;
	first = opt_parse(&test_spec, 3, json, on_opt, &o);
	ck_assert_int_eq(first, 2);
	ck_assert(json_output);
	json_output = false;
	strv_release(&o.seen);
}
END_TEST

START_TEST(the_first_error_survives_a_failing_cleanup)
{
	err_set("the real cause");
	err_keep(err_set("a cleanup complaint"));
	ck_assert_str_eq(err_msg(), "the real cause");
	err_prefix("context");
	ck_assert_str_eq(err_msg(), "context: the real cause");
}
END_TEST

START_TEST(json_save_replaces_a_file_whole)
{
	_cleanup_free_ char *p = test_path("x.json"), *back = NULL;
	_cleanup_json_ json_t *j = json_pack("{s:i, s:s}", "b", 2, "a", "é");

	ck_assert_int_eq(json_save(p, j), 0);
	back = read_file(p, NULL);
	ck_assert_str_eq(back, "{\n  \"b\": 2,\n  \"a\": \"é\"\n}");
	ck_assert_int_eq(json_save("/nonexistent-dir/x.json", j), -1);
	ck_assert_msg(strstr(err_msg(), "cannot write /nonexistent-dir/x.json"), "%s", err_msg());
}
END_TEST

START_TEST(files_and_paths_behave_as_named)
{
	_cleanup_free_ char *deep = test_path("a/b/c"), *f = test_path("a/b/c/f");
	_cleanup_free_ char *d = dir_of("/x/y/z"), *r = dir_of("/z"), *dot = dir_of("z");
	_cleanup_free_ char *j = path_join("/a/", "b"), *abs = path_join("/a", "/b");
	char buf[16];

	ck_assert_int_eq(mkdir_p(deep, 0755), 0);
	ck_assert_int_eq(write_file(f, "12 \n", 4), 0);
	ck_assert_int_eq(read_file_trim(f, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "12");
	ck_assert_int_eq(rm_rf(test_dir), 0);
	ck_assert(!path_exists(test_dir));
	ck_assert_str_eq(d, "/x/y");
	ck_assert_str_eq(r, "/");
	ck_assert_str_eq(dot, ".");
	ck_assert_str_eq(base_of("/x/y/z.ini"), "z.ini");
	ck_assert_str_eq(j, "/a/b");
	ck_assert_str_eq(abs, "/b");
}
END_TEST

START_TEST(proc_alive_tells_a_process_by_its_start_time)
{
	pid_t pid = fork();
	unsigned long long st;
	int status;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	st = proc_starttime(pid);
	ck_assert_uint_gt(st, 0);
	ck_assert(proc_alive(pid, st));
	ck_assert(!proc_alive(pid, st + 1));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert(!proc_alive(pid, st));
}
END_TEST

/* An empty file once read as a failure, and the caller printed a stale errno. */
START_TEST(an_empty_file_reads_as_an_empty_string)
{
	char path[] = "/tmp/iputstorm-empty.XXXXXX";
	int fd = mkstemp(path);
	size_t len = 99;
	_cleanup_free_ char *s = NULL;

	ck_assert_int_ge(fd, 0);
	close(fd);
	s = read_file(path, &len);
	unlink(path);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(the_random_stream_replays_from_its_seed_and_stays_in_range)
{
	uint64_t a = 12345, b = 12345;
	unsigned seen[7] = {0};

	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_next(&a), rng_next(&b));
	for (int i = 0; i < 7000; i++)
		seen[rng_pick(&a, 7)]++;
	for (int i = 0; i < 7; i++)
		ck_assert_msg(seen[i] > 800 && seen[i] < 1200, "value %d drawn %u times", i,
			      seen[i]);
	ck_assert_uint_eq(rng_pick(&a, 0), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("lib");
	TCase *tc = tcase_create("lib");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, strbuf_grows_and_detaches_a_terminated_string);
	tcase_add_test(tc, strv_splits_on_blanks_without_quoting_and_stays_null_terminated);
	tcase_add_test(tc, values_parse_with_their_units_and_refuse_the_rest);
	tcase_add_test(tc, run_capture_returns_output_and_names_a_failure);
	tcase_add_test(tc, run_argv_kills_a_child_past_its_timeout);
	tcase_add_test(tc, spawn_in_a_missing_namespace_fails_before_forking);
	tcase_add_test(tc, a_zeroed_spawn_opts_runs_in_our_namespace_with_dev_null_stdin);
	tcase_add_test(tc, line_splitter_joins_chunks_and_strips_cr_and_nul);
	tcase_add_test(tc, ini_reads_sections_keys_continuations_and_comments);
	tcase_add_test(tc, ini_refuses_nul_bytes_control_characters_and_bad_utf8_with_the_line);
	tcase_add_test(tc, ini_reads_a_long_line_whole);
	tcase_add_test(tc, options_come_from_the_table_and_errors_say_which);
	tcase_add_test(tc, options_may_follow_operands_until_a_double_dash);
	tcase_add_test(tc, the_first_error_survives_a_failing_cleanup);
	tcase_add_test(tc, json_save_replaces_a_file_whole);
	tcase_add_test(tc, files_and_paths_behave_as_named);
	tcase_add_test(tc, proc_alive_tells_a_process_by_its_start_time);
	tcase_add_test(tc, an_empty_file_reads_as_an_empty_string);
	tcase_add_test(tc, the_random_stream_replays_from_its_seed_and_stays_in_range);
	suite_add_tcase(su, tc);
	return su;
}
