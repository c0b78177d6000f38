// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm reproduce LOG: a user's report in, an answer out. The kernel it
 * names is fetched (Debian's, when Debian ships it), the hang is triaged, the
 * shipped scenario that reproduces its root runs N times on that kernel, and
 * the answer says whether the trials hung with the same root, and how often.
 */
#define _GNU_SOURCE
#include "analysis/signature.h"
#include "analysis/stats.h"
#include "cli/cmd.h"
#include "host/session.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "model/klog.h"
#include "model/injections.h"
#include "model/verdict.h"

#include <stdlib.h>
#include <string.h>

static const struct opt reproduce_opts[] = {
	{'n', "trials", "N", "trials (default 3)"},
	{'k', "kernel", "KERNEL", "run on this kernel instead of the one the report names"},
	{'s', "scenario", "SCENARIO", "run this scenario instead of the root's reproducer"},
	{'o', "option", "KEY=VALUE", "override a scenario key (repeatable)"},
	{OPT_RESULTS, "results", "DIR", "where the run directory goes (default: results)"},
	{'j', "jobs", "N", "trials at once (default 1)"},
	{0},
};

static const struct cmd_spec reproduce_spec = {
	.name = "reproduce",
	.usage = "LOG [-n N] [-k KERNEL] [-s SCENARIO] [-o KEY=VALUE]... [--results DIR] [-j N]",
	.summary = "Reproduce a user's report: read the kernel release from LOG's \"Not tainted\" "
		   "or \"Tainted:\" line (e.g. 6.12.117+deb12-amd64), fetch that kernel from "
		   "Debian if the store does not have it, triage the hang, run the shipped "
		   "scenario that reproduces its root N times on it, and say whether the trials "
		   "hung with the same root signature, and at what rate. A report with a BUG, "
		   "Oops or panic and no hang is matched by that crash's title, on the scenario "
		   "given with -s.",
	.opts = reproduce_opts,
	.more = "A kernel Debian does not ship: `iputstorm kernel add NAME IMAGE MODULES`, then "
		"-k NAME.\n"
		"Exit status: 0 reproduced (a trial hung with the report's root signature, or "
		"ended in its crash), 1 "
		"not reproduced (no trial did), 2 usage error or a log without a kernel release "
		"or a hang, 3 could not decide (no trial decided).",
};

/* The report's first BUG, Oops or panic ({title, line}), or NULL. */
static json_t *first_crash(json_t *reports)
{
	json_t *r;
	size_t i;

	json_array_foreach (reports, i, r) {
		if (kr_kind_name_is_crash(json_string_value(json_object_get(r, "kind"))))
			return json_pack("{s:O?, s:O?}", "title", json_object_get(r, "title"),
					 "line", json_object_get(r, "line"));
	}
	return NULL;
}

/*
 * Triage of the report: its root's signature and the scenario that
 * reproduces it, and its first crash.
 */
static json_t *triage_log(const char *log)
{
	_cleanup_json_ json_t *reports = json_array(), *tasks = json_array();
	struct sigset set;
	json_t *analysis;

	if (sigset_load(&set, NULL) < 0)
		return NULL;
	if (klog_read_reports(log, reports) < 0) {
		sigset_free(&set);
		return NULL;
	}
	sig_collect_reports(reports, tasks);
	analysis = sig_analyse(&set, tasks);
	sigset_free(&set);
	json_object_set_new(analysis, "crash", first_crash(reports));
	return analysis;
}

/* "writeback-iput-fi.ini" → "writeback-iput-fi" */
static char *scenario_name_of(const char *reproducer)
{
	size_t n = strlen(reproducer);

	return str_endswith(reproducer, ".ini") ? xstrndup(reproducer, n - 4) : xstrdup(reproducer);
}

struct answer {
	int same, other, decided;
};

/*
 * A hang is the same when its root signature is; a crash (by_title) when the
 * trial's title is the report's crash title ("kernel BUG in clear_inode").
 */
static void count_roots(json_t *trials, const char *want, bool by_title, struct answer *an)
{
	json_t *t;
	size_t i;

	json_array_foreach (trials, i, t) {
		int v = verdict_parse(json_string_value(json_object_get(t, "verdict")));
		const char *sig = by_title ? json_string_value(json_object_get(t, "title"))
					   : json_string_value(json_object_get(
						     json_object_get(t, "root"), "signature"));

		if (v != V_PASS && v != V_FAIL)
			continue;
		an->decided++;
		if (v == V_FAIL && sig && !strcmp(sig, want))
			an->same++;
		else if (v == V_FAIL)
			an->other++;
	}
}

static int prepare(const char *log, struct run_args *a, char **release, char **root, char **picked,
		   bool *crash)
{
	_cleanup_free_ char *text = read_file(log, NULL);
	_cleanup_json_ json_t *an = NULL;
	const char *sig, *repro;

	if (!text)
		return err_set("%s: cannot read it", log);
	*release = klog_kernel_release(text);
	if (!*release && !a->kernels.n)
		return err_set("%s names no kernel release (no \"Not tainted\" or \"Tainted:\" "
			       "line): give the kernel with -k",
			       log);
	an = triage_log(log);
	if (!an)
		return -1;
	sig = json_string_value(json_object_get(json_object_get(an, "root"), "signature"));
	repro = json_string_value(json_object_get(an, "reproducer"));
	if (!sig && !json_array_size(json_object_get(an, "hangs")) &&
	    json_object_get(an, "crash")) {
		json_t *c = json_object_get(an, "crash");

		/* Signatures name hangs: a crash is matched by its title, on a scenario given. */
		if (!a->scenario)
			return err_set("%s shows a crash and no hang: %s (line %lld); give the "
				       "scenario that reproduces it with -s",
				       log, json_string_value(json_object_get(c, "title")),
				       json_integer_value(json_object_get(c, "line")));
		sig = json_string_value(json_object_get(c, "title"));
		*crash = true;
	}
	if (!sig)
		return err_set("%s: no hang with a known root signature (`iputstorm triage %s` "
			       "shows what is there)",
			       log, log);
	*root = xstrdup(sig);
	if (!a->scenario) {
		if (!repro)
			return err_set("no shipped scenario reproduces %s: give one with -s", sig);
		*picked = scenario_name_of(repro);
		a->scenario = *picked;
	}
	if (!a->kernels.n)
		strv_pushf(&a->kernels, "debian:%s", *release);
	return 0;
}

int cmd_reproduce(int argc, char **argv)
{
	struct run_args a = {0};
	_cleanup_free_ char *release = NULL, *root = NULL, *picked = NULL;
	struct answer an = {0};
	bool injected = false, crash = false;
	struct run_session s;
	int first = opt_parse(&reproduce_spec, argc, argv, run_opt, &a), ret;

	if (first < 0) {
		run_args_release(&a);
		return OPT_EXIT(first);
	}
	if (argc - first != 1 || a.kernels.n > 1) {
		p_err("reproduce: one LOG (and at most one -k); see `iputstorm reproduce --help`");
		run_args_release(&a);
		return EXIT_USAGE;
	}
	if (!a.trials)
		a.trials = 3;
	if (prepare(argv[first], &a, &release, &root, &picked, &crash) < 0) {
		p_err("reproduce: %s", err_msg());
		run_args_release(&a);
		return EXIT_USAGE;
	}
	p_info("reproduce: %s names kernel %s; root %s; scenario %s", argv[first],
	       release ? release : "(given with -k)", root, a.scenario);
	ret = session_open(&s, &a, "reproduce", false);
	if (ret == EXIT_UNDECIDED && release && !strncmp(a.kernels.v[0], "debian:", 7))
		p_err("reproduce: if Debian does not ship %s, add it yourself: `iputstorm kernel "
		      "add NAME IMAGE MODULES`, then `iputstorm reproduce %s -k NAME`",
		      release, argv[first]);
	if (ret == 0) {
		session_run_trials(&s, a.jobs);
		count_roots(json_object_get(s.r.run, "trials"), root, crash, &an);
		injected = scenario_has_injection(&s.scn);
		json_object_set_new(s.r.run, "reproduce",
				    json_pack("{s:s, s:s?, s:s, s:b, s:i, s:i, s:i}", "log",
					      argv[first], "release", release, "root", root,
					      "crash", crash, "same_root", an.same, "other_hang",
					      an.other, "decided", an.decided));
	}
	ret = session_close(&s, ret);
	run_args_release(&a);
	if (ret == EXIT_USAGE)
		return ret;
	if (!an.decided) {
		printf("reproduce: undecided: no trial passed or hung\n");
		return EXIT_UNDECIDED;
	}
	{
		struct interval ci = wilson(an.same, an.decided, 1.96);

		printf("reproduce: %s: %d of %d trials %s %s, as in the report "
		       "(rate %.2f, 95 %% CI [%.2f, %.2f]); %d failed otherwise\n",
		       an.same ? "reproduced" : "not reproduced", an.same, an.decided,
		       crash ? "ended in" : "hung with root", root, (double)an.same / an.decided,
		       ci.lo, ci.hi, an.other);
		if (injected)
			printf("reproduce: with fault injection: the report's code path, our "
			       "trigger; a natural reproduction needs a natural scenario (-s)\n");
	}
	return an.same ? 0 : 1;
}
