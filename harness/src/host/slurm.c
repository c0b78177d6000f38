// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/slurm.h"
#include "analysis/sequential.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"
#include "lib/strv.h"
#include "model/injections.h"
#include "model/runfile.h"
#include "store/debian.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLL_SECS 2.0
#define ARRAY_MAX 1000

/*
 * Line SLURM_ARRAY_TASK_ID + 1 of the plan is "KERNEL<tab>TRIALS<tab>DIR";
 * the task runs those trials into DIR with the arguments after the plan.
 */
static const char task_script[] =
	"#!/bin/sh\n"
	"# One task of `iputstorm matrix --slurm`: task.sh PLAN IPUTSTORM RUN-ARGS...\n"
	"set -eu\n"
	"plan=$1 exe=$2\n"
	"shift 2\n"
	"n=$((SLURM_ARRAY_TASK_ID + 1))\n"
	"line=$(sed -n \"${n}p\" \"$plan\")\n"
	"[ -n \"$line\" ] || { echo \"iputstorm task: no line $n in $plan\" >&2; exit 2; }\n"
	"kernel=$(printf '%s\\n' \"$line\" | cut -f1)\n"
	"trials=$(printf '%s\\n' \"$line\" | cut -f2)\n"
	"out=$(printf '%s\\n' \"$line\" | cut -f3)\n"
	"mkdir -p \"$out\"\n"
	"exec \"$exe\" run -k \"$kernel\" -n \"$trials\" --results \"$out\" \"$@\"\n";

struct task {
	int kernel, trials;
	char *dir;
};

struct fleet {
	const struct run_args *a;
	struct scenario scn;
	char *scenario_file; /* the scenario with its overrides, for every task */
	struct kernel k[SESSION_MAX_KERNELS];
	int nk, per_kernel, slice;
	struct run_results r;
	char *exe, *script;
	struct tally t[SESSION_MAX_KERNELS];
	int done[SESSION_MAX_KERNELS]; /* trials planned so far, per kernel */
	int trial;		       /* the merged run's numbering */
	json_t *jobs;
};

static int need_slurm(void)
{
	static const char *const tools[] = {"sbatch", "squeue", "scancel"};

	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		_cleanup_free_ char *p = find_program(tools[i], getenv("PATH") ?: "/usr/bin");

		if (!p)
			return err_set(
				"matrix --slurm needs Slurm's %s on PATH (Debian: slurm-client; "
				"tools/slurm-local starts a single-node Slurm to try it)",
				tools[i]);
	}
	return 0;
}

/* The scenario as every task runs it: overrides applied, on the shared storage. */
static int write_scenario(struct fleet *f)
{
	_cleanup_free_ char *text = scenario_dump(&f->scn);
	_cleanup_free_ char *name = xasprintf("%s.ini", f->scn.name);

	f->scenario_file = path_join(f->r.dir, name);
	if (results_write(&f->r, "scenario.ini", text) < 0 ||
	    write_file(f->scenario_file, text, strlen(text)) < 0)
		return err_set("cannot write %s: %s", f->scenario_file, strerror(errno));
	return 0;
}

