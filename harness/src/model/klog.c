// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/klog.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

static const char *const kind_names[KR_NKINDS] = {
	[KR_HUNG_TASK] = "hung_task", [KR_TASK_DUMP] = "task_dump", [KR_BUG] = "bug",
	[KR_OOPS] = "oops",	      [KR_WARNING] = "warning",	    [KR_PANIC] = "panic",
	[KR_OOM_KILL] = "oom_kill",   [KR_RCU_STALL] = "rcu_stall", [KR_NOTICE] = "notice",
	[KR_INJECTED] = "injected",   [KR_CYCLE] = "cycle",
};

/*
 * One-line kernel warnings that are findings of their own: the kernel gave
 * up on a wait it bounds (model/bounded.h) and says so.
 */
static const struct {
	const char *prefix, *text, *title;
} notices[] = {
	{"ceph: ", "umount timed out", "ceph: umount timed out"},
	{"ceph: ", "umount was killed", "ceph: umount was killed"},
};

#define CYCLE_PREFIX "iputstorm_inject: cycle closed: "

/* "... (kworker/u8:2/123): ...": the task is the last "(COMM/PID)" (COMM may hold '/'). */
static void parse_cycle_task(struct kreport *r, const char *t)
{
	const char *close = strstr(t, "): "), *open, *slash;

	if (!close)
		return;
	for (open = close; open > t && *open != '('; open--)
		;
	for (slash = close; slash > open && *slash != '/'; slash--)
		;
	if (*open != '(' || slash <= open + 1)
		return;
	r->task = xstrndup(open + 1, (size_t)(slash - open - 1));
	r->pid = atoi(slash + 1);
}

static const char *notice_title(const char *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(notices); i++)
		if (str_startswith(t, notices[i].prefix) && strstr(t, notices[i].text))
			return notices[i].title;
	return NULL;
}

const char *kr_kind_name(enum kr_kind k)
{
	return k < KR_NKINDS ? kind_names[k] : "?";
}

void klog_init(struct klog_parser *p, kreport_fn fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
}

void kreport_free(struct kreport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nframes; i++) {
		free(r->frames[i].fn);
		free(r->frames[i].module);
	}
	free(r->frames);
	free(r->headline);
	free(r->task);
	free(r->workqueue);
	free(r->work_fn);
	free(r->work_desc);
	free(r->rip);
	free(r);
}

/* "[  123.456789] " → ts; returns the rest, or NULL when s does not start so. */
static const char *strip_brackets_ts(const char *s, double *ts)
{
	char *end;
	double v;
	const char *p = s + 1;

	if (*s != '[')
		return NULL;
	while (*p == ' ')
		p++;
	v = strtod(p, &end);
	if (end == p || *end != ']' || !memchr(p, '.', end - p))
		return NULL;
	*ts = v;
	end++;
	return *end == ' ' ? end + 1 : end;
}

/* printk caller ids: "[T1234] " or "[C1] " (CONFIG_PRINTK_CALLER). */
static const char *strip_caller(const char *s, char caller[16])
{
	const char *p = s;
	const char *id;

	if (*p != '[')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	if (*p != 'T' && *p != 'C')
		return NULL;
	id = p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != ']')
		return NULL;
	if (caller)
		snprintf(caller, 16, "%.*s", (int)MIN(p - id, 15), id);
	p++;
	return *p == ' ' ? p + 1 : p;
}

/* /dev/kmsg: "6,1234,5678901,-;message" (or with a caller field before ';'). */
static const char *strip_kmsg(const char *s, double *ts)
{
	const char *p = s;
	unsigned long long usec;
	int fields = 0;

	for (; fields < 3; fields++) {
		const char *start = p;

		while (isdigit((unsigned char)*p))
			p++;
		if (p == start || *p != ',')
			return NULL;
		if (fields == 2)
			usec = strtoull(start, NULL, 10);
		p++;
	}
	p = strchr(p, ';');
	if (!p || p - s > 64)
		return NULL;
	*ts = usec / 1e6;
	return p + 1;
}

