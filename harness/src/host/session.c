// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/session.h"
#include "analysis/history.h"
#include "host/cluster.h"
#include "host/records.h"
#include "host/results.h"
#include "host/slots.h"
#include "host/trial.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "model/injections.h"
#include "model/runfile.h"
#include "model/scenario.h"
#include "model/verdict.h"
#include "store/debian.h"
#include "store/kernel.h"
#include "store/kmodule.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

void session_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	/* No SA_RESTART: a blocked poll() must return so the trial can stop. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool session_interrupted(void)
{
	return interrupted != 0;
}

int run_opt(int id, const char *arg, void *ctx)
{
	struct run_args *a = ctx;
	long long n;

	switch (id) {
	case 's':
		a->scenario = arg;
		break;
	case 'k':
		/* Refused before a results directory is made for a run that cannot start. */
		if (!*arg || strpbrk(arg, " \t\n"))
			return err_set(
				"-k takes a kernel name or spec (`iputstorm kernel list`), not "
				"'%s'",
				arg);
		strv_push(&a->kernels, arg);
		break;
	case 'n':
		if (parse_int(arg, &n) < 0 || n < 1 || n > 100000)
			return err_set("-n must be a number of trials >= 1, not '%s'", arg);
		a->trials = (int)n;
		break;
	case 'o':
		strv_push(&a->overrides, arg);
		break;
	case OPT_RESULTS:
		a->results = arg;
		break;
	case OPT_CLUSTER:
		a->cluster = arg;
		break;
	case OPT_CEPH_CONF:
		a->ext.conf = arg;
		break;
	case OPT_KEYRING:
		a->ext.keyring = arg;
		break;
	case OPT_ID:
		if (!*arg || strpbrk(arg, " \t\n,=") || str_startswith(arg, "client."))
			return err_set("--id takes the NAME of client.NAME, not '%s'", arg);
		a->ext.id = arg;
		break;
	case OPT_FS:
		a->ext.fs = arg;
		break;
	case OPT_DISRUPTIVE:
		a->ext.allow_disruptive = true;
		break;
	case OPT_SLURM:
		a->slurm = true;
		break;
	case OPT_SBATCH:
		strv_push(&a->sbatch, arg);
		break;
	case OPT_SLURM_TRIALS:
		if (parse_int(arg, &n) < 0 || n < 1 || n > 100000)
			return err_set("--slurm-trials takes a number of trials per task >= 1, not "
				       "'%s'",
				       arg);
		a->slurm_trials = (int)n;
		break;
	case OPT_UNTIL:
		a->until_significant = true;
		break;
	case 'j':
		if (parse_int(arg, &n) < 0 || n < 1 || n > SESSION_MAX_JOBS)
			return err_set("-j takes a number of trials at once, 1 to %d, not '%s'",
				       SESSION_MAX_JOBS, arg);
		a->jobs = (int)n;
		break;
	case OPT_ALPHA:
		if (sscanf(arg, "%lf", &a->alpha) != 1 || a->alpha <= 0 || a->alpha >= 1)
			return err_set("--alpha takes a significance level like 0.01, not '%s'",
				       arg);
		break;
	}
	return 0;
}

static int load_scenario(const struct run_args *a, struct scenario *s)
{
	_cleanup_free_ char *path = scenario_resolve(a->scenario ? a->scenario : "default");

	if (scenario_load(s, path) < 0)
		return -1;
	for (size_t i = 0; i < a->overrides.n; i++)
		if (scenario_override(s, a->overrides.v[i]) < 0) {
			scenario_free(s);
			return -1;
		}
	return 0;
}

uint64_t run_seed(const struct scenario *s)
{
	uint64_t seed = (uint64_t)s->global.seed;

	if (seed)
		return seed;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)now_wall();
	return seed & 0xffffffffULL;
}

