// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/trial.h"
#include "analysis/decide.h"
#include "analysis/signature.h"
#include "host/cluster.h"
#include "host/netns.h"
#include "host/records.h"
#include "host/slots.h"
#include "host/vm.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/lines.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "model/bounded.h"
#include "model/events.h"
#include "model/injections.h"
#include "model/klog.h"
#include "model/payload.h"
#include "model/scenario.h"
#include "model/verdict.h"
#include "store/guestroot.h"
#include "store/initramfs.h"
#include "store/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLUSTER_READY_SECS 120

enum tstate { TS_RUN, TS_DUMP, TS_DRAIN, TS_END };

struct trial {
	const struct trial_spec *ts;
	const struct scn_global *g;
	struct vm vm;
	struct record rec;
	char *sock_dir;
	char *exe_dir;	      /* the copy of this binary the guest runs */
	enum guest_root root; /* ROOT_9P or ROOT_BLK, never ROOT_AUTO */
	char *root_image;     /* ROOT_BLK: the cached image on virtio-blk */
	char *tap;
	struct slot slot;	   /* the guest's address on the bridge */
	char *host;		   /* the guest's host name: "iputstorm-TOKEN-PID-N" */
	char *client, *client_key; /* the cephx client it mounts as */
	bool own_client;	   /* made for the trial (embedded), removed after */
	int con_log, ev_log;
	struct line_splitter con_ls, ev_ls;
	struct klog_parser kp;
	struct trial_facts f;
	enum tstate state;
	double t0, hello_t, stress_t, last_event_t, hang_t, end_t, last_console_t, last_fsync_t;
	double cycle_t; /* the module saw a deadlock's cycle close (KR_CYCLE) */
	double dump_t, dump_deadline, drain_until;
	int dump_stage;
	const char *dump_why;
	bool cycle_stuck; /* a stuck task the module saw close the cycle: its name is known */
	/*
	 * The MDS answers every metadata request: while a rank is not active
	 * (a failover, a restart) the guest's tasks wait for it, and any of
	 * them may look stuck. Polled each second; a task found stuck in a
	 * window in which the MDS was not active is held until the MDS has been
	 * active for a whole stuck_after (then it is stuck) or until it moves.
	 */
	double mds_polled, mds_down_ht; /* mds_down_ht: last poll that found a rank not active */
	json_t *held;			/* stuck events held so */
	json_t *released;		/* held tasks that moved once the MDS answered */
	json_t *mds_reports;		/* hung-task reports whose wait saw the MDS down */
	bool other_stuck;		/* a stuck task no "cycle closed" line explains */
	json_t *stuck, *reports, *failures, *errors;
	json_t *bounded;      /* tasks seen in a wait the kernel bounds (model/bounded.h) */
	double bounded_extra; /* the end of the trial waits for their bounds */
	json_t *counters;     /* the agent's latest telemetry counters */
	double counted_secs;  /* the stress time they cover */
	json_t *analysis;     /* sig_analyse() of the blocked tasks */
	json_t *integrity;    /* what the verify churners checked, summed (or NULL) */
	char *corrupt_title;  /* "data corruption in FILE at OFFSET" */
	char *hang_title, *crash_title, *warning_title, *notice_title, *fatal_msg, *init_msg,
		*workload_error;
	char *fatal_blame, *cluster_reason, *qemu_status;
	double *ceph_next; /* per section: next time a [type=ceph] action runs, or -1 */
	json_t *actions;
	double cluster_secs;
	double ready_secs; /* the cluster made ready before boot */
	int evicted;	   /* sessions a previous guest left, evicted before boot */
};

static double ht(struct trial *t)
{
	return now_mono() - t->t0;
}

static void replace(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? xstrdup(v) : NULL;
}

/* ---- payload ---- */

/*
 * Without the host root, the files the guest opens by host path travel in the
 * payload under /files, and /init puts them back at those paths.
 */
static int payload_host_files(struct trial *t, struct cpio *c, const char *exe)
{
	const struct scenario *scn = t->ts->scn;

	if (cpio_dir(c, "files", 0755) < 0 || cpio_host_file(c, "files", exe) < 0)
		return -1;
	if (t->ts->k->inject_ko && cpio_host_file(c, "files", t->ts->k->inject_ko) < 0)
		return -1;
	for (size_t i = 0; i < scn->ngroups; i++)
		if (scn->groups[i].jobfile &&
		    cpio_host_file(c, "files", scn->groups[i].jobfile) < 0)
			return -1;
	return 0;
}

