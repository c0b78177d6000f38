// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "guest/watchdog.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "model/bounded.h"
#include "model/events.h"

static void put(int pid, int tid, const char *file, const char *text)
{
	_cleanup_free_ char *d = xasprintf("%s/%d/task/%d", test_dir, pid, tid);
	_cleanup_free_ char *p = xasprintf("%s/%s", d, file);

	ck_assert_int_eq(mkdir_p(d, 0755), 0);
	ck_assert_int_eq(write_file(p, text, strlen(text)), 0);
}

/* A task as /proc shows it: state, context switches, stack. */
static void task(int pid, int tid, const char *comm, char state, int vol, int invol)
{
	_cleanup_free_ char *stat = xasprintf("%d (%s) %c 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
					      "100 0 0\n",
					      tid, comm, state);
	_cleanup_free_ char *status = xasprintf("Name:\t%s\nvoluntary_ctxt_switches:\t%d\n"
						"nonvoluntary_ctxt_switches:\t%d\n",
						comm, vol, invol);

	put(pid, tid, "stat", stat);
	put(pid, tid, "status", status);
	put(pid, tid, "wchan", "inode_wait_for_writeback");
	put(pid, tid, "cgroup", "0::/iputstorm/writers\n");
	put(pid, tid, "stack",
	    "[<0>] __schedule+0x403/0xbf0\n[<0>] inode_wait_for_writeback+0x8c/"
	    "0xd0\n[<0>] evict+0x1a6/0x2b0\n[<0>] ceph_put_wrbuffer_cap_refs+0x1"
	    "3b/0x3a0 [ceph]\n");
}

static json_t *reported;

static void on_report(struct ev_stuck *t, void *ctx)
{
	struct event e = {.type = EV_STUCK, .stuck = *t};

	json_array_append_new(reported, event_to_json(&e));
}

