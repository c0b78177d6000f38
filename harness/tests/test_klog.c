// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "model/bounded.h"
#include "model/klog.h"

struct collected {
	struct kreport *r[32];
	int n;
};

static void collect(struct kreport *r, void *ctx)
{
	struct collected *c = ctx;

	if (c->n < 32)
		c->r[c->n++] = r;
	else
		kreport_free(r);
}

static struct collected parse(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/klog/%s", TEST_DATA_DIR, name);
	_cleanup_free_ char *text = read_file(p, NULL);
	struct collected c = {.n = 0};
	struct klog_parser kp;
	char *save = NULL;

	ck_assert_msg(text, "cannot read %s", p);
	klog_init(&kp, collect, &c);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		klog_feed(&kp, l);
	klog_finish(&kp);
	return c;
}

static void release(struct collected *c)
{
	for (int i = 0; i < c->n; i++)
		kreport_free(c->r[i]);
}

static void assert_title(const struct kreport *r, const char *want)
{
	_cleanup_free_ char *t = kreport_title(r);

	ck_assert_str_eq(t, want);
}

START_TEST(console_hung_task_has_task_workqueue_and_stack)
{
	struct collected c = parse("console-6.12-writeback-hang.log");
	struct kreport *r;

	ck_assert_int_eq(c.n, 2);
	r = c.r[0];
	ck_assert_int_eq(r->kind, KR_HUNG_TASK);
	ck_assert_str_eq(r->task, "kworker/u8:3");
	ck_assert_int_eq(r->pid, 58);
	ck_assert_int_eq(r->state, 'D');
	ck_assert_int_eq(r->blocked_secs, 30);
	ck_assert_str_eq(r->workqueue, "writeback");
	ck_assert_str_eq(r->work_fn, "wb_workfn");
	ck_assert_str_eq(r->work_desc, "flush-ceph-1");
	ck_assert_double_eq_tol(r->ts, 71.552913, 1e-6);
	ck_assert_str_eq(r->frames[2].fn, "inode_wait_for_writeback");
	ck_assert(r->frames[3].unreliable);
	ck_assert_str_eq(r->frames[5].fn, "ceph_put_wrbuffer_cap_refs");
	ck_assert_str_eq(r->frames[5].module, "ceph");
	ck_assert_ptr_null(r->frames[4].module);
	assert_title(r, "task hung in evict");
	release(&c);
}
END_TEST

/* Both reports of console-6.12-writeback-hang.log, whole, whatever surrounds their lines. */
static void assert_both_writeback_reports(struct collected *c)
{
	ck_assert_int_eq(c->n, 2);
	ck_assert_str_eq(c->r[0]->task, "kworker/u8:3");
	ck_assert_int_eq(c->r[0]->nframes, 23);
	ck_assert_str_eq(c->r[0]->work_desc, "flush-ceph-1");
	assert_title(c->r[0], "task hung in evict");
	ck_assert_str_eq(c->r[1]->task, "kworker/0:2");
	ck_assert_int_eq(c->r[1]->nframes, 21);
	ck_assert_str_eq(c->r[1]->workqueue, "ceph-msgr");
	assert_title(c->r[1], "task hung in find_inode");
}

START_TEST(lines_of_other_subsystems_inside_a_trace_are_skipped)
{
	struct collected c = parse("console-6.12-lines-inside-traces.log");

	assert_both_writeback_reports(&c);
	release(&c);
}
END_TEST

START_TEST(interleaved_traces_are_kept_apart_by_their_caller_ids)
{
	struct collected c = parse("console-6.12-interleaved-callers.log");

	/* Each report ends at its own </TASK>: the shorter trace comes out first. */
	ck_assert_int_eq(c.n, 2);
	if (c.r[0]->pid == 77) {
		struct kreport *t = c.r[0];

		c.r[0] = c.r[1];
		c.r[1] = t;
	}
	assert_both_writeback_reports(&c);
	ck_assert_int_eq(c.r[0]->pid, 58);
	ck_assert_int_eq(c.r[1]->pid, 77);
	release(&c);
}
END_TEST