static int write_payload(struct trial *t, char **initrd)
{
	const struct trial_spec *ts = t->ts;
	_cleanup_free_ char *exe = xasprintf("%s/iputstorm", t->exe_dir);
	_cleanup_free_ char *cpio_path = xasprintf("%s/payload.cpio", t->sock_dir);
	/* Each trial writes under its own top directory; the cluster is shared. */
	_cleanup_free_ char *workdir = xasprintf("iputstorm-%s-t%d", ts->run_id, ts->n);
	_cleanup_free_ char *trialjson = NULL, *env = NULL;
	struct payload p = {.scenario = ts->scenario_text,
			    .scenario_name = ts->scn->name,
			    .trial = ts->n,
			    .seed = ts->seed,
			    .mon_addr = cluster_mon_addrs(ts->c),
			    .fs = ts->c->external ? ts->c->fs : NULL,
			    .client = t->client,
			    .secret = t->client_key,
			    .fsid = ts->c->fsid,
			    .workdir = workdir,
			    .guest_addr = t->slot.addr,
			    .inject_module = ts->k->inject_ko,
			    /* Over 9p the guest sees the store at the host's path. */
			    .modules_root = t->root == ROOT_BLK ? NULL : ts->k->dir};
	json_t *j = payload_to_json(&p);
	struct cpio c;
	int r;

	trialjson = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(j);
	env = xasprintf("GUEST_ADDR=%s\nGUEST_GW=%s\nGUEST_HOST=%s\nEXE=%s\nROOT=%s\n",
			t->slot.addr, t->slot.gw, t->host, exe, t->root == ROOT_BLK ? "blk" : "9p");
	if (cpio_open(&c, cpio_path) < 0)
		return -1;
	if (cpio_init(&c) < 0 || cpio_dir(&c, "payload", 0755) < 0 ||
	    cpio_file(&c, "payload/trial.json", 0600, trialjson, strlen(trialjson)) < 0 ||
	    cpio_file(&c, "payload/init.env", 0644, env, strlen(env)) < 0 ||
	    (t->root == ROOT_BLK && payload_host_files(t, &c, exe) < 0)) {
		cpio_abort(&c);
		return -1;
	}
	if (cpio_close(&c) < 0)
		return -1;
	*initrd = xasprintf("%s/initrd", t->sock_dir);
	r = initramfs_concat(*initrd, ts->k->initramfs, cpio_path);
	unlink(cpio_path);
	return r;
}

/* The programs a guest may run, as its PATH finds them (tools/guest/init sets it). */
#define GUEST_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The guest runs a copy of /proc/self/exe made for the trial, so a rebuild
 * or reinstall while the run goes on (the path then reads "... (deleted)")
 * cannot break it. Not under /run: the guest mounts its own tmpfs there.
 */
static int copy_exe(struct trial *t)
{
	_cleanup_free_ char *exe = xasprintf("%s/iputstorm", t->exe_dir);

	if (copy_file("/proc/self/exe", exe, 0755) < 0)
		return err_set("cannot copy this binary to %s for the guest: %s", exe,
			       strerror(errno));
	return 0;
}

static int choose_root(struct trial *t)
{
	_cleanup_free_ char *exe = xasprintf("%s/iputstorm", t->exe_dir);
	_cleanup_free_ char *fio = find_program("fio", GUEST_PATH);
	_cleanup_free_ char *stress = find_program("stress-ng", GUEST_PATH);
	const char *programs[3] = {0};
	const char *libs_of[] = {exe, NULL};
	size_t n = 0;

	t->root = t->g->root;
	if (t->root == ROOT_AUTO)
		t->root = kernel_has_9p(t->ts->k) ? ROOT_9P : ROOT_BLK;
	if (t->root != ROOT_BLK)
		return 0;
	if (scenario_reexports(t->ts->scn) || t->ts->scn->global.fscache)
		return err_set("%s has no 9p, so the guest cannot load modules from the kernel "
			       "store: via = nfs and fscache need a kernel with 9p (not Debian's "
			       "cloud flavor)",
			       t->ts->k->name);
	if (fio)
		programs[n++] = fio;
	if (stress)
		programs[n++] = stress;
	if (guestroot_image(programs, libs_of, &t->root_image) < 0)
		return err_prefix("cannot make the guest root image (guest_root=blk)");
	return 0;
}

/* ---- evidence ---- */

/* The console and /dev/kmsg carry the same records: same kind, pid and kernel time. */
static bool seen_report(struct trial *t, const struct kreport *r)
{
	json_t *o;
	size_t i;

	if (r->ts < 0)
		return false;
	json_array_foreach (t->reports, i, o) {
		json_t *ots = json_object_get(o, "ts"), *opid = json_object_get(o, "pid");
		/* kreport_json() leaves out a pid it does not know. */
		long long pid = json_is_integer(opid) ? json_integer_value(opid) : -1;

		if (ots &&
		    (long long)(json_number_value(ots) * 1000) == (long long)(r->ts * 1000) &&
		    !strcmp(json_string_value(json_object_get(o, "kind")) ?: "",
			    kr_kind_name(r->kind)) &&
		    pid == r->pid)
			return true;
	}
	return false;
}

static void note_hang(struct trial *t, const char *title)
{
	t->f.hung_reports++;
	if (!t->hang_t)
		t->hang_t = ht(t);
	if (!t->hang_title)
		replace(&t->hang_title, title);
}

static void note_crash(struct trial *t, const struct kreport *r, const char *title)
{
	if (r->kind == KR_PANIC) {
		if (strstr(r->headline, "Attempted to kill init")) {
			t->f.init_killed = true;
			return;
		}
		t->f.panic = true;
	} else {
		if (!t->f.crash && !t->f.panic) {
			t->f.crash_int3 = strstr(r->headline, "Oops: int3") != NULL;
			t->f.crash_bad_flags = r->impossible_flags;
		}
		t->f.crash = true;
	}
	if (!t->crash_title)
		replace(&t->crash_title, title);
}

/*
 * The kernel's hung-task detector fires after hung_task_timeout, often before
 * a bounded wait's bound: such a report is the wait, not a hang.
 */
static bool within_bound(struct trial *t, const struct kreport *r)
{
	double bound = ceph_mount_timeout(t->g->mount_options);

	return bound > 0 && r->blocked_secs < bound + BOUNDED_GRACE &&
	       bounded_wait_of_report(r) != NULL;
}

/* The MDS was seen not active within the task's stuck window (polls are 1 s apart). */
static bool mds_down_during(struct trial *t, double stuck_for)
{
	return t->mds_down_ht > 0 && t->mds_down_ht >= ht(t) - stuck_for - 1.5;
}