/* dmesg -x: "kern  :err   : message". */
static const char *strip_facility(const char *s)
{
	static const char *const fac[] = {"kern", "user", "daemon", "syslog"};
	static const char *const lvl[] = {"emerg", "alert",  "crit", "err",
					  "warn",  "notice", "info", "debug"};

	for (size_t i = 0; i < ARRAY_SIZE(fac); i++) {
		const char *p;

		if (!str_startswith(s, fac[i]))
			continue;
		p = s + strlen(fac[i]);
		while (*p == ' ')
			p++;
		if (*p++ != ':')
			return NULL;
		for (size_t j = 0; j < ARRAY_SIZE(lvl); j++) {
			if (!str_startswith(p, lvl[j]))
				continue;
			p += strlen(lvl[j]);
			while (*p == ' ')
				p++;
			if (*p++ != ':')
				return NULL;
			return *p == ' ' ? p + 1 : p;
		}
	}
	return NULL;
}

/* klog_strip(), and the printk caller id ("T123") when the line has one. */
static const char *strip_all(const char *line, double *ts, char caller[16])
{
	const char *s = line, *n;
	const char *k;

	*ts = -1;
	caller[0] = '\0';
	if ((n = strip_kmsg(s, ts)))
		s = n;
	/* syslog and journalctl: "Nov 22 10:00:00 host kernel: ..." */
	k = strstr(s, " kernel: ");
	if (k && k - s < 120)
		s = k + 9;
	for (int guard = 0; guard < 4; guard++) {
		if (s[0] == '<' && isdigit((unsigned char)s[1]) && s[2] == '>')
			s += 3;
		else if ((n = strip_brackets_ts(s, ts)))
			s = n;
		else if ((n = strip_caller(s, caller)))
			s = n;
		else if ((n = strip_facility(s)))
			s = n;
		else
			break;
	}
	return s;
}

const char *klog_strip(const char *line, double *ts)
{
	char caller[16];

	return strip_all(line, ts, caller);
}

int parse_frame(const char *text, struct kframe *f)
{
	const char *p = text, *sym, *plus, *end;

	memset(f, 0, sizeof(*f));
	while (*p == ' ' || *p == '\t')
		p++;
	/* "[<0>] " from /proc/PID/stack, "[<ffffffff81234567>] " from old traces. */
	if (p[0] == '[' && p[1] == '<') {
		const char *e = strstr(p, ">]");

		if (!e)
			return -1;
		p = e + 2;
		while (*p == ' ')
			p++;
	}
	if (p[0] == '?' && p[1] == ' ') {
		f->unreliable = true;
		p += 2;
	}
	sym = p;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '$')
		p++;
	if (p == sym || strncmp(p, "+0x", 3))
		return -1;
	plus = p;
	p += 3;
	while (isxdigit((unsigned char)*p))
		p++;
	if (strncmp(p, "/0x", 3))
		return -1;
	p += 3;
	while (isxdigit((unsigned char)*p))
		p++;
	while (*p == ' ')
		p++;
	if (*p == '[') {
		end = strchr(p, ']');
		if (end) {
			const char *sp = memchr(p, ' ', end - p);

			f->module = xstrndup(p + 1, (sp ? sp : end) - p - 1);
		}
	}
	f->fn = xstrndup(sym, plus - sym);
	return 0;
}

static void add_frame(struct kreport *r, struct kframe *f)
{
	r->frames = xrealloc(r->frames, (r->nframes + 1) * sizeof(*r->frames));
	r->frames[r->nframes++] = *f;
}

static struct kreport *new_report(struct klog_parser *p, enum kr_kind kind, const char *text,
				  double ts)
{
	struct kreport *r = xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->headline = xstrdup(text);
	r->ts = ts;
	r->line = p->line;
	r->pid = -1;
	return r;
}

static void finish(struct klog_parser *p)
{
	struct kreport *r = p->cur;

	p->cur = NULL;
	p->in_trace = p->marked = false;
	p->skipped = 0;
	if (!r)
		return;
	p->fn(r, p->ctx);
}

