/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_BOUNDED_H
#define IPUTSTORM_MODEL_BOUNDED_H
#include <stdbool.h>
#include <stddef.h>

/*
 * Waits the kernel bounds itself. A task in one sleeps uninterruptibly, with
 * no context switch, for up to the bound (CephFS's mount_timeout, 60 s by
 * default) and then goes on: the unmount that waits for in-flight writes or
 * for the MDS to close its session, the mount that waits for the maps. Such a
 * task is waiting, not hung, until its bound has passed; the watchdog and the
 * host's reading of hung-task reports both ask here before calling it a hang.
 *
 * Bounded: the culprit (the first frame past scheduler and wait plumbing) is
 * one of these functions, and the plumbing under it holds schedule_timeout.
 * A wait without a timeout in the same function (sync_filesystem() under
 * ceph_kill_sb(), say) is not.
 *
 * /proc/PID/stack hides every scheduler function (schedule_timeout,
 * wait_for_completion_*: the kernel's __sched section), so a wait's own
 * function is its first frame and the timeout cannot be seen. There the
 * first frame must be one of these functions; a wait of another kind
 * inlined into one (a mutex) then counts as bounded too, and is reported
 * once the bound has passed: late, never missed.
 */
struct bounded_wait {
	const char *culprit;
	const char *what; /* what it waits for, for the record */
};

/* Every bounded wait the harness knows, for documentation and tests. */
const struct bounded_wait *bounded_wait_list(size_t *n);

/*
 * FRAMES innermost first, "fn" or "fn [module]"; the matching wait, or NULL.
 * proc_stack: read from /proc/PID/stack (scheduler frames hidden).
 */
const struct bounded_wait *bounded_wait_of(char *const *frames, size_t n, bool proc_stack);

struct kreport;
/* The same for a kernel report's stack (frames printed with "? " left out). */
const struct bounded_wait *bounded_wait_of_report(const struct kreport *r);

/* The mount_timeout= in comma-separated CephFS mount options, or the kernel's 60 s. */
double ceph_mount_timeout(const char *mount_options);

/* How long past its bound a bounded wait may still be waking up before it is a hang. */
#define BOUNDED_GRACE 15.0
#endif
