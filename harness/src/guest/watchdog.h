/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_WATCHDOG_H
#define IPUTSTORM_WATCHDOG_H

#include <stdbool.h>
#include <sys/types.h>

#include "model/events.h"

/*
 * Stuck-task detection from /proc, twice a second. A task is stuck when it
 * stays in D with its voluntary and involuntary context-switch counts
 * unchanged for stuck_after seconds: a task that sleeps and wakes in D
 * (balance_dirty_pages, io_schedule_timeout) changes them and never counts.
 * Reads only /proc/PID/{stat,status,stack,wchan,cgroup}: nothing that takes
 * the target's mmap lock, nothing on CephFS.
 */

struct wd_task {
	pid_t tid, tgid;
	unsigned long long nvcsw, nivcsw;
	double since;	   /* when its counters last changed while in D */
	double seen;	   /* last sample that saw it in D */
	double hold_until; /* in a bounded wait: not stuck before this */
	bool reported;
};

/* A task the module saw close a deadlock's cycle is stuck after this long in D. */
#define WD_CYCLE_CONFIRM 1.0
#define WD_SUSPECTS 8

struct watchdog {
	double stuck_after;
	pid_t suspects[WD_SUSPECTS]; /* tids named by the module's "cycle closed" lines */
	double bound;	  /* CephFS's mount_timeout: the bound of its bounded waits; 0: none */
	const char *proc; /* "/proc", or a test tree */
	struct wd_task *t;
	size_t n, cap;
	int dstate; /* tasks in D at the last sample */
	int stuck;  /* reported so far */
	unsigned long long samples;
};

void watchdog_init(struct watchdog *w, double stuck_after, const char *proc);
/*
 * The module saw task tid close a deadlock's cycle: from now on it counts as
 * stuck after WD_CYCLE_CONFIRM seconds in D without a context switch (the
 * same rule, a shorter wait; a task that moves is never reported).
 */
void watchdog_suspect(struct watchdog *w, pid_t tid);
void watchdog_free(struct watchdog *w);
/*
 * Calls report(task, ctx) once for each newly stuck task; task is valid
 * during the call. A task in a wait the kernel bounds (model/bounded.h) is
 * reported once with within set, then held until its bound and
 * BOUNDED_GRACE have passed; still stuck then, it is reported as stuck.
 */
void watchdog_sample(struct watchdog *w, double now,
		     void (*report)(struct ev_stuck *task, void *ctx), void *ctx);

/* The D/counter rule alone, for tests: true when it should be reported now. */
bool wd_update(struct wd_task *t, char state, unsigned long long nvcsw, unsigned long long nivcsw,
	       double now, double stuck_after);

/* Facts about one task, as the stuck event carries them; ev points into the buffers. */
struct wd_desc {
	struct ev_stuck ev;
	char comm[64], workqueue[64], wchan[128], cgroup[256];
};
void wd_describe(const char *proc, pid_t tgid, pid_t tid, struct wd_desc *d);
void wd_desc_release(struct wd_desc *d);

#endif