/* One kernel report, from the console or from the agent's /dev/kmsg; rep is its JSON. */
static void note_report(struct trial *t, const struct kreport *r, json_t *rep, const char *source)
{
	_cleanup_free_ char *title = kreport_title(r);

	if (seen_report(t, r))
		return;
	switch (r->kind) {
	case KR_INJECTED:
		/*
		 * Counted, not kept (a read-delay scenario logs many), and from
		 * the console only: /dev/kmsg carries the same lines.
		 */
		if (!strcmp(source, "console"))
			t->f.injections++;
		return;
	case KR_TASK_DUMP:
		if (r->state != 'D')
			return;
		t->f.dump_blocked++;
		break;
	case KR_CYCLE:
		/* Not a hang by itself: the watchdog confirms the task is stuck. */
		if (!t->cycle_t)
			t->cycle_t = ht(t);
		break;
	case KR_HUNG_TASK:
		if (within_bound(t, r)) {
			json_object_set_new(rep, "source", json_string(source));
			json_array_append(t->bounded, rep);
			return;
		}
		/* The watchdog's own event for it is held and judged after the MDS is back. */
		if (mds_down_during(t, (double)r->blocked_secs)) {
			json_object_set_new(rep, "source", json_string(source));
			json_array_append(t->mds_reports, rep);
			return;
		}
		note_hang(t, title);
		break;
	case KR_RCU_STALL:
		note_hang(t, title);
		break;
	case KR_BUG:
		if (strstr(title, "soft lockup"))
			note_hang(t, title);
		else
			note_crash(t, r, title);
		break;
	case KR_PANIC:
	case KR_OOPS:
		note_crash(t, r, title);
		break;
	case KR_WARNING:
		t->f.warnings++;
		if (!t->warning_title)
			replace(&t->warning_title, title);
		break;
	case KR_NOTICE:
		t->f.notices++;
		if (!t->notice_title)
			replace(&t->notice_title, title);
		break;
	case KR_OOM_KILL:
	case KR_NKINDS:
		break;
	}
	json_object_set_new(rep, "source", json_string(source));
	json_array_append(t->reports, rep);
}

/* Reports from the console: the only witness when the guest is dead. */
static void on_console_report(struct kreport *r, void *ctx)
{
	struct trial *t = ctx;
	json_t *j = kreport_json(r);

	note_report(t, r, j, "console");
	json_decref(j);
	kreport_free(r);
}

static void on_console_line(const char *line, void *ctx)
{
	struct trial *t = ctx;
	const char *m = strstr(line, "iputstorm-init: FAILED: ");

	if (m) {
		t->f.init_failed = true;
		replace(&t->init_msg, m + 24);
	}
	klog_feed(&t->kp, line);
}

static void on_workload(struct trial *t, const struct event *e)
{
	_cleanup_free_ char *w = NULL;

	if (!e->workload.failed)
		return;
	t->f.workload_errors++;
	json_array_append(t->failures, e->json);
	if (t->workload_error)
		return;
	w = xasprintf("[%s] %s", e->workload.group, e->workload.status ?: "?");
	replace(&t->workload_error, w);
}

static void add_count(json_t *sum, json_t *report, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(sum, key)) +
		       json_integer_value(json_object_get(report, key));

	json_object_set_new(sum, key, json_integer(n));
}

/* A verify churner ended: add up what it checked; its first mismatch names the FAIL. */
static void on_integrity(struct trial *t, const struct event *e)
{
	json_t *r = e->integrity.report, *first = json_object_get(r, "first");
	const char *kind = json_string_value(json_object_get(r, "kind"));

	if (!t->integrity)
		t->integrity = json_pack("{s:I, s:I, s:I, s:[]}", "verified_bytes", (json_int_t)0,
					 "mismatches", (json_int_t)0, "corruptions_injected",
					 (json_int_t)0, "reports");
	add_count(t->integrity, r, "verified_bytes");
	add_count(t->integrity, r, "mismatches");
	add_count(t->integrity, r, "corruptions_injected");
	/* The check on a fresh mount after the unmount, counted apart too. */
	if (kind && !strcmp(kind, "remount")) {
		json_t *sum = json_object_get(t->integrity, "after_remount");

		if (!sum) {
			sum = json_pack("{s:I, s:I}", "verified_bytes", (json_int_t)0, "mismatches",
					(json_int_t)0);
			json_object_set_new(t->integrity, "after_remount", sum);
		}
		add_count(sum, r, "verified_bytes");
		add_count(sum, r, "mismatches");
	}
	json_array_append_new(json_object_get(t->integrity, "reports"),
			      json_pack("{s:s, s:i, s:O}", "group", e->integrity.group, "instance",
					e->integrity.instance, "report", r));
	if (json_is_object(first) && !t->corrupt_title) {
		_cleanup_free_ char *title =
			xasprintf(CORRUPTION_TITLE_PREFIX "%s at offset %" JSON_INTEGER_FORMAT,
				  json_string_value(json_object_get(first, "file")) ?: "?",
				  json_integer_value(json_object_get(first, "offset")));

		json_object_set(t->integrity, "first", first);
		replace(&t->corrupt_title, title);
	}
	t->f.mismatches = (int)json_integer_value(json_object_get(t->integrity, "mismatches"));
}

static void on_agent_error(struct trial *t, const struct event *e)
{
	_cleanup_free_ char *m = NULL;

	json_array_append(t->errors, e->json);
	if (!e->error.fatal || t->f.agent_fatal)
		return;
	m = xasprintf("%s: %s", e->error.what ?: "?", e->error.error ?: "?");
	t->f.agent_fatal = true;
	replace(&t->fatal_msg, m);
	replace(&t->fatal_blame, e->error.blame);
	if (e->error.what && !strcmp(e->error.what, "mount"))
		t->f.mount_failed = true;
}

