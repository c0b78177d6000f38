// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm matrix: the same scenario on several kernels, trials interleaved
 * (A B A B ...) in one run directory, so drift in the machine or the cluster
 * hits every kernel alike.
 */
#define _GNU_SOURCE
#include "analysis/sequential.h"
#include "cli/cmd.h"
#include "host/session.h"
#include "host/slurm.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "model/verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct opt matrix_opts[] = {
	{'s', "scenario", "SCENARIO", "scenario file or shipped name"},
	{'k', "kernel", "KERNEL", "a kernel (repeat: the first is the baseline)"},
	{'n', "trials", "N", "trials per kernel (default: the scenario's `trials`)"},
	{'o', "option", "KEY=VALUE", "override a scenario key (repeatable)"},
	{OPT_UNTIL, "until-significant", NULL,
	 "stop early once every kernel differs from the baseline, or cannot any more within "
	 "N; each round tests at the level that keeps the overall error at --alpha "
	 "(docs/statistics.md)"},
	{OPT_ALPHA, "alpha", "P", "significance level (default 0.01)"},
	{OPT_RESULTS, "results", "DIR", "where run directories go (default: results)"},
	{OPT_CLUSTER, "cluster", "NAME", "use a running `iputstorm cluster up NAME`"},
	RUN_EXTERNAL_OPTS,
	{'j', "jobs", "N",
	 "trials at once, each in its own guest on the one cluster (default 1); with "
	 "--until-significant, N / kernels rounds at a time"},
	{OPT_SLURM, "slurm", NULL,
	 "run the matrix as Slurm array jobs, one `iputstorm run` per task, into the results "
	 "directory (which every node must see), then merge (host/slurm.h)"},
	{OPT_SBATCH, "sbatch", "ARG",
	 "an sbatch option for every job (repeatable): --sbatch=--partition=ci"},
	{OPT_SLURM_TRIALS, "slurm-trials", "N", "trials per Slurm task (default 1)"},
	{0},
};

static const struct cmd_spec matrix_spec = {
	.name = "matrix",
	.usage = "-s SCENARIO -k A -k B [-k C]... [-n N] [--until-significant [--alpha P]] "
		 "[-o KEY=VALUE]... [--results DIR] [--cluster NAME | --ceph-conf FILE --keyring "
		 "FILE "
		 "--id NAME [--fs NAME]] [-j N | --slurm [--sbatch ARG]... [--slurm-trials N]]",
	.summary = "Run SCENARIO on several kernels with trials interleaved (A B A B ...) in one "
		   "run directory; then `iputstorm compare` on it reports the statistics.",
	.opts = matrix_opts,
	.more = "Exit status: 0 no kernel hung, 1 some kernel hung, 2 usage error, 3 undecided.",
};

int cmd_matrix(int argc, char **argv)
{
	struct run_args a = {.alpha = 0.01};
	struct tally t[SESSION_MAX_KERNELS] = {0};
	struct run_session s;
	int first = opt_parse(&matrix_spec, argc, argv, run_opt, &a), ret, nk = (int)a.kernels.n;
	const char *why = NULL;
	double level = a.alpha;
	int per_batch;
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
	if (a.slurm) {
		if (a.jobs > 1) {
			p_err("matrix: --slurm runs each task on its own node; -j is for one "
			      "machine");
			ret = EXIT_USAGE;
		} else {
			ret = slurm_matrix(&a);
		}
		run_args_release(&a);
		return ret;
	}
	ret = session_open(&s, &a, "matrix", true);
	if (ret == 0 && a.until_significant) {
		level = sequential_level(s.per_kernel, a.alpha);
		p_info("each round is tested at p < %.4g: over up to %d rounds, a difference "
		       "that is not there is called at most %g of the time",
		       level, s.per_kernel, a.alpha);
		json_object_set_new(s.r.run, "sequential_level", json_real(level));
	}
	/*
	 * With -j N, N / nk rounds run at once and are looked at together: fewer
	 * looks at the same per-round level keep the error rate below alpha.
	 */
	per_batch = a.until_significant ? MAX(1, a.jobs / nk) : s.per_kernel;
	for (int round = 0; ret == 0 && round < s.per_kernel && !session_interrupted();
	     round += per_batch) {
		int rounds = MIN(per_batch, s.per_kernel - round), njobs = rounds * nk;
		struct trial_job *jobs = xcalloc((size_t)njobs, sizeof(*jobs));

		for (int r = 0; r < rounds; r++)
			for (int i = 0; i < nk; i++)
				jobs[r * nk + i] = (struct trial_job){
					.kernel = i, .n = (round + r) * nk + i + 1};
		session_trials(&s, jobs, njobs, a.jobs);
		for (int j = 0; j < njobs; j++)
			t[jobs[j].kernel].n[jobs[j].v]++;
		free(jobs);
		if (a.until_significant && round + rounds < s.per_kernel &&
		    sequential_settled(t, nk, s.per_kernel - round - rounds, level, &why)) {
			p_info("stopping after %d rounds: %s (p < %.4g each round, alpha %g over "
			       "all)",
			       round + rounds, why, level, a.alpha);
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
