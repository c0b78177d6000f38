// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/agent.h"
#include "guest/cgroup.h"
#include "guest/channel.h"
#include "guest/fscache.h"
#include "guest/modctl.h"
#include "guest/reexport.h"
#include "guest/verify.h"
#include "guest/watchdog.h"
#include "guest/workload.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "model/bounded.h"
#include "model/events.h"
#include "model/injections.h"
#include "model/klog.h"
#include "model/payload.h"
#include "model/scenario.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CLIENTS 4
#define NFS_MOUNT "/run/iputstorm/mnt/nfs"
#define TICK 0.1

enum phase {
	PH_INIT,
	PH_MOUNTING,
	PH_STRESS,
	PH_STOPPING,
	PH_SYNCING,
	PH_REMOUNTING,
	PH_CLEANUP,
	PH_UNMOUNTING,
	PH_DONE,
	PH_FAILED
};

static const char *const phase_names[] = {"init",    "mounting",   "stress",  "stopping",
					  "syncing", "remounting", "cleanup", "unmounting",
					  "done",    "failed"};

struct helper {
	pid_t pid;
	double deadline;
	const char *what;
	int status;
	bool timed_out;
};

struct agent {
	const struct agent_opts *o;
	struct scenario scn;
	const struct scn_global *g;
	struct payload trial;
	struct ev_writer ev;
	struct watchdog wd;
	struct klog_parser kp;
	int kmsg_fd;
	enum phase phase;
	double stress_t0, end_t0, last_hb, last_wd;
	double end_extra; /* end_grace grows by each bounded wait's bound */
	struct instance *inst;
	size_t ninst;
	int nclients;
	char *mounts[MAX_CLIENTS + 1];
	int mounted;
	bool nfs_up;	   /* client 1's mount is re-exported and mounted at NFS_MOUNT */
	pid_t fscache_pid; /* the process holding the local cache bound, or 0 */
	const char *workdir;
	struct workload_env env;
	struct helper h;
	int step; /* index within the current multi-step phase */
	bool *actions_done;
	double *action_next; /* repeated guest actions: when next, seconds into the stress */
	unsigned long long oom_kills, workload_errors, restarts;
	bool telemetry; /* the module's counters are read and reported */
	double last_tele;
	double last_safe_check; /* end_when_safe: when the counters were last read */
	bool corrupt_seen;	/* a verify churner read a block back wrong */
};

static volatile sig_atomic_t got_sigchld;

static void on_sigchld(int sig)
{
	got_sigchld = 1;
}

static double since(struct agent *a, double t0)
{
	return now_mono() - t0;
}

/* Events are written as they happen; each call releases what the event owns. */
static void emit(struct agent *a, struct event e)
{
	ev_emit(&a->ev, &e);
}

static void emit_error(struct agent *a, const char *what, const char *error, bool fatal,
		       const char *blame)
{
	emit(a, (struct event){
			.type = EV_ERROR,
			.error = {.what = what, .error = error, .fatal = fatal, .blame = blame}});
	fprintf(stderr, "iputstorm agent: %s: %s\n", what, error);
}

static void set_phase(struct agent *a, enum phase p)
{
	a->phase = p;
	a->step = 0;
	emit(a, (struct event){.type = EV_PHASE, .phase.name = phase_names[p]});
}

/* ---- helpers: children doing one thing that may block on CephFS ---- */

static int helper_start(struct agent *a, const char *what, double timeout,
			int (*fn)(struct agent *, int), int arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return err_set("fork for %s: %s", what, strerror(errno));
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		_exit(fn(a, arg));
	}
	a->h = (struct helper){.pid = pid, .deadline = now_mono() + timeout, .what = what};
	return 0;
}

/* 1 while running, 0 when done (h.status set), -1 when past its deadline (once). */
static int helper_poll(struct agent *a)
{
	int st;

	if (!a->h.pid)
		return 0;
	if (waitpid(a->h.pid, &st, WNOHANG) == a->h.pid) {
		a->h.pid = 0;
		a->h.status = st;
		return 0;
	}
	if (!a->h.timed_out && now_mono() > a->h.deadline) {
		a->h.timed_out = true;
		return -1;
	}
	return 1;
}

