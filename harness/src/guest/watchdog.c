// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/watchdog.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/strv.h"
#include "model/bounded.h"
#include "model/events.h"
#include "model/klog.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

void watchdog_init(struct watchdog *w, double stuck_after, const char *proc)
{
	memset(w, 0, sizeof(*w));
	w->stuck_after = stuck_after;
	w->proc = proc ? proc : "/proc";
}

void watchdog_free(struct watchdog *w)
{
	free(w->t);
	w->t = NULL;
	w->n = w->cap = 0;
}

void watchdog_suspect(struct watchdog *w, pid_t tid)
{
	for (int i = 0; i < WD_SUSPECTS; i++)
		if (w->suspects[i] == tid || !w->suspects[i]) {
			w->suspects[i] = tid;
			return;
		}
}

static bool is_suspect(const struct watchdog *w, pid_t tid)
{
	for (int i = 0; i < WD_SUSPECTS && w->suspects[i]; i++)
		if (w->suspects[i] == tid)
			return true;
	return false;
}

bool wd_update(struct wd_task *t, char state, unsigned long long nvcsw, unsigned long long nivcsw,
	       double now, double stuck_after)
{
	if (state != 'D' || nvcsw != t->nvcsw || nivcsw != t->nivcsw) {
		t->nvcsw = nvcsw;
		t->nivcsw = nivcsw;
		t->since = now;
		t->hold_until = 0;
		t->reported = false; /* it moved: a later stall is a new one */
		return false;
	}
	if (t->reported || now - t->since < stuck_after || now < t->hold_until)
		return false;
	t->reported = true;
	return true;
}

static struct wd_task *find_task(struct watchdog *w, pid_t tid)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->t[i].tid == tid)
			return &w->t[i];
	return NULL;
}

static struct wd_task *add_task(struct watchdog *w, pid_t tgid, pid_t tid)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 32;
		w->t = xrealloc(w->t, w->cap * sizeof(*w->t));
	}
	memset(&w->t[w->n], 0, sizeof(w->t[0]));
	w->t[w->n].tid = tid;
	w->t[w->n].tgid = tgid;
	return &w->t[w->n++];
}

static char task_state(const char *dir, char *comm, size_t commsz)
{
	char path[320], buf[1024];
	char *l, *r;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (read_file_trim(path, buf, sizeof(buf)) < 0)
		return 0;
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r < l)
		return 0;
	if (comm)
		snprintf(comm, commsz, "%.*s", (int)(r - l - 1), l + 1);
	return r[1] == ' ' ? r[2] : 0;
}

static int ctxt_switches(const char *dir, unsigned long long *v, unsigned long long *nv)
{
	char path[320];
	_cleanup_free_ char *s = NULL;
	char *p;

	snprintf(path, sizeof(path), "%s/status", dir);
	s = read_file(path, NULL);
	if (!s)
		return -1;
	p = strstr(s, "\nvoluntary_ctxt_switches:");
	if (!p)
		return -1;
	*v = strtoull(p + 25, NULL, 10);
	p = strstr(s, "\nnonvoluntary_ctxt_switches:");
	if (!p)
		return -1;
	*nv = strtoull(p + 28, NULL, 10);
	return 0;
}

