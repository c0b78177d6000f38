/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_SIGNATURE_H
#define IPUTSTORM_SIGNATURE_H

#include <jansson.h>
#include <stdbool.h>

/*
 * Hang signatures as data (scenarios/signatures.ini; key reference at its
 * top and in docs/signatures.md), matched against the stack of every blocked
 * task: watchdog "stuck" events, hung-task reports and D tasks of sysrq dumps.
 * A blocked task is a JSON object with "task" or "comm", "pid", optional
 * "workqueue"/"work_desc", and "stack": ["fn", "fn [module]", "? fn", ...],
 * innermost first (the shape kreport_json() and the watchdog produce).
 */

struct signature {
	char *name, *description, *reproducer;
	bool root;     /* role = root (the deadlocked task) or victim */
	char **frames; /* ordered, innermost first, gaps allowed */
	size_t nframes;
	char **culprit; /* the first non-plumbing frame must be one of these */
	size_t nculprit;
	char **on; /* workqueue, work desc, comm or a frame contains one */
	size_t non;
	int line;
};

struct sigset {
	char *path;
	struct signature *sig;
	size_t n;
};

/* path NULL: the shipped data_dir()/scenarios/signatures.ini. -1: err_msg() has FILE:LINE. */
int sigset_load(struct sigset *set, const char *path);
void sigset_free(struct sigset *set);
const struct signature *sig_match(const struct sigset *set, json_t *task);

/*
 * Names every blocked task and picks the root: {"hangs": [{task, pid, title,
 * signature, role}], "signatures": [...], "root": {...} or null,
 * "reproducer": "name" or null}. Tasks are deduplicated by pid (the entry
 * with the longest stack wins). Root rule: the first task matching a
 * role=root signature; else the first unmatched task that is a flusher
 * (writeback workqueue, flush- comm) or sits in evict; else the first
 * unmatched task; victims only when nothing else is blocked.
 */
json_t *sig_analyse(const struct sigset *set, json_t *tasks);
/* Blocked tasks out of report objects (hung_task, and task_dump in state D). */
void sig_collect_reports(json_t *reports, json_t *into);

#endif