/* "task:kworker/u4:1  state:D stack:0 pid:123 tgid:123 ppid:2 flags:0x4000" */
static void parse_task_line(struct kreport *r, const char *t)
{
	const char *st = strstr(t, " state:");
	const char *pid = strstr(t, " pid:");
	_cleanup_free_ char *comm = NULL;

	if (!st)
		return;
	comm = xstrndup(t + 5, st - t - 5);
	free(r->task);
	r->task = xstrdup(str_strip(comm));
	r->state = st[7];
	if (pid)
		r->pid = atoi(pid + 5);
}

/* "INFO: task kworker/u4:1:123 blocked for more than 120 seconds." */
static void parse_hung_line(struct kreport *r, const char *t)
{
	const char *start = t + strlen("INFO: task ");
	const char *blk = strstr(start, " blocked for more than ");
	const char *colon;

	if (!blk)
		return;
	colon = blk;
	while (colon > start && colon[-1] != ':')
		colon--;
	if (colon <= start)
		return;
	r->task = xstrndup(start, colon - 1 - start);
	r->pid = atoi(colon);
	r->blocked_secs = atol(blk + strlen(" blocked for more than "));
}

/* "CPU: 1 PID: 123 Comm: kworker/u4:2 Tainted: ..." (6.12 adds "UID: 0"). */
static void parse_cpu_line(struct kreport *r, const char *t)
{
	const char *pid = strstr(t, " PID: ");
	const char *comm = strstr(t, " Comm: ");

	if (pid && r->pid < 0)
		r->pid = atoi(pid + 6);
	if (comm && !r->task) {
		const char *e = comm + 7;

		while (*e && *e != ' ')
			e++;
		r->task = xstrndup(comm + 7, e - comm - 7);
	}
}

/* "Workqueue: writeback wb_workfn (flush-ceph-1)" */
static void parse_workqueue_line(struct kreport *r, const char *t)
{
	char name[128] = "", fn[128] = "", desc[128] = "";
	const char *paren;

	if (sscanf(t, "Workqueue: %127s %127s", name, fn) < 1)
		return;
	paren = strrchr(t, '(');
	if (paren && sscanf(paren, "(%127[^)])", desc) == 1) {
		free(r->work_desc);
		r->work_desc = xstrdup(desc);
	}
	free(r->workqueue);
	r->workqueue = xstrdup(name);
	free(r->work_fn);
	r->work_fn = fn[0] ? xstrdup(fn) : NULL;
}

static void parse_rip(struct kreport *r, const char *t)
{
	struct kframe f;
	const char *c = strchr(t + 5, ':');

	/* "RIP: 0010:ceph_put_wrbuffer_cap_refs+0x12/0x340 [ceph]" */
	if (!c || parse_frame(c + 1, &f) < 0)
		return;
	free(r->rip);
	r->rip = f.fn;
	free(f.module);
}

/* "RSP: 0018:ffffc9000041bad0 EFLAGS: 00010246" */
static void parse_rsp_line(struct kreport *r, const char *t)
{
	const char *e = strstr(t, "EFLAGS: ");
	unsigned long long flags;
	char *end;

	if (!e)
		return;
	errno = 0;
	flags = strtoull(e + 8, &end, 16);
	if (end == e + 8 || errno)
		return;
	r->impossible_flags = (flags & ~0x3f7fd7ULL) || !(flags & 0x2);
}

/* "WARNING: CPU: 0 PID: 1 at fs/ceph/caps.c:123 fn+0x1/0x2 [ceph]" */
/*
 * Since 6.19 a warning's first line is "WARNING: fs/inode.c:1591 at
 * ihold+0x23/0x30, CPU#0: kworker/u8:2/37": the function right after " at ",
 * the task as COMM/PID at the end.
 */
static bool is_warning_line(const char *t)
{
	return str_startswith(t, "WARNING: CPU: ") ||
	       (str_startswith(t, "WARNING: ") && strstr(t, " at ") && strstr(t, ", CPU#"));
}