int run_args_check_external(const struct run_args *a)
{
	const struct cluster_ext *x = &a->ext;
	char *key;
	bool any = x->conf || x->keyring || x->id || x->fs || x->allow_disruptive;

	if (!any)
		return 0;
	if (!x->conf || !x->keyring || !x->id)
		return err_set(
			"an existing cluster needs all of --ceph-conf FILE, --keyring FILE and "
			"--id NAME (missing: %s%s%s)",
			x->conf ? "" : "--ceph-conf ", x->keyring ? "" : "--keyring ",
			x->id ? "" : "--id");
	if (a->cluster)
		return err_set("--cluster names an embedded cluster and --ceph-conf an existing "
			       "one: give one of them");
	if (access(x->conf, R_OK) < 0)
		return err_set("--ceph-conf %s: %s", x->conf, strerror(errno));
	/* Before a results directory is made for a run that could never mount. */
	key = cluster_keyring_key(x->keyring, x->id);
	if (!key)
		return -1;
	free(key);
	return 0;
}

/*
 * On somebody else's cluster a timed `ceph` action or a config change hits
 * every client there, and a restricted identity could not do it anyway.
 */
int session_refuse_disruptive(const struct scenario *scn, const struct run_args *a, const char *cmd)
{
	if (!a->ext.conf || a->ext.allow_disruptive)
		return 0;
	if (scn->cluster.ceph_config.n) {
		p_err("%s: %s: [cluster] ceph_config changes the configuration of the whole "
		      "cluster, and %s is not ours: add --allow-disruptive if it is yours to "
		      "change, or run the scenario on the embedded cluster",
		      cmd, scn->path, a->ext.conf);
		return -1;
	}
	for (size_t i = 0; i < scn->ngroups; i++)
		if (scn->groups[i].type == SEC_CEPH) {
			p_err("%s: %s:%d: [%s] (type = ceph) acts on the whole cluster, and %s is "
			      "not "
			      "ours: add --allow-disruptive if it is yours to disturb, or run the "
			      "scenario on the embedded cluster",
			      cmd, scn->path, scn->groups[i].line, scn->groups[i].name,
			      a->ext.conf);
			return -1;
		}
	return 0;
}

/* Sessions and clients a killed run left behind on a cluster that outlives it. */
static void sweep_leftovers(struct cluster *c)
{
	int swept = client_sweep(c);

	if (swept < 0)
		p_warn("cluster %s: what a killed run left was not swept: %s", c->name, err_msg());
	else if (swept)
		p_info("cluster %s: removed %d client(s) or session(s) a killed run left", c->name,
		       swept);
}

/* Brings up the embedded cluster for this run, or attaches to a named or an existing one. */
static int open_cluster(const struct run_args *a, struct run_results *r, const struct scenario *s,
			struct cluster *c, bool *ours)
{
	const struct scn_cluster *cl = &s->cluster;

	*ours = !a->cluster && !a->ext.conf;
	if (a->ext.conf) {
		double t0 = now_mono();

		if (cluster_attach_external(c, &a->ext) < 0)
			return -1;
		c->ready_secs = now_mono() - t0;
		sweep_leftovers(c);
	} else if (a->cluster) {
		if (cluster_attach(c, a->cluster) < 0)
			return -1;
		sweep_leftovers(c);
	} else {
		_cleanup_free_ char *logs = path_join(r->dir, "cluster");
		_cleanup_free_ char *name = xasprintf("r%d", (int)getpid());
		struct cluster_opts o = {.name = name,
					 .log_dir = logs,
					 .max_mds = (int)cl->max_mds,
					 .timeout = cl->health_timeout};

		if (cluster_up(c, &o) < 0)
			return -1;
	}
	for (size_t i = 0; i < cl->ceph_config.n; i++) {
		_cleanup_strv_ struct strv w = {0};

		strv_split_ws(&w, cl->ceph_config.v[i]);
		if (cluster_config_set(c, w.v[0], w.v[1], w.v[2]) < 0)
			return err_prefix("[cluster] ceph_config = %s", cl->ceph_config.v[i]);
	}
	return 0;
}

static bool tty;

