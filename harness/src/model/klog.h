/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_KLOG_H
#define IPUTSTORM_KLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Kernel log reports (hung tasks, sysrq task dumps, BUG, Oops, WARNING,
 * panics, OOM kills, RCU stalls) out of any text the kernel's log ends up
 * in: the serial console, `dmesg` (with or without timestamps), `journalctl
 * -k` or syslog lines, /dev/kmsg records, with printk caller ids. One parser
 * for the agent (/dev/kmsg), the host (console.log) and `iputstorm triage`.
 */

enum kr_kind {
	KR_HUNG_TASK, /* INFO: task X:PID blocked for more than N seconds. */
	KR_TASK_DUMP, /* task:X state:D ... from sysrq w/t or show_state */
	KR_BUG,	      /* BUG: ... (also soft lockups) */
	KR_OOPS,      /* Oops: / general protection fault */
	KR_WARNING,   /* WARNING: CPU: N PID: N at file:line fn+off/len */
	KR_PANIC,     /* Kernel panic - not syncing: ... */
	KR_OOM_KILL,  /* Out of memory / Memory cgroup out of memory: Killed process */
	KR_RCU_STALL, /* rcu: INFO: rcu_* detected stalls */
	KR_NOTICE,    /* one line a subsystem prints about itself: "ceph: ...: umount timed out" */
	KR_INJECTED,  /* "iputstorm_inject: injected: ...": our module provoked what follows */
	/*
	 * "iputstorm_inject: cycle closed: ... (COMM/PID): ...": the module saw
	 * a deadlock's cycle close in task PID (evict() in writeback waiting
	 * for the I_SYNC its own writeback holds); the watchdog confirms it.
	 */
	KR_CYCLE,
	KR_NKINDS,
};

struct kframe {
	char *fn;	 /* "inode_wait_for_writeback" */
	char *module;	 /* "ceph", or NULL for the core kernel */
	bool unreliable; /* printed with "? " */
};

struct kreport {
	enum kr_kind kind;
	char *headline; /* the report's first line, prefixes stripped */
	char *task;	/* comm */
	int pid;
	char state; /* 'D', 'S', ... for task reports; 0 otherwise */
	long blocked_secs;
	char *workqueue; /* "writeback" */
	char *work_fn;	 /* "wb_workfn" */
	char *work_desc; /* "flush-ceph-1" */
	char *rip;	 /* BUG/Oops/WARNING: the faulting function */
	/*
	 * The report's EFLAGS has reserved bits set (3, 5, 15, 22-63) or bit 1
	 * clear: no x86 CPU holds that, an emulator's broken state can.
	 */
	bool impossible_flags;
	double ts; /* kernel timestamp (s) of the first line, or -1 */
	int line;  /* 1-based line in the input where it started */
	struct kframe *frames;
	size_t nframes;
};

typedef void (*kreport_fn)(struct kreport *r, void *ctx);

/*
 * The report being read for one printk caller ("T123"; "" when lines carry
 * no caller id): traces that other tasks interleave stay apart.
 */
struct klog_stream {
	char caller[16];
	struct kreport *cur;
	bool in_trace;
	bool marked;	    /* the trace opened with <TASK>: it ends with </TASK> */
	int skipped;	    /* unrelated lines skipped inside it */
	unsigned long used; /* the line that last used it */
};

#define KLOG_STREAMS 8

struct klog_parser {
	/* The active stream's state; the others wait in streams[]. */
	struct kreport *cur;
	bool in_trace, marked;
	int skipped;
	char caller[16];
	struct klog_stream streams[KLOG_STREAMS];
	int line;
	kreport_fn fn;
	void *ctx;
};

void klog_init(struct klog_parser *p, kreport_fn fn, void *ctx);
/*
 * Any one line of log text; prefixes are recognised and stripped, bytes that
 * are not UTF-8 and control characters escaped as "\xHH" (text_escape()).
 */
void klog_feed(struct klog_parser *p, const char *line);
/*
 * The kernel release a report names on its "Not tainted RELEASE" or
 * "Tainted: FLAGS RELEASE" line ("6.12.117+deb12-amd64"), the first one in
 * text; NULL when no report line names one. Free it.
 */
char *klog_kernel_release(const char *text);
/* Every report in a log file ("-": standard input), as kreport_json() objects. */
int klog_read_reports(const char *path, json_t *reports);
void klog_finish(struct klog_parser *p);

/* The message text of a line with every known prefix removed (ts: -1 if none). */
const char *klog_strip(const char *line, double *ts);

void kreport_free(struct kreport *r);
const char *kr_kind_name(enum kr_kind k);
/* A hang or a crash (not a WARNING, not an OOM kill, not a running task in a dump). */
bool kreport_is_hang(const struct kreport *r);
bool kreport_is_crash(const struct kreport *r);
/* The same for a kreport_json() object's "kind": "bug", "oops" or "panic". */
bool kr_kind_name_is_crash(const char *name);

/* syzbot-style: "task hung in evict", "BUG: ... in fn", "WARNING in fn". */
char *kreport_title(const struct kreport *r);
/* The function names of r's reliable frames (not "? "), innermost first, at most max. */
size_t kreport_frames(const struct kreport *r, char **fns, size_t max);
/* First frame that names where a task waits, skipping sched/wait/lock/... frames. */
const char *stack_culprit(char *const *frames, size_t n);

json_t *kreport_json(const struct kreport *r);
/* The inverse of kreport_json() ("title" is derived again), or NULL with err_msg(). */
struct kreport *kreport_from_json(json_t *o);
/* Frames of a /proc/PID/stack ("[<0>] fn+0x1/0x2 [mod]") or a trace line. */
int parse_frame(const char *text, struct kframe *f);

#endif