static void parse_warning_line(struct kreport *r, const char *t)
{
	const char *at = strstr(t, " at ");
	const char *cpu = strstr(t, ", CPU#");
	struct kframe f;
	const char *sp;

	if (!str_startswith(t, "WARNING: CPU: ") && at && cpu && at < cpu) {
		_cleanup_free_ char *fn = xstrndup(at + 4, cpu - at - 4);
		const char *task = strstr(cpu, ": ");
		const char *slash = task ? strrchr(task, '/') : NULL;

		if (parse_frame(fn, &f) == 0) {
			r->rip = f.fn;
			free(f.module);
		}
		if (task && slash && !r->task) {
			r->task = xstrndup(task + 2, slash - task - 2);
			r->pid = atoi(slash + 1);
		}
		return;
	}
	parse_cpu_line(r, t);
	if (!at)
		return;
	sp = strchr(at + 4, ' ');
	if (sp && parse_frame(sp + 1, &f) == 0) {
		r->rip = f.fn;
		free(f.module);
	}
}

static bool starts_report(struct klog_parser *p, const char *t, double ts)
{
	struct kreport *r = NULL;

	if (str_startswith(t, "INFO: task ") && strstr(t, " blocked for more than ")) {
		r = new_report(p, KR_HUNG_TASK, t, ts);
		parse_hung_line(r, t);
	} else if (str_startswith(t, "task:") && strstr(t, " state:")) {
		/* The task line of a hung-task report belongs to it. */
		if (p->cur && p->cur->kind == KR_HUNG_TASK && !p->cur->state && !p->in_trace) {
			parse_task_line(p->cur, t);
			return true;
		}
		r = new_report(p, KR_TASK_DUMP, t, ts);
		parse_task_line(r, t);
	} else if (str_startswith(t, "BUG: ") || str_startswith(t, "watchdog: BUG: ") ||
		   str_startswith(t, "kernel BUG at ")) {
		r = new_report(p, KR_BUG, t, ts);
	} else if (str_startswith(t, "Oops: ") || str_startswith(t, "general protection fault")) {
		/* An Oops right after its BUG line is the same report. */
		if (p->cur && p->cur->kind == KR_BUG && !p->in_trace)
			return true;
		r = new_report(p, KR_OOPS, t, ts);
	} else if (is_warning_line(t) || str_startswith(t, "WARNING: possible ")) {
		r = new_report(p, KR_WARNING, t, ts);
		parse_warning_line(r, t);
	} else if (str_startswith(t, "Kernel panic - not syncing")) {
		r = new_report(p, KR_PANIC, t, ts);
	} else if ((str_startswith(t, "Out of memory: Killed process ") ||
		    str_startswith(t, "Memory cgroup out of memory: Killed process "))) {
		const char *k = strstr(t, "Killed process ") + 15;
		const char *o = strchr(k, '('), *c = o ? strchr(o, ')') : NULL;

		finish(p);
		r = new_report(p, KR_OOM_KILL, t, ts);
		r->pid = atoi(k);
		if (o && c)
			r->task = xstrndup(o + 1, c - o - 1);
		p->cur = r;
		finish(p); /* one line, complete */
		return true;
	} else if (str_startswith(t, "iputstorm_inject: injected: ")) {
		finish(p);
		p->cur = new_report(p, KR_INJECTED, t, ts);
		finish(p); /* one line, complete */
		return true;
	} else if (str_startswith(t, CYCLE_PREFIX)) {
		finish(p);
		p->cur = new_report(p, KR_CYCLE, t, ts);
		parse_cycle_task(p->cur, t);
		finish(p); /* one line, complete */
		return true;
	} else if (notice_title(t)) {
		finish(p);
		p->cur = new_report(p, KR_NOTICE, t, ts);
		finish(p); /* one line, complete */
		return true;
	} else if ((str_startswith(t, "rcu: INFO: ") || str_startswith(t, "INFO: rcu")) &&
		   strstr(t, "stall")) {
		r = new_report(p, KR_RCU_STALL, t, ts);
	}
	if (!r)
		return false;
	finish(p);
	p->cur = r;
	return true;
}

