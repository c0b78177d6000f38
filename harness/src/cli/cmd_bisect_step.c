// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm bisect-step: one step of `git bisect run`. Builds the kernel of
 * the current tree (or takes -k KERNEL), runs N trials through `iputstorm
 * run`, and answers 0 good, 1 bad, 125 skip.
 */
#define _GNU_SOURCE
#include "analysis/decide.h"
#include "cli/cmd.h"
#include "host/results.h"
#include "host/session.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "model/runfile.h"
#include "model/verdict.h"
#include "store/kbuild.h"
#include "store/kernel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

enum { OPT_TREE = 256, OPT_RESULTS_B };

/*
 * `git bisect run` reads 1..127 (but 125) as "bad": a step that cannot run at
 * all (bad option, bad scenario, not root) must abort the bisection instead.
 */
enum { BISECT_GOOD = 0, BISECT_BAD = 1, BISECT_SKIP = 125, BISECT_ABORT = 128 };

struct bargs {
	const char *scenario, *kernel, *tree, *results;
	int n;
	struct strv overrides, patches;
	struct strv pass; /* --ceph-conf and friends, handed to `iputstorm run` as given */
};

/* The cluster options, handed to `iputstorm run` as given. */
static const struct {
	int id;
	const char *flag;
} passed_on[] = {
	{OPT_CEPH_CONF, "--ceph-conf"},
	{OPT_KEYRING, "--keyring"},
	{OPT_ID, "--id"},
	{OPT_FS, "--fs"},
	{OPT_DISRUPTIVE, "--allow-disruptive"},
};

static void pass_on(struct bargs *a, int id, const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(passed_on); i++)
		if (passed_on[i].id == id) {
			strv_push(&a->pass, passed_on[i].flag);
			if (arg)
				strv_push(&a->pass, arg);
		}
}

static int bisect_opt(int id, const char *arg, void *ctx)
{
	struct bargs *a = ctx;
	long long v;

	switch (id) {
	case 's':
		a->scenario = arg;
		break;
	case 'k':
		a->kernel = arg;
		break;
	case 'n':
		if (parse_int(arg, &v) < 0 || v < 1 || v > 1000)
			return err_set("-n must be a number of trials >= 1, not '%s'", arg);
		a->n = (int)v;
		break;
	case 'o':
		strv_push(&a->overrides, arg);
		break;
	case 'p':
		strv_push(&a->patches, arg);
		break;
	case OPT_TREE:
		a->tree = arg;
		break;
	case OPT_RESULTS_B:
		a->results = arg;
		break;
	default:
		pass_on(a, id, arg);
		break;
	}
	return 0;
}

static const struct opt bisect_opts[] = {
	{'s', "scenario", "SCENARIO", "the reproducer scenario"},
	{'n', "trials", "N", "trials per step (default 10)"},
	{'k', "kernel", "KERNEL", "test this stored kernel instead of building the tree"},
	{OPT_TREE, "tree", "DIR", "kernel tree to build (default: the current directory)"},
	{'p', "patch", "FILE", "patch to apply on top of each step (repeatable)"},
	{'o', "option", "KEY=VALUE", "override a scenario key (repeatable)"},
	{OPT_RESULTS_B, "results", "DIR", "where run directories go (default: results)"},
	RUN_EXTERNAL_OPTS,
	{0},
};

static const struct cmd_spec bisect_spec = {
	.name = "bisect-step",
	.usage = "-s SCENARIO [-n N] [--tree DIR | -k KERNEL] [-p PATCH]... [-o KEY=VALUE]...",
	.summary = "One `git bisect run` step: build the current tree, run N trials, answer "
		   "good, bad or skip with syzbot's rule for flaky reproducers (bad: at least "
		   "max(2, N/6) hangs; good: no hang and at least half the trials passing).",
	.opts = bisect_opts,
	.more = "Exit status: 0 good, 1 bad, 125 skip (build failure, infrastructure, too few "
		"decided trials), 128 the step cannot run at all (usage or scenario error, "
		"interrupted): `git bisect run` stops there instead of marking the commit bad.\n"
		"Steps share one object directory per tree (incremental builds): a clean git "
		"tree's "
		"commit is built in a clone shared with `kernel build --ref` and `nightly`, so "
		"the checkout is only read; a tree with uncommitted changes is built in place. "
		"Each step's kernel is stored as bisect-<commit>.\nExample: git bisect run "
		"iputstorm "
		"bisect-step -s writeback-iput-fi -n 6",
};

/*
 * The commit git bisect checked out, as a full sha, when the tree has no
 * uncommitted change: the step then builds that commit in the tree's shared
 * clone and object directory (those of `nightly` too), and git bisect's own
 * checkout is never written to. NULL: build the tree in place.
 */
static char *clean_head(const char *tree)
{
	char *status[] = {
		"git", "-C", (char *)tree, "status", "--porcelain", "--untracked-files=no", NULL};
	char *head[] = {"git", "-C", (char *)tree, "rev-parse", "--verify", "-q", "HEAD", NULL};
	_cleanup_free_ char *st = NULL;
	char *sha = NULL;

	if (run_capture(status, 60, &st) < 0 || *str_strip(st))
		return NULL;
	if (run_capture(head, 30, &sha) < 0) {
		free(sha);
		return NULL;
	}
	str_strip(sha);
	return sha;
}