static int do_mount(struct agent *a, int client)
{
	const char *extra = a->g->mount_options;
	_cleanup_free_ char *src = xasprintf("%s:/", a->trial.mon_addr);
	/* mds_namespace, not fs=: every kernel from 6.1 on takes it. */
	_cleanup_free_ char *fs = a->trial.fs ? xasprintf(",mds_namespace=%s", a->trial.fs) : NULL;
	/* A second instance of one fsid needs its own cache volume: fsc=UNIQUIFIER. */
	_cleanup_free_ char *fsc = !a->g->fscache ? xstrdup("")
				   : client > 1	  ? xasprintf(",fsc=c%d", client)
						  : xstrdup(",fsc");
	/* noshare: each client is its own instance with its own id and caps. */
	_cleanup_free_ char *opts = xasprintf(
		"name=%s,secret=%s%s%s%s%s%s", a->trial.client, a->trial.secret, fs ? fs : "",
		client > 1 ? ",noshare" : "", fsc, *extra ? "," : "", extra);

	if (mount(src, a->mounts[client], "ceph", 0, opts) < 0) {
		fprintf(stderr, "iputstorm agent: mount -t ceph %s %s: %s\n", src,
			a->mounts[client], strerror(errno));
		return errno;
	}
	return 0;
}

/* The re-export goes before the final sync: its client's unmount commits its writes. */
static int do_syncfs(struct agent *a, int unused)
{
	if (a->nfs_up && reexport_stop(NFS_MOUNT) < 0) {
		fprintf(stderr, "iputstorm agent: %s\n", err_msg());
		return 1;
	}
	for (int i = 1; i <= a->mounted; i++) {
		int fd = open(a->mounts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || syncfs(fd) < 0) {
			fprintf(stderr, "iputstorm agent: syncfs %s: %s\n", a->mounts[i],
				strerror(errno));
			return 1;
		}
		close(fd);
	}
	return 0;
}

/* Snapshots pin their data: remove ours before the tree, or nothing is freed. */
static void remove_snapshots(const char *dir)
{
	_cleanup_free_ char *snap = xasprintf("%s/.snap", dir);
	_cleanup_dir_ DIR *d = opendir(snap);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (!str_startswith(de->d_name, "iputstorm-"))
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", snap, de->d_name);
		rmdir(p);
	}
}

static int do_cleanup(struct agent *a, int unused)
{
	_cleanup_free_ char *top = xasprintf("%s/%s", a->mounts[1], a->workdir);

	for (size_t i = 0; i < a->ninst; i++)
		if (a->inst[i].g->type == SEC_CHURN && a->inst[i].g->kind == CHURN_SNAPSHOT) {
			_cleanup_free_ char *d = instance_dir(&a->inst[i], &a->env);
			remove_snapshots(d);
		}
	if (rm_rf(top) < 0) {
		fprintf(stderr, "iputstorm agent: removing %s: %s\n", top, strerror(errno));
		return 1;
	}
	return 0;
}

static int do_reexport(struct agent *a, int unused)
{
	_cleanup_free_ char *top = xasprintf("%s/%s", a->mounts[1], a->workdir);

	/* The workload directories are made through NFS, under the trial's own top. */
	if (mkdir_p(top, 0755) < 0) {
		fprintf(stderr, "iputstorm agent: cannot create %s: %s\n", top, strerror(errno));
		return 1;
	}
	if (reexport_start(a->mounts[1], NFS_MOUNT, a->trial.modules_root,
			   a->scn.global.nfs_version == NFS_V3 ? 3 : 4) < 0) {
		fprintf(stderr, "iputstorm agent: %s\n", err_msg());
		return 1;
	}
	return 0;
}

static int do_umount(struct agent *a, int unused)
{
	if (a->nfs_up)
		reexport_stop(NFS_MOUNT); /* the sync phase did it, unless it was skipped */
	for (int i = a->mounted; i >= 1; i--)
		/* EINVAL: not mounted (an earlier unmount got this far). */
		if (umount2(a->mounts[i], 0) < 0 && errno != EINVAL) {
			fprintf(stderr, "iputstorm agent: umount %s: %s\n", a->mounts[i],
				strerror(errno));
			return 1;
		}
	return 0;
}

/* How the check after remount ended (the helper's exit status). */
enum { REMOUNT_OK, REMOUNT_CORRUPT, REMOUNT_UMOUNT_FAILED, REMOUNT_MOUNT_FAILED };

static bool has_model(const struct instance *in)
{
	_cleanup_free_ char *model = in->report ? xasprintf("%s.model", in->report) : NULL;

	return model && access(model, F_OK) == 0;
}

/*
 * The unmount writes every inode back and forgets it: what the writers
 * left must read back exactly on a fresh mount (client 1's, which then
 * serves the cleanup and the final unmount).
 */
static int do_remount_check(struct agent *a, int unused)
{
	int ret = REMOUNT_OK;

	if (do_umount(a, 0))
		return REMOUNT_UMOUNT_FAILED;
	if (do_mount(a, 1))
		return REMOUNT_MOUNT_FAILED;
	for (size_t i = 0; i < a->ninst; i++) {
		const struct instance *in = &a->inst[i];
		_cleanup_free_ char *model = NULL, *out = NULL;

		if (!has_model(in))
			continue;
		model = xasprintf("%s.model", in->report);
		out = xasprintf("%s.remount", in->report);
		/* A writer through NFS modelled its files under the re-export's mount. */
		if (verify_recheck(model,
				   in->g->via == VIA_NFS && a->env.nfs_mount
					   ? a->env.nfs_mount
					   : a->mounts[in->g->client],
				   a->mounts[1], out))
			ret = REMOUNT_CORRUPT;
	}
	return ret;
}