static bool is_register_or_noise(const char *t)
{
	static const char *const prefixes[] = {
		"RSP:",
		"RAX:",
		"RDX:",
		"RBP:",
		"R10:",
		"R13:",
		"FS:",
		"CS:",
		"CR2:",
		"DR0:",
		"DR3:",
		"Code:",
		"PKRU:",
		"Hardware name:",
		"Modules linked in:",
		"Tainted:",
		"Not tainted",
		"\"echo 0 >",
		"<TASK>",
		"<IRQ>",
		"</IRQ>",
		"<NMI>",
		"</NMI>",
		"Call Trace:",
		"---[ end trace",
		"Kernel Offset:",
		"Sending NMI",
		"NMI backtrace",
		"CPU: ",
		"RIP: ",
		"Workqueue: ",
		"Showing all locks",
		"Mem-Info:",
		"irq event stamp",
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_startswith(t, prefixes[i]))
			return true;
	return false;
}

/* Puts the active stream away and makes CALLER's active (a new one when unseen). */
static void switch_stream(struct klog_parser *p, const char *caller)
{
	struct klog_stream *free_slot = NULL, *oldest = NULL, *s;

	if (!strcmp(p->caller, caller))
		return;
	for (size_t i = 0; i < KLOG_STREAMS; i++) {
		s = &p->streams[i];
		if (!s->used && !free_slot)
			free_slot = s;
		if (s->used && (!oldest || s->used < oldest->used))
			oldest = s;
	}
	/* Put the active one away. */
	if (p->cur || p->in_trace) {
		if (!free_slot) {
			struct kreport *mine = p->cur;
			bool in_trace = p->in_trace, marked = p->marked;
			int skipped = p->skipped;

			/* Full: the stream unused longest ends its report now. */
			p->cur = oldest->cur;
			finish(p);
			p->cur = mine;
			p->in_trace = in_trace;
			p->marked = marked;
			p->skipped = skipped;
			*oldest = (struct klog_stream){0};
			free_slot = oldest;
		}
		*free_slot = (struct klog_stream){.cur = p->cur,
						  .in_trace = p->in_trace,
						  .marked = p->marked,
						  .skipped = p->skipped,
						  .used = (unsigned long)p->line};
		snprintf(free_slot->caller, sizeof(free_slot->caller), "%s", p->caller);
	}
	p->cur = NULL;
	p->in_trace = p->marked = false;
	p->skipped = 0;
	snprintf(p->caller, sizeof(p->caller), "%s", caller);
	for (size_t i = 0; i < KLOG_STREAMS; i++) {
		s = &p->streams[i];
		if (s->used && !strcmp(s->caller, caller)) {
			p->cur = s->cur;
			p->in_trace = s->in_trace;
			p->marked = s->marked;
			p->skipped = s->skipped;
			*s = (struct klog_stream){0};
			break;
		}
	}
}

/* Past this many unrelated lines a <TASK> trace whose </TASK> never came ends. */
#define MAX_SKIPPED 64