void wd_describe(const char *proc, pid_t tgid, pid_t tid, struct wd_desc *d)
{
	char dir[256], path[320], buf[256];
	_cleanup_free_ char *stack = NULL;
	char *save = NULL, *plus;

	memset(d, 0, sizeof(*d));
	snprintf(dir, sizeof(dir), "%s/%d/task/%d", proc, (int)tgid, (int)tid);
	d->ev.state = task_state(dir, d->comm, sizeof(d->comm));
	d->ev.comm = d->comm;
	d->ev.pid = (int)tgid;
	d->ev.tid = (int)tid;
	/* kworkers show their current workqueue: "kworker/u8:2+flush-ceph-1". */
	plus = strpbrk(d->comm, "+-");
	if (str_startswith(d->comm, "kworker/") && plus) {
		snprintf(d->workqueue, sizeof(d->workqueue), "%s", plus + 1);
		d->ev.workqueue = d->workqueue;
	}
	snprintf(path, sizeof(path), "%s/wchan", dir);
	if (read_file_trim(path, d->wchan, sizeof(d->wchan)) >= 0)
		d->ev.wchan = d->wchan;
	snprintf(path, sizeof(path), "%s/cgroup", dir);
	if (read_file_trim(path, buf, sizeof(buf)) >= 0) {
		char *c = strstr(buf, "::");

		snprintf(d->cgroup, sizeof(d->cgroup), "%.*s", (int)sizeof(d->cgroup) - 1,
			 c ? c + 2 : buf);
		d->ev.cgroup = d->cgroup;
	}
	snprintf(path, sizeof(path), "%s/stack", dir);
	stack = read_file(path, NULL);
	for (char *l = stack ? strtok_r(stack, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		struct kframe f;

		if (parse_frame(l, &f) < 0)
			continue;
		if (f.module)
			strv_pushf(&d->ev.stack, "%s [%s]", f.fn, f.module);
		else
			strv_push(&d->ev.stack, f.fn);
		free(f.fn);
		free(f.module);
	}
}

void wd_desc_release(struct wd_desc *d)
{
	strv_release(&d->ev.stack);
}

/* A task reported stuck switched, left D or exited: it was not hung for good. */
static void report_moved(struct watchdog *w, struct wd_task *t,
			 void (*report)(struct ev_stuck *, void *), void *ctx)
{
	struct ev_stuck ev = {.comm = "", .pid = (int)t->tgid, .tid = (int)t->tid, .moved = true};

	(void)w;
	t->reported = false;
	report(&ev, ctx);
}

static void sample_task(struct watchdog *w, pid_t tgid, pid_t tid, double now,
			void (*report)(struct ev_stuck *, void *), void *ctx)
{
	char dir[256];
	unsigned long long v, nv;
	struct wd_task *t;
	bool suspect, was_stuck;
	char state;

	snprintf(dir, sizeof(dir), "%s/%d/task/%d", w->proc, (int)tgid, (int)tid);
	state = task_state(dir, NULL, 0);
	t = find_task(w, tid);
	if (state != 'D') {
		if (t)
			t->seen = 0; /* pruned below, saying it moved if it was stuck */
		return;
	}
	w->dstate++;
	if (ctxt_switches(dir, &v, &nv) < 0)
		return;
	if (!t) {
		t = add_task(w, tgid, tid);
		t->nvcsw = v;
		t->nivcsw = nv;
		t->since = now;
	}
	t->seen = now;
	suspect = is_suspect(w, tid);
	was_stuck = t->reported;
	if (!wd_update(t, state, v, nv, now,
		       suspect ? MIN(WD_CYCLE_CONFIRM, w->stuck_after) : w->stuck_after)) {
		if (was_stuck && !t->reported)
			report_moved(w, t, report, ctx);
		return;
	}
	{
		const struct bounded_wait *bw;
		struct wd_desc d;

		wd_describe(w->proc, tgid, tid, &d);
		d.ev.stuck_for = now - t->since;
		d.ev.cycle = suspect;
		bw = w->bound > 0 ? bounded_wait_of(d.ev.stack.v, d.ev.stack.n, true) : NULL;
		if (bw) {
			d.ev.bound = w->bound;
			d.ev.waits_for = bw->what;
			d.ev.within = d.ev.stuck_for < w->bound + BOUNDED_GRACE;
		}
		if (d.ev.within) {
			t->reported = false;
			t->hold_until = t->since + w->bound + BOUNDED_GRACE;
		} else {
			w->stuck++;
		}
		report(&d.ev, ctx);
		wd_desc_release(&d);
	}
}

/* Forget tasks that left D (or exited) so the table stays small. */
static void prune(struct watchdog *w, double now, void (*report)(struct ev_stuck *, void *),
		  void *ctx)
{
	size_t j = 0;

	for (size_t i = 0; i < w->n; i++) {
		if (w->t[i].seen == now)
			w->t[j++] = w->t[i];
		else if (w->t[i].reported)
			report_moved(w, &w->t[i], report, ctx);
	}
	w->n = j;
}

void watchdog_sample(struct watchdog *w, double now, void (*report)(struct ev_stuck *, void *),
		     void *ctx)
{
	_cleanup_dir_ DIR *d = opendir(w->proc);
	struct dirent *de;

	w->dstate = 0;
	w->samples++;
	while (d && (de = readdir(d))) {
		pid_t tgid = atoi(de->d_name);
		char tdir[280];
		_cleanup_dir_ DIR *td = NULL;
		struct dirent *te;

		if (tgid <= 0)
			continue;
		snprintf(tdir, sizeof(tdir), "%s/%d/task", w->proc, (int)tgid);
		td = opendir(tdir);
		while (td && (te = readdir(td))) {
			pid_t tid = atoi(te->d_name);

			if (tid > 0)
				sample_task(w, tgid, tid, now, report, ctx);
		}
	}
	prune(w, now, report, ctx);
}