static bool wants_remount_check(struct agent *a)
{
	if (!a->g->final_umount)
		return false;
	for (size_t i = 0; i < a->ninst; i++)
		if (has_model(&a->inst[i]))
			return true;
	return false;
}

/* ---- setup ---- */

static int load_payload(struct agent *a)
{
	_cleanup_free_ char *p = xasprintf("%s/trial.json", a->o->payload);

	if (payload_load(p, &a->trial) < 0 ||
	    scenario_load_string(&a->scn, a->trial.scenario_name, a->trial.scenario) < 0)
		return -1;
	a->g = &a->scn.global;
	a->workdir = a->trial.workdir;
	return 0;
}

static int set_sysctl(const char *assignment)
{
	_cleanup_free_ char *copy = xstrdup(assignment);
	char *eq = strchr(copy, '=');
	_cleanup_free_ char *path = NULL;

	if (!eq)
		return err_set("sysctl '%s': expected name=value", assignment);
	*eq = '\0';
	for (char *p = copy; *p; p++)
		if (*p == '.')
			*p = '/';
	path = xasprintf("/proc/sys/%s", str_strip(copy));
	if (write_str(path, str_strip(eq + 1)) < 0)
		return err_set("sysctl %s: writing %s: %s", assignment, path, strerror(errno));
	return 0;
}

static int apply_sysctls(struct agent *a)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.0f", a->g->hung_task_timeout);
	if (set_sysctl("kernel.sysrq=1") < 0)
		return -1;
	/* Missing on kernels without the detector; the watchdog still works. */
	if (path_exists("/proc/sys/kernel/hung_task_timeout_secs")) {
		_cleanup_free_ char *h = xasprintf("kernel.hung_task_timeout_secs=%s", buf);
		if (set_sysctl(h) < 0 || set_sysctl("kernel.hung_task_warnings=-1") < 0)
			return -1;
	}
	for (size_t i = 0; i < a->g->sysctl.n; i++)
		if (set_sysctl(a->g->sysctl.v[i]) < 0)
			return -1;
	return 0;
}

static void mount_basics(void)
{
	mkdir_p("/run/iputstorm/logs", 0755);
	mkdir_p("/run/iputstorm/mnt", 0755);
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

static int setup_cgroups(struct agent *a)
{
	if (cgroup_setup() < 0)
		return -1;
	for (size_t i = 0; i < a->scn.ngroups; i++) {
		const struct scn_group *g = &a->scn.groups[i];

		if (!group_is_workload(g) && g->type != SEC_INJECT)
			continue;
		if (cgroup_create(g->cgroup, g->memory_max, g->memory_high) < 0)
			return -1;
	}
	return 0;
}

static void build_instances(struct agent *a)
{
	for (size_t i = 0; i < a->scn.ngroups; i++) {
		const struct scn_group *g = &a->scn.groups[i];
		int n;

		if (!group_is_workload(g) && !group_is_pressure(g))
			continue;
		n = group_is_workload(g) ? (int)g->instances : 1;
		for (int k = 0; k < n; k++) {
			a->inst = xrealloc(a->inst, (a->ninst + 1) * sizeof(*a->inst));
			a->inst[a->ninst++] = (struct instance){.g = g, .idx = k};
		}
	}
	a->actions_done = xcalloc(a->scn.ngroups, sizeof(bool));
	a->action_next = xcalloc(a->scn.ngroups, sizeof(double));
	for (size_t i = 0; i < a->scn.ngroups; i++)
		a->action_next[i] = a->scn.groups[i].at;
}

/* ---- kernel log and watchdog ---- */

static void on_report(struct kreport *r, void *ctx)
{
	struct agent *a = ctx;

	if (r->kind == KR_TASK_DUMP && r->state != 'D') {
		kreport_free(r);
		return; /* running or sleeping tasks of a sysrq-t dump */
	}
	if (r->kind == KR_OOM_KILL)
		a->oom_kills++;
	if (r->kind == KR_CYCLE && r->pid > 0)
		watchdog_suspect(&a->wd, r->pid);
	emit(a, (struct event){.type = EV_REPORT, .report = r});
}

static void read_kmsg(struct agent *a)
{
	char buf[8192];

	if (a->kmsg_fd < 0)
		return;
	for (int n = 0; n < 2000; n++) {
		ssize_t r = read(a->kmsg_fd, buf, sizeof(buf) - 1);
		char *save = NULL;

		if (r < 0 && errno == EPIPE)
			continue; /* overwritten records: keep reading */
		if (r <= 0)
			break;
		buf[r] = '\0';
		/* A record: "pri,seq,usec,flags;text\n" then " KEY=value" lines. */
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (l[0] == ' ')
				continue;
			klog_feed(&a->kp, l);
		}
	}
}