void klog_feed(struct klog_parser *p, const char *line)
{
	double ts;
	char caller[16];
	_cleanup_free_ char *clean =
		text_is_clean(line, strlen(line)) ? NULL : text_escape(line, strlen(line));
	const char *text = strip_all(clean ? clean : line, &ts, caller);
	const char *t = text;
	struct kreport *r;
	struct kframe f;

	p->line++;
	while (*t == ' ' || *t == '\t')
		t++;
	if (!*t)
		return;
	switch_stream(p, caller);
	if (starts_report(p, t, ts))
		return;
	r = p->cur;
	if (!r)
		return;
	/*
	 * A BUG, Oops or WARNING ends here; what the kernel prints after it
	 * (its registers again, another task's warning) is not this report's.
	 */
	if (str_startswith(t, "---[ end trace") && r->kind != KR_HUNG_TASK &&
	    r->kind != KR_TASK_DUMP) {
		finish(p);
		return;
	}
	if (str_startswith(t, "Workqueue: ")) {
		parse_workqueue_line(r, t);
	} else if (str_startswith(t, "CPU: ")) {
		parse_cpu_line(r, t);
	} else if (str_startswith(t, "RIP: ")) {
		parse_rip(r, t);
	} else if (str_startswith(t, "RSP: ")) {
		parse_rsp_line(r, t);
	} else if (str_startswith(t, "Call Trace:") || str_startswith(t, "<TASK>")) {
		p->in_trace = true;
		if (str_startswith(t, "<TASK>"))
			p->marked = true;
	} else if (str_startswith(t, "</TASK>")) {
		/* A task's trace is complete; a panic or BUG may still print more. */
		if (r->kind == KR_HUNG_TASK || r->kind == KR_TASK_DUMP)
			finish(p);
	} else if (parse_frame(t, &f) == 0) {
		add_frame(r, &f);
		p->in_trace = true;
	} else if (p->in_trace && p->marked && !is_register_or_noise(t) &&
		   ++p->skipped <= MAX_SKIPPED) {
		/*
		 * Another subsystem's line printed inside a <TASK> trace
		 * ("libceph: osd0 down"): the trace goes on until </TASK>.
		 */
	} else if (p->in_trace && !is_register_or_noise(t)) {
		/* Anything else after an unmarked trace ends the report. */
		finish(p);
	}
}

void klog_finish(struct klog_parser *p)
{
	finish(p);
	for (size_t i = 0; i < KLOG_STREAMS; i++)
		if (p->streams[i].used) {
			p->cur = p->streams[i].cur;
			p->streams[i] = (struct klog_stream){0};
			finish(p);
		}
}

bool kreport_is_hang(const struct kreport *r)
{
	switch (r->kind) {
	case KR_HUNG_TASK:
	case KR_RCU_STALL:
		return true;
	case KR_TASK_DUMP:
		return r->state == 'D';
	case KR_BUG:
		return strstr(r->headline, "soft lockup") != NULL;
	default:
		return false;
	}
}

bool kreport_is_crash(const struct kreport *r)
{
	return r->kind == KR_BUG || r->kind == KR_OOPS || r->kind == KR_PANIC;
}

bool kr_kind_name_is_crash(const char *name)
{
	for (int k = 0; name && k < KR_NKINDS; k++)
		if (kind_names[k] && !strcmp(name, kind_names[k]))
			return kreport_is_crash(&(struct kreport){.kind = (enum kr_kind)k});
	return false;
}

static bool frame_is_plumbing(const char *fn)
{
	static const char *const skip[] = {
		"sched",   "wait",	"lock",		 "down",	  "rwsem",     "completion",
		"kthread", "switch_to", "ret_from_fork", "entry_SYSCALL", "do_syscall"};

	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (strstr(fn, skip[i]))
			return true;
	return false;
}

const char *stack_culprit(char *const *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!frame_is_plumbing(frames[i]))
			return frames[i];
	return NULL;
}

size_t kreport_frames(const struct kreport *r, char **fns, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nframes && n < max; i++)
		if (!r->frames[i].unreliable)
			fns[n++] = r->frames[i].fn;
	return n;
}

static const char *report_culprit(const struct kreport *r)
{
	char *fns[256];

	return stack_culprit(fns, kreport_frames(r, fns, ARRAY_SIZE(fns)));
}

/* "BUG: kernel NULL pointer dereference, address: 0000" → "BUG: kernel NULL pointer dereference" */
static char *headline_head(const char *h)
{
	size_t n = strcspn(h, ",!");
	const char *dash = strstr(h, " - ");

	if (dash && (size_t)(dash - h) < n)
		n = dash - h;
	while (n && h[n - 1] == ' ')
		n--;
	return xstrndup(h, n);
}

