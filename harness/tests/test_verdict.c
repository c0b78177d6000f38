// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "analysis/decide.h"
#include "lib/base.h"
#include "model/verdict.h"

static const struct {
	const char *name;
	struct trial_facts f;
	enum verdict want;
	const char *reason;
} cases[] = {
	{"clean trial passes",
	 {.booted = true, .stress_started = true, .done = true},
	 V_PASS,
	 "no hang"},
	{"stuck task on a healthy cluster is the kernel's fault",
	 {.booted = true,
	  .stuck = 2,
	  .cluster_checked = true,
	  .cluster_ok = true,
	  .hang_title = "task hung in evict"},
	 V_FAIL,
	 "task hung in evict"},
	{"stuck task while the OSD is stopped is infrastructure",
	 {.booted = true,
	  .stuck = 3,
	  .cluster_checked = true,
	  .cluster_ok = false,
	  .cluster_reason = "osd.0 (pid 12) is stopped (SIGSTOP)"},
	 V_MISS,
	 "cluster not serving I/O"},
	{"hung-task report alone is a hang",
	 {.booted = true, .hung_reports = 1, .cluster_checked = true, .cluster_ok = true},
	 V_FAIL,
	 "task hung"},
	{"panic is FAIL even without a cluster check",
	 {.booted = true, .panic = true, .crash_title = "kernel panic: sysrq triggered crash"},
	 V_FAIL,
	 "kernel panic: sysrq triggered crash"},
	{"panic wins over an unhealthy cluster",
	 {.booted = true,
	  .panic = true,
	  .cluster_checked = true,
	  .cluster_ok = false,
	  .crash_title = "BUG: x in y"},
	 V_FAIL,
	 "BUG: x in y"},
	{"our init dying is never the kernel's fault",
	 {.init_killed = true, .panic = true, .init_msg = "agent exited with status 2"},
	 V_MISS,
	 "harness fault"},
	{"no boot is MISS",
	 {.boot_timeout = true, .boot_timeout_secs = 120},
	 V_MISS,
	 "did not boot"},
	{"failed mount is MISS",
	 {.booted = true,
	  .mount_failed = true,
	  .agent_fatal = true,
	  .fatal_blame = "infra",
	  .fatal_msg = "mount: timed out"},
	 V_MISS,
	 "mount: timed out"},
	{"bad sysctl in the scenario is ERROR",
	 {.booted = true,
	  .agent_fatal = true,
	  .fatal_blame = "scenario",
	  .fatal_msg = "sysctl vm.nope=1: No such file"},
	 V_ERROR,
	 "scenario could not run"},
	{"workload failure is ERROR",
	 {.booted = true, .done = true, .workload_errors = 1, .workload_error = "[fio] exit 1"},
	 V_ERROR,
	 "[fio] exit 1"},
	{"hang beats a workload failure",
	 {.booted = true,
	  .workload_errors = 3,
	  .stuck = 1,
	  .cluster_checked = true,
	  .cluster_ok = true},
	 V_FAIL,
	 "task hung"},
	{"silent agent without stuck tasks is MISS",
	 {.booted = true, .heartbeat_lost = true},
	 V_MISS,
	 "heartbeats"},
	{"blocked tasks in the dump after heartbeats stopped is a hang",
	 {.booted = true,
	  .heartbeat_lost = true,
	  .dump_blocked = 2,
	  .cluster_checked = true,
	  .cluster_ok = true},
	 V_FAIL,
	 "task hung"},
	{"WARNING is recorded, not failed, by default",
	 {.booted = true, .done = true, .warnings = 1},
	 V_PASS,
	 "WARNING"},
	{"WARNING fails when asked",
	 {.booted = true,
	  .done = true,
	  .warnings = 1,
	  .fail_on_warning = true,
	  .warning_title = "WARNING in f"},
	 V_FAIL,
	 "WARNING in f"},
	{"a bounded wait that ran out is named, not failed, by default",
	 {.booted = true, .done = true, .notices = 1, .notice_title = "ceph: umount timed out"},
	 V_PASS,
	 "no hang; the kernel warned: ceph: umount timed out"},
	{"a trial ended on end_when_safe says how many injected inodes were evicted safely",
	 {.booted = true, .done = true, .injection_asked = true, .injections = 12, .ended_safe = 9},
	 V_PASS,
	 "no hang; 9 injected inodes evicted outside writeback and ceph-msgr, none inside "
	 "(end_when_safe)"},
	{"a stuck task outranks end_when_safe",
	 {.booted = true,
	  .done = true,
	  .ended_safe = 9,
	  .stuck = 1,
	  .cluster_checked = true,
	  .cluster_ok = true,
	  .hang_title = "task hung in evict"},
	 V_FAIL,
	 "task hung in evict"},
	{"a bounded wait that ran out fails when asked",
	 {.booted = true,
	  .done = true,
	  .notices = 1,
	  .fail_on_warning = true,
	  .notice_title = "ceph: umount timed out"},
	 V_FAIL,
	 "ceph: umount timed out"},
	{"an injection in a trial that asked for none makes it ERROR, whatever else",
	 {.booted = true,
	  .done = true,
	  .stuck = 1,
	  .cluster_checked = true,
	  .cluster_ok = true,
	  .injections = 2},
	 V_ERROR,
	 "injected 2 time(s) in a trial that asked for none"},
	{"an injection the scenario asked for is just that",
	 {.booted = true,
	  .stuck = 1,
	  .cluster_checked = true,
	  .cluster_ok = true,
	  .injections = 2,
	  .injection_asked = true,
	  .hang_title = "task hung in evict"},
	 V_FAIL,
	 "task hung in evict"},
	{"interrupted trial is MISS", {.booted = true, .interrupted = true}, V_MISS, "interrupted"},
	{"int3 Oops under TCG is a code-patching artifact, MISS",
	 {.crash = true,
	  .crash_int3 = true,
	  .emulated = true,
	  .crash_title = "Oops: int3 in sched_clock_cpu"},
	 V_MISS,
	 "QEMU TCG"},
	{"int3 Oops under KVM is a kernel failure",
	 {.booted = true, .crash = true, .crash_int3 = true, .crash_title = "Oops: int3 in f"},
	 V_FAIL,
	 "Oops: int3 in f"},
	{"an Oops with impossible EFLAGS under TCG is the emulator's, MISS",
	 {.booted = true,
	  .crash = true,
	  .crash_bad_flags = true,
	  .emulated = true,
	  .crash_title = "Oops in kmem_cache_alloc_node_noprof"},
	 V_MISS,
	 "no x86 CPU can hold"},
	{"the same Oops under KVM is a kernel failure",
	 {.booted = true, .crash = true, .crash_bad_flags = true, .crash_title = "Oops in f"},
	 V_FAIL,
	 "Oops in f"},
	{"other Oopses under TCG still FAIL",
	 {.booted = true, .crash = true, .emulated = true, .crash_title = "BUG: unable to handle"},
	 V_FAIL,
	 "BUG: unable"},
	{"a block read back wrong is FAIL, named by file and offset",
	 {.booted = true,
	  .done = true,
	  .mismatches = 1,
	  .corrupt_title = "data corruption in v-1-0-2 at offset 1124"},
	 V_FAIL,
	 "data corruption in v-1-0-2 at offset 1124"},
	{"corrupt data outranks a hang in the same trial",
	 {.booted = true,
	  .stuck = 2,
	  .hang_title = "task hung in evict",
	  .mismatches = 3,
	  .corrupt_title = "data corruption in f at offset 0"},
	 V_FAIL,
	 "data corruption in f"},
	{"a hang proven by the deadline's task dump says so, and what the MDS's failovers set "
	 "aside",
	 {.booted = true,
	  .dump_blocked = 5,
	  .dump_why = "trial deadline",
	  .mds_held = 19,
	  .cluster_checked = true,
	  .cluster_ok = true,
	  .hang_title = "task hung in __ceph_do_pending_vmtruncate"},
	 V_FAIL,
	 "(0 stuck, 0 hung-task reports, 5 blocked in the task dump (trial deadline); 19 set "
	 "aside while the MDS was down)"},
	{"QEMU dying without a panic is MISS",
	 {.qemu_died = true, .qemu_status = "signal 9"},
	 V_MISS,
	 "QEMU exited early"},
};

