// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klog.h"
#include "output.h"
#include "signature.h"
#include "util.h"

static struct sigset set;

static void setup(void)
{
	setenv("IPUTSTORM_DATADIR", IPUTSTORM_SOURCE_DIR, 1);
	ck_assert_msg(sigset_load(&set, NULL) == 0, "shipped signatures: %s", err_msg());
}

static void teardown(void)
{
	sigset_free(&set);
}

static void on_report(struct kreport *r, void *ctx)
{
	json_array_append_new(ctx, kreport_json(r));
	kreport_free(r);
}

/* Blocked tasks out of a log file, as triage and the trial see them. */
static json_t *tasks_of(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/klog/%s", TEST_DATA_DIR, name);
	_cleanup_free_ char *text = read_file(p, NULL);
	json_t *reports = json_array(), *tasks = json_array();
	struct klog_parser kp;
	char *save = NULL;

	ck_assert_msg(text, "cannot read %s", p);
	klog_init(&kp, on_report, reports);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		klog_feed(&kp, l);
	klog_finish(&kp);
	sig_collect_reports(reports, tasks);
	json_decref(reports);
	return tasks;
}

static json_t *analyse(const char *name)
{
	json_t *tasks = tasks_of(name), *a = sig_analyse(&set, tasks);

	json_decref(tasks);
	return a;
}

static const char *root_field(json_t *a, const char *key)
{
	return json_string_value(json_object_get(json_object_get(a, "root"), key));
}

START_TEST(flusher_is_the_root_and_the_msgr_lookup_a_victim)
{
	json_t *a = analyse("console-6.12-writeback-hang.log");
	json_t *hangs = json_object_get(a, "hangs");

	ck_assert_str_eq(root_field(a, "signature"), "ceph-writeback-iput");
	ck_assert_str_eq(root_field(a, "title"), "task hung in evict");
	ck_assert_str_eq(json_string_value(json_object_get(a, "reproducer")), "writeback-iput-fi");
	ck_assert_uint_eq(json_array_size(hangs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(hangs, 1), "signature")),
			 "ceph-msgr-wait-freeing-inode");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(hangs, 1), "role")),
			 "victim");
	json_decref(a);
}
END_TEST

START_TEST(sysrq_dump_and_hung_report_of_one_task_are_one_hang)
{
	json_t *a = analyse("sysrq-w.log");

	ck_assert_uint_eq(json_array_size(json_object_get(a, "hangs")), 1);
	ck_assert_str_eq(root_field(a, "signature"), "ceph-writeback-iput");
	json_decref(a);
}
END_TEST

START_TEST(msgr_truncate_on_6_1_from_journalctl)
{
	json_t *a = analyse("journal-6.1-msgr-truncate.log");

	ck_assert_str_eq(root_field(a, "signature"), "ceph-msgr-evict-truncate");
	ck_assert_str_eq(root_field(a, "title"), "task hung in truncate_inode_pages_range");
	json_decref(a);
}
END_TEST

START_TEST(msgr_netfs_wait_inlined_into_ceph_evict_inode)
{
	json_t *a = analyse("caller-id.log");

	ck_assert_str_eq(root_field(a, "signature"), "ceph-msgr-evict-netfs");
	json_decref(a);
}
END_TEST

START_TEST(unrelated_hangs_get_syzbot_titles_and_no_signature)
{
	json_t *a = analyse("journal-jbd2-khugepaged.log");
	json_t *h0 = json_array_get(json_object_get(a, "hangs"), 0);

	ck_assert(json_is_null(json_object_get(h0, "signature")));
	ck_assert_str_eq(json_string_value(json_object_get(h0, "title")),
			 "task hung in jbd2_journal_commit_transaction");
	ck_assert_uint_eq(json_array_size(json_object_get(a, "signatures")), 0);
	ck_assert(json_is_null(json_object_get(a, "reproducer")));
	ck_assert_str_eq(root_field(a, "task"), "jbd2/sda1-8");
	json_decref(a);
}
END_TEST

static int load_text(const char *text, struct sigset *s)
{
	char path[] = "/tmp/iputstorm-sig.XXXXXX";
	int fd = mkstemp(path), r;

	ck_assert(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	r = sigset_load(s, path);
	unlink(path);
	return r;
}

START_TEST(bad_signature_files_say_file_and_line)
{
	struct sigset s;

	ck_assert_int_eq(load_text("[a]\nframes = evict\nrole = boss\n", &s), -1);
	ck_assert_msg(strstr(err_msg(), ":3: role must be root or victim"), "%s", err_msg());
	sigset_free(&s);
	ck_assert_int_eq(load_text("[a]\nframes = evict\nframe = x\n", &s), -1);
	ck_assert_msg(strstr(err_msg(), ":3: unknown key 'frame'"), "%s", err_msg());
	sigset_free(&s);
	ck_assert_int_eq(load_text("[a]\nrole = root\n", &s), -1);
	ck_assert_msg(strstr(err_msg(), ":2: [a] needs frames"), "%s", err_msg());
	sigset_free(&s);
}
END_TEST

static Suite *signature_suite(void)
{
	Suite *su = suite_create("signature");
	TCase *tc = tcase_create("signature");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, flusher_is_the_root_and_the_msgr_lookup_a_victim);
	tcase_add_test(tc, sysrq_dump_and_hung_report_of_one_task_are_one_hang);
	tcase_add_test(tc, msgr_truncate_on_6_1_from_journalctl);
	tcase_add_test(tc, msgr_netfs_wait_inlined_into_ceph_evict_inode);
	tcase_add_test(tc, unrelated_hangs_get_syzbot_titles_and_no_signature);
	tcase_add_test(tc, bad_signature_files_say_file_and_line);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(signature_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