static void report_telemetry(struct agent *a);

static void on_stuck(struct ev_stuck *task, void *ctx)
{
	struct agent *a = ctx;
	struct event e = {.type = EV_STUCK, .stuck = *task};
	const char *c = stack_culprit(task->stack.v, task->stack.n);
	_cleanup_free_ char *title = c ? xasprintf("task hung in %.*s", (int)strcspn(c, " "), c)
				       : xstrdup("task hung (no stack)");

	if (task->within) {
		/* The kernel ends this wait itself: the end of the trial waits for it. */
		double more = task->bound + BOUNDED_GRACE;

		a->end_extra += more;
		if (a->h.pid)
			a->h.deadline += more;
		fprintf(stderr,
			"iputstorm agent: %s:%d waits in %.*s, which the kernel bounds to %.0f s "
			"(%s); not a hang before %.0f s\n",
			task->comm, task->tid, c ? (int)strcspn(c, " ") : 1, c ? c : "?",
			task->bound, task->waits_for, task->bound + BOUNDED_GRACE);
	}
	/*
	 * The host may end the trial on this event, long before the next
	 * periodic counters: these are the ones of the hang's moment.
	 */
	if (a->phase == PH_STRESS) {
		report_telemetry(a);
		a->last_tele = now_mono();
	}
	/* The watchdog keeps its stack: the event only borrows it. */
	e.stuck.title = title;
	e.stuck.stack = (struct strv){0};
	for (size_t i = 0; i < task->stack.n; i++)
		strv_push(&e.stuck.stack, task->stack.v[i]);
	emit(a, e);
}

/* ---- workloads ---- */

static double stress_left(struct agent *a)
{
	return a->g->duration - since(a, a->stress_t0);
}

static bool instance_due(struct agent *a, struct instance *in)
{
	double t = since(a, a->stress_t0), stop = in->g->stop;

	return !in->pid && !in->finished && t >= in->g->start && (stop <= 0 || t < stop);
}

static void start_instance(struct agent *a, struct instance *in)
{
	double stop = in->g->stop;

	a->env.duration = (stop > 0 ? stop : a->g->duration) - since(a, a->stress_t0);
	if (instance_start(in, &a->env) < 0) {
		emit_error(a, in->g->name, err_msg(), false, "agent");
		in->finished = true;
		return;
	}
	emit(a, (struct event){.type = EV_WORKLOAD,
			       .workload = {.group = in->g->name,
					    .instance = in->idx,
					    .what = "start",
					    .pid = (int)in->pid}});
}

static void stop_instances_past_their_time(struct agent *a)
{
	double t = since(a, a->stress_t0);

	for (size_t i = 0; i < a->ninst; i++) {
		struct instance *in = &a->inst[i];
		double stop = in->g->stop;

		if (in->pid && stop > 0 && t >= stop) {
			kill(-in->pid, SIGTERM);
			in->finished = true;
		}
	}
}

static struct instance *find_instance(struct agent *a, pid_t pid)
{
	for (size_t i = 0; i < a->ninst; i++)
		if (a->inst[i].pid == pid)
			return &a->inst[i];
	return NULL;
}

/*
 * A verify churner's report, sent home whenever it ends. Corrupt data is the
 * kernel's failure, not the workload's: that exit is no workload error.
 */
static bool report_integrity(struct agent *a, struct instance *in, int st)
{
	json_t *r = in->report ? json_load_file(in->report, 0, NULL) : NULL;
	bool corrupt;

	if (!r)
		return false;
	corrupt = json_integer_value(json_object_get(r, "mismatches")) > 0;
	/* The event owns the report from here (ev_emit releases it). */
	emit(a,
	     (struct event){.type = EV_INTEGRITY,
			    .integrity = {.group = in->g->name, .instance = in->idx, .report = r}});
	return corrupt && WIFEXITED(st) && WEXITSTATUS(st) == VERIFY_EXIT_CORRUPT;
}