START_TEST(d_task_with_frozen_counters_is_stuck_after_the_threshold)
{
	struct watchdog w;

	reported = json_array();
	watchdog_init(&w, 10, test_dir);
	task(58, 58, "kworker/u8:3+flush-ceph-1", 'D', 5, 1);
	watchdog_sample(&w, 100, on_report, NULL);
	watchdog_sample(&w, 109.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 0);
	watchdog_sample(&w, 110.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	/* Reported once, not at every sample. */
	watchdog_sample(&w, 120, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	ck_assert_int_eq(w.dstate, 1);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(a_task_the_module_saw_close_the_cycle_is_confirmed_after_one_second)
{
	struct watchdog w;

	reported = json_array();
	watchdog_init(&w, 10, test_dir);
	task(58, 58, "kworker/u8:3+flush-ceph-1", 'D', 5, 1);
	task(70, 70, "fio", 'D', 9, 1);
	watchdog_sample(&w, 100, on_report, NULL);
	watchdog_suspect(&w, 58);
	watchdog_sample(&w, 100.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 0);
	watchdog_sample(&w, 101.2, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	ck_assert(json_is_true(json_object_get(json_array_get(reported, 0), "cycle")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(reported, 0), "tid")),
			 58);
	/* Others keep stuck_after; a suspect that moves is not reported. */
	watchdog_suspect(&w, 80);
	task(80, 80, "kworker/u8:4+flush-ceph-1", 'D', 1, 1);
	watchdog_sample(&w, 103, on_report, NULL);
	task(80, 80, "kworker/u8:4+flush-ceph-1", 'D', 2, 1);
	watchdog_sample(&w, 104, on_report, NULL);
	watchdog_sample(&w, 104.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	watchdog_sample(&w, 105.2, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 2);
	watchdog_sample(&w, 109.9, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 2);
	watchdog_sample(&w, 110.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 3);
	ck_assert(!json_object_get(json_array_get(reported, 2), "cycle"));
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(a_stuck_task_that_moves_leaves_or_exits_says_so)
{
	struct watchdog w;
	_cleanup_free_ char *gone = xasprintf("rm -rf '%s/90'", test_dir);

	reported = json_array();
	watchdog_init(&w, 5, test_dir);
	task(70, 70, "fio", 'D', 9, 1);
	task(80, 80, "fio", 'D', 3, 1);
	task(90, 90, "fio", 'D', 4, 1);
	watchdog_sample(&w, 0, on_report, NULL);
	watchdog_sample(&w, 6, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 3);
	/* 70 switches, 80 sleeps in S, 90 exits: three "moved", no new stuck. */
	task(70, 70, "fio", 'D', 10, 1);
	task(80, 80, "fio", 'S', 3, 1);
	ck_assert_int_eq(system(gone), 0);
	watchdog_sample(&w, 7, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 6);
	for (size_t i = 3; i < 6; i++)
		ck_assert(json_is_true(json_object_get(json_array_get(reported, i), "moved")));
	/* Once: a task that stays unstuck says nothing more. */
	watchdog_sample(&w, 8, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 6);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(stuck_task_carries_stack_workqueue_and_cgroup)
{
	struct watchdog w;
	json_t *t;

	reported = json_array();
	watchdog_init(&w, 2, test_dir);
	task(58, 58, "kworker/u8:3+flush-ceph-1", 'D', 5, 1);
	watchdog_sample(&w, 0, on_report, NULL);
	watchdog_sample(&w, 3, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	t = json_array_get(reported, 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "workqueue")), "flush-ceph-1");
	ck_assert_str_eq(json_string_value(json_object_get(t, "cgroup")), "/iputstorm/writers");
	ck_assert_str_eq(json_string_value(json_object_get(t, "wchan")),
			 "inode_wait_for_writeback");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(t, "stack"), 3)),
			 "ceph_put_wrbuffer_cap_refs [ceph]");
	ck_assert_int_eq(json_integer_value(json_object_get(t, "pid")), 58);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(d_task_whose_counters_move_is_not_stuck)
{
	struct watchdog w;

	reported = json_array();
	watchdog_init(&w, 5, test_dir);
	/* balance_dirty_pages: D, but it wakes every 200 ms. */
	for (int i = 0; i < 40; i++) {
		task(200, 201, "fio", 'D', 10 + i, 3);
		watchdog_sample(&w, i * 0.5, on_report, NULL);
	}
	ck_assert_uint_eq(json_array_size(reported), 0);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(sleeping_task_is_never_stuck)
{
	struct watchdog w;

	reported = json_array();
	watchdog_init(&w, 2, test_dir);
	task(300, 300, "sleep", 'S', 1, 1);
	for (int i = 0; i < 20; i++)
		watchdog_sample(&w, i, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 0);
	ck_assert_int_eq(w.dstate, 0);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(task_that_recovers_then_sticks_again_is_reported_again)
{
	struct wd_task t = {0};

	ck_assert(!wd_update(&t, 'D', 1, 1, 0, 5));
	ck_assert(wd_update(&t, 'D', 1, 1, 6, 5));
	ck_assert(!wd_update(&t, 'D', 2, 1, 7, 5));
	ck_assert(!wd_update(&t, 'D', 2, 1, 11, 5));
	ck_assert(wd_update(&t, 'D', 2, 1, 12.5, 5));
}
END_TEST

/*
 * 7.3's unmount as /proc/PID/stack shows it (seen on 7.3.4+deb13): the
 * scheduler frames are hidden, so the wait's own function comes first.
 */
static const char kill_sb_timed[] =
	"[<0>] ceph_kill_sb+0x1f5/0x270 [ceph]\n[<0>] deactivate_locked_super+0x30/0xb0\n"
	"[<0>] cleanup_mnt+0xba/0x150\n[<0>] task_work_run+0x5c/0x90\n"
	"[<0>] exit_to_user_mode_loop+0x9a/0x130\n[<0>] do_syscall_64+0x1d6/0x1f0\n";
/* The same function waiting for writeback in sync_filesystem(): no bound. */
static const char kill_sb_sync[] =
	"[<0>] folio_wait_bit_common+0x12d/0x2f0\n[<0>] folio_wait_writeback+0x2b/0x90\n"
	"[<0>] __filemap_fdatawait_range+0x8e/0x100\n[<0>] sync_inodes_sb+0x22a/0x2c0\n"
	"[<0>] sync_filesystem+0x6b/0x90\n[<0>] ceph_kill_sb+0x8f/0x270 [ceph]\n"
	"[<0>] deactivate_locked_super+0x30/0xb0\n";

/* A watchdog with stuck_after 20 s and BOUND, and umount in D with STACK. */
static void unmounting(struct watchdog *w, double bound, const char *stack)
{
	if (!reported)
		reported = json_array();
	watchdog_init(w, 20, test_dir);
	w->bound = bound;
	task(70, 70, "umount", 'D', 3, 0);
	put(70, 70, "stack", stack);
}

START_TEST(a_bounded_wait_is_held_until_its_bound_then_reported_as_stuck)
{
	struct watchdog w;
	json_t *first, *second;

	unmounting(&w, 60, kill_sb_timed);
	watchdog_sample(&w, 0, on_report, NULL);
	watchdog_sample(&w, 20.5, on_report, NULL);
	/* Past stuck_after: said once, as a wait within its bound, not counted. */
	ck_assert_uint_eq(json_array_size(reported), 1);
	first = json_array_get(reported, 0);
	ck_assert(json_is_true(json_object_get(first, "within")));
	ck_assert_double_eq(json_real_value(json_object_get(first, "bound")), 60);
	ck_assert_int_eq(w.stuck, 0);
	watchdog_sample(&w, 40, on_report, NULL);
	watchdog_sample(&w, 74.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	/* Still frozen past the bound and the grace: that is a hang. */
	watchdog_sample(&w, 60 + BOUNDED_GRACE + 0.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 2);
	second = json_array_get(reported, 1);
	ck_assert(json_is_false(json_object_get(second, "within")));
	ck_assert_int_eq(w.stuck, 1);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(a_bounded_wait_that_ends_in_time_is_never_a_hang)
{
	struct watchdog w;

	unmounting(&w, 60, kill_sb_timed);
	watchdog_sample(&w, 0, on_report, NULL);
	watchdog_sample(&w, 21, on_report, NULL);
	/* The kernel's timeout fires at 60 s: the task runs, then waits again. */
	task(70, 70, "umount", 'D', 4, 0);
	put(70, 70, "stack", kill_sb_timed);
	watchdog_sample(&w, 60.5, on_report, NULL);
	watchdog_sample(&w, 81, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 2);
	ck_assert(json_is_true(json_object_get(json_array_get(reported, 1), "within")));
	ck_assert_int_eq(w.stuck, 0);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(an_unbounded_wait_in_the_same_function_is_stuck_at_once)
{
	struct watchdog w;

	unmounting(&w, 60, kill_sb_sync);
	watchdog_sample(&w, 0, on_report, NULL);
	watchdog_sample(&w, 20.5, on_report, NULL);
	ck_assert_uint_eq(json_array_size(reported), 1);
	ck_assert_ptr_null(json_object_get(json_array_get(reported, 0), "within"));
	ck_assert_int_eq(w.stuck, 1);
	watchdog_free(&w);
	/* mount_timeout=0: the kernel waits for ever, so nothing is bounded. */
	json_array_clear(reported);
	unmounting(&w, 0, kill_sb_timed);
	watchdog_sample(&w, 0, on_report, NULL);
	watchdog_sample(&w, 20.5, on_report, NULL);
	ck_assert_int_eq(w.stuck, 1);
	watchdog_free(&w);
	json_decref(reported);
}
END_TEST

START_TEST(mount_timeout_comes_from_the_mount_options)
{
	ck_assert_double_eq(ceph_mount_timeout(NULL), 60);
	ck_assert_double_eq(ceph_mount_timeout(""), 60);
	ck_assert_double_eq(ceph_mount_timeout("noshare,mount_timeout=10"), 10);
	ck_assert_double_eq(ceph_mount_timeout("mount_timeout=0,wsize=4096"), 0);
	ck_assert_double_eq(ceph_mount_timeout("mount_timeout=x"), 60);
	ck_assert_double_eq(ceph_mount_timeout("xmount_timeout=5"), 60);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("watchdog");
	TCase *tc = tcase_create("stuck");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, d_task_with_frozen_counters_is_stuck_after_the_threshold);
	tcase_add_test(tc, stuck_task_carries_stack_workqueue_and_cgroup);
	tcase_add_test(tc, d_task_whose_counters_move_is_not_stuck);
	tcase_add_test(tc, sleeping_task_is_never_stuck);
	tcase_add_test(tc, task_that_recovers_then_sticks_again_is_reported_again);
	tcase_add_test(tc, a_bounded_wait_is_held_until_its_bound_then_reported_as_stuck);
	tcase_add_test(tc, a_bounded_wait_that_ends_in_time_is_never_a_hang);
	tcase_add_test(tc, an_unbounded_wait_in_the_same_function_is_stuck_at_once);
	tcase_add_test(tc, mount_timeout_comes_from_the_mount_options);
	tcase_add_test(tc, a_task_the_module_saw_close_the_cycle_is_confirmed_after_one_second);
	tcase_add_test(tc, a_stuck_task_that_moves_leaves_or_exits_says_so);
	suite_add_tcase(su, tc);
	return su;
}