/* A task the watchdog found stuck: the kernel's hang, unless the cluster says otherwise. */
static void count_stuck(struct trial *t, json_t *ev)
{
	t->f.stuck++;
	if (json_is_true(json_object_get(ev, "cycle")))
		t->cycle_stuck = true;
	else
		t->other_stuck = true;
	if (!t->hang_t)
		t->hang_t = ht(t);
	if (!t->hang_title)
		replace(&t->hang_title, json_string_value(json_object_get(ev, "title")));
	json_array_append(t->stuck, ev);
}

/* A held task moved: it waited for the MDS, it was not hung. */
static void release_held(struct trial *t, int tid)
{
	size_t i;
	json_t *ev;

	json_array_foreach (t->held, i, ev)
		if (json_integer_value(json_object_get(ev, "tid")) == tid) {
			json_t *r = json_deep_copy(ev);

			json_object_set_new(r, "released_at", json_real(ht(t)));
			json_array_append_new(t->released, r);
			json_array_remove(t->held, i);
			return;
		}
}

/* Held tasks still stuck after the MDS has been active for a whole stuck_after are hung. */
static void promote_held(struct trial *t)
{
	if (!json_array_size(t->held) || ht(t) - t->mds_down_ht < t->g->stuck_after)
		return;
	while (json_array_size(t->held)) {
		count_stuck(t, json_array_get(t->held, 0));
		json_array_remove(t->held, 0);
	}
}

static void watch_mds(struct trial *t)
{
	double now = now_mono();

	if (!t->stress_t || now - t->mds_polled < 1)
		return;
	t->mds_polled = now;
	if (cluster_mds_active(t->ts->c) != 1)
		t->mds_down_ht = ht(t);
	promote_held(t);
}

static void handle_event(struct trial *t, struct event *e)
{
	switch (e->type) {
	case EV_HELLO:
		t->f.booted = true;
		t->hello_t = ht(t);
		break;
	case EV_PHASE:
		if (!strcmp(e->phase.name, "stress") && !t->stress_t) {
			t->stress_t = ht(t);
			t->f.stress_started = true;
		}
		break;
	case EV_STUCK:
		if (e->stuck.moved) {
			release_held(t, e->stuck.tid);
			break;
		}
		if (e->stuck.within) {
			t->bounded_extra += e->stuck.bound + BOUNDED_GRACE;
			json_array_append(t->bounded, e->json);
			break;
		}
		if (mds_down_during(t, e->stuck.stuck_for)) {
			json_array_append(t->held, e->json);
			break;
		}
		count_stuck(t, e->json);
		break;
	case EV_REPORT:
		note_report(t, e->report, e->json, "kmsg");
		break;
	case EV_WORKLOAD:
		on_workload(t, e);
		break;
	case EV_INTEGRITY:
		on_integrity(t, e);
		break;
	case EV_ERROR:
		on_agent_error(t, e);
		break;
	case EV_DONE:
		t->f.done = true;
		break;
	case EV_TELEMETRY:
		json_decref(t->counters);
		t->counters = json_incref(e->telemetry.counters);
		t->counted_secs = e->telemetry.stress_secs;
		break;
	default:
		break;
	}
}

/* Every line goes to events.jsonl, known or not; known ones are acted on. */
static void on_event(const char *line, void *ctx)
{
	struct trial *t = ctx;
	json_t *j = json_loads(line, 0, NULL);
	struct event e;
	char *s;

	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	t->last_event_t = now_mono();
	json_object_set_new(j, "ht", json_real(ht(t)));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		size_t n = strlen(s);

		s[n] = '\n';
		if (write(t->ev_log, s, n + 1) < 0)
			p_warn("writing events.jsonl: %s", strerror(errno));
		free(s);
	}
	if (event_from_json(j, &e) == 0) {
		handle_event(t, &e);
		event_release(&e);
	}
	json_decref(j);
}

/* ---- I/O ---- */

static void read_console(struct trial *t)
{
	char buf[16384];
	ssize_t n;

	while (t->vm.con_fd >= 0 && (n = read(t->vm.con_fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				close(t->vm.con_fd);
				t->vm.con_fd = -1;
			}
			return;
		}
		if (write(t->con_log, buf, n) < 0)
			p_warn("writing console.log: %s", strerror(errno));
		t->last_console_t = now_mono();
		ls_feed(&t->con_ls, buf, n, on_console_line, t);
	}
	if (t->vm.con_fd >= 0) {
		close(t->vm.con_fd);
		t->vm.con_fd = -1;
	}
}

static void read_events(struct trial *t)
{
	char buf[16384];
	ssize_t n;

	while (t->vm.ev_fd >= 0 && (n = read(t->vm.ev_fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				close(t->vm.ev_fd);
				t->vm.ev_fd = -1;
			}
			return;
		}
		ls_feed(&t->ev_ls, buf, n, on_event, t);
	}
	if (t->vm.ev_fd >= 0) {
		close(t->vm.ev_fd);
		t->vm.ev_fd = -1;
	}
}

static void pump(struct trial *t, int timeout_ms)
{
	struct pollfd p[4];
	int n = 0;

	if (t->vm.con_lfd >= 0 && t->vm.con_fd < 0)
		p[n++] = (struct pollfd){.fd = t->vm.con_lfd, .events = POLLIN};
	if (t->vm.ev_lfd >= 0 && t->vm.ev_fd < 0)
		p[n++] = (struct pollfd){.fd = t->vm.ev_lfd, .events = POLLIN};
	if (t->vm.con_fd >= 0)
		p[n++] = (struct pollfd){.fd = t->vm.con_fd, .events = POLLIN};
	if (t->vm.ev_fd >= 0)
		p[n++] = (struct pollfd){.fd = t->vm.ev_fd, .events = POLLIN};
	if (poll(p, n, timeout_ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == t->vm.con_lfd || p[i].fd == t->vm.ev_lfd)
			vm_accept(&t->vm, p[i].fd);
	}
	read_console(t);
	read_events(t);
	if (now_mono() - t->last_fsync_t > 1) {
		fsync(t->con_log);
		fsync(t->ev_log);
		t->last_fsync_t = now_mono();
	}
}