/* Why an instance ended, and whether that is the trial's own failure. */
static void instance_exited(struct agent *a, struct instance *in, int st)
{
	char why[96];
	bool stopping = a->phase != PH_STRESS || in->finished;
	bool corrupt = report_integrity(a, in, st);
	bool oom = false;
	const char *what = "exit";
	bool failed = false;

	in->pid = 0;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && group_is_workload(in->g))
		oom = cgroup_oom_kills(in->g->cgroup) > in->oom_kills;
	if (stopping) {
		in->finished = true;
	} else if (oom) {
		if (in->g->oom == OOM_ERROR) {
			failed = true;
			in->finished = true;
		} else if (in->g->oom == OOM_RESTART && stress_left(a) > 1) {
			what = "restart";
			in->restarts++;
			a->restarts++;
		} else {
			in->finished = true;
		}
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		in->finished = true; /* ran its course (fio's runtime) */
	} else if (corrupt) {
		in->finished = true;
		a->corrupt_seen = true;
	} else {
		failed = true;
		in->finished = true;
	}
	describe_status(st, why, sizeof(why));
	{
		/* fio's bandwidth line, a churner's operation count: proof the stress ran. */
		_cleanup_free_ char *tail = failed || group_is_workload(in->g)
						    ? instance_log_tail(in, failed ? 1500 : 700)
						    : NULL;
		emit(a, (struct event){.type = EV_WORKLOAD,
				       .workload = {.group = in->g->name,
						    .instance = in->idx,
						    .what = what,
						    .status = why,
						    .oom = oom,
						    .failed = failed,
						    .log = tail}});
	}
	if (failed)
		a->workload_errors++;
}

static void reap(struct agent *a)
{
	int st;
	pid_t pid;

	got_sigchld = 0;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct instance *in = find_instance(a, pid);

		if (pid == a->h.pid) {
			a->h.pid = 0;
			a->h.status = st;
		} else if (in) {
			instance_exited(a, in, st);
		}
	}
}

static void expire_nfs_clients(struct agent *a, const struct scn_group *g)
{
	int n = reexport_expire_clients();
	_cleanup_free_ char *what = NULL;

	if (n < 0) {
		emit_error(a, g->name, err_msg(), false, "agent");
		return;
	}
	what = xasprintf("nfs-expire: %d NFS client(s) expired by the server", n);
	emit(a, (struct event){.type = EV_ACTION, .action = {.group = g->name, .what = what}});
}

/* The keeper goes with the cache it holds; a new one binds the same cache again. */
static void withdraw_fscache(struct agent *a, const struct scn_group *g)
{
	if (a->fscache_pid > 0)
		kill(a->fscache_pid, SIGTERM);
	if (fscache_start(false, &a->fscache_pid) < 0) {
		a->fscache_pid = 0;
		emit_error(a, g->name, err_msg(), false, "agent");
		return;
	}
	emit(a, (struct event){.type = EV_ACTION,
			       .action = {.group = g->name,
					  .what = "fscache-withdraw: the cache was withdrawn and "
						  "is being bound again"}});
}

static void run_actions(struct agent *a)
{
	double t = since(a, a->stress_t0);

	for (size_t i = 0; i < a->scn.ngroups; i++) {
		const struct scn_group *g = &a->scn.groups[i];

		if (g->type == SEC_FSCACHE_WITHDRAW && t >= a->action_next[i]) {
			withdraw_fscache(a, g);
			a->action_next[i] = g->every > 0 ? a->action_next[i] + g->every : HUGE_VAL;
			continue;
		}
		if (g->type == SEC_NFS_EXPIRE && a->nfs_up && t >= a->action_next[i]) {
			expire_nfs_clients(a, g);
			a->action_next[i] = g->every > 0 ? a->action_next[i] + g->every : HUGE_VAL;
			continue;
		}
		if (g->type != SEC_SYSRQ || a->actions_done[i] || t < g->at)
			continue;
		a->actions_done[i] = true;
		emit(a, (struct event){.type = EV_ACTION,
				       .action = {.group = g->name, .sysrq = g->key}});
		if (write_str("/proc/sysrq-trigger", g->key) < 0)
			emit_error(a, g->name, strerror(errno), false, "scenario");
	}
}

static void fail_setup(struct agent *a, const char *what, const char *blame)
{
	emit_error(a, what, err_msg(), true, blame);
	set_phase(a, PH_FAILED);
}

/* ---- fault injection and telemetry (iputstorm_inject.ko) ---- */

/*
 * Injections need the module; telemetry only wants it. A missing module
 * fails the first (infrastructure) and only silences the second.
 */
static int setup_inject(struct agent *a)
{
	const char *ko = a->trial.inject_module;
	bool want_tele = a->g->telemetry;

	if (!scenario_has_injection(&a->scn) && !want_tele)
		return 0;
	if (!ko || inject_load(ko) < 0) {
		if (!ko)
			err_set("the host built no iputstorm_inject.ko for this kernel");
		if (scenario_has_injection(&a->scn)) {
			fail_setup(a, "inject module", "infra");
			return -1;
		}
		emit_error(a, "telemetry", err_msg(), false, "infra");
		return 0;
	}
	if (inject_ctl("telemetry %d", want_tele) < 0) {
		fail_setup(a, "inject module", "agent");
		return -1;
	}
	a->telemetry = want_tele;
	return 0;
}