START_TEST(a_task_name_cut_inside_a_utf8_character_is_escaped_not_lost)
{
	struct klog_parser kp;
	struct collected c = {.n = 0};
	_cleanup_free_ char *path = test_data("klog/journal-6.12-msgr-netfs.log");
	_cleanup_free_ char *text = read_file(path, NULL);
	char *save = NULL;

	ck_assert_ptr_nonnull(text);
	klog_init(&kp, collect, &c);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		/* The kernel cuts comm at 15 bytes: "é" loses its second byte. */
		_cleanup_free_ char *bad = NULL;
		char *at = strstr(l, "kworker/1:1");

		if (at)
			bad = xasprintf("%.*saaaaaaaaaaaaaa\xc3%s", (int)(at - l), l, at + 11);
		klog_feed(&kp, bad ? bad : l);
	}
	klog_finish(&kp);
	ck_assert_int_ge(c.n, 1);
	ck_assert_int_eq(c.r[0]->kind, KR_HUNG_TASK);
	ck_assert_str_eq(c.r[0]->task, "aaaaaaaaaaaaaa\\xc3");
	ck_assert_int_gt(c.r[0]->nframes, 3);
	{
		json_t *j = kreport_json(c.r[0]);

		ck_assert_str_eq(json_string_value(json_object_get(j, "task")),
				 "aaaaaaaaaaaaaa\\xc3");
		json_decref(j);
	}
	release(&c);
}
END_TEST

/* Our module says when it injects, so a log shows a provoked hang for what it is. */
START_TEST(an_injection_line_is_a_report_of_its_own)
{
	struct collected c = parse("console-6.12-injected.log");

	ck_assert_int_eq(c.n, 3);
	ck_assert_int_eq(c.r[0]->kind, KR_INJECTED);
	ck_assert_str_eq(kr_kind_name(c.r[0]->kind), "injected");
	assert_title(c.r[0], "fault injection: lost truncate of inode 1099511627776");
	ck_assert(!kreport_is_hang(c.r[0]) && !kreport_is_crash(c.r[0]));
	ck_assert_int_eq(c.r[1]->kind, KR_HUNG_TASK);
	release(&c);
}
END_TEST

START_TEST(the_modules_cycle_line_names_the_task_to_confirm)
{
	struct collected c = {.n = 0};
	struct klog_parser kp;

	klog_init(&kp, collect, &c);
	klog_feed(&kp, "[   12.345678] iputstorm_inject: cycle closed: evict() of ceph inode "
		       "1099511627776 in writeback while I_SYNC is set (kworker/u8:2/123): the "
		       "writeback deadlock");
	klog_feed(&kp, "[   12.4] iputstorm_inject: cycle closed: no task named here");
	klog_finish(&kp);
	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(c.r[0]->kind, KR_CYCLE);
	ck_assert_str_eq(kr_kind_name(c.r[0]->kind), "cycle");
	ck_assert_str_eq(c.r[0]->task, "kworker/u8:2");
	ck_assert_int_eq(c.r[0]->pid, 123);
	assert_title(c.r[0],
		     "deadlock cycle closed in kworker/u8:2: evict() waits for its own I_SYNC");
	/* Not a hang by itself: the watchdog must confirm the task. */
	ck_assert(!kreport_is_hang(c.r[0]) && !kreport_is_crash(c.r[0]));
	ck_assert_int_eq(c.r[1]->kind, KR_CYCLE);
	ck_assert_ptr_null(c.r[1]->task);
	ck_assert_int_le(c.r[1]->pid, 0);
	release(&c);
}
END_TEST

START_TEST(the_kernel_release_comes_from_the_tainted_line)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[   71.5] CPU: 1 PID: 7 Comm: kworker/u8:2 Not tainted 6.12.117+deb12-amd64 #1 "
		 "Debian 6.12.117-1~deb12u1\n",
		 "6.12.117+deb12-amd64"},
		{"Nov 22 07:58:11 node7 kernel:       Tainted: G            E      6.1.0-57-amd64 "
		 "#1 "
		 "Debian 6.1.192-3\n",
		 "6.1.0-57-amd64"},
		/* The flags' legend line names no release; the next line does. */
		{"[   13.9] Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE\n[   14.0] CPU: 0 UID: 0 "
		 "PID: 1 Comm: init Tainted: G  OE  7.3.4+deb13-amd64 #1 Debian\n",
		 "7.3.4+deb13-amd64"},
		{"no report here\nNot tainted\n", NULL},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = klog_kernel_release(cases[i].text);

		if (cases[i].want)
			ck_assert_str_eq(got, cases[i].want);
		else
			ck_assert_ptr_null(got);
	}
}
END_TEST

