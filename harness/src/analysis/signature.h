/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_SIGNATURE_H
#define IPUTSTORM_SIGNATURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strv.h"

/*
 * Hang signatures as data: scenarios/signatures.ini (its keys are described
 * at its top and in docs/signatures.md) says which known deadlock a blocked
 * task's stack shows, whether that task is the one that deadlocked (root) or
 * one queued behind it (victim), and which shipped scenario reproduces it.
 * Used by every trial (verdict.json "signatures", "root", "hangs") and by
 * `iputstorm triage`.
 */

/* bounded: a wait the kernel ends itself (model/bounded.h); a hang only past its bound. */
enum sig_role { SIG_ROOT, SIG_VICTIM, SIG_BOUNDED };

struct signature {
	char *name; /* the [section] */
	char *description;
	enum sig_role role;
	/* Position i of `frames`: the alternatives ("a|b"); "name*" matches a prefix. */
	struct strv *frames;
	size_t nframes;
	struct strv culprit; /* the first non-plumbing frame is one of these */
	struct strv context; /* some frame is one of these */
	struct strv task;    /* workqueue, work description or comm prefixes */
	char *reproducer;    /* a scenario file name, or NULL */
	int line;	     /* of the [section] */
};

struct sigset {
	char *path;
	struct signature *sig;
	size_t n;
};

/* The shipped file: data_dir()/scenarios/signatures.ini. */
char *sigset_default_path(void);
/* path NULL: the shipped file. 0, or -1 with err_msg() = "FILE:LINE: what is wrong". */
int sigset_load(struct sigset *set, const char *path);
void sigset_free(struct sigset *set);
const struct signature *sigset_find(const struct sigset *set, const char *name);
const char *sig_role_name(enum sig_role role);

/*
 * The first signature (in file order) that a blocked task matches, or NULL.
 * frames: innermost first, in any form the kernel prints them ("fn+0x1/0x2
 * [mod]", "[<0>] fn+0x1/0x2", "fn [mod]", "fn"); "? " frames are ignored.
 * comm, workqueue and work_desc may be NULL.
 */
const struct signature *sig_match(const struct sigset *set, const char *comm, const char *workqueue,
				  const char *work_desc, char *const *frames, size_t n);

/* One blocked task, from a hung-task report, a sysrq dump or the watchdog. */
struct blocked_task {
	char *task; /* comm */
	long pid;   /* the thread's id, as the kernel's reports print it; -1 unknown */
	char *workqueue, *work_desc;
	struct strv frames;  /* function names, innermost first, "? " frames dropped */
	double blocked_secs; /* how long it had been blocked when reported; 0 unknown */
	const struct signature *sig;
};

/*
 * From a kreport_json() object (kind "hung_task", or "task_dump" in state D)
 * or a watchdog "stuck" event; -1 when o is not a blocked task.
 */
int blocked_task_from_json(struct blocked_task *t, json_t *o);
void blocked_task_release(struct blocked_task *t);
/* syzbot-style, as kreport_title(): "task hung in evict". */
char *blocked_task_title(const struct blocked_task *t);
/* {"task", "pid", "title", "signature": name or null, "role" (when matched)} */
json_t *blocked_task_json(const struct blocked_task *t);

/*
 * Which of n blocked tasks is the root cause; returns its index (n when n is
 * 0). Best first:
 *   1. a task matching a role = root signature;
 *   2. an unmatched flusher or kworker blocked in evict() or
 *      inode_wait_for_writeback() (the shape of both known paths, so a variant
 *      signatures.ini does not know yet still comes first);
 *   3. any other unmatched task;
 *   4. a task matching a victim signature: it waits for another task, so it
 *      is the root only when that task was never reported;
 *   5. a task matching a bounded signature: it waits for a bound to pass.
 * Within a rank: the task blocked longest, then the one reported first.
 */
size_t sig_pick_root(const struct blocked_task *t, size_t n);

/* Appends the blocked tasks among kreport_json() objects: hung_task, and task_dump in D. */
void sig_collect_reports(json_t *reports, json_t *into);

/*
 * Names every blocked task in tasks (kreport_json() objects and watchdog
 * "stuck" events, in the order they were reported) and picks the root:
 *   {"hangs": [blocked_task_json()...], "signatures": [names, deduplicated],
 *    "root": blocked_task_json() or null, "reproducer": scenario or null}
 * A task reported several times (hung-task detector, sysrq dump, watchdog)
 * is one hang, keyed by its thread id; the copy with the longest stack says
 * most. The reproducer is the root's signature's.
 */
json_t *sig_analyse(const struct sigset *set, json_t *tasks);

/*
 * For trial verdicts: reports is a JSON array of kreport_json() objects
 * (other kinds are skipped), stuck an array of watchdog "stuck" events
 * (either may be NULL). Returns the root as blocked_task_json() or JSON null
 * (a new reference either way) and, when names is not NULL, stores a new
 * array of the matched signature names there.
 */
json_t *sig_root(const struct sigset *set, json_t *reports, json_t *stuck, json_t **names);

#endif
