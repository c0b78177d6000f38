// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm compare RUN...: per kernel hang rates with Wilson intervals,
 * signatures and Kaplan–Meier time to hang; baseline vs each other kernel
 * with Fisher's exact test (analysis/compare.c); reports in the first run
 * directory (analysis/report.c).
 */
#define _GNU_SOURCE
#include "analysis/compare.h"
#include "analysis/report.h"
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/strv.h"
#include "model/runfile.h"
#include "model/verdict.h"

#include <stdio.h>
#include <string.h>

enum { OPT_BASELINE = 256, OPT_EXPECT_FIXED, OPT_ALPHA_C, OPT_MIXED };

struct cargs {
	const char *baseline;
	bool mixed;
	bool expect_fixed;
	double alpha;
};

static int compare_opt(int id, const char *arg, void *ctx)
{
	struct cargs *a = ctx;

	if (id == OPT_MIXED)
		a->mixed = true;
	else if (id == OPT_BASELINE)
		a->baseline = arg;
	else if (id == OPT_EXPECT_FIXED)
		a->expect_fixed = true;
	else if (id == OPT_ALPHA_C &&
		 (sscanf(arg, "%lf", &a->alpha) != 1 || a->alpha <= 0 || a->alpha >= 1))
		return err_set("--alpha takes a level like 0.01, not '%s'", arg);
	return 0;
}

static const struct opt compare_opts[] = {
	{OPT_BASELINE, "baseline", "KERNEL",
	 "the kernel the others are compared with (default: the matrix's first)"},
	{OPT_EXPECT_FIXED, "expect-fixed", NULL,
	 "exit 1 unless every other kernel hangs significantly less than the baseline"},
	{OPT_ALPHA_C, "alpha", "P", "significance level (default 0.01)"},
	{OPT_MIXED, "mixed", NULL,
	 "allow runs of different scenarios, or injected runs beside natural ones"},
	{0},
};

static const struct cmd_spec compare_spec = {
	.name = "compare",
	.usage = "[--baseline KERNEL] [--expect-fixed] [--alpha P] RUN_DIR...",
	.summary = "Per kernel: trials, verdict counts, hang rate with a 95 % Wilson interval, "
		   "signatures and titles, Kaplan–Meier time to hang. Baseline vs each other "
		   "kernel: Fisher's exact test and the verdict in words. Writes report.md, "
		   "report.html, junit.xml, results.ktap and kcidb.json into the first RUN_DIR.",
	.opts = compare_opts,
	.more = "ERROR and MISS trials are excluded from rates and shown separately.\nExit "
		"status: 0 fine, 1 a kernel is worse than the baseline: it hangs significantly "
		"more, it shows a hang title the baseline never did, or it has ERROR trials where "
		"the "
		"baseline had none (or, with --expect-fixed, the fix is not shown), 2 usage error, "
		"3 too few valid trials (< 3 decided per kernel) or fewer than two kernels.",
};

/* Exit status: news or a significant rise is worse; too little data is undecided. */
static int compare_exit(const struct comparison *c, const struct cargs *a)
{
	int ret = 0;

	if (c->nk < 2) {
		p_warn("compare: one kernel only; nothing to compare");
		ret = EXIT_UNDECIDED;
	}
	for (int i = 0; i < c->nk && ret == 0; i++)
		if (tally_decided(&c->k[i].tally) < 3)
			ret = EXIT_UNDECIDED;
	for (int i = 0; i < c->nk; i++) {
		const struct kstat *k = &c->k[i];

		if (i == c->base)
			continue;
		/* News needs no statistics; a rate comparison needs enough trials. */
		if (kstat_has_news(k) ||
		    (ret == 0 && (k->decided_worse || (a->expect_fixed && !k->decided_better))))
			ret = EXIT_FAILED;
	}
	return ret;
}