static void progress(const struct trial_progress *p, void *ctx)
{
	struct run_session *st = ctx;
	double el = now_mono() - st->t0;

	if (!tty || json_output)
		return;
	fprintf(stderr,
		"\r\033[K[trial %d/%d %s] run %02d:%02d, trial %3.0f s %s, stuck %d, hangs so "
		"far %d",
		st->trial, st->total, st->kernel, (int)el / 60, (int)el % 60, p->elapsed, p->phase,
		p->stuck, st->hangs);
	fflush(stderr);
}

static void progress_done(void)
{
	if (tty && !json_output)
		fprintf(stderr, "\r\033[K");
}

/*
 * Builds (or finds) iputstorm_inject.ko for k when the scenario injects or
 * wants telemetry. -1 only when an injection needs it; telemetry alone warns.
 */
int session_prepare_kernel(const struct scenario *s, struct kernel *k)
{
	bool inject = scenario_has_injection(s);

	if (!inject && !s->global.telemetry)
		return 0;
	free(k->inject_ko);
	k->inject_ko = inject_module_ensure(k);
	if (k->inject_ko)
		return 0;
	if (inject)
		return err_prefix("scenario %s injects faults", s->name);
	p_warn("%s; running without telemetry", err_msg());
	return 0;
}

/*
 * QEMU TCG now and then runs a stale translation of code the kernel has just
 * patched (about once in a hundred boots here): that trial says nothing of
 * the kernel, so it is run again, up to twice, and the discarded attempt is
 * kept beside the trial (trials/N.rerun-1) and named in its verdict.
 */
#define MAX_RERUNS 2

static int keep_discarded_attempt(const char *dir, int attempt, json_t *reruns,
				  const json_t *verdict)
{
	_cleanup_free_ char *kept = xasprintf("%s.rerun-%d", dir, attempt);
	json_t *r = json_object();

	json_object_set_new(r, "dir", json_string(kept));
	json_object_set(r, "reason", json_object_get(verdict, "reason"));
	json_array_append_new(reruns, r);
	if (rename(dir, kept) < 0 || mkdir(dir, 0755) < 0)
		return err_set("cannot move %s aside for a rerun: %s", dir, strerror(errno));
	return 0;
}

static void run_with_reruns(struct trial_spec *ts, struct trial_result *tr)
{
	json_t *reruns = json_array();

	for (int attempt = 1;; attempt++) {
		trial_run(ts, tr);
		if (!tr->emulator_artifact || attempt > MAX_RERUNS || *ts->interrupted)
			break;
		progress_done();
		p_warn("trial %d: %s; running it again", ts->n,
		       json_string_value(json_object_get(tr->verdict, "reason")));
		if (keep_discarded_attempt(ts->dir, attempt, reruns, tr->verdict) < 0) {
			p_warn("%s", err_msg());
			break;
		}
		json_decref(tr->verdict);
	}
	if (json_array_size(reruns)) {
		_cleanup_free_ char *p = path_join(ts->dir, "verdict.json");

		json_object_set(tr->verdict, "reruns", reruns);
		if (json_save(p, tr->verdict) < 0)
			p_warn("%s", err_msg());
	}
	json_decref(reruns);
}

/* A finished trial into run.json and the progress line; its verdict. */
static enum verdict account_trial(struct run_session *st, const struct kernel *k, int n,
				  struct trial_result *tr)
{
	json_t *brief;

	if (tr->v == V_FAIL)
		st->hangs++;
	brief = trial_brief(tr->verdict);
	if (results_add_trial(&st->r, brief, tr->v) < 0) {
		/*
		 * A results directory that cannot take run.json (full, gone, read-only)
		 * would make every further trial unrecorded: stop here. The run.json
		 * already there is the last complete one, since it is only ever renamed into place.
		 */
		p_err("%s: %s; stopping the run after trial %d (its run.json keeps the trials "
		      "before it): free space there or give --results another directory",
		      st->cmd, err_msg(), n);
		interrupted = 1;
	}
	if (!json_output)
		printf("trial %d/%d %-22s %-5s %6.1f s  %s\n", n, st->total, k->name,
		       verdict_name(tr->v),
		       json_real_value(json_object_get(tr->verdict, "duration")),
		       json_string_value(json_object_get(tr->verdict, "reason")));
	fflush(stdout);
	json_decref(brief);
	json_decref(tr->verdict);
	return tr->v;
}