/* ---- decisions ---- */

static void check_cluster(struct trial *t)
{
	struct cluster_health h;

	if (t->f.cluster_checked)
		return;
	cluster_check(t->ts->c, &h);
	t->f.cluster_checked = true;
	t->f.cluster_ok = h.ok;
	t->cluster_secs = h.secs;
	replace(&t->cluster_reason, h.reason);
}

/* The kernel looks stuck: is it the cluster's fault? Then ask for dumps. */
static void begin_dump(struct trial *t, const char *why)
{
	if (t->state != TS_RUN)
		return;
	t->dump_why = why;
	if (t->f.booted)
		check_cluster(t);
	t->state = TS_DUMP;
	t->dump_t = now_mono();
	t->dump_deadline = t->dump_t + t->g->dump_timeout;
	t->dump_stage = 0;
}

static bool console_quiet(struct trial *t, double secs)
{
	return now_mono() - MAX(t->last_console_t, t->dump_t) > secs;
}

static bool only_blocked_dump(const struct trial *t)
{
	return t->cycle_stuck && !t->other_stuck;
}

static void step_dump(struct trial *t)
{
	double now = now_mono();

	switch (t->dump_stage) {
	case 0: /* Blocked tasks first: they name the deadlock. */
		vm_sysrq(&t->vm, 'w');
		t->dump_t = now;
		t->dump_stage = 1;
		break;
	case 1:
		/*
		 * The module saw this deadlock close and the watchdog confirmed
		 * it: the blocked tasks name it, every task's stack adds nothing.
		 */
		if (only_blocked_dump(t) && (console_quiet(t, 1) || now > t->dump_t + 10)) {
			t->dump_stage = 3;
			break;
		}
		if (console_quiet(t, 2) || now > t->dump_t + 10) {
			vm_sysrq(&t->vm, 't');
			t->dump_t = now;
			t->dump_stage = 2;
		}
		break;
	case 2:
		if (console_quiet(t, 2))
			t->dump_stage = 3;
		break;
	default:
		break;
	}
	if (t->dump_stage == 3 || now > t->dump_deadline) {
		if (t->last_console_t < t->dump_t && !t->f.stuck && !t->f.hung_reports)
			t->f.guest_silent = true;
		t->state = TS_END;
	}
}

static void run_ceph_actions(struct trial *t)
{
	const struct scenario *scn = t->ts->scn;

	if (!t->stress_t)
		return;
	for (size_t i = 0; i < scn->ngroups; i++) {
		const struct scn_group *g = &scn->groups[i];
		double at;
		_cleanup_free_ char *out = NULL;
		int r;

		if (g->type != SEC_CEPH || t->ceph_next[i] < 0)
			continue;
		at = t->stress_t + t->ceph_next[i];
		if (ht(t) < at)
			continue;
		r = cluster_ceph_cli(t->ts->c, g->command, &out);
		json_array_append_new(t->actions,
				      json_pack("{s:s, s:s, s:f, s:b, s:s}", "group", g->name,
						"command", g->command, "ht", ht(t), "ok", r == 0,
						"output", r == 0 ? out : err_msg()));
		t->ceph_next[i] = g->every > 0 ? t->ceph_next[i] + g->every : -1;
	}
}

static void step_run(struct trial *t)
{
	double now = now_mono(), el = now - t->t0;
	const struct scn_global *g = t->g;

	watch_mds(t);
	if (t->f.done || t->f.agent_fatal || t->f.init_failed) {
		t->state = TS_DRAIN;
		t->drain_until = now + 0.5;
		return;
	}
	if (t->f.panic || t->f.crash || t->f.init_killed) {
		/* panic=-1: QEMU exits by itself; give the console a moment. */
		if (!t->drain_until)
			t->drain_until = now + 10;
		if (now > t->drain_until)
			t->state = TS_END;
		return;
	}
	if ((t->f.stuck || t->f.hung_reports) && g->stop_on_stuck) {
		begin_dump(t, "stuck task");
		return;
	}
	/*
	 * Not stopping on a hang still needs the cluster checked while the task
	 * is stuck: no FAIL without it (the trial goes on afterwards).
	 */
	if ((t->f.stuck || t->f.hung_reports) && t->f.booted && !t->f.cluster_checked)
		check_cluster(t);
	if (!t->f.booted && el > g->boot_timeout) {
		t->f.boot_timeout = true;
		begin_dump(t, "boot timeout");
		return;
	}
	if (t->f.booted && now - t->last_event_t > g->heartbeat_timeout) {
		t->f.heartbeat_lost = true;
		begin_dump(t, "no heartbeat");
		return;
	}
	if (!t->stress_t && t->hello_t && el - t->hello_t > g->mount_timeout * g->clients + 30) {
		t->f.end_timeout = true;
		begin_dump(t, "mount phase did not end");
		return;
	}
	/* Past the end and its grace plus a full stuck_after: whatever blocks, say so. */
	if (t->stress_t && el > t->stress_t + g->duration + g->end_grace + g->stuck_after + 15 +
					   t->bounded_extra) {
		t->f.end_timeout = true;
		begin_dump(t, "trial deadline");
		return;
	}
	run_ceph_actions(t);
}