/* Delay injections go live with the stress, so mounts and boot run undisturbed. */
static void arm_injections(struct agent *a)
{
	for (size_t i = 0; i < a->scn.ngroups; i++) {
		const struct scn_group *g = &a->scn.groups[i];

		if (!group_is_injection(g) || group_injects_by_churner(g))
			continue;
		if (inject_arm(g) < 0) {
			emit_error(a, g->name, err_msg(), true, "scenario");
			set_phase(a, PH_FAILED);
			return;
		}
		emit(a, (struct event){.type = EV_INJECT,
				       .inject = {.group = g->name,
						  .injection = injection_name(g->injection),
						  .delay = g->delay,
						  .probability = (int)g->probability}});
	}
}

static void report_telemetry(struct agent *a)
{
	json_t *c;

	if (!a->telemetry || !a->stress_t0)
		return;
	c = inject_stats();
	if (!c)
		return;
	if (a->g->fscache)
		fscache_add_netfs_stats(c);
	emit(a, (struct event){
			.type = EV_TELEMETRY,
			.telemetry = {.stress_secs = now_mono() - a->stress_t0, .counters = c}});
}

/* ---- phases ---- */

static void start_stress(struct agent *a)
{
	set_phase(a, PH_STRESS);
	a->stress_t0 = now_mono();
	a->last_tele = a->stress_t0;
	arm_injections(a);
}

static void phase_mounting(struct agent *a)
{
	int r = helper_poll(a);

	if (r < 0) {
		char msg[128];

		if (a->step > a->nclients)
			snprintf(msg, sizeof(msg), "the NFS re-export did not finish in %.0f s",
				 a->g->mount_timeout);
		else
			snprintf(msg, sizeof(msg), "mount of client %d did not finish in %.0f s",
				 a->step, a->g->mount_timeout);
		emit_error(a, "mount", msg, true, "infra");
		set_phase(a, PH_FAILED);
		return;
	}
	if (r == 1)
		return;
	if (a->step > a->nclients) {
		/* The NFS re-export just finished: the last step. */
		if (!WIFEXITED(a->h.status) || WEXITSTATUS(a->h.status) != 0) {
			emit_error(a, "nfs re-export",
				   "knfsd could not export client 1's mount (see console.log)",
				   true, "infra");
			set_phase(a, PH_FAILED);
			return;
		}
		a->nfs_up = true;
		a->env.nfs_mount = NFS_MOUNT;
		for (size_t i = 0; i < a->scn.ngroups; i++)
			a->env.nfs_expires |= a->scn.groups[i].type == SEC_NFS_EXPIRE;
		start_stress(a);
		return;
	}
	if (a->step > 0) {
		/* Client a->step just finished. */
		int st = a->h.status;
		bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;

		emit(a,
		     (struct event){.type = EV_MOUNT,
				    .mount = {.client = a->step,
					      .ok = ok,
					      .error = ok ? ""
							  : strerror(WIFEXITED(st) ? WEXITSTATUS(st)
										   : EIO)}});
		if (!ok) {
			emit_error(a, "mount", "the CephFS kernel mount failed (see console.log)",
				   true, "infra");
			set_phase(a, PH_FAILED);
			return;
		}
		a->mounted = a->step;
	}
	if (a->step < a->nclients) {
		a->step++;
		if (helper_start(a, "mount", a->g->mount_timeout, do_mount, a->step) < 0)
			fail_setup(a, "mount", "agent");
		return;
	}
	if (scenario_reexports(&a->scn)) {
		a->step++;
		if (helper_start(a, "nfs re-export", a->g->mount_timeout, do_reexport, 0) < 0)
			fail_setup(a, "nfs re-export", "agent");
		return;
	}
	start_stress(a);
}

/*
 * end_when_safe: every injected inode the module watched was evicted
 * outside writeback and ceph-msgr, enough of them: the kernel under test
 * took the safe path each time, and more stress would only say it again.
 */
static bool injections_all_safe(struct agent *a)
{
	_cleanup_json_ json_t *c = NULL;
	double now = now_mono();

	if (!a->g->end_when_safe || now - a->last_safe_check < 1)
		return false;
	a->last_safe_check = now;
	c = inject_stats();
	return c &&
	       json_integer_value(json_object_get(c, "injected_evicted_safe")) >=
		       a->g->end_when_safe &&
	       json_integer_value(json_object_get(c, "injected_evicted_unsafe")) == 0 &&
	       json_integer_value(json_object_get(c, "injected_untracked")) == 0;
}