static void print_json(const struct comparison *c)
{
	json_t *o = json_pack("{s:s, s:s, s:f, s:[]}", "scenario", c->scenario, "baseline",
			      c->k[c->base].name, "alpha", c->alpha, "kernels");

	for (int i = 0; i < c->nk; i++)
		json_array_append_new(json_object_get(o, "kernels"), kstat_json(c, i));
	json_print(o);
	json_decref(o);
}

/*
 * Rates of different scenarios, or of injected against natural runs, say
 * nothing about the kernels: refuse them unless --mixed says it is meant.
 */
static bool not_alike(const struct run_record *r, const struct run_record *first)
{
	if (strcmp(r->scenario, first->scenario)) {
		p_err("compare: %s ran scenario %s, %s ran %s; compare runs of one scenario, or "
		      "pass --mixed",
		      r->dir, r->scenario, first->dir, first->scenario);
		return true;
	}
	if (r->injected != first->injected) {
		p_err("compare: %s is %s, %s is %s; an injected run beside a natural one needs "
		      "--mixed",
		      r->dir, r->injected ? "injected" : "natural", first->dir,
		      first->injected ? "injected" : "natural");
		return true;
	}
	return false;
}

int cmd_compare(int argc, char **argv)
{
	struct cargs a = {.alpha = 0.01};
	struct comparison c = {0};
	struct run_record *runs = NULL;
	_cleanup_free_ char *md = NULL;
	int first = opt_parse(&compare_spec, argc, argv, compare_opt, &a), base = 0;
	_cleanup_strv_ struct strv seen = {0};
	int nruns = 0;
	int ret = EXIT_USAGE;
	const char *bname;

	if (first < 0)
		return OPT_EXIT(first);
	if (first >= argc) {
		opt_usage(&compare_spec, stderr);
		return EXIT_USAGE;
	}
	c.alpha = a.alpha;
	runs = xcalloc(argc - first, sizeof(*runs));
	for (int i = first; i < argc; i++) {
		struct run_record *r = &runs[nruns];

		if (runfile_seen(&seen, argv[i])) {
			p_info("compare: %s is a run already given; counted once", argv[i]);
			continue;
		}
		if (runfile_read(argv[i], r) < 0) {
			p_err("compare: %s", err_msg());
			goto out;
		}
		nruns++;
		if (!a.mixed && not_alike(r, &runs[0]))
			goto out;
		if (comparison_add_run(&c, r) < 0) {
			p_err("compare: %s", err_msg());
			goto out;
		}
	}
	if (!c.nk) {
		p_err("compare: %s holds no trials", argv[first]);
		goto out;
	}
	/*
	 * A matrix that tested every round keeps its alpha only if the last
	 * look uses the same level as the others (docs/statistics.md).
	 */
	for (int i = 0; i < nruns; i++) {
		json_t *lv = json_object_get(runs[i].json, "sequential_level");

		if (json_is_number(lv) && json_number_value(lv) > 0 &&
		    json_number_value(lv) < c.alpha) {
			p_info("compare: %s tested every round (matrix --until-significant): "
			       "testing at its level, p < %.4g",
			       runs[i].dir, json_number_value(lv));
			c.alpha = json_number_value(lv);
		}
	}
	bname = a.baseline ?: runs[0].baseline;
	if (bname && comparison_find(&c, bname) >= 0)
		base = comparison_find(&c, bname);
	else if (a.baseline) {
		p_err("compare: --baseline %s: no trials of that kernel in these runs", a.baseline);
		goto out;
	}
	comparison_analyse(&c, base);
	if (report_write(&c, argv[first], &md) < 0) {
		p_err("compare: %s", err_msg());
		ret = EXIT_UNDECIDED;
		goto out;
	}
	if (json_output)
		print_json(&c);
	else
		fputs(md, stdout);
	ret = compare_exit(&c, &a);
out:
	comparison_free(&c);
	for (int i = 0; i < nruns; i++)
		runfile_release(&runs[i]);
	free(runs);
	return ret;
}
