// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "host/session.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/parse.h"

enum { OPT_RUN_DIR = 256, OPT_TRIAL, OPT_KERNEL, OPT_CLUSTER_NAME };

struct trial_args {
	const char *run_dir, *kernel, *cluster;
	int n;
	struct run_args ra; /* --ceph-conf ...: run's own handler reads them */
};

static const struct opt trial_opts[] = {
	{OPT_RUN_DIR, "run-dir", "DIR", "the run directory (run.json, scenario.ini, trials/N)"},
	{OPT_TRIAL, "trial", "N", "the trial's number"},
	{OPT_KERNEL, "kernel", "KERNEL", "kernel store name"},
	{OPT_CLUSTER_NAME, "cluster", "NAME", "the run's embedded cluster"},
	RUN_EXTERNAL_OPTS,
	{0},
};

static const struct cmd_spec trial_spec = {
	.name = "trial",
	.usage = "--run-dir DIR --trial N --kernel KERNEL (--cluster NAME | --ceph-conf FILE "
		 "--keyring FILE --id NAME --fs NAME)",
	.summary = "One trial of a run in progress, in its own process: what `run -j N` and "
		   "`matrix -j N` start for each trial. It takes its own guest address and cephx "
		   "client on the cluster and writes trials/N/verdict.json; the run that started "
		   "it records the trial in run.json.",
	.opts = trial_opts,
	.more = "Exit status: 0 PASS, 1 FAIL, 2 usage error, 3 could not decide.",
};

static int trial_opt(int id, const char *arg, void *ctx)
{
	struct trial_args *a = ctx;
	long long n;

	switch (id) {
	case OPT_RUN_DIR:
		a->run_dir = arg;
		break;
	case OPT_TRIAL:
		if (parse_int(arg, &n) < 0 || n < 1 || n > 1000000)
			return err_set("--trial takes a trial number >= 1, not '%s'", arg);
		a->n = (int)n;
		break;
	case OPT_KERNEL:
		a->kernel = arg;
		break;
	case OPT_CLUSTER_NAME:
		a->cluster = arg;
		break;
	default:
		return run_opt(id, arg, &a->ra);
	}
	return 0;
}

int cmd_trial(int argc, char **argv)
{
	struct trial_args a = {0};
	int first = opt_parse(&trial_spec, argc, argv, trial_opt, &a);

	if (first < 0)
		return OPT_EXIT(first);
	a.ra.cluster = a.cluster;
	if (first != argc || !a.run_dir || !a.n || !a.kernel || !(a.cluster || a.ra.ext.conf) ||
	    run_args_check_external(&a.ra) < 0) {
		p_err("trial: needs --run-dir, --trial, --kernel and --cluster or --ceph-conf, "
		      "--keyring and --id; see `iputstorm trial --help` (run and matrix start it)");
		return EXIT_USAGE;
	}
	return session_trial_worker(a.run_dir, a.n, a.kernel, a.cluster, &a.ra.ext);
}
