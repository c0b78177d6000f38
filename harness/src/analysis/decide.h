/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_ANALYSIS_DECIDE_H
#define IPUTSTORM_ANALYSIS_DECIDE_H

#include <stdbool.h>

#include "model/verdict.h"

/*
 * A trial's verdict from what the host observed (a pure function, tested
 * table-driven): a hang while the cluster does not serve I/O is a MISS.
 */

/* What the host observed during one trial. */
struct trial_facts {
	bool booted, stress_started, done;
	bool boot_timeout, qemu_died, init_failed, interrupted;
	bool mount_failed;
	bool agent_fatal;
	const char *fatal_blame; /* "scenario", "infra", "agent" */
	const char *fatal_msg;
	const char *init_msg;
	const char *qemu_status;
	int workload_errors;
	const char *workload_error;
	/* The kernel's side. */
	int stuck;	      /* tasks the watchdog saw stuck */
	int hung_reports;     /* hung-task / RCU-stall / soft-lockup reports */
	int dump_blocked;     /* D tasks in sysrq dumps */
	const char *dump_why; /* what asked for the dump ("trial deadline") */
	int mds_held;	      /* stuck tasks and reports set aside: the MDS was down */
	bool panic, crash;    /* panic; BUG/Oops */
	bool crash_int3;      /* the first crash was "Oops: int3" ... */
	bool emulated;	      /* ... on a TCG guest: a stale code-patching breakpoint */
	bool crash_bad_flags; /* the first crash shows an EFLAGS no CPU can hold */
	bool init_killed;     /* "Attempted to kill init": our /init died */
	int warnings;
	int notices;	      /* "ceph: umount timed out": a bounded wait ran out */
	int injections;	      /* "iputstorm_inject: injected" lines in the kernel log */
	bool injection_asked; /* the scenario injects */
	long long ended_safe; /* end_when_safe met: injected inodes evicted safely (else 0) */
	const char *crash_title, *hang_title, *warning_title, *notice_title;
	int mismatches;		   /* blocks the verify churners found wrong */
	const char *corrupt_title; /* "data corruption in FILE at OFFSET" */
	bool heartbeat_lost, end_timeout, guest_silent;
	bool fail_on_warning;
	/* The cluster, checked when the kernel looked stuck. */
	bool cluster_checked, cluster_ok;
	const char *cluster_reason;
	double boot_timeout_secs;
};

struct verdict_result {
	enum verdict v;
	char reason[640];
	/* The emulator, not the kernel or the cluster, ended the trial: worth a rerun. */
	bool emulator_artifact;
};

void verdict_decide(const struct trial_facts *f, struct verdict_result *out);
/*
 * git bisect run's answer for N trials (syzbot's rule for flaky reproducers):
 * 1 bad with at least max(2, n/6) hangs; 0 good with no hang in at least
 * half the trials passing; else 125 (skip).
 */
int bisect_decision(int hangs, int passes, int n);

#endif