enum verdict session_trial(struct run_session *st, int i, int n)
{
	struct run_results *r = &st->r;
	struct kernel *k = &st->k[i];
	_cleanup_free_ char *dir = results_trial_dir(r, n);
	struct trial_spec ts = {.scn = &st->scn,
				.scenario_text = st->text,
				.k = k,
				.c = &st->c,
				.accel = st->accel[i].accel,
				.dir = dir,
				.run_id = r->id,
				.n = n,
				.seed = run_seed(&st->scn),
				.interrupted = &interrupted,
				.progress = progress,
				.pctx = st};
	struct trial_result tr;

	if (!dir) {
		p_warn("%s", err_msg());
		return V_MISS;
	}
	st->trial = n;
	st->kernel = k->name;
	run_with_reruns(&ts, &tr);
	progress_done();
	return account_trial(st, k, n, &tr);
}

/* ---- several trials at once (-j N): each its own process, guest, address and client ---- */

static pid_t start_worker(struct run_session *st, const struct trial_job *j)
{
	_cleanup_free_ char *exe = realpath("/proc/self/exe", NULL);
	_cleanup_strv_ struct strv argv = {0};
	char n[16];
	/* A worker whose run is killed stops its trial and cleans up after itself. */
	struct spawn_opts o = {.pdeathsig = SIGTERM};
	pid_t pid;

	if (!exe)
		return err_set("cannot find this program (/proc/self/exe): %s", strerror(errno));
	snprintf(n, sizeof(n), "%d", j->n);
	strv_push(&argv, exe);
	strv_push(&argv, "trial");
	strv_push(&argv, "--run-dir");
	strv_push(&argv, st->r.dir);
	strv_push(&argv, "--trial");
	strv_push(&argv, n);
	strv_push(&argv, "--kernel");
	strv_push(&argv, st->k[j->kernel].name);
	if (st->c.external) {
		strv_push(&argv, "--ceph-conf");
		strv_push(&argv, st->c.conf);
		strv_push(&argv, "--keyring");
		strv_push(&argv, st->c.keyring);
		strv_push(&argv, "--id");
		strv_push(&argv, st->c.id);
		strv_push(&argv, "--fs");
		strv_push(&argv, st->c.fs);
	} else {
		strv_push(&argv, "--cluster");
		strv_push(&argv, st->c.name);
	}
	pid = spawn(argv.v, &o);
	if (pid < 0)
		return err_set("cannot start a trial worker: %s", strerror(errno));
	if (record_add_pid(&st->rec, "trial", pid) < 0)
		p_warn("%s", err_msg());
	return pid;
}

/* What the worker left in trials/N/verdict.json; a worker that left none is a MISS. */
static void collect_worker(struct run_session *st, struct trial_job *j, int status)
{
	_cleanup_free_ char *p = xasprintf("%s/trials/%d/verdict.json", st->r.dir, j->n);
	struct trial_result tr = {.verdict = json_load_file(p, 0, NULL)};
	int v = verdict_parse(json_string_value(json_object_get(tr.verdict, "verdict")));

	if (!json_is_object(tr.verdict) || v < 0) {
		char why[96];

		json_decref(tr.verdict);
		tr.verdict = json_pack("{s:i, s:s, s:s, s:s, s:f}", "trial", j->n, "kernel",
				       st->k[j->kernel].name, "verdict", verdict_name(V_MISS),
				       "reason", "", "duration", 0.0);
		json_object_set_new(tr.verdict, "reason",
				    json_sprintf("the trial worker ended (%s) without a verdict",
						 describe_status(status, why, sizeof(why))));
		v = V_MISS;
	}
	tr.v = (enum verdict)v;
	record_forget_pid(&st->rec, j->pid);
	j->pid = 0;
	j->v = account_trial(st, &st->k[j->kernel], j->n, &tr);
}