START_TEST(second_report_in_a_row_is_separate)
{
	struct collected c = parse("console-6.12-writeback-hang.log");

	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.r[1]->task, "kworker/0:2");
	ck_assert_str_eq(c.r[1]->workqueue, "ceph-msgr");
	ck_assert_str_eq(c.r[1]->work_fn, "ceph_con_workfn");
	ck_assert_ptr_null(c.r[1]->work_desc);
	assert_title(c.r[1], "task hung in find_inode");
	release(&c);
}
END_TEST

START_TEST(dmesg_without_timestamps_and_6_1_task_line)
{
	struct collected c = parse("dmesg-6.1-no-timestamps.log");

	ck_assert_int_eq(c.n, 1);
	ck_assert_double_eq(c.r[0]->ts, -1);
	ck_assert_int_eq(c.r[0]->pid, 41);
	ck_assert_int_eq(c.r[0]->blocked_secs, 120);
	ck_assert_uint_eq(c.r[0]->nframes, 20);
	assert_title(c.r[0], "task hung in evict");
	release(&c);
}
END_TEST

START_TEST(journalctl_prefix_is_stripped)
{
	struct collected c = parse("journal-jbd2-khugepaged.log");

	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.r[0]->task, "jbd2/sda1-8");
	ck_assert_int_eq(c.r[0]->pid, 412);
	ck_assert_str_eq(c.r[0]->frames[6].module, "jbd2");
	assert_title(c.r[0], "task hung in jbd2_journal_commit_transaction");
	assert_title(c.r[1], "task hung in collapse_huge_page");
	release(&c);
}
END_TEST

START_TEST(kmsg_records_give_hang_and_oom_kill)
{
	struct collected c = parse("kmsg-records.log");

	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(c.r[0]->kind, KR_HUNG_TASK);
	ck_assert_double_eq_tol(c.r[0]->ts, 71.552913, 1e-6);
	assert_title(c.r[0], "task hung in ceph_fsync");
	ck_assert_int_eq(c.r[1]->kind, KR_OOM_KILL);
	ck_assert_int_eq(c.r[1]->pid, 245);
	ck_assert_str_eq(c.r[1]->task, "fio");
	assert_title(c.r[1], "OOM kill of fio");
	release(&c);
}
END_TEST

START_TEST(printk_caller_ids_are_stripped)
{
	struct collected c = parse("caller-id.log");

	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.r[0]->frames[2].module, "netfs");
	assert_title(c.r[0], "task hung in ceph_evict_inode");
	release(&c);
}
END_TEST

/*
 * 7.3's warnings ("WARNING: fs/inode.c:1591 at ihold+0x23/0x30, CPU#0:
 * kworker/u8:2/37"), and a BUG between them: each its own report, and the
 * BUG keeps its own RIP whatever the kernel prints after its trace.
 */
START_TEST(new_style_warnings_and_the_bug_between_them_keep_their_own_rip)
{
	struct collected c = parse("read-retry-7.3.log");
	struct strbuf titles = {0};

	for (int i = 0; i < c.n; i++) {
		_cleanup_free_ char *t = kreport_title(c.r[i]);

		sb_printf(&titles, " [%s]", t);
	}
	ck_assert_msg(c.n == 4, "%d reports:%s", c.n, titles.buf);
	sb_release(&titles);
	ck_assert_int_eq(c.r[0]->kind, KR_WARNING);
	assert_title(c.r[0], "WARNING in ihold");
	ck_assert_str_eq(c.r[0]->task, "kworker/u8:2");
	ck_assert_int_eq(c.r[0]->pid, 37);
	ck_assert_int_eq(c.r[1]->kind, KR_BUG);
	assert_title(c.r[1], "kernel BUG in clear_inode");
	ck_assert_str_eq(c.r[1]->task, "kworker/1:1");
	ck_assert(kreport_is_crash(c.r[1]));
	assert_title(c.r[2], "WARNING in ihold");
	ck_assert_str_eq(c.r[2]->task, "kworker/u8:1");
	assert_title(c.r[3], "WARNING in ihold");
	release(&c);
}
END_TEST

