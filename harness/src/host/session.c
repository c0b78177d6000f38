// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/session.h"
#include "host/cluster.h"
#include "host/results.h"
#include "host/trial.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/strv.h"
#include "model/injections.h"
#include "model/runfile.h"
#include "model/scenario.h"
#include "model/verdict.h"
#include "store/kernel.h"
#include "store/kmodule.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

void run_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	/* No SA_RESTART: a blocked poll() must return so the trial can stop. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

volatile sig_atomic_t *run_interrupted(void)
{
	return &interrupted;
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
	case OPT_UNTIL:
		a->until_significant = true;
		break;
	case OPT_ALPHA:
		if (sscanf(arg, "%lf", &a->alpha) != 1 || a->alpha <= 0 || a->alpha >= 1)
			return err_set("--alpha takes a significance level like 0.01, not '%s'",
				       arg);
		break;
	}
	return 0;
}

int run_load_scenario(struct run_args *a, struct scenario *s)
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

/* Brings up the embedded cluster for this run, or attaches to a named one. */
int run_cluster(struct run_args *a, struct run_results *r, const struct scenario *s,
		struct cluster *c, bool *ours)
{
	const struct scn_cluster *cl = &s->cluster;

	*ours = !a->cluster;
	if (a->cluster) {
		if (cluster_attach(c, a->cluster) < 0)
			return -1;
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

void run_init_tty(void)
{
	tty = isatty(2);
}

static void progress(const struct trial_progress *p, void *ctx)
{
	struct run_state *st = ctx;
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

void run_progress_done(void)
{
	if (tty && !json_output)
		fprintf(stderr, "\r\033[K");
}

int run_prepare_kernel(const struct scenario *s, struct kernel *k)
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

/* One trial of one kernel, recorded in the run. */
int run_one_trial(struct run_state *st, struct run_results *r, const struct scenario *s,
		  const char *scenario_text, struct kernel *k, struct cluster *c, int n)
{
	_cleanup_free_ char *dir = results_trial_dir(r, n);
	struct trial_spec ts = {.scn = s,
				.scenario_text = scenario_text,
				.k = k,
				.c = c,
				.dir = dir,
				.run_id = r->id,
				.n = n,
				.seed = run_seed(s),
				.interrupted = &interrupted,
				.progress = progress,
				.pctx = st};
	struct trial_result tr;
	json_t *brief;

	if (!dir)
		return -1;
	st->kernel = k->name;
	trial_run(&ts, &tr);
	run_progress_done();
	if (tr.v == V_FAIL)
		st->hangs++;
	brief = trial_brief(tr.verdict);
	if (results_add_trial(r, brief, tr.v) < 0)
		p_warn("%s", err_msg());
	if (!json_output)
		printf("trial %d/%d %-22s %-5s %6.1f s  %s\n", n, st->total, k->name,
		       verdict_name(tr.v), json_real_value(json_object_get(tr.verdict, "duration")),
		       json_string_value(json_object_get(tr.verdict, "reason")));
	fflush(stdout);
	json_decref(brief);
	json_decref(tr.verdict);
	return tr.v;
}

void run_summary(struct run_results *r, const char *what)
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