static void report_progress(struct trial *t)
{
	struct trial_progress p = {.stuck = t->f.stuck, .elapsed = ht(t)};

	if (!t->ts->progress)
		return;
	p.phase = t->state == TS_DUMP ? "collecting dumps"
		  : !t->f.booted      ? "booting"
		  : !t->stress_t      ? "mounting"
		  : t->f.done	      ? "done"
				      : "stress";
	t->ts->progress(&p, t->ts->pctx);
}

/* ---- result ---- */

/* end_when_safe was met: the agent ended the stress on the module's word. */
static long long ended_safe(const struct trial *t)
{
	long long safe = json_integer_value(json_object_get(t->counters, "injected_evicted_safe"));
	long long unsafe =
		json_integer_value(json_object_get(t->counters, "injected_evicted_unsafe"));

	long long untracked =
		json_integer_value(json_object_get(t->counters, "injected_untracked"));

	return t->g->end_when_safe && safe >= t->g->end_when_safe && !unsafe && !untracked ? safe
											   : 0;
}

static json_t *timing(struct trial *t)
{
	json_t *o = json_object();

	if (t->hello_t)
		json_object_set_new(o, "boot", json_real(t->hello_t));
	if (t->stress_t) {
		json_object_set_new(o, "mount", json_real(t->stress_t - t->hello_t));
		json_object_set_new(o, "stress_start", json_real(t->stress_t));
	}
	if (t->hang_t) {
		json_object_set_new(o, "hang_detected", json_real(t->hang_t));
		if (t->stress_t)
			json_object_set_new(o, "time_to_hang", json_real(t->hang_t - t->stress_t));
	}
	if (t->cycle_t && t->stress_t)
		json_object_set_new(o, "time_to_cycle", json_real(t->cycle_t - t->stress_t));
	if (t->f.cluster_checked)
		json_object_set_new(o, "cluster_check", json_real(t->cluster_secs));
	json_object_set_new(o, "cluster_ready", json_real(t->ready_secs));
	json_object_set_new(o, "total", json_real(t->end_t));
	return o;
}

/*
 * Signatures for every blocked task; the root's name and title become the
 * hang's title, so a FAIL says "ceph-writeback-iput: task hung in evict".
 */
static void name_hangs(struct trial *t)
{
	struct sigset set;
	json_t *tasks = json_array(), *root;
	const char *sig, *title;

	if (!t->f.stuck && !t->f.hung_reports && !t->f.dump_blocked) {
		json_decref(tasks);
		return;
	}
	if (sigset_load(&set, NULL) < 0) {
		p_warn("hang signatures: %s", err_msg());
		json_decref(tasks);
		return;
	}
	json_array_extend(tasks, t->stuck);
	sig_collect_reports(t->reports, tasks);
	t->analysis = sig_analyse(&set, tasks);
	root = json_object_get(t->analysis, "root");
	sig = json_string_value(json_object_get(root, "signature"));
	title = json_string_value(json_object_get(root, "title"));
	if (title) {
		_cleanup_free_ char *full = sig ? xasprintf("%s: %s", sig, title) : xstrdup(title);

		replace(&t->hang_title, full);
		t->f.hang_title = t->hang_title;
	}
	json_decref(tasks);
	sigset_free(&set);
}

/* Counters and per-minute rates over the stress time they cover. */
static json_t *telemetry_summary(json_t *counters, double secs)
{
	json_t *rates = json_object(), *val;
	const char *key;

	json_object_foreach (counters, key, val)
		if (secs > 0)
			json_object_set_new(rates, key,
					    json_real(json_integer_value(val) * 60.0 / secs));
	return json_pack("{s:f, s:O, s:o}", "stress_secs", secs, "counters", counters, "per_minute",
			 rates);
}

/* What a FAIL is called: the crash, else the hang, else the warning fail_on_warning made fatal. */
static const char *fail_title(const struct trial *t)
{
	return t->crash_title	  ? t->crash_title
	       : t->corrupt_title ? t->corrupt_title
	       : t->hang_title	  ? t->hang_title
	       : t->warning_title ? t->warning_title
				  : t->notice_title;
}

