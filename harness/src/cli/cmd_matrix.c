// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm matrix: the same scenario on several kernels, trials interleaved
 * (A B A B ...) in one run directory, so drift in the machine or the cluster
 * hits every kernel alike.
 */
#define _GNU_SOURCE
#include "analysis/stats.h"
#include "cli/cmd.h"
#include "host/cluster.h"
#include "host/records.h"
#include "host/results.h"
#include "host/session.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/strv.h"
#include "model/injections.h"
#include "model/scenario.h"
#include "model/verdict.h"
#include "store/kernel.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#define MAX_KERNELS 8

static const struct opt matrix_opts[] = {
	{'s', "scenario", "SCENARIO", "scenario file or shipped name"},
	{'k', "kernel", "KERNEL", "a kernel (repeat: the first is the baseline)"},
	{'n', "trials", "N", "trials per kernel (default: the scenario's `trials`)"},
	{'o', "option", "KEY=VALUE", "override a scenario key (repeatable)"},
	{OPT_UNTIL, "until-significant", NULL,
	 "stop early once every kernel differs from the baseline at --alpha, or cannot "
	 "any more within N"},
	{OPT_ALPHA, "alpha", "P", "significance level (default 0.01)"},
	{OPT_RESULTS, "results", "DIR", "where run directories go (default: results)"},
	{OPT_CLUSTER, "cluster", "NAME", "use a running `iputstorm cluster up NAME`"},
	{0},
};

static const struct cmd_spec matrix_spec = {
	.name = "matrix",
	.usage = "-s SCENARIO -k A -k B [-k C]... [-n N] [--until-significant [--alpha P]] "
		 "[-o KEY=VALUE]... [--results DIR]",
	.summary = "Run SCENARIO on several kernels with trials interleaved (A B A B ...) in one "
		   "run directory; then `iputstorm compare` on it reports the statistics.",
	.opts = matrix_opts,
	.more = "Exit status: 0 no kernel hung, 1 some kernel hung, 2 usage error, 3 undecided.",
};

/*
 * Fisher p for baseline vs k now, and the smallest p still reachable if every
 * remaining trial went the way that separates them most.
 */
static void separation(const struct tally *b, const struct tally *k, int left, double *now,
		       double *best)
{
	int bf = b->n[V_FAIL], bp = b->n[V_PASS], kf = k->n[V_FAIL], kp = k->n[V_PASS];
	double p1, p2;

	*now = fisher_two_sided(bf, bp, kf, kp);
	p1 = fisher_two_sided(bf + left, bp, kf, kp + left);
	p2 = fisher_two_sided(bf, bp + left, kf + left, kp);
	*best = fmin(p1, p2);
}

static bool settled(const struct tally *t, int nk, int left, double alpha, const char **why)
{
	bool all_sig = true, none_can = true;

	for (int i = 1; i < nk; i++) {
		double now, best;

		separation(&t[0], &t[i], left, &now, &best);
		all_sig &= now < alpha;
		none_can &= best >= alpha;
	}
	if (all_sig)
		*why = "every kernel differs from the baseline";
	else if (none_can)
		*why = "no kernel can differ from the baseline within the trials left";
	return all_sig || none_can;
}