/* 0, or the exit code after the message: usage (bad arguments) or undecided. */
static int open_fleet(struct fleet *f, const struct run_args *a)
{
	_cleanup_free_ char *spath = scenario_resolve(a->scenario);
	json_t *names, *sb;
	char *abs;

	f->a = a;
	f->nk = (int)a->kernels.n;
	if (need_slurm() < 0 || run_args_check_external(a) < 0 || scenario_load(&f->scn, spath) < 0)
		goto usage;
	for (size_t i = 0; i < a->overrides.n; i++)
		if (scenario_override(&f->scn, a->overrides.v[i]) < 0)
			goto usage;
	if (session_refuse_disruptive(&f->scn, a, "matrix --slurm") < 0)
		return EXIT_USAGE;
	/* Fetched and made ready once, here: tasks racing to build one module would not be. */
	for (int i = 0; i < f->nk; i++)
		if (kernel_resolve(a->kernels.v[i], &f->k[i]) < 0 ||
		    session_prepare_kernel(&f->scn, &f->k[i]) < 0)
			goto undecided;
	f->per_kernel = a->trials ? a->trials : (int)f->scn.global.trials;
	f->slice = a->slurm_trials > 0 ? a->slurm_trials : 1;
	if (results_create(&f->r, a->results ? a->results : "results", f->scn.name) < 0)
		goto undecided;
	/* Nodes see it by this path: relative paths mean nothing there. */
	abs = realpath(f->r.dir, NULL);
	if (!abs) {
		err_set("%s: %s", f->r.dir, strerror(errno));
		goto undecided;
	}
	free(f->r.dir);
	f->r.dir = abs;
	f->exe = self_exe();
	f->script = path_join(f->r.dir, "task.sh");
	{
		/* Slurm writes no log at all into a directory that is not there. */
		_cleanup_free_ char *logs = path_join(f->r.dir, "slurm");

		if (mkdir_p(logs, 0755) < 0) {
			err_set("cannot create %s: %s", logs, strerror(errno));
			goto undecided;
		}
	}
	if (write_file(f->script, task_script, strlen(task_script)) < 0 ||
	    chmod(f->script, 0755) < 0) {
		err_set("cannot write %s: %s", f->script, strerror(errno));
		goto undecided;
	}
	if (write_scenario(f) < 0)
		goto undecided;
	names = json_array();
	sb = json_array();
	for (int i = 0; i < f->nk; i++) {
		_cleanup_free_ char *file = xasprintf("kernel-%s.json", f->k[i].name);

		results_write_json(&f->r, file, f->k[i].meta);
		json_array_append_new(names, json_string(f->k[i].name));
	}
	for (size_t i = 0; i < a->sbatch.n; i++)
		json_array_append_new(sb, json_string(a->sbatch.v[i]));
	f->jobs = json_array();
	json_object_set_new(f->r.run, "scenario", json_string(f->scn.name));
	json_object_set_new(f->r.run, "kernels", names);
	json_object_set_new(f->r.run, "baseline", json_string(f->k[0].name));
	json_object_set_new(f->r.run, "matrix", json_true());
	json_object_set_new(f->r.run, "injected", json_boolean(scenario_has_injection(&f->scn)));
	json_object_set_new(f->r.run, "injections", scenario_injections(&f->scn));
	json_object_set_new(f->r.run, "planned_trials", json_integer(f->per_kernel * f->nk));
	json_object_set_new(f->r.run, "slurm",
			    json_pack("{s:o, s:i, s:o}", "jobs", json_incref(f->jobs),
				      "trials_per_task", f->slice, "sbatch", sb));
	return results_save(&f->r) < 0 ? EXIT_UNDECIDED : 0;
usage:
	p_err("matrix --slurm: %s", err_msg());
	return EXIT_USAGE;
undecided:
	p_err("matrix --slurm: %s", err_msg());
	if (f->r.run) {
		/* A run directory made is a run closed, with why. */
		json_object_set_new(f->r.run, "error", json_string(err_msg()));
		results_finish(&f->r, V_MISS);
	}
	return EXIT_UNDECIDED;
}

/* One round's tasks: up to `slices` slices per kernel, kernels interleaved. */
static int plan_round(struct fleet *f, int round, int slices, struct task **tasks)
{
	int n = 0;

	*tasks = xcalloc((size_t)(slices * f->nk), sizeof(**tasks));
	for (int s = 0; s < slices; s++)
		for (int i = 0; i < f->nk; i++) {
			int left = f->per_kernel - f->done[i];
			struct task *t = &(*tasks)[n];

			if (left <= 0)
				continue;
			t->kernel = i;
			t->trials = MIN(f->slice, left);
			t->dir = xasprintf("%s/tasks/r%d-%d", f->r.dir, round, n);
			f->done[i] += t->trials;
			n++;
		}
	return n;
}