static void phase_stress(struct agent *a)
{
	stop_instances_past_their_time(a);
	for (size_t i = 0; i < a->ninst; i++)
		if (instance_due(a, &a->inst[i]))
			start_instance(a, &a->inst[i]);
	run_actions(a);
	if (stress_left(a) <= 0 || injections_all_safe(a) ||
	    (a->corrupt_seen && a->g->end_on_corruption)) {
		report_telemetry(a);
		set_phase(a, PH_STOPPING);
		a->end_t0 = now_mono();
		for (size_t i = 0; i < a->ninst; i++)
			if (a->inst[i].pid)
				kill(-a->inst[i].pid, SIGTERM);
	}
}

static bool any_running(struct agent *a)
{
	for (size_t i = 0; i < a->ninst; i++)
		if (a->inst[i].pid)
			return true;
	return false;
}

static double end_left(struct agent *a)
{
	return a->g->end_grace + a->end_extra - since(a, a->end_t0);
}

static void end_timeout(struct agent *a, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s did not finish within end_grace (%.0f s)", what,
		 a->g->end_grace);
	emit_error(a, phase_names[a->phase], msg, false, "kernel");
}

static void phase_stopping(struct agent *a)
{
	if (a->step == 0 && since(a, a->end_t0) > 5) {
		/* SIGTERM was not enough: SIGKILL whatever is left in each cgroup. */
		for (size_t i = 0; i < a->ninst; i++)
			if (a->inst[i].pid) {
				kill(-a->inst[i].pid, SIGKILL);
				if (group_is_workload(a->inst[i].g))
					cgroup_kill(a->inst[i].g->cgroup);
			}
		a->step = 1;
	}
	if (!any_running(a)) {
		set_phase(a, a->g->final_sync	      ? PH_SYNCING
			     : wants_remount_check(a) ? PH_REMOUNTING
						      : PH_CLEANUP);
		return;
	}
	if (end_left(a) < 0 && a->step == 1) {
		end_timeout(a, "stopping the workloads");
		a->step = 2;
	}
}

static void phase_helper_step(struct agent *a, int (*fn)(struct agent *, int), const char *what,
			      enum phase next)
{
	int r;

	if (a->step == 0) {
		if (helper_start(a, what, MAX(end_left(a), 1), fn, 0) < 0) {
			emit_error(a, what, err_msg(), false, "agent");
			set_phase(a, next);
			return;
		}
		a->step = 1;
		return;
	}
	r = helper_poll(a);
	if (r < 0)
		end_timeout(a, what);
	if (r != 0)
		return;
	if (!WIFEXITED(a->h.status) || WEXITSTATUS(a->h.status))
		emit_error(a, what, "failed (see console.log)", false, "kernel");
	set_phase(a, next);
}

static void emit_done(struct agent *a);

/* Sends home what each writer's files held on the fresh mount. */
static void report_remount_checks(struct agent *a)
{
	for (size_t i = 0; i < a->ninst; i++) {
		struct instance *in = &a->inst[i];
		_cleanup_free_ char *out = in->report ? xasprintf("%s.remount", in->report) : NULL;
		json_t *r = out ? json_load_file(out, 0, NULL) : NULL;

		if (!r)
			continue;
		if (json_string_value(json_object_get(r, "error")))
			emit_error(a, "check after the remount",
				   json_string_value(json_object_get(r, "error")), false, "agent");
		emit(a, (struct event){.type = EV_INTEGRITY,
				       .integrity = {.group = in->g->name,
						     .instance = in->idx,
						     .report = r}}); /* owns r */
	}
}

static void phase_remounting(struct agent *a)
{
	int r, code;

	if (a->step == 0) {
		if (helper_start(a, "remount", MAX(end_left(a), 1), do_remount_check, 0) < 0) {
			emit_error(a, "remount", err_msg(), false, "agent");
			set_phase(a, PH_CLEANUP);
			return;
		}
		a->step = 1;
		return;
	}
	r = helper_poll(a);
	if (r < 0)
		end_timeout(a, "unmount and mount again");
	if (r != 0)
		return;
	code = WIFEXITED(a->h.status) ? WEXITSTATUS(a->h.status) : -1;
	if (code == REMOUNT_OK || code == REMOUNT_CORRUPT) {
		a->mounted = 1;
		/* Every group's files are on client 1's mount now (the cleanup's snapshots too). */
		for (int c = 2; c <= a->nclients; c++)
			a->env.mounts[c] = a->mounts[1];
		report_remount_checks(a);
	} else if (code == REMOUNT_MOUNT_FAILED) {
		a->mounted = 0;
		emit_error(a, "remount", "mounting again after the unmount failed", false, "infra");
		set_phase(a, PH_DONE);
		emit_done(a);
		return;
	} else {
		emit_error(a, "unmount", "failed (see console.log)", false, "kernel");
	}
	set_phase(a, PH_CLEANUP);
}

static void emit_done(struct agent *a)
{
	/* Cleanup and unmount drop references too: the last counters cover them. */
	report_telemetry(a);
	emit(a, (struct event){.type = EV_DONE,
			       .done = {.workload_errors = (long long)a->workload_errors,
					.oom_kills = (long long)a->oom_kills,
					.restarts = (long long)a->restarts,
					.stuck = a->wd.stuck,
					.mounted = a->mounted}});
}