int cmd_matrix(int argc, char **argv)
{
	struct run_args a = {.alpha = 0.01};
	struct scenario s = {0};
	struct kernel k[MAX_KERNELS] = {0};
	struct tally t[MAX_KERNELS] = {0};
	struct cluster c = {0};
	struct run_results r = {0};
	struct run_state st = {0};
	_cleanup_free_ char *text = NULL;
	bool ours = false;
	int first, ret = EXIT_UNDECIDED, n, nk, round;
	const char *why = NULL;
	json_t *names;

	first = opt_parse(&matrix_spec, argc, argv, run_opt, &a);
	if (first < 0) {
		ret = OPT_EXIT(first);
		goto out_args;
	}
	nk = (int)a.kernels.n;
	if (first != argc || nk < 2 || nk > MAX_KERNELS || !a.scenario) {
		p_err("matrix: needs -s SCENARIO and 2 to %d -k KERNEL; see `iputstorm matrix "
		      "--help`",
		      MAX_KERNELS);
		ret = EXIT_USAGE;
		goto out_args;
	}
	run_init_tty();
	run_catch_signals();
	if (run_load_scenario(&a, &s) < 0) {
		p_err("%s", err_msg());
		ret = EXIT_USAGE;
		goto out_args;
	}
	if (geteuid() != 0) {
		p_err("matrix: needs root (network namespaces, taps, the Ceph daemons)");
		ret = EXIT_USAGE;
		goto out;
	}
	reap_orphans(false);
	text = scenario_dump(&s);
	if (results_create(&r, a.results ? a.results : "results", s.name) < 0 ||
	    results_write(&r, "scenario.ini", text) < 0)
		goto fail;
	names = json_array();
	for (int i = 0; i < nk; i++) {
		_cleanup_free_ char *file = NULL;

		if (kernel_resolve(a.kernels.v[i], &k[i]) < 0 ||
		    run_prepare_kernel(&s, &k[i]) < 0) {
			json_decref(names);
			goto fail;
		}
		file = xasprintf("kernel-%s.json", k[i].name);
		results_write_json(&r, file, k[i].meta);
		json_array_append_new(names, json_string(k[i].name));
	}
	n = a.trials ? a.trials : (int)s.global.trials;
	json_object_set_new(r.run, "scenario", json_string(s.name));
	json_object_set_new(r.run, "kernels", names);
	json_object_set_new(r.run, "baseline", json_string(k[0].name));
	json_object_set_new(r.run, "matrix", json_true());
	json_object_set_new(r.run, "injected", json_boolean(scenario_has_injection(&s)));
	json_object_set_new(r.run, "injections", scenario_injections(&s));
	st.total = n * nk;
	json_object_set_new(r.run, "planned_trials", json_integer(st.total));
	if (!json_output)
		p_info("matrix %s: scenario %s, %d kernels x %d trials, interleaved", r.id, s.name,
		       nk, n);
	if (run_cluster(&a, &r, &s, &c, &ours) < 0)
		goto fail;
	results_save(&r);
	st.t0 = now_mono();
	for (round = 0; round < n && !*run_interrupted(); round++) {
		for (int i = 0; i < nk && !*run_interrupted(); i++) {
			int v;

			st.trial = round * nk + i + 1;
			v = run_one_trial(&st, &r, &s, text, &k[i], &c, st.trial);
			t[i].n[v]++;
		}
		if (a.until_significant && round + 1 < n &&
		    settled(t, nk, n - round - 1, a.alpha, &why)) {
			p_info("stopping after %d rounds: %s (alpha %g)", round + 1, why, a.alpha);
			json_object_set_new(r.run, "stopped_early", json_string(why));
			break;
		}
	}
	if (*run_interrupted())
		json_object_set_new(r.run, "interrupted", json_true());
	{
		enum verdict v = tally_verdict(&r.tally);

		results_finish(&r, v);
		ret = *run_interrupted() ? EXIT_UNDECIDED : verdict_exit_code(v);
	}
	run_summary(&r, "matrix");
	if (!json_output)
		printf("compare: iputstorm compare %s\n", r.dir);
	goto out;
fail:
	p_err("matrix: %s", err_msg());
	if (r.run) {
		json_object_set_new(r.run, "error", json_string(err_msg()));
		results_finish(&r, V_MISS);
	}
	ret = EXIT_UNDECIDED;
out:
	if (ours && cluster_down(&c) < 0)
		p_warn("cluster teardown: %s", err_msg());
	cluster_free(&c);
	for (int i = 0; i < MAX_KERNELS; i++)
		kernel_close(&k[i]);
	results_free(&r);
	scenario_free(&s);
out_args:
	strv_release(&a.overrides);
	strv_release(&a.kernels);
	return ret;
}