static struct trial_job *finished_worker(struct trial_job *jobs, int njobs, int *status)
{
	for (int i = 0; i < njobs; i++)
		if (jobs[i].pid > 0 && waitpid(jobs[i].pid, status, WNOHANG) == jobs[i].pid)
			return &jobs[i];
	return NULL;
}

void session_trials(struct run_session *st, struct trial_job *jobs, int njobs, int at_once)
{
	int next = 0, running = 0;
	bool stopping = false;

	for (int i = 0; i < njobs; i++)
		jobs[i].v = V_MISS; /* until it has run */
	if (at_once <= 1) {
		for (int i = 0; i < njobs && !interrupted; i++)
			jobs[i].v = session_trial(st, jobs[i].kernel, jobs[i].n);
		return;
	}
	while (running || (next < njobs && !interrupted)) {
		struct trial_job *j;
		int status;

		while (running < at_once && next < njobs && !interrupted) {
			_cleanup_free_ char *dir = results_trial_dir(&st->r, jobs[next].n);

			jobs[next].pid = dir ? start_worker(st, &jobs[next]) : -1;
			if (jobs[next].pid < 0) {
				p_warn("trial %d: %s", jobs[next].n, err_msg());
				jobs[next].pid = 0;
			} else {
				running++;
			}
			next++;
		}
		if (interrupted && !stopping) {
			for (int i = 0; i < njobs; i++)
				if (jobs[i].pid > 0)
					kill(jobs[i].pid, SIGTERM);
			stopping = true;
		}
		/* Our workers only: the cluster's daemons are this process's children too. */
		j = finished_worker(jobs, njobs, &status);
		if (!j) {
			sleep_s(0.2);
			continue;
		}
		running--;
		collect_worker(st, j, status);
	}
}

void session_run_trials(struct run_session *st, int at_once)
{
	struct trial_job *jobs = xcalloc((size_t)st->total, sizeof(*jobs));

	for (int n = 1; n <= st->total; n++)
		jobs[n - 1] = (struct trial_job){.kernel = 0, .n = n};
	session_trials(st, jobs, st->total, at_once);
	free(jobs);
}

/* `iputstorm trial`: one trial of a run that another process (run, matrix -j N) holds. */
int session_trial_worker(const char *run_dir, int n, const char *kernel, const char *cluster,
			 const struct cluster_ext *ext)
{
	_cleanup_free_ char *runp = path_join(run_dir, "run.json");
	_cleanup_free_ char *scnp = path_join(run_dir, "scenario.ini");
	_cleanup_free_ char *dir = xasprintf("%s/trials/%d", run_dir, n);
	_cleanup_free_ char *text = read_file(scnp, NULL);
	_cleanup_json_ json_t *run = json_load_file(runp, 0, NULL);
	const char *name = json_string_value(json_object_get(run, "scenario"));
	const char *id = json_string_value(json_object_get(run, "id"));
	struct scenario scn = {0};
	struct kernel k = {0};
	struct cluster c = {0};
	struct trial_result tr = {0};
	struct accel_choice accel;
	int ret = EXIT_UNDECIDED;

	session_catch_signals();
	if (!text || !name || !id || !path_exists(dir)) {
		p_err("trial: %s is not a run in progress (scenario.ini, run.json with its "
		      "scenario and id, trials/%d)",
		      run_dir, n);
		return EXIT_USAGE;
	}
	if (scenario_load_string(&scn, name, text) < 0 || kernel_resolve(kernel, &k) < 0 ||
	    session_prepare_kernel(&scn, &k) < 0 ||
	    (ext->conf ? cluster_attach_external(&c, ext) : cluster_attach(&c, cluster)) < 0) {
		p_err("trial %d: %s", n, err_msg());
		goto out;
	}
	accel_choose(&k, &accel);
	{
		struct trial_spec ts = {.scn = &scn,
					.scenario_text = text,
					.k = &k,
					.c = &c,
					.accel = accel.accel,
					.dir = dir,
					.run_id = id,
					.n = n,
					.seed = run_seed(&scn),
					.interrupted = &interrupted};

		run_with_reruns(&ts, &tr);
		ret = verdict_exit_code(tr.v);
		json_decref(tr.verdict);
	}
out:
	cluster_free(&c);
	kernel_close(&k);
	scenario_free(&scn);
	return ret;
}

