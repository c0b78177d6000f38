// SPDX-License-Identifier: GPL-2.0
/* The self-checking data: its pattern, and both churners on a local filesystem. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "guest/verify.h"
#include "lib/base.h"

static char dir[] = "/tmp/iputstorm-verify-XXXXXX";
static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/iputstorm-verify-XXXXXX");
}

START_TEST(a_block_checks_itself_and_names_its_place)
{
	uint8_t b[VBLOCK];

	vblock_fill(b, 7, 3, 42);
	ck_assert_int_eq(vblock_diff(b, 7, 3, 42), -1);
	ck_assert_int_eq(vblock_gen(b, 7, 3), 42);
	/* The same bytes are wrong anywhere else, and in another generation. */
	ck_assert_int_eq(vblock_gen(b, 7, 4), -1);
	ck_assert_int_eq(vblock_gen(b, 8, 3), -1);
	ck_assert_int_eq(vblock_diff(b, 7, 3, 41), 12);
	b[300] ^= 1;
	ck_assert_int_eq(vblock_diff(b, 7, 3, 42), 300);
	ck_assert_int_eq(vblock_gen(b, 7, 3), -1);
	vblock_fill(b, 7, 3, 0);
	ck_assert_int_eq(vblock_gen(b, 7, 3), 0);
	b[511] = 1;
	ck_assert_int_eq(vblock_gen(b, 7, 3), -1);
}
END_TEST

START_TEST(hex_shows_the_bytes_in_order)
{
	const uint8_t p[] = {0x00, 0x5a, 0xff};
	char out[7];

	vhex(p, sizeof(p), out);
	ck_assert_str_eq(out, "005aff");
}
END_TEST

enum which { WRITER, READER, APPENDER, RESIZER };

/* Runs a churner in a child for secs seconds; returns its exit status. */
static int run_churner(enum which which, double secs, const char *report)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct verify_opts o = {.files = 4,
					.pages = 4,
					.instance = 0,
					.client = 1,
					.seed = 12345,
					.report_path = report,
					.peer_dir = dir, /* one filesystem seen twice */
					.stopping = &stop};
		struct itimerval it = {.it_value = {.tv_sec = (long)secs,
						    .tv_usec = (long)((secs - (long)secs) * 1e6)}};

		signal(SIGALRM, on_alarm);
		if (chdir(dir) < 0)
			_exit(99);
		setitimer(ITIMER_REAL, &it, NULL);
		_exit(which == READER	  ? verify_reader_run(&o)
		      : which == APPENDER ? verify_append_run(&o)
		      : which == RESIZER  ? verify_resize_run(&o)
					  : verify_writer_run(&o));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static json_t *load_report(const char *path)
{
	json_t *r = json_load_file(path, 0, NULL);

	ck_assert_msg(r, "no report at %s", path);
	return r;
}

START_TEST(the_writer_reads_back_every_operation_it_made)
{
	_cleanup_free_ char *rep = xasprintf("%s/w.json", dir);
	json_t *r;

	ck_assert_int_eq(run_churner(WRITER, 1.5, rep), 0);
	r = load_report(rep);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "mismatches")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "operations")), 50);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "verified_bytes")), 4096);
	json_decref(r);
	/* What it left is well-formed for a reader on another client. */
	ck_assert_int_eq(run_churner(READER, 0.5, rep), 0);
	r = load_report(rep);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "verified_bytes")), 0);
	json_decref(r);
}
END_TEST

START_TEST(the_reader_names_a_flipped_byte_with_its_offset_and_bytes)
{
	_cleanup_free_ char *rep = xasprintf("%s/r.json", dir);
	_cleanup_free_ char *file = xasprintf("%s/v-1-0-2", dir);
	uint8_t blocks[4 * VBLOCK];
	json_t *r, *first;
	int fd;

	for (uint32_t b = 0; b < 4; b++)
		vblock_fill(blocks + b * VBLOCK, 1u << 24 | 2, b, 5);
	blocks[2 * VBLOCK + 100] ^= 0x5a;
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(write(fd, blocks, sizeof(blocks)), sizeof(blocks));
	close(fd);
	ck_assert_int_eq(run_churner(READER, 10, rep), VERIFY_EXIT_CORRUPT);
	r = load_report(rep);
	first = json_object_get(r, "first");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "mismatches")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(first, "file")), "v-1-0-2");
	ck_assert_int_eq(json_integer_value(json_object_get(first, "offset")), 2 * VBLOCK + 100);
	ck_assert_int_eq(strlen(json_string_value(json_object_get(first, "expected"))),
			 2 * VHEX_BYTES);
	/* The first byte shown is the flipped one. */
	{
		char e[3] = {0}, f[3] = {0};

		memcpy(e, json_string_value(json_object_get(first, "expected")), 2);
		memcpy(f, json_string_value(json_object_get(first, "found")), 2);
		ck_assert_int_eq(strtol(e, NULL, 16) ^ strtol(f, NULL, 16), 0x5a);
	}
	json_decref(r);
}
END_TEST

START_TEST(an_append_through_the_other_path_reads_back_exactly)
{
	_cleanup_free_ char *rep = xasprintf("%s/a.json", dir);
	json_t *r;

	ck_assert_int_eq(run_churner(APPENDER, 1, rep), 0);
	r = load_report(rep);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "mismatches")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "operations")), 10);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "verified_bytes")), 0);
	json_decref(r);
}
END_TEST