START_TEST(verdict_rules)
{
	struct verdict_result r;

	verdict_decide(&cases[_i].f, &r);
	ck_assert_msg(r.v == cases[_i].want, "%s: got %s (%s), want %s", cases[_i].name,
		      verdict_name(r.v), r.reason, verdict_name(cases[_i].want));
	ck_assert_msg(strstr(r.reason, cases[_i].reason), "%s: reason '%s' lacks '%s'",
		      cases[_i].name, r.reason, cases[_i].reason);
}
END_TEST

START_TEST(only_the_tcg_breakpoint_asks_for_a_rerun)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct verdict_result r;
		bool want = strstr(cases[i].name, "under TCG is a code-patching artifact") ||
			    strstr(cases[i].name, "under TCG is the emulator's");

		verdict_decide(&cases[i].f, &r);
		ck_assert_msg(r.emulator_artifact == want, "%s: emulator_artifact %d",
			      cases[i].name, r.emulator_artifact);
	}
}
END_TEST

START_TEST(run_verdict_combines_trials)
{
	struct tally fail = {{[V_PASS] = 9, [V_FAIL] = 1}};
	struct tally error = {{[V_PASS] = 9, [V_ERROR] = 1, [V_MISS] = 2}};
	struct tally pass_miss = {{[V_PASS] = 9, [V_MISS] = 1}};
	struct tally miss = {{[V_MISS] = 3}};

	ck_assert_int_eq(tally_verdict(&fail), V_FAIL);
	ck_assert_int_eq(tally_verdict(&error), V_ERROR);
	ck_assert_int_eq(tally_verdict(&pass_miss), V_PASS);
	ck_assert_int_eq(tally_verdict(&miss), V_MISS);
	ck_assert_int_eq(tally_decided(&error), 9);
	ck_assert_int_eq(verdict_exit_code(V_FAIL), 1);
	ck_assert_int_eq(verdict_exit_code(V_MISS), 3);
	ck_assert_int_eq(verdict_parse("ERROR"), V_ERROR);
	ck_assert_int_eq(verdict_parse("nope"), -1);
}
END_TEST