char *kreport_title(const struct kreport *r)
{
	const char *where = r->rip ? r->rip : report_culprit(r);
	_cleanup_free_ char *head = NULL;

	switch (r->kind) {
	case KR_HUNG_TASK:
	case KR_TASK_DUMP: {
		const char *c = report_culprit(r);

		return c ? xasprintf("task hung in %s", c) : xstrdup("task hung (no stack)");
	}
	case KR_RCU_STALL:
		return where ? xasprintf("INFO: rcu detected stall in %s", where)
			     : xstrdup("INFO: rcu detected stall");
	case KR_BUG:
		head = headline_head(str_startswith(r->headline, "watchdog: ") ? r->headline + 10
									       : r->headline);
		if (str_startswith(head, "kernel BUG at "))
			return where ? xasprintf("kernel BUG in %s", where) : xstrdup(head);
		return where ? xasprintf("%s in %s", head, where) : xstrdup(head);
	case KR_OOPS:
		head = headline_head(r->headline);
		if (str_startswith(head, "general protection fault"))
			return where ? xasprintf("general protection fault in %s", where)
				     : xstrdup("general protection fault");
		return where ? xasprintf("Oops in %s", where) : xstrdup("Oops");
	case KR_WARNING:
		if (str_startswith(r->headline, "WARNING: possible "))
			return headline_head(r->headline);
		return where ? xasprintf("WARNING in %s", where) : xstrdup("WARNING");
	case KR_PANIC: {
		const char *why = strstr(r->headline, "syncing");

		why = why ? why + 7 : "";
		while (*why == ':' || *why == ' ')
			why++;
		return xasprintf("kernel panic: %s", why);
	}
	case KR_OOM_KILL:
		return xasprintf("OOM kill of %s", r->task ? r->task : "?");
	case KR_NOTICE:
		return xstrdup(notice_title(r->headline) ?: r->headline);
	case KR_INJECTED:
		return xasprintf("fault injection: %s",
				 r->headline + strlen("iputstorm_inject: injected: "));
	case KR_CYCLE:
		return xasprintf("deadlock cycle closed in %s: evict() waits for its own I_SYNC",
				 r->task ? r->task : "?");
	case KR_NKINDS:
		break;
	}
	return xstrdup(r->headline);
}

json_t *kreport_json(const struct kreport *r)
{
	_cleanup_free_ char *title = kreport_title(r);
	json_t *stack = json_array();
	json_t *o;
	char st[2] = {r->state, 0};

	for (size_t i = 0; i < r->nframes; i++) {
		const struct kframe *f = &r->frames[i];

		json_array_append_new(stack, json_sprintf("%s%s%s%s%s", f->unreliable ? "? " : "",
							  f->fn, f->module ? " [" : "",
							  f->module ? f->module : "",
							  f->module ? "]" : ""));
	}
	o = json_pack("{s:s, s:s, s:s}", "kind", kr_kind_name(r->kind), "title", title, "headline",
		      r->headline);
	if (r->task)
		json_object_set_new(o, "task", json_string(r->task));
	if (r->pid >= 0)
		json_object_set_new(o, "pid", json_integer(r->pid));
	if (r->state)
		json_object_set_new(o, "state", json_string(st));
	if (r->blocked_secs)
		json_object_set_new(o, "blocked_secs", json_integer(r->blocked_secs));
	if (r->workqueue)
		json_object_set_new(o, "workqueue", json_string(r->workqueue));
	if (r->work_fn)
		json_object_set_new(o, "work_fn", json_string(r->work_fn));
	if (r->work_desc)
		json_object_set_new(o, "work_desc", json_string(r->work_desc));
	if (r->rip)
		json_object_set_new(o, "rip", json_string(r->rip));
	if (r->ts >= 0)
		json_object_set_new(o, "ts", json_real(r->ts));
	json_object_set_new(o, "line", json_integer(r->line));
	json_object_set_new(o, "stack", stack);
	return o;
}