static char *write_plan(struct fleet *f, int round, int part, const struct task *tasks, int n)
{
	_cleanup_free_ char *name = xasprintf("plan-r%d-%d.tsv", round, part);
	char *path = path_join(f->r.dir, name);
	struct strbuf sb;
	int r;

	sb_init(&sb);
	for (int i = 0; i < n; i++)
		sb_printf(&sb, "%s\t%d\t%s\n", f->k[tasks[i].kernel].name, tasks[i].trials,
			  tasks[i].dir);
	r = write_file(path, sb.buf, sb.len);
	sb_release(&sb);
	if (r < 0) {
		err_set("cannot write %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/* What every task passes on to `iputstorm run`: the cluster to use. */
static void push_cluster_args(const struct run_args *a, struct strv *argv)
{
	if (a->cluster) {
		strv_push(argv, "--cluster");
		strv_push(argv, a->cluster);
	}
	if (!a->ext.conf)
		return;
	strv_push(argv, "--ceph-conf");
	strv_push(argv, a->ext.conf);
	strv_push(argv, "--keyring");
	strv_push(argv, a->ext.keyring);
	strv_push(argv, "--id");
	strv_push(argv, a->ext.id);
	if (a->ext.fs) {
		strv_push(argv, "--fs");
		strv_push(argv, a->ext.fs);
	}
	if (a->ext.allow_disruptive)
		strv_push(argv, "--allow-disruptive");
}

/* The array job's id, or -1. */
static long submit(struct fleet *f, int round, const char *plan, int n)
{
	_cleanup_strv_ struct strv argv = {0};
	_cleanup_free_ char *out = NULL;
	long id;

	strv_push(&argv, "sbatch");
	strv_push(&argv, "--parsable");
	strv_pushf(&argv, "--array=0-%d", n - 1);
	strv_pushf(&argv, "--job-name=iputstorm-%s-r%d", f->r.id, round);
	strv_pushf(&argv, "--output=%s/slurm/%%A_%%a.out", f->r.dir);
	for (size_t i = 0; i < f->a->sbatch.n; i++)
		strv_push(&argv, f->a->sbatch.v[i]);
	strv_push(&argv, f->script);
	strv_push(&argv, plan);
	strv_push(&argv, f->exe);
	strv_push(&argv, "-s");
	strv_push(&argv, f->scenario_file);
	push_cluster_args(f->a, &argv);
	if (run_capture(argv.v, 120, &out) < 0 || sscanf(out ? out : "", "%ld", &id) != 1) {
		err_set("sbatch refused the array job: %s", out ? str_strip(out) : err_msg());
		return -1;
	}
	return id;
}

/* 1 while the controller lists the job, 0 once it does not, -1 when it does not answer. */
static int job_listed(long id)
{
	_cleanup_free_ char *jid = xasprintf("%ld", id), *out = NULL;
	char *argv[] = {"squeue", "-h", "-j", jid, "-o", "%i", NULL};

	if (run_capture(argv, 60, &out) < 0)
		/* A job the controller forgot (MinJobAge) is an invalid id: ended. */
		return out && strstr(out, "Invalid job id") ? 0 : -1;
	return out && *str_strip(out) ? 1 : 0;
}

static void cancel(long id)
{
	_cleanup_free_ char *jid = xasprintf("%ld", id), *out = NULL;
	char *argv[] = {"scancel", jid, NULL};

	if (run_capture(argv, 60, &out) < 0)
		p_warn("scancel %ld: %s", id, out ? str_strip(out) : err_msg());
}

/* Until the job has ended; an unanswering controller is asked again, not believed gone. */
static void wait_job(long id)
{
	double cancelled_at = 0;
	int r;

	while ((r = job_listed(id)) != 0) {
		if (r < 0)
			p_debug("squeue for job %ld did not answer; asking again", id);
		if (session_interrupted() && !cancelled_at) {
			p_info("interrupted: cancelling Slurm job %ld", id);
			cancel(id);
			cancelled_at = now_mono();
		}
		/* Cancelled tasks get KillWait to stop and clean up; then stop asking. */
		if (cancelled_at && now_mono() - cancelled_at > 600)
			break;
		sleep_s(POLL_SECS);
	}
}

/* trials/N in the merged run points at the task's own trial directory. */
static void link_trial(struct fleet *f, const struct run_record *rr, int orig)
{
	_cleanup_free_ char *target = xasprintf("%s/trials/%d", rr->dir, orig);
	_cleanup_free_ char *tdir = path_join(f->r.dir, "trials");
	_cleanup_free_ char *link = xasprintf("%s/%d", tdir, f->trial);
	_cleanup_free_ char *rel = NULL;

	mkdir_p(tdir, 0755);
	rel = str_startswith(target, f->r.dir) ? xasprintf("..%s", target + strlen(f->r.dir))
					       : xstrdup(target);
	if (symlink(rel, link) < 0)
		p_warn("cannot link %s: %s", link, strerror(errno));
}

static void add_trial(struct fleet *f, int kernel, json_t *t, enum verdict v)
{
	f->t[kernel].n[v]++;
	json_object_set_new(t, "trial", json_integer(f->trial));
	json_object_set_new(t, "kernel", json_string(f->k[kernel].name));
	if (results_add_trial(&f->r, t, v) < 0)
		p_warn("%s", err_msg());
	json_decref(t);
}

/* A task's trials into the merged run; those it never ran are MISS. */
static void collect_task(struct fleet *f, long job, int idx, const struct task *task)
{
	_cleanup_free_ char *latest = results_latest(task->dir);
	_cleanup_free_ char *dir = latest ? path_join(task->dir, latest) : NULL;
	struct run_record rr = {0};
	int got = 0;

	if (dir && runfile_read(dir, &rr) == 0)
		for (size_t i = 0; i < rr.ntrials && got < task->trials; i++, got++) {
			json_t *t = json_deep_copy(rr.trials[i].json);

			f->trial++;
			json_object_set_new(t, "task",
					    json_pack("{s:I, s:i, s:s, s:i}", "job",
						      (json_int_t)job, "index", idx, "run", rr.dir,
						      "trial", rr.trials[i].trial));
			link_trial(f, &rr, rr.trials[i].trial);
			add_trial(f, task->kernel, t, rr.trials[i].verdict);
		}
	for (; got < task->trials; got++) {
		f->trial++;
		add_trial(
			f, task->kernel,
			json_pack(
				"{s:s, s:s, s:f, s:{s:I, s:i}}", "verdict", verdict_name(V_MISS),
				"reason",
				"the Slurm task left no verdict for this trial (see its log under "
				"slurm/)",
				"duration", 0.0, "task", "job", (json_int_t)job, "index", idx),
			V_MISS);
	}
	runfile_release(&rr);
}

/* One array job: planned, submitted, waited for, merged. 0, or -1 when it could not run. */
/* One array job of n tasks (at most ARRAY_MAX): submitted, waited for, merged. */
static int run_part(struct fleet *f, int round, int part, struct task *tasks, int n)
{
	_cleanup_free_ char *plan = write_plan(f, round, part, tasks, n);
	long job = plan ? submit(f, round, plan, n) : -1;
	double t0 = now_mono();

	if (job < 0)
		return -1;
	json_array_append_new(f->jobs, json_integer(job));
	results_save(&f->r);
	if (!json_output)
		p_info("round %d: Slurm job %ld, %d task(s) of up to %d trial(s)", round + 1, job,
		       n, f->slice);
	wait_job(job);
	for (int i = 0; i < n; i++)
		collect_task(f, job, i, &tasks[i]);
	if (!json_output)
		p_info("round %d: job %ld done in %.0f s", round + 1, job, now_mono() - t0);
	return 0;
}

/*
 * A round's tasks, as array jobs of at most ARRAY_MAX tasks (Slurm's default
 * MaxArraySize is 1001). 0, or -1 when a job could not be submitted.
 */
static int run_round(struct fleet *f, int round, int slices)
{
	struct task *tasks = NULL;
	int n = plan_round(f, round, slices, &tasks), ret = 0;

	for (int at = 0, part = 0; at < n && ret == 0 && !session_interrupted();
	     at += ARRAY_MAX, part++)
		ret = run_part(f, round, part, tasks + at, MIN(ARRAY_MAX, n - at));
	for (int i = 0; i < n; i++)
		free(tasks[i].dir);
	free(tasks);
	return ret;
}

static void close_fleet(struct fleet *f)
{
	for (int i = 0; i < SESSION_MAX_KERNELS; i++)
		kernel_close(&f->k[i]);
	json_decref(f->jobs);
	results_free(&f->r);
	scenario_free(&f->scn);
	free(f->scenario_file);
	free(f->exe);
	free(f->script);
}

/* compare on the merged run, for its table and reports; its exit code is its own. */
static void run_compare(struct fleet *f)
{
	char *argv[] = {f->exe, "compare", f->r.dir, NULL};
	pid_t pid = spawn(argv, NULL);
	int st;

	if (pid > 0)
		wait_timeout(pid, -1, &st);
}

int slurm_matrix(const struct run_args *a)
{
	struct fleet f = {0};
	double level = a->alpha;
	int rounds, ret;
	bool failed = false;
	enum verdict v;

	session_catch_signals();
	ret = open_fleet(&f, a);
	if (ret)
		goto out;
	rounds = (f.per_kernel + f.slice - 1) / f.slice;
	if (a->until_significant) {
		level = sequential_level(f.per_kernel, a->alpha);
		json_object_set_new(f.r.run, "sequential_level", json_real(level));
	}
	for (int round = 0; round < rounds && !session_interrupted(); round++) {
		const char *why = NULL;
		int left;

		/* Without --until-significant, one array job holds every slice. */
		if (run_round(&f, round, a->until_significant ? 1 : rounds) < 0) {
			p_err("matrix --slurm: %s", err_msg());
			json_object_set_new(f.r.run, "error", json_string(err_msg()));
			failed = true;
			break;
		}
		if (!a->until_significant)
			break;
		left = f.per_kernel - f.done[0];
		/* The level is for one look per trial per kernel: fewer looks stay below alpha. */
		if (left > 0 && sequential_settled(f.t, f.nk, left, level, &why)) {
			p_info("stopping after round %d: %s (p < %.4g each look, alpha %g over "
			       "all)",
			       round + 1, why, level, a->alpha);
			json_object_set_new(f.r.run, "stopped_early", json_string(why));
			break;
		}
	}
	if (session_interrupted())
		json_object_set_new(f.r.run, "interrupted", json_true());
	v = tally_verdict(&f.r.tally);
	results_finish(&f.r, v);
	session_record_history(&f.r);
	if (!json_output)
		run_compare(&f);
	/* A matrix cut short says nothing of the kernels it did not run. */
	ret = session_interrupted() || failed ? EXIT_UNDECIDED : verdict_exit_code(v);
out:
	close_fleet(&f);
	return ret;
}