static void summary(struct run_results *r, const char *what)
{
	const struct tally *t = &r->tally;

	if (json_output) {
		json_print(r->run);
		return;
	}
	printf("\n%s: %s  (PASS %d, FAIL %d, ERROR %d, MISS %d)\nresults: %s\n", what,
	       verdict_name(tally_verdict(t)), t->n[V_PASS], t->n[V_FAIL], t->n[V_ERROR],
	       t->n[V_MISS], r->dir);
}

static int open_kernels(struct run_session *s, const struct run_args *a)
{
	json_t *names = json_array();

	s->nk = a->kernels.n ? (int)a->kernels.n : 1;
	for (int i = 0; i < s->nk; i++) {
		struct kernel *k = &s->k[i];
		_cleanup_free_ char *file = NULL;

		if (kernel_resolve(a->kernels.n ? a->kernels.v[i] : DEFAULT_KERNEL, k) < 0 ||
		    session_prepare_kernel(&s->scn, k) < 0) {
			json_decref(names);
			return -1;
		}
		accel_choose(k, &s->accel[i]);
		json_object_set_new(
			k->meta, "accel",
			json_pack("{s:s, s:s}", "used", s->accel[i].accel, "why", s->accel[i].why));
		file = s->matrix ? xasprintf("kernel-%s.json", k->name) : xstrdup("kernel.json");
		results_write_json(&s->r, file, k->meta);
		json_array_append_new(names, json_string(k->name));
	}
	if (s->matrix) {
		json_object_set_new(s->r.run, "kernels", names);
		json_object_set_new(s->r.run, "baseline", json_string(s->k[0].name));
		json_object_set_new(s->r.run, "matrix", json_true());
	} else {
		json_object_set_new(s->r.run, "kernel", json_string(s->k[0].name));
		json_decref(names);
	}
	return 0;
}

/* By absolute path: the next start, from anywhere, closes it if we are killed. */
static int record_run_dir(struct run_session *s)
{
	_cleanup_free_ char *abs = realpath(s->r.dir, NULL);

	if (!abs)
		return err_set("%s: %s", s->r.dir, strerror(errno));
	if (record_create(&s->rec, "run", s->r.id, false) < 0)
		return -1;
	return record_add(&s->rec, "runs", abs);
}

/* The run directory, its kernels and its cluster; -1 with err_msg(). */
static int open_run(struct run_session *s, const struct run_args *a)
{
	double t0 = now_mono();
	json_t *run;

	s->text = scenario_dump(&s->scn);
	if (results_create(&s->r, a->results ? a->results : "results", s->scn.name) < 0 ||
	    record_run_dir(s) < 0 || results_write(&s->r, "scenario.ini", s->text) < 0)
		return -1;
	run = s->r.run;
	json_object_set_new(run, "scenario", json_string(s->scn.name));
	if (open_kernels(s, a) < 0)
		return -1;
	/* Injected and natural reproductions must never be confused. */
	json_object_set_new(run, "injected", json_boolean(scenario_has_injection(&s->scn)));
	json_object_set_new(run, "injections", scenario_injections(&s->scn));
	s->per_kernel = a->trials ? a->trials : (int)s->scn.global.trials;
	s->total = s->per_kernel * s->nk;
	json_object_set_new(run, "planned_trials", json_integer(s->total));
	json_object_set_new(run, "jobs", json_integer(a->jobs > 1 ? a->jobs : 1));
	if (json_output)
		;
	else if (s->matrix)
		p_info("matrix %s: scenario %s, %d kernels x %d trials, interleaved", s->r.id,
		       s->scn.name, s->nk, s->per_kernel);
	else
		p_info("run %s: scenario %s, kernel %s, %d trial(s)", s->r.id, s->scn.name,
		       s->k[0].name, s->total);
	if (open_cluster(a, &s->r, &s->scn, &s->c, &s->own_cluster) < 0)
		return -1;
	json_object_set_new(run, "timing",
			    json_pack("{s:f, s:f}", "cluster_ready", s->c.ready_secs, "setup",
				      now_mono() - t0));
	json_object_set_new(run, "cluster",
			    json_pack("{s:s, s:s, s:b}", "name", s->c.name, "fsid", s->c.fsid,
				      "embedded", s->own_cluster));
	if (s->c.external)
		json_object_set_new(json_object_get(run, "cluster"), "external",
				    cluster_describe(&s->c));
	s->t0 = now_mono();
	return results_save(&s->r);
}