START_TEST(bisect_follows_the_flaky_reproducer_rule)
{
	ck_assert_int_eq(bisect_decision(2, 8, 10), 1);	  /* max(2, 10/6 = 1) = 2 */
	ck_assert_int_eq(bisect_decision(1, 9, 10), 125); /* one hang: not enough either way */
	ck_assert_int_eq(bisect_decision(3, 15, 18), 1);  /* 18/6 = 3 */
	ck_assert_int_eq(bisect_decision(2, 16, 18), 125);
	ck_assert_int_eq(bisect_decision(0, 10, 10), 0);
	ck_assert_int_eq(bisect_decision(0, 5, 10), 0);	  /* half the trials decided */
	ck_assert_int_eq(bisect_decision(0, 4, 10), 125); /* mostly MISS: skip */
	ck_assert_int_eq(bisect_decision(0, 0, 0), 125);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("verdict");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, verdict_rules, 0, ARRAY_SIZE(cases));
	tcase_add_test(tc, only_the_tcg_breakpoint_asks_for_a_rerun);
	tcase_add_test(tc, only_the_tcg_breakpoint_asks_for_a_rerun);
	tcase_add_test(tc, run_verdict_combines_trials);
	tcase_add_test(tc, bisect_follows_the_flaky_reproducer_rule);
	suite_add_tcase(su, tc);
	return su;
}
