// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm matrix: the same scenario on several kernels, trials interleaved
 * (A B A B ...) in one run directory, so drift in the machine or the cluster
 * hits every kernel alike.
 */
#define _GNU_SOURCE
#include "analysis/stats.h"
#include "cli/cmd.h"
#include "host/session.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "model/verdict.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

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
	struct tally t[SESSION_MAX_KERNELS] = {0};
	struct run_session s;
	int first = opt_parse(&matrix_spec, argc, argv, run_opt, &a), ret, nk = (int)a.kernels.n;
	const char *why = NULL;
	_cleanup_free_ char *dir = NULL;

	if (first < 0) {
		run_args_release(&a);
		return OPT_EXIT(first);
	}
	if (first != argc || nk < 2 || nk > SESSION_MAX_KERNELS || !a.scenario) {
		p_err("matrix: needs -s SCENARIO and 2 to %d -k KERNEL; see `iputstorm matrix "
		      "--help`",
		      SESSION_MAX_KERNELS);
		run_args_release(&a);
		return EXIT_USAGE;
	}
	ret = session_open(&s, &a, "matrix", true);
	for (int round = 0; ret == 0 && round < s.per_kernel && !session_interrupted(); round++) {
		for (int i = 0; i < nk && !session_interrupted(); i++)
			t[i].n[session_trial(&s, i, round * nk + i + 1)]++;
		if (a.until_significant && round + 1 < s.per_kernel &&
		    settled(t, nk, s.per_kernel - round - 1, a.alpha, &why)) {
			p_info("stopping after %d rounds: %s (alpha %g)", round + 1, why, a.alpha);
			json_object_set_new(s.r.run, "stopped_early", json_string(why));
			break;
		}
	}
	dir = ret == 0 ? xstrdup(s.r.dir) : NULL;
	ret = session_close(&s, ret);
	if (dir && !json_output)
		printf("compare: iputstorm compare %s\n", dir);
	run_args_release(&a);
	return ret;
}