/*
 * A timed `ceph` action (an MDS failover, a config change) hits every guest on
 * the cluster: trials running at once would each get the others' too.
 */
static int refuse_shared_actions(const struct scenario *scn, const char *cmd)
{
	for (size_t i = 0; i < scn->ngroups; i++)
		if (scn->groups[i].type == SEC_CEPH) {
			p_err("%s: %s:%d: [%s] (type = ceph) acts on the whole cluster, so trials "
			      "running at once would disturb each other: run this scenario with -j "
			      "1",
			      cmd, scn->path, scn->groups[i].line, scn->groups[i].name);
			return -1;
		}
	return 0;
}

int session_open(struct run_session *s, const struct run_args *a, const char *cmd, bool matrix)
{
	memset(s, 0, sizeof(*s));
	s->cmd = cmd;
	s->matrix = matrix;
	tty = isatty(2);
	session_catch_signals();
	if (load_scenario(a, &s->scn) < 0) {
		p_err("%s", err_msg());
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		p_err("%s: needs root (network namespaces, taps, the Ceph daemons); run it with "
		      "sudo",
		      cmd);
		return EXIT_USAGE;
	}
	if (run_args_check_external(a) < 0) {
		p_err("%s: %s", cmd, err_msg());
		return EXIT_USAGE;
	}
	if ((a->jobs > 1 && refuse_shared_actions(&s->scn, cmd) < 0) ||
	    session_refuse_disruptive(&s->scn, a, cmd) < 0)
		return EXIT_USAGE;
	reap_orphans(false);
	if (open_run(s, a) < 0) {
		p_err("%s: %s", cmd, err_msg());
		if (s->r.run) {
			json_object_set_new(s->r.run, "error", json_string(err_msg()));
			results_finish(&s->r, V_MISS);
		}
		return EXIT_UNDECIDED;
	}
	return 0;
}

void session_record_history(const struct run_results *r)
{
	_cleanup_free_ char *path = history_default_path(r->base);
	struct history *h = history_open(path);

	if (!h || history_import_run(h, r->dir) < 0)
		p_warn("history: %s (the run itself is complete)", err_msg());
	history_close(h);
}

int session_close(struct run_session *s, int ret)
{
	if (ret == 0 && s->r.run) {
		enum verdict v = tally_verdict(&s->r.tally);
		struct rusage ru;

		/* The harness's own peak memory, not its children's: what a soak watches. */
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			json_object_set_new(s->r.run, "harness_max_rss_kb",
					    json_integer(ru.ru_maxrss));

		if (interrupted)
			json_object_set_new(s->r.run, "interrupted", json_true());
		results_finish(&s->r, v);
		session_record_history(&s->r);
		ret = interrupted ? EXIT_UNDECIDED : verdict_exit_code(v);
		summary(&s->r, s->cmd);
	}
	if (s->own_cluster && cluster_down(&s->c) < 0)
		p_warn("cluster teardown: %s", err_msg());
	if (s->rec.j) {
		if (record_release(&s->rec) < 0)
			p_warn("run record: %s", err_msg());
		record_free(&s->rec);
	}
	cluster_free(&s->c);
	for (int i = 0; i < SESSION_MAX_KERNELS; i++)
		kernel_close(&s->k[i]);
	results_free(&s->r);
	scenario_free(&s->scn);
	free(s->text);
	return ret;
}

void run_args_release(struct run_args *a)
{
	strv_release(&a->overrides);
	strv_release(&a->kernels);
	strv_release(&a->sbatch);
}