/* "? fn [mod]" as kreport_json() writes a frame. */
static void frame_from_text(const char *text, struct kframe *f)
{
	const char *p = text, *sp;

	memset(f, 0, sizeof(*f));
	if (str_startswith(p, "? ")) {
		f->unreliable = true;
		p += 2;
	}
	sp = strstr(p, " [");
	if (sp && str_endswith(sp, "]")) {
		f->fn = xstrndup(p, sp - p);
		f->module = xstrndup(sp + 2, strlen(sp + 2) - 1);
	} else {
		f->fn = xstrdup(p);
	}
}

static char *dup_or_null(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? xstrdup(v) : NULL;
}

struct kreport *kreport_from_json(json_t *o)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *state = json_string_value(json_object_get(o, "state"));
	json_t *stack = json_object_get(o, "stack"), *f;
	struct kreport *r;
	size_t i;
	int k;

	for (k = 0; k < KR_NKINDS; k++)
		if (kind && !strcmp(kind, kind_names[k]))
			break;
	if (k == KR_NKINDS) {
		err_set("a kernel report of unknown kind '%s'", kind ? kind : "(none)");
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->kind = k;
	r->headline = dup_or_null(o, "headline");
	r->task = dup_or_null(o, "task");
	r->pid =
		json_object_get(o, "pid") ? (int)json_integer_value(json_object_get(o, "pid")) : -1;
	r->state = state && *state ? state[0] : 0;
	r->blocked_secs = (long)json_integer_value(json_object_get(o, "blocked_secs"));
	r->workqueue = dup_or_null(o, "workqueue");
	r->work_fn = dup_or_null(o, "work_fn");
	r->work_desc = dup_or_null(o, "work_desc");
	r->rip = dup_or_null(o, "rip");
	r->ts = json_object_get(o, "ts") ? json_number_value(json_object_get(o, "ts")) : -1;
	r->line = (int)json_integer_value(json_object_get(o, "line"));
	if (!r->headline)
		r->headline = xstrdup("");
	r->frames = xcalloc(json_array_size(stack) + 1, sizeof(*r->frames));
	json_array_foreach (stack, i, f)
		if (json_is_string(f))
			frame_from_text(json_string_value(f), &r->frames[r->nframes++]);
	return r;
}

/* A release starts with a digit and has a dot: "6.1.0-57-amd64", not a taint flag. */
static char *release_token(const char *p)
{
	size_t n = strcspn(p, " \t\r\n");

	if (!n || !isdigit((unsigned char)*p) || !memchr(p, '.', n))
		return NULL;
	return xstrndup(p, n);
}

char *klog_kernel_release(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n'), *p;
		size_t len = end ? (size_t)(end - l) : strlen(l);
		_cleanup_free_ char *line = xstrndup(l, len);
		char *r;

		if ((p = strstr(line, "Not tainted ")))
			p += strlen("Not tainted ");
		else if ((p = strstr(line, " Tainted: ")))
			/* The flags are capitals and blanks; the release follows them. */
			for (p += strlen(" Tainted: "); *p && !isdigit((unsigned char)*p); p++)
				;
		if (p && (r = release_token(p)))
			return r;
	}
	return NULL;
}

static void append_report(struct kreport *r, void *ctx)
{
	json_array_append_new(ctx, kreport_json(r));
	kreport_free(r);
}

/* Every report in the text, as kreport_json() objects: the shape trials record. */
static int parse_log(FILE *f, json_t *reports)
{
	struct klog_parser p;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	klog_init(&p, append_report, reports);
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		klog_feed(&p, line);
	}
	klog_finish(&p);
	return ferror(f) ? err_set("cannot read: %s", strerror(errno)) : 0;
}

int klog_read_reports(const char *path, json_t *reports)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	int r;

	if (!f)
		return err_set("%s: cannot open: %s", path, strerror(errno));
	r = parse_log(f, reports);
	if (f != stdin)
		fclose(f);
	return r < 0 ? err_prefix("%s", strcmp(path, "-") ? path : "standard input") : 0;
}