static json_t *build_verdict(struct trial *t, struct verdict_result *vr)
{
	const struct trial_spec *ts = t->ts;
	/* A provoked FAIL says so in its title too: titles travel alone (KTAP, kcidb, summary). */
	_cleanup_free_ char *title = vr->v != V_FAIL || !fail_title(t) ? NULL
				     : scenario_has_injection(ts->scn)
					     ? xasprintf("%s [fault injection]", fail_title(t))
					     : xstrdup(fail_title(t));
	json_t *v = json_pack("{s:i, s:s, s:s, s:s, s:s?, s:f, s:I, s:o}", "trial", ts->n, "kernel",
			      ts->k->name, "verdict", verdict_name(vr->v), "reason", vr->reason,
			      "title", title, "duration", t->end_t, "seed", (json_int_t)ts->seed,
			      "timing", timing(t));

	json_object_set_new(v, "kernel_version", json_string(ts->k->kver));
	json_object_set_new(v, "accel", json_string(ts->accel ? ts->accel : "tcg"));
	if (t->dump_why)
		json_object_set_new(v, "dump_reason", json_string(t->dump_why));
	json_object_set_new(v, "cluster",
			    json_pack("{s:b, s:b, s:s?, s:i}", "checked", t->f.cluster_checked,
				      "ok", t->f.cluster_ok, "reason", t->cluster_reason,
				      "evicted_before_boot", t->evicted));
	if (t->slot.fd >= 0)
		json_object_set_new(v, "guest",
				    json_pack("{s:i, s:s, s:s, s:s?, s:s?}", "slot", t->slot.n,
					      "addr", t->slot.addr, "mac", t->slot.mac, "client",
					      t->client, "host", t->host));
	else if (t->slot.user_net)
		json_object_set_new(v, "guest",
				    json_pack("{s:s, s:s, s:s?, s:s?}", "net", "user", "addr",
					      t->slot.addr, "client", t->client, "host", t->host));
	json_object_set(v, "stuck", t->stuck);
	json_object_set(v, "reports", t->reports);
	json_object_set(v, "bounded_waits", t->bounded);
	if (json_array_size(t->held) || json_array_size(t->released) ||
	    json_array_size(t->mds_reports))
		json_object_set_new(v, "mds_waits",
				    json_pack("{s:O, s:O, s:O}", "released", t->released,
					      "still_held", t->held, "hung_task_reports",
					      t->mds_reports));
	json_object_set(v, "workload_failures", t->failures);
	json_object_set(v, "agent_errors", t->errors);
	json_object_set(v, "ceph_actions", t->actions);
	json_object_set_new(v, "injections", scenario_injections(ts->scn));
	json_object_set_new(v, "injected", json_boolean(scenario_has_injection(ts->scn)));
	if (t->integrity)
		json_object_set(v, "integrity", t->integrity);
	if (t->counters)
		json_object_set_new(v, "telemetry",
				    telemetry_summary(t->counters, t->counted_secs));
	if (t->analysis) {
		json_object_set(v, "signatures", json_object_get(t->analysis, "signatures"));
		json_object_set(v, "root", json_object_get(t->analysis, "root"));
		json_object_set(v, "hangs", json_object_get(t->analysis, "hangs"));
	}
	return v;
}

/* The guest is gone: its sessions, its cephx client and its address go too. */
static void release_guest_identity(struct trial *t)
{
	if (t->own_client && client_remove(t->ts->c, t->client) < 0)
		p_warn("trial cleanup: %s", err_msg());
	/* A shared identity stays; only this guest's sessions go, if it left any. */
	if (!t->own_client && t->client && client_evict(t->ts->c, t->client, t->host) < 0)
		p_warn("trial cleanup: %s", err_msg());
	slot_release(&t->slot);
	free(t->host);
	free(t->client);
	free(t->client_key);
}

static void trial_cleanup(struct trial *t)
{
	vm_stop(&t->vm, &t->rec);
	release_guest_identity(t);
	if (t->rec.j) {
		if (record_release(&t->rec) < 0)
			p_warn("trial cleanup: %s", err_msg());
		record_free(&t->rec);
	}
	if (t->con_log >= 0) {
		fsync(t->con_log);
		close(t->con_log);
	}
	if (t->ev_log >= 0) {
		fsync(t->ev_log);
		close(t->ev_log);
	}
	ls_release(&t->con_ls);
	ls_release(&t->ev_ls);
	json_decref(t->stuck);
	json_decref(t->bounded);
	json_decref(t->reports);
	json_decref(t->counters);
	json_decref(t->integrity);
	free(t->corrupt_title);
	json_decref(t->analysis);
	json_decref(t->failures);
	json_decref(t->errors);
	json_decref(t->held);
	json_decref(t->released);
	json_decref(t->mds_reports);
	json_decref(t->actions);
	free(t->ceph_next);
	free(t->sock_dir);
	free(t->exe_dir);
	free(t->root_image);
	free(t->tap);
	free(t->hang_title);
	free(t->crash_title);
	free(t->warning_title);
	free(t->notice_title);
	free(t->fatal_msg);
	free(t->fatal_blame);
	free(t->init_msg);
	free(t->workload_error);
	free(t->cluster_reason);
	free(t->qemu_status);
}