/* One object directory per tree built in place: make rebuilds what changed. */
static char *work_name(const char *tree)
{
	_cleanup_free_ char *abs = realpath(tree, NULL);
	const char *base = abs ? strrchr(abs, '/') : NULL;

	return xasprintf("bisect-obj-%s", base && base[1] ? base + 1 : "tree");
}

/* "bisect-<short sha>" of the tree's HEAD, or "bisect-tree". */
static char *step_name(const char *tree)
{
	char *argv[] = {"git", "-C", (char *)tree, "rev-parse", "--short=12", "HEAD", NULL};
	_cleanup_free_ char *out = NULL;

	if (run_capture(argv, 30, &out) < 0)
		return xstrdup("bisect-tree");
	return xasprintf("bisect-%s", str_strip(out));
}

/*
 * N trials through `iputstorm run`; *run is the run.json it wrote. Returns
 * BISECT_ABORT when the run itself says the step cannot work (usage or
 * interrupted), BISECT_SKIP when it left no new run, 0 otherwise.
 */
static int run_trials(struct bargs *a, const char *kernel, const char *results,
		      struct run_record *run)
{
	_cleanup_free_ char *exe = self_exe(), *ns = xasprintf("%d", a->n);
	_cleanup_free_ char *before = results_latest(results), *after = NULL;
	struct strv argv = {0};
	int st;
	pid_t pid;

	strv_push(&argv, exe);
	strv_push(&argv, "run");
	strv_push(&argv, "-s");
	strv_push(&argv, a->scenario);
	strv_push(&argv, "-k");
	strv_push(&argv, kernel);
	strv_push(&argv, "-n");
	strv_push(&argv, ns);
	strv_push(&argv, "--results");
	strv_push(&argv, results);
	for (size_t i = 0; i < a->overrides.n; i++) {
		strv_push(&argv, "-o");
		strv_push(&argv, a->overrides.v[i]);
	}
	for (size_t i = 0; i < a->pass.n; i++)
		strv_push(&argv, a->pass.v[i]);
	pid = spawn(argv.v, NULL);
	strv_release(&argv);
	if (pid < 0 || wait_timeout(pid, -1, &st) != 0) {
		err_set("cannot run the trials: %s", strerror(errno));
		return BISECT_SKIP;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_USAGE) {
		err_set("`iputstorm run` rejected the scenario or options (exit 2; its message "
			"is above)");
		return BISECT_ABORT;
	}
	after = results_latest(results);
	if (!after || (before && !strcmp(before, after))) {
		/* Never read an older step's results as this one's. */
		err_set("`iputstorm run` left no new run directory in %s", results);
		return BISECT_SKIP;
	}
	{
		_cleanup_free_ char *d = path_join(results, after);

		if (runfile_read(d, run) < 0)
			return BISECT_SKIP;
	}
	if (run->interrupted) {
		err_set("the trials were interrupted");
		return BISECT_ABORT;
	}
	return 0;
}

int cmd_bisect_step(int argc, char **argv)
{
	struct bargs a = {.n = 10};
	int first = opt_parse(&bisect_spec, argc, argv, bisect_opt, &a), ret = BISECT_SKIP, r;
	_cleanup_free_ char *name = NULL;
	struct run_record run = {0};
	struct kernel k = {0};

	if (first < 0) {
		ret = OPT_EXIT(first) == 0 ? 0 : BISECT_ABORT;
		goto out;
	}
	if (first != argc || !a.scenario) {
		opt_usage(&bisect_spec, stderr);
		ret = BISECT_ABORT;
		goto out;
	}
	if (!a.kernel) {
		struct tree_build b = {.tree = a.tree ? a.tree : ".",
				       .patches = a.patches.v,
				       .npatches = a.patches.n};
		_cleanup_free_ char *sha = clean_head(b.tree);
		_cleanup_free_ char *work = sha ? NULL : work_name(b.tree);

		name = step_name(b.tree);
		b.name = name;
		b.ref = sha;
		b.work = work;
		if (kernel_build_tree(&b, &k) < 0) {
			p_err("bisect-step: %s; skipping this commit", err_msg());
			goto out;
		}
		kernel_close(&k);
	}
	r = run_trials(&a, a.kernel ? a.kernel : name, a.results ? a.results : "results", &run);
	if (r) {
		p_err("bisect-step: %s; %s", err_msg(),
		      r == BISECT_ABORT ? "stopping the bisection" : "skipping this commit");
		ret = r;
		goto out;
	}
	{
		int hangs = run.tally.n[V_FAIL], passes = run.tally.n[V_PASS];

		ret = bisect_decision(hangs, passes, a.n);
		printf("bisect-step: %d hangs, %d passes of %d trials: %s\n", hangs, passes, a.n,
		       ret == 0	  ? "good"
		       : ret == 1 ? "bad"
				  : "skip");
	}
out:
	runfile_release(&run);
	strv_release(&a.overrides);
	strv_release(&a.patches);
	strv_release(&a.pass);
	return ret;
}