START_TEST(a_file_grown_shrunk_and_grown_again_reads_zeros_at_its_end)
{
	_cleanup_free_ char *rep = xasprintf("%s/z.json", dir);
	_cleanup_free_ char *model = xasprintf("%s/z.json.model", dir);
	json_t *r, *m, *f;

	ck_assert_int_eq(run_churner(RESIZER, 1, rep), 0);
	r = load_report(rep);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "mismatches")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "operations")), 4);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "verified_bytes")), 0);
	json_decref(r);
	/* The model it leaves: a full-size file whose last quarter is zeros. */
	m = load_report(model);
	f = json_array_get(json_object_get(m, "files"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(f, "gens")), 4 * 2 * 8);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(f, "gens"), 63)), 0);
	ck_assert_int_gt(json_integer_value(json_array_get(json_object_get(f, "gens"), 0)), 0);
	json_decref(m);
}
END_TEST

/* Until killed: spoils the first bytes of every file the writer made, on disk. */
static void spoil_the_writers_files(void)
{
	for (;;) {
		for (int k = 0; k < 4; k++) {
			_cleanup_free_ char *f = xasprintf("%s/v-1-0-%d", dir, k);
			int fd = open(f, O_WRONLY);

			if (fd >= 0) {
				if (pwrite(fd, "\xff\xff", 2, 20) < 0)
					_exit(1);
				close(fd);
			}
		}
		usleep(20000);
	}
}

START_TEST(a_wrong_block_read_through_the_cache_is_looked_up_on_disk_too)
{
	_cleanup_free_ char *rep = xasprintf("%s/w.json", dir);
	pid_t spoiler = fork();
	json_t *r, *first;
	const char *how, *osd;

	ck_assert_int_ge(spoiler, 0);
	if (!spoiler)
		spoil_the_writers_files();
	ck_assert_int_eq(run_churner(WRITER, 10, rep), VERIFY_EXIT_CORRUPT);
	kill(spoiler, SIGKILL);
	waitpid(spoiler, NULL, 0);
	r = load_report(rep);
	first = json_object_get(r, "first");
	how = json_string_value(json_object_get(first, "how"));
	osd = json_string_value(json_object_get(first, "osd_copy"));
	ck_assert_ptr_nonnull(how);
	/* Spoiled on disk: after fsync, an O_DIRECT read finds it spoiled too. */
	ck_assert_str_eq(osd ?: "(none)", "wrong");
	json_decref(r);
}
END_TEST

/* The first file of the model that holds data, and its first block's offset. */
static const char *a_written_file(json_t *model)
{
	json_t *f;
	size_t i;

	json_array_foreach (json_object_get(model, "files"), i, f)
		if (json_array_size(json_object_get(f, "gens")))
			return json_string_value(json_object_get(f, "name"));
	return NULL;
}

START_TEST(the_check_after_remount_finds_the_files_moved_and_a_flipped_byte)
{
	_cleanup_free_ char *rep = xasprintf("%s/w.json", dir);
	_cleanup_free_ char *moved = xasprintf("%s.b", dir);
	_cleanup_free_ char *model = xasprintf("%s/w.json.model", moved);
	_cleanup_free_ char *out = xasprintf("%s/remount.json", moved);
	_cleanup_free_ char *victim = NULL;
	const char *name;
	json_t *m, *r;
	int fd;

	ck_assert_int_eq(run_churner(WRITER, 1, rep), 0);
	/* The same files under another mount point, as after the remount. */
	ck_assert_int_eq(rename(dir, moved), 0);
	ck_assert_int_eq(verify_recheck(model, dir, moved, out), 0);
	r = load_report(out);
	ck_assert_str_eq(json_string_value(json_object_get(r, "kind")), "remount");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "mismatches")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(r, "verified_bytes")), 0);
	json_decref(r);

	m = load_report(model);
	name = a_written_file(m);
	ck_assert_ptr_nonnull(name);
	victim = xasprintf("%s/%s", moved, name);
	json_decref(m);
	fd = open(victim, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "\xff\xff", 2, 20), 2);
	close(fd);
	ck_assert_int_eq(verify_recheck(model, dir, moved, out), VERIFY_EXIT_CORRUPT);
	r = load_report(out);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "mismatches")), 1);
	ck_assert_ptr_nonnull(
		strstr(json_string_value(json_object_get(json_object_get(r, "first"), "how")),
		       "mounting again"));
	json_decref(r);
	/* A file that is gone after the remount is data lost, not a skipped check. */
	ck_assert_int_eq(unlink(victim), 0);
	ck_assert_int_eq(verify_recheck(model, dir, moved, out), VERIFY_EXIT_CORRUPT);
	r = load_report(out);
	ck_assert_ptr_nonnull(
		strstr(json_string_value(json_object_get(json_object_get(r, "first"), "how")),
		       "file gone"));
	json_decref(r);
	/* A model of another place is refused with its reason, not taken as a pass. */
	ck_assert_int_eq(verify_recheck(model, "/elsewhere", moved, out), 1);
	r = load_report(out);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "error")));
	json_decref(r);
	ck_assert_int_eq(rename(moved, dir), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("verify");
	TCase *tc = tcase_create("verify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_block_checks_itself_and_names_its_place);
	tcase_add_test(tc, hex_shows_the_bytes_in_order);
	tcase_add_test(tc, the_writer_reads_back_every_operation_it_made);
	tcase_add_test(tc, the_reader_names_a_flipped_byte_with_its_offset_and_bytes);
	tcase_add_test(tc, an_append_through_the_other_path_reads_back_exactly);
	tcase_add_test(tc, the_check_after_remount_finds_the_files_moved_and_a_flipped_byte);
	tcase_add_test(tc, a_wrong_block_read_through_the_cache_is_looked_up_on_disk_too);
	tcase_add_test(tc, a_file_grown_shrunk_and_grown_again_reads_zeros_at_its_end);
	suite_add_tcase(su, tc);
	return su;
}
