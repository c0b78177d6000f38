/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_EVENTS_H
#define IPUTSTORM_MODEL_EVENTS_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/strv.h"
#include "model/klog.h"

/*
 * Guest -> host events: one JSON object per line on the virtio-serial port
 * EVENT_PORT_NAME (or a file, on a bare-metal client). The agent builds a
 * struct event and encodes it with event_to_json(); the host decodes each
 * line with event_from_json(). Every event has "type" and "t" (seconds since
 * the agent started); the host adds "ht" (seconds since QEMU started) when it
 * writes events.jsonl.
 *
 *   hello      the agent is up: kernel release and version, uptime, pid
 *   heartbeat  every second: phase, dstate (tasks in D), stuck (so far)
 *   phase      name: mounting, stress, stopping, syncing, cleanup,
 *              unmounting, done, failed
 *   mount      client, ok, error
 *   workload   group, instance, what (start, exit, restart), pid (start);
 *              status, oom, failed, log (exit, restart)
 *   action     group, sysrq[, what]: a timed sysrq was triggered, or another guest action
 *   inject     group, injection, delay, probability: a delay injection armed
 *   stuck      a task the watchdog found stuck in D: comm, pid, tid, state,
 *              workqueue, wchan, cgroup, stack[], stuck_for, title
 *   report     a kernel report from /dev/kmsg (model/klog.h's kreport_json())
 *   telemetry  stress_secs, counters {name: n} of iputstorm_inject.ko
 *   integrity  group, instance, report: a verify churner's report when it
 *              ended (verified_bytes, mismatches, first {file, offset,
 *              expected, found, how}, ...; guest/verify.h)
 *   error      what, error, fatal, blame (scenario, infra, agent, kernel)
 *   done       the trial's end: workload_errors, oom_kills, restarts,
 *              stuck, mounted
 */
#define EVENT_PORT_NAME "org.iputstorm.events"

enum ev_type {
	EV_HELLO,
	EV_HEARTBEAT,
	EV_PHASE,
	EV_MOUNT,
	EV_WORKLOAD,
	EV_ACTION,
	EV_INJECT,
	EV_STUCK,
	EV_REPORT,
	EV_TELEMETRY,
	EV_ERROR,
	EV_DONE,
	EV_INTEGRITY,
	EV_NTYPES,
};

struct ev_stuck {
	const char *comm;
	int pid, tid;
	char state;
	const char *workqueue, *wchan, *cgroup; /* NULL: unknown */
	struct strv stack;			/* "fn" or "fn [module]", innermost first */
	double stuck_for;
	const char *title; /* "task hung in evict" */
	/*
	 * A wait the kernel bounds (model/bounded.h): bound > 0 is its bound in
	 * seconds; within: still inside it, so the task waits and is not hung.
	 */
	double bound;
	bool within;
	const char *waits_for;
	/*
	 * The module saw this task close a deadlock's cycle (KR_CYCLE), so it
	 * was confirmed after WD_CYCLE_CONFIRM seconds, not stuck_after.
	 */
	bool cycle;
	/*
	 * Not stuck any more: a task reported stuck before switched, left D or
	 * exited. The host uses it to release a task it held while the cluster
	 * could not answer (host/trial.c).
	 */
	bool moved;
};

/*
 * Strings are borrowed: from the agent's own data when it builds an event,
 * from the decoded JSON (kept in json) when the host reads one.
 */
struct event {
	enum ev_type type;
	double t;
	json_t *json; /* the decoded line (event_from_json), or NULL */
	union {
		struct {
			const char *kernel, *version;
			double uptime;
			int pid;
		} hello;
		struct {
			const char *phase;
			int dstate, stuck;
		} heartbeat;
		struct {
			const char *name;
		} phase;
		struct {
			int client;
			bool ok;
			const char *error;
		} mount;
		struct {
			const char *group, *what, *status, *log;
			int instance, pid;
			bool oom, failed;
		} workload;
		struct {
			const char *group, *sysrq;
			const char *what; /* an action that is no sysrq, said in words; or NULL */
		} action;
		struct {
			const char *group, *injection;
			double delay;
			int probability;
		} inject;
		struct ev_stuck stuck;
		struct kreport *report; /* owned */
		struct {
			double stress_secs;
			json_t *counters; /* owned: {"wb_final_iput": 3, ...} */
		} telemetry;
		struct {
			const char *what, *error, *blame;
			bool fatal;
		} error;
		struct {
			const char *group;
			int instance;
			json_t *report; /* owned */
		} integrity;
		struct {
			long long workload_errors, oom_kills, restarts;
			int stuck, mounted;
		} done;
	};
};

const char *ev_type_name(enum ev_type t);
/* A new object with "type", "t" and the type's fields. */
json_t *event_to_json(const struct event *e);
/* 0, or -1 (err_msg() says why) for a line that is not a known, well-formed event. */
int event_from_json(json_t *j, struct event *e);
/* Frees what the event owns: the decoded JSON, the stack, the report, the counters. */
void event_release(struct event *e);

#endif
