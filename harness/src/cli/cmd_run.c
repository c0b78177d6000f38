// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
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
	{0},
};

static const struct cmd_spec run_spec = {
	.name = "run",
	.usage = "[-s SCENARIO] [-k KERNEL] [-n TRIALS] [-o KEY=VALUE]... [--results DIR] "
		 "[--cluster NAME]",
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
	struct run_args a = {.trials = 0};
	struct scenario s = {0};
	struct kernel k = {0};
	struct cluster c = {0};
	struct run_results r = {0};
	struct run_state st = {0};
	_cleanup_free_ char *text = NULL;
	bool ours = false;
	int first, ret = EXIT_UNDECIDED;
	double t0 = now_mono();

	first = opt_parse(&run_spec, argc, argv, run_opt, &a);
	if (first < 0) {
		ret = OPT_EXIT(first);
		goto out_args;
	}
	if (first != argc || a.kernels.n > 1) {
		p_err("run: unexpected argument%s; see `iputstorm run --help` (matrix compares "
		      "kernels)",
		      a.kernels.n > 1 ? " (one -k only)" : "");
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
		p_err("run: needs root (network namespaces, taps, the Ceph daemons); run it with "
		      "sudo");
		ret = EXIT_USAGE;
		goto out_args;
	}
	reap_orphans(false);
	text = scenario_dump(&s);
	if (results_create(&r, a.results ? a.results : "results", s.name) < 0 ||
	    results_write(&r, "scenario.ini", text) < 0)
		goto fail;
	if (kernel_resolve(a.kernels.n ? a.kernels.v[0] : DEFAULT_KERNEL, &k) < 0 ||
	    run_prepare_kernel(&s, &k) < 0)
		goto fail;
	results_write_json(&r, "kernel.json", k.meta);
	json_object_set_new(r.run, "scenario", json_string(s.name));
	json_object_set_new(r.run, "kernel", json_string(k.name));
	/* Injected and natural reproductions must never be confused. */
	json_object_set_new(r.run, "injected", json_boolean(scenario_has_injection(&s)));
	json_object_set_new(r.run, "injections", scenario_injections(&s));
	st.total = a.trials ? a.trials : (int)s.global.trials;
	json_object_set_new(r.run, "planned_trials", json_integer(st.total));
	if (!json_output)
		p_info("run %s: scenario %s, kernel %s, %d trial(s)", r.id, s.name, k.name,
		       st.total);
	if (run_cluster(&a, &r, &s, &c, &ours) < 0)
		goto fail;
	json_object_set_new(
		r.run, "timing",
		json_pack("{s:f, s:f}", "cluster_ready", c.ready_secs, "setup", now_mono() - t0));
	json_object_set_new(
		r.run, "cluster",
		json_pack("{s:s, s:s, s:b}", "name", c.name, "fsid", c.fsid, "embedded", ours));
	results_save(&r);
	st.t0 = now_mono();
	for (int n = 1; n <= st.total && !*run_interrupted(); n++) {
		st.trial = n;
		run_one_trial(&st, &r, &s, text, &k, &c, n);
	}
	if (*run_interrupted())
		json_object_set_new(r.run, "interrupted", json_true());
	{
		enum verdict v = tally_verdict(&r.tally);

		results_finish(&r, v);
		ret = *run_interrupted() ? EXIT_UNDECIDED : verdict_exit_code(v);
	}
	run_summary(&r, "run");
	goto out;
fail:
	p_err("run: %s", err_msg());
	if (r.run) {
		json_object_set_new(r.run, "error", json_string(err_msg()));
		results_finish(&r, V_MISS);
	}
	ret = EXIT_UNDECIDED;
out:
	if (ours && cluster_down(&c) < 0)
		p_warn("cluster teardown: %s", err_msg());
	cluster_free(&c);
	kernel_close(&k);
	results_free(&r);
	scenario_free(&s);
out_args:
	strv_release(&a.overrides);
	strv_release(&a.kernels);
	return ret;
}