static int open_log(const char *dir, const char *name)
{
	_cleanup_free_ char *p = path_join(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		err_set("cannot create %s: %s", p, strerror(errno));
	return fd;
}

static int trial_start(struct trial *t)
{
	const struct trial_spec *ts = t->ts;
	_cleanup_free_ char *id = xasprintf("%s-t%d", ts->run_id, ts->n);
	_cleanup_free_ char *initrd = NULL, *qemu_log = path_join(ts->dir, "qemu.log");
	_cleanup_free_ char *tapspec = NULL;
	struct vm_config vc = {0};

	t->con_log = open_log(ts->dir, "console.log");
	t->ev_log = open_log(ts->dir, "events.jsonl");
	if (t->con_log < 0 || t->ev_log < 0 || slot_take(ts->c, &t->slot) < 0)
		return -1;
	t->host = guest_host_for(ts->n);
	t->client = ts->c->external ? xstrdup(ts->c->id) : client_id_for(ts->n);
	{
		/*
		 * Trials must not inherit each other's damage: a guest killed
		 * mid-trial leaves sessions every later MDS failover waits for,
		 * and a failover may still be under way.
		 */
		struct cluster_health h;
		double t0 = now_mono();

		t->evicted = client_ready_for_trial(
			ts->c, t->client, ts->c->external ? t->host : NULL, CLUSTER_READY_SECS, &h);
		t->ready_secs = now_mono() - t0;
		if (t->evicted < 0)
			return err_set("the cluster was not ready within %d s: %s",
				       CLUSTER_READY_SECS, h.reason);
	}
	t->own_client = !ts->c->external;
	t->client_key = t->own_client ? client_add(ts->c, t->client) : xstrdup(ts->c->key);
	if (!t->client_key) {
		t->own_client = false;
		return -1;
	}
	if (record_create(&t->rec, "vm", id, false) < 0)
		return -1;
	t->sock_dir = xasprintf("%s/vm/%s", state_dir(), id);
	t->exe_dir = xasprintf("%s/guest-bin/%s", cache_dir(), id);
	if (record_add(&t->rec, "dirs", t->sock_dir) < 0 ||
	    record_add(&t->rec, "dirs", t->exe_dir) < 0)
		return -1;
	if (!t->slot.user_net) {
		t->tap = xasprintf("tap%d.%d", (int)getpid() % 100000, ts->n % 100);
		tapspec = xasprintf("%s/%s", ts->c->netns, t->tap);
		if (record_add(&t->rec, "taps", tapspec) < 0)
			return -1;
	}
	if (mkdir_p(t->sock_dir, 0700) < 0 || mkdir_p(t->exe_dir, 0755) < 0)
		return err_set("cannot create %s or %s: %s", t->sock_dir, t->exe_dir,
			       strerror(errno));
	if (copy_exe(t) < 0 || choose_root(t) < 0 || write_payload(t, &initrd) < 0 ||
	    (t->tap && netns_add_tap(ts->c->netns, t->tap) < 0))
		return -1;
	vc.image = ts->k->boot_image;
	vc.initrd = initrd;
	vc.cmdline_extra = t->g->kernel_cmdline;
	vc.cpus = (int)t->g->vm_cpus;
	vc.mem = t->g->vm_memory;
	vc.netns = t->tap ? ts->c->netns : NULL;
	vc.tap = t->tap;
	vc.user_net = t->slot.user_net;
	vc.mac = t->slot.mac;
	vc.sock_dir = t->sock_dir;
	vc.qemu_log = qemu_log;
	vc.root_image = t->root_image;
	vc.accel = ts->accel;
	if (vm_start(&t->vm, &vc, &t->rec) < 0)
		return -1;
	t->f.emulated = strcmp(t->vm.accel, "kvm") != 0;
	t->t0 = t->vm.t0;
	t->last_event_t = now_mono();
	return 0;
}

int trial_run(const struct trial_spec *ts, struct trial_result *res)
{
	struct trial t = {.ts = ts, .con_log = -1, .ev_log = -1, .slot.fd = -1};
	struct verdict_result vr;
	int status;
	double last_progress = 0;

	t.g = &ts->scn->global;
	t.stuck = json_array();
	t.bounded = json_array();
	t.reports = json_array();
	t.failures = json_array();
	t.errors = json_array();
	t.held = json_array();
	t.released = json_array();
	t.mds_reports = json_array();
	t.actions = json_array();
	t.ceph_next = xcalloc(ts->scn->ngroups, sizeof(double));
	for (size_t i = 0; i < ts->scn->ngroups; i++)
		t.ceph_next[i] = ts->scn->groups[i].type == SEC_CEPH ? ts->scn->groups[i].at : -1;
	klog_init(&t.kp, on_console_report, &t);
	t.f.fail_on_warning = t.g->fail_on_warning;
	t.f.injection_asked = scenario_has_injection(ts->scn);
	t.f.boot_timeout_secs = t.g->boot_timeout;

	if (trial_start(&t) < 0) {
		/* Could not even start: the harness's or the machine's fault. */
		_cleanup_free_ char *msg = xasprintf("trial setup: %s", err_msg());
		replace(&t.fatal_msg, msg);
		replace(&t.fatal_blame, "infra");
		t.f.agent_fatal = true;
		t.state = TS_END;
	}
	while (t.state != TS_END) {
		pump(&t, 100);
		if (vm_exited(&t.vm, &status)) {
			char why[96];

			pump(&t, 0);
			t.f.qemu_died = true;
			replace(&t.qemu_status, describe_status(status, why, sizeof(why)));
			break;
		}
		if (ts->interrupted && *ts->interrupted) {
			t.f.interrupted = true;
			break;
		}
		switch (t.state) {
		case TS_RUN:
			step_run(&t);
			break;
		case TS_DUMP:
			step_dump(&t);
			break;
		case TS_DRAIN:
			if (now_mono() > t.drain_until)
				t.state = TS_END;
			break;
		case TS_END:
			break;
		}
		if (now_mono() - last_progress > 1) {
			report_progress(&t);
			last_progress = now_mono();
		}
	}
	t.end_t = t.t0 ? ht(&t) : 0;
	ls_flush(&t.con_ls, on_console_line, &t);
	klog_finish(&t.kp);
	t.f.hang_title = t.hang_title;
	t.f.crash_title = t.crash_title;
	t.f.corrupt_title = t.corrupt_title;
	t.f.warning_title = t.warning_title;
	t.f.notice_title = t.notice_title;
	t.f.ended_safe = ended_safe(&t);
	t.f.fatal_msg = t.fatal_msg;
	t.f.fatal_blame = t.fatal_blame;
	t.f.init_msg = t.init_msg;
	t.f.workload_error = t.workload_error;
	t.f.cluster_reason = t.cluster_reason;
	t.f.qemu_status = t.qemu_status;
	t.f.dump_why = t.dump_why;
	t.f.mds_held = (int)(json_array_size(t.held) + json_array_size(t.mds_reports));
	/* A mount that failed: was the cluster to blame? */
	if (t.f.mount_failed && t.f.booted && ts->c)
		check_cluster(&t);
	name_hangs(&t);
	verdict_decide(&t.f, &vr);
	injection_note(ts->scn, vr.reason, sizeof(vr.reason));
	res->v = vr.v;
	res->emulator_artifact = vr.emulator_artifact;
	res->verdict = build_verdict(&t, &vr);
	{
		_cleanup_free_ char *p = path_join(ts->dir, "verdict.json");

		if (json_save(p, res->verdict) < 0)
			p_warn("%s", err_msg());
	}
	trial_cleanup(&t);
	return 0;
}