static void step_phase(struct agent *a)
{
	switch (a->phase) {
	case PH_MOUNTING:
		phase_mounting(a);
		break;
	case PH_STRESS:
		phase_stress(a);
		break;
	case PH_STOPPING:
		phase_stopping(a);
		break;
	case PH_SYNCING:
		phase_helper_step(a, do_syncfs, "syncfs",
				  wants_remount_check(a) ? PH_REMOUNTING : PH_CLEANUP);
		break;
	case PH_REMOUNTING:
		phase_remounting(a);
		break;
	case PH_CLEANUP:
		phase_helper_step(a, do_cleanup, "removing the trial's files",
				  a->g->final_umount ? PH_UNMOUNTING : PH_DONE);
		break;
	case PH_UNMOUNTING:
		phase_helper_step(a, do_umount, "unmount", PH_DONE);
		if (a->phase == PH_DONE)
			emit_done(a);
		break;
	case PH_DONE:
	case PH_FAILED:
	case PH_INIT:
		break;
	}
	if (a->phase == PH_DONE && a->step == 0 && !a->g->final_umount) {
		emit_done(a);
		a->step = 1;
	}
}

static void heartbeat(struct agent *a)
{
	emit(a, (struct event){.type = EV_HEARTBEAT,
			       .heartbeat = {.phase = phase_names[a->phase],
					     .dstate = a->wd.dstate,
					     .stuck = a->wd.stuck}});
}

static void hello(struct agent *a)
{
	struct utsname u;
	char up[64] = "";

	uname(&u);
	read_file_trim("/proc/uptime", up, sizeof(up));
	emit(a, (struct event){.type = EV_HELLO,
			       .hello = {.kernel = u.release,
					 .version = u.version,
					 .uptime = atof(up),
					 .pid = (int)getpid()}});
}

static int agent_setup(struct agent *a)
{
	mount_basics();
	if (load_payload(a) < 0) {
		emit_error(a, "payload", err_msg(), true, "agent");
		return -1;
	}
	a->nclients = (int)a->g->clients;
	for (int i = 1; i <= a->nclients; i++) {
		a->mounts[i] = xasprintf("/run/iputstorm/mnt/c%d", i);
		mkdir_p(a->mounts[i], 0755);
		a->env.mounts[i] = a->mounts[i];
	}
	a->env.workdir = a->workdir;
	a->env.log_dir = "/run/iputstorm/logs";
	a->env.seed = a->trial.seed;
	watchdog_init(&a->wd, a->g->stuck_after, NULL);
	a->wd.bound = ceph_mount_timeout(a->g->mount_options);
	klog_init(&a->kp, on_report, a);
	a->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (apply_sysctls(a) < 0) {
		fail_setup(a, "sysctl", "scenario");
		return -1;
	}
	if (setup_cgroups(a) < 0) {
		fail_setup(a, "cgroups", "agent");
		return -1;
	}
	if (setup_inject(a) < 0)
		return -1;
	if (a->g->fscache && (fscache_prepare(a->trial.modules_root, a->g->fscache_read_errors,
					      a->g->fscache_read_delay) < 0 ||
			      fscache_start(true, &a->fscache_pid) < 0)) {
		fail_setup(a, "fscache", "infra");
		return -1;
	}
	build_instances(a);
	set_phase(a, PH_MOUNTING);
	return 0;
}

int agent_main(const struct agent_opts *o)
{
	struct agent a = {.o = o, .kmsg_fd = -1};
	struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP};

	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ev_writer_open(&a.ev, o->events) < 0) {
		fprintf(stderr, "iputstorm agent: %s\n", err_msg());
		return 3;
	}
	hello(&a);
	if (agent_setup(&a) < 0 && a.phase != PH_FAILED)
		set_phase(&a, PH_FAILED);
	a.last_hb = a.last_wd = now_mono();
	/* Never returns on its own: the host stops the VM when it has seen enough. */
	for (;;) {
		double now;

		read_kmsg(&a);
		reap(&a);
		step_phase(&a);
		now = now_mono();
		if (now - a.last_wd >= 0.5) {
			watchdog_sample(&a.wd, now - a.ev.t0, on_stuck, &a);
			a.last_wd = now;
		}
		if (now - a.last_hb >= 1) {
			heartbeat(&a);
			a.last_hb = now;
		}
		/* Every few seconds: a hang leaves the counters up to its moment. */
		if (a.phase == PH_STRESS && now - a.last_tele >= 5) {
			report_telemetry(&a);
			a.last_tele = now;
		}
		if (!got_sigchld)
			sleep_s(TICK);
	}
}
