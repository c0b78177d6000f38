// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "analysis/decide.h"
#include "lib/base.h"
#include "model/verdict.h"

#include <stdio.h>
#include <string.h>

static void set(struct verdict_result *out, enum verdict v, const char *fmt, ...) __printf(3, 4);
static void set(struct verdict_result *out, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	out->v = v;
	out->emulator_artifact = false;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static bool hang_evidence(const struct trial_facts *f)
{
	return f->stuck > 0 || f->hung_reports > 0 || f->dump_blocked > 0;
}

/*
 * The evidence the FAIL rests on. A hang proven only by the task dump, while
 * an MDS failing over kept the watchdog's own evidence aside, must say so:
 * "0 stuck, 0 hung-task reports" alone reads as a verdict without a cause.
 */
static void set_hang(struct verdict_result *out, const struct trial_facts *f, const char *title)
{
	char dump[160] = "", held[160] = "";

	if (f->dump_blocked)
		snprintf(dump, sizeof(dump), ", %d blocked in the task dump (%s)", f->dump_blocked,
			 f->dump_why ? f->dump_why : "asked for");
	if (f->mds_held)
		snprintf(held, sizeof(held), "; %d set aside while the MDS was down", f->mds_held);
	set(out, V_FAIL, "%s (%d stuck, %d hung-task reports%s%s)", title, f->stuck,
	    f->hung_reports, dump, held);
}

void verdict_decide(const struct trial_facts *f, struct verdict_result *out)
{
	const char *title = f->hang_title ? f->hang_title : "task hung";

	if (f->init_killed) {
		set(out, V_MISS, "the guest's init exited (harness fault): %s",
		    f->init_msg ? f->init_msg : "see console.log");
		return;
	}
	if (f->crash && f->crash_int3 && f->emulated) {
		/*
		 * TCG can run a stale translation of an instruction the kernel
		 * just live-patched (static keys, alternatives) and trap on the
		 * temporary int3; seen about once in a hundred boots here. A real
		 * stray breakpoint would need KVM or hardware to tell apart.
		 */
		set(out, V_MISS,
		    "%s: a breakpoint left by kernel code patching, which QEMU TCG can "
		    "execute stale; not counted as a kernel failure (rerun, or use KVM)",
		    f->crash_title ? f->crash_title : "Oops: int3");
		out->emulator_artifact = true;
		return;
	}
	if (f->crash && f->crash_bad_flags && f->emulated) {
		/* Seen once in 100 soak runs: a "double fault" with reserved EFLAGS bits set. */
		set(out, V_MISS,
		    "%s with an EFLAGS value no x86 CPU can hold (reserved bits set): QEMU TCG's "
		    "state, not counted as a kernel failure (rerun, or use KVM)",
		    f->crash_title ? f->crash_title : "Oops");
		out->emulator_artifact = true;
		return;
	}
	if (f->injections && !f->injection_asked) {
		set(out, V_ERROR,
		    "the inject module injected %d time(s) in a trial that asked for none: not a "
		    "natural result",
		    f->injections);
		return;
	}
	if (f->panic || f->crash) {
		set(out, V_FAIL, "%s", f->crash_title ? f->crash_title : "kernel panic");
		return;
	}
	/* Wrong data is the worst a kernel can do: it outranks a hang. */
	if (f->mismatches) {
		set(out, V_FAIL, "%s", f->corrupt_title ? f->corrupt_title : "data corruption");
		return;
	}
	if (hang_evidence(f)) {
		if (f->cluster_checked && !f->cluster_ok) {
			set(out, V_MISS,
			    "cluster not serving I/O (%s); the %d stuck task(s) waited "
			    "on it, not on a kernel bug",
			    f->cluster_reason ? f->cluster_reason : "unhealthy",
			    f->stuck + f->dump_blocked);
			return;
		}
		set_hang(out, f, title);
		return;
	}
	if (f->fail_on_warning && (f->warnings || f->notices)) {
		set(out, V_FAIL, "%s",
		    f->warning_title  ? f->warning_title
		    : f->notice_title ? f->notice_title
				      : "kernel WARNING");
		return;
	}
	if (f->interrupted) {
		set(out, V_MISS, "interrupted");
		return;
	}
	if (f->init_failed) {
		set(out, V_MISS, "guest init failed: %s", f->init_msg ? f->init_msg : "?");
		return;
	}
	if (f->boot_timeout) {
		set(out, V_MISS, "the VM did not boot: no hello from the agent in %.0f s",
		    f->boot_timeout_secs);
		return;
	}
	if (f->qemu_died && !f->done) {
		set(out, V_MISS, "QEMU exited early (%s); see qemu.log",
		    f->qemu_status ? f->qemu_status : "?");
		return;
	}
	if (f->mount_failed ||
	    (f->agent_fatal && f->fatal_blame && strcmp(f->fatal_blame, "scenario"))) {
		set(out, V_MISS, "%s%s%s", f->fatal_msg ? f->fatal_msg : "mount failed",
		    f->cluster_checked ? "; cluster: " : "",
		    f->cluster_checked ? (f->cluster_reason ? f->cluster_reason : "?") : "");
		return;
	}
	if (f->agent_fatal) {
		set(out, V_ERROR, "scenario could not run: %s", f->fatal_msg ? f->fatal_msg : "?");
		return;
	}
	if (f->workload_errors) {
		set(out, V_ERROR, "%d workload instance(s) failed: %s", f->workload_errors,
		    f->workload_error ? f->workload_error : "?");
		return;
	}
	if (f->heartbeat_lost || f->guest_silent) {
		set(out, V_MISS, "the agent stopped sending heartbeats and no task was stuck");
		return;
	}
	if (f->end_timeout && !f->done) {
		set(out, V_MISS, "the trial did not finish in time and no task was stuck");
		return;
	}
	if (f->done) {
		if (f->ended_safe && !f->notices && !f->warnings)
			set(out, V_PASS,
			    "no hang; %lld injected inodes evicted outside writeback and "
			    "ceph-msgr, "
			    "none inside (end_when_safe)",
			    f->ended_safe);
		else if (f->notices)
			set(out, V_PASS, "no hang; the kernel warned: %s%s", f->notice_title,
			    f->warnings ? "; kernel WARNINGs recorded" : "");
		else
			set(out, V_PASS, "%s",
			    f->warnings ? "no hang; kernel WARNINGs recorded" : "no hang");
		return;
	}
	set(out, V_MISS, "the trial ended without a result");
}

int bisect_decision(int hangs, int passes, int n)
{
	int need = n / 6 > 2 ? n / 6 : 2;

	if (hangs >= need)
		return 1;
	if (hangs == 0 && 2 * passes >= n && passes > 0)
		return 0;
	return 125;
}