START_TEST(warning_bug_and_panic_are_titled)
{
	struct collected c = parse("crashes.log");

	ck_assert_int_eq(c.n, 3);
	ck_assert_int_eq(c.r[0]->kind, KR_WARNING);
	ck_assert_int_eq(c.r[0]->pid, 233);
	assert_title(c.r[0], "WARNING in ceph_put_wrbuffer_cap_refs");
	ck_assert_int_eq(c.r[1]->kind, KR_BUG);
	ck_assert_str_eq(c.r[1]->task, "kworker/0:2");
	assert_title(c.r[1], "BUG: kernel NULL pointer dereference in ceph_handle_caps");
	ck_assert(kreport_is_crash(c.r[1]));
	ck_assert_int_eq(c.r[2]->kind, KR_PANIC);
	assert_title(c.r[2], "kernel panic: sysrq triggered crash");
	ck_assert(!kreport_is_hang(c.r[0]));
	release(&c);
}
END_TEST

/* A soak run on 6.12 under TCG: a "double fault" whose EFLAGS has reserved bits set. */
START_TEST(an_oops_with_eflags_no_cpu_can_hold_is_marked)
{
	struct collected bad = parse("console-6.12-tcg-double-fault.log");
	struct collected good = parse("console-6.12-double-fault-real-flags.log");

	ck_assert_int_ge(bad.n, 1);
	ck_assert(kreport_is_crash(bad.r[0]));
	ck_assert_msg(strstr(bad.r[0]->headline, "double fault"), "%s", bad.r[0]->headline);
	ck_assert(bad.r[0]->impossible_flags);
	ck_assert_int_ge(good.n, 1);
	ck_assert(!good.r[0]->impossible_flags);
	release(&bad);
	release(&good);
}
END_TEST

/*
 * 7.3's unmount (the path of ceph_kill_sb() in Debian's 7.3.4 source): the
 * hung-task detector fires at 30 s inside a wait the kernel bounds to
 * mount_timeout, then the kernel says the bound passed.
 */
START_TEST(an_unmount_in_its_bounded_wait_and_its_timeout_notice)
{
	struct collected c = parse("umount-bounded-7.3.log");
	const struct bounded_wait *bw;

	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(c.r[0]->kind, KR_HUNG_TASK);
	ck_assert_int_eq(c.r[0]->blocked_secs, 30);
	assert_title(c.r[0], "task hung in ceph_kill_sb");
	bw = bounded_wait_of_report(c.r[0]);
	ck_assert_ptr_nonnull(bw);
	ck_assert_str_eq(bw->culprit, "ceph_kill_sb");
	ck_assert_int_eq(c.r[1]->kind, KR_NOTICE);
	assert_title(c.r[1], "ceph: umount timed out");
	ck_assert(!kreport_is_hang(c.r[1]));
	ck_assert(!kreport_is_crash(c.r[1]));
	ck_assert_str_eq(kr_kind_name(c.r[1]->kind), "notice");
	release(&c);
}
END_TEST

START_TEST(sysrq_dump_keeps_task_states)
{
	struct collected c = parse("sysrq-w.log");

	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(c.r[0]->kind, KR_TASK_DUMP);
	ck_assert(kreport_is_hang(c.r[0]));
	ck_assert_int_eq(c.r[1]->state, 'S');
	ck_assert(!kreport_is_hang(c.r[1]));
	release(&c);
}
END_TEST

