// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "host/session.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "store/kernel.h"

#include <string.h>
#include <unistd.h>

static const struct opt run_opts[] = {
	{'s', "scenario", "SCENARIO", "scenario file or shipped name (default: default)"},
	{'k', "kernel", "KERNEL", "kernel store name or debian:ABI (default: " DEFAULT_KERNEL ")"},
	{'n', "trials", "N", "trials (default: the scenario's `trials`)"},
	{'o', "option", "KEY=VALUE",
	 "override a scenario key (repeatable): duration=30, "
	 "writers.memory.max=32M"},
	{OPT_RESULTS, "results", "DIR", "where run directories go (default: results)"},
	{OPT_CLUSTER, "cluster", "NAME",
	 "use a running `iputstorm cluster up NAME` instead of a "
	 "throwaway cluster"},
	RUN_EXTERNAL_OPTS,
	{'j', "jobs", "N", "trials at once, each in its own guest on the one cluster (default 1)"},
	{0},
};

static const struct cmd_spec run_spec = {
	.name = "run",
	.usage = "[-s SCENARIO] [-k KERNEL] [-n TRIALS] [-o KEY=VALUE]... [--results DIR] "
		 "[--cluster NAME | --ceph-conf FILE --keyring FILE --id NAME [--fs NAME]] [-j N]",
	.summary = "Boot KERNEL in QEMU against a throwaway Ceph cluster in a private network "
		   "namespace, run SCENARIO N times, detect hangs, and write results/<run-id>/ "
		   "(run.json, scenario.ini, kernel.json, cluster/, trials/N/{events.jsonl, "
		   "console.log, verdict.json}).",
	.opts = run_opts,
	.more = "Exit status: 0 PASS, 1 FAIL (a kernel hang, panic or BUG), 2 usage or input "
		"error, 3 could not decide (ERROR or MISS only, or interrupted).",
};

int cmd_run(int argc, char **argv)
{
	struct run_args a = {0};
	struct run_session s;
	int first = opt_parse(&run_spec, argc, argv, run_opt, &a), ret;

	if (first < 0) {
		run_args_release(&a);
		return OPT_EXIT(first);
	}
	if (first != argc || a.kernels.n > 1) {
		p_err("run: unexpected argument%s; see `iputstorm run --help` (matrix compares "
		      "kernels)",
		      a.kernels.n > 1 ? " (one -k only)" : "");
		run_args_release(&a);
		return EXIT_USAGE;
	}
	ret = session_open(&s, &a, "run", false);
	if (ret == 0)
		session_run_trials(&s, a.jobs);
	ret = session_close(&s, ret);
	run_args_release(&a);
	return ret;
}