static const struct {
	const char *line;
	int ok;
	const char *fn, *mod;
	bool unreliable;
} frames[] = {
	{"[<0>] inode_wait_for_writeback+0x8c/0xd0", 0, "inode_wait_for_writeback", NULL, false},
	{" [<ffffffff81234567>] ? ceph_fsync+0x1/0x2 [ceph]", 0, "ceph_fsync", "ceph", true},
	{" shrink_folio_list.cold+0x5/0x10", 0, "shrink_folio_list.cold", NULL, false},
	{" mds_dispatch+0x5f2/0x1700 [ceph E]", 0, "mds_dispatch", "ceph", false},
	{"RIP: 0033:0x461189", -1, NULL, NULL, false},
	{"Code: 00 49 c7 c0 e0 ff", -1, NULL, NULL, false},
	{" <TASK>", -1, NULL, NULL, false},
};

START_TEST(stack_frame_forms)
{
	struct kframe f;
	int r = parse_frame(frames[_i].line, &f);

	ck_assert_int_eq(r, frames[_i].ok);
	if (r)
		return;
	ck_assert_str_eq(f.fn, frames[_i].fn);
	if (frames[_i].mod)
		ck_assert_str_eq(f.module, frames[_i].mod);
	else
		ck_assert_ptr_null(f.module);
	ck_assert_int_eq(f.unreliable, frames[_i].unreliable);
	free(f.fn);
	free(f.module);
}
END_TEST

static const struct {
	const char *in, *out;
	double ts;
} strips[] = {
	{"[   71.552913] INFO: task x:1 blocked", "INFO: task x:1 blocked", 71.552913},
	{"<3>[    1.5] hi", "hi", 1.5},
	{"6,1204,71554391,-;task:fio", "task:fio", 71.554391},
	{"Nov 21 03:14:07 node7 kernel: hello", "hello", -1},
	{"2026-11-21T03:14:07.123456+00:00 node7 kernel: [ 5.000000] x", "x", 5.0},
	{"kern  :err   : [  2.000000] y", "y", 2.0},
	{"[   12.000001][ T1234]  __schedule+0x1/0x2", " __schedule+0x1/0x2", 12.000001},
	{"plain text [not a ts]", "plain text [not a ts]", -1},
};

START_TEST(known_prefixes_are_stripped)
{
	double ts;
	const char *s = klog_strip(strips[_i].in, &ts);

	ck_assert_str_eq(s, strips[_i].out);
	ck_assert_double_eq_tol(ts, strips[_i].ts, 1e-6);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("klog");
	TCase *tc = tcase_create("reports");

	tcase_add_test(tc, console_hung_task_has_task_workqueue_and_stack);
	tcase_add_test(tc, second_report_in_a_row_is_separate);
	tcase_add_test(tc, dmesg_without_timestamps_and_6_1_task_line);
	tcase_add_test(tc, journalctl_prefix_is_stripped);
	tcase_add_test(tc, kmsg_records_give_hang_and_oom_kill);
	tcase_add_test(tc, printk_caller_ids_are_stripped);
	tcase_add_test(tc, an_oops_with_eflags_no_cpu_can_hold_is_marked);
	tcase_add_test(tc, warning_bug_and_panic_are_titled);
	tcase_add_test(tc, new_style_warnings_and_the_bug_between_them_keep_their_own_rip);
	tcase_add_test(tc, sysrq_dump_keeps_task_states);
	tcase_add_test(tc, an_unmount_in_its_bounded_wait_and_its_timeout_notice);
	tcase_add_test(tc, lines_of_other_subsystems_inside_a_trace_are_skipped);
	tcase_add_test(tc, an_injection_line_is_a_report_of_its_own);
	tcase_add_test(tc, the_modules_cycle_line_names_the_task_to_confirm);
	tcase_add_test(tc, the_kernel_release_comes_from_the_tainted_line);
	tcase_add_test(tc, interleaved_traces_are_kept_apart_by_their_caller_ids);
	tcase_add_test(tc, a_task_name_cut_inside_a_utf8_character_is_escaped_not_lost);
	tcase_add_loop_test(tc, stack_frame_forms, 0, ARRAY_SIZE(frames));
	tcase_add_loop_test(tc, known_prefixes_are_stripped, 0, ARRAY_SIZE(strips));
	suite_add_tcase(su, tc);
	return su;
}
