// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm nightly CONFIG: each target (a Debian series, a git branch)
 * resolved to its newest kernel; each scenario run on it unless the history
 * already has it; compared with the target's last good kernel; a regression
 * bisected (the series' ABIs in order, or `git bisect run`); old PASS logs
 * pruned. Every step is an ordinary run, matrix or bisect-step in the
 * config's results directory, so its history and dashboard hold the nights.
 */
#define _GNU_SOURCE
#include "analysis/history.h"
#include "cli/cmd.h"
#include "host/results.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "model/nightly.h"
#include "model/runfile.h"
#include "store/debian.h"
#include "store/kernel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OPT_DRY_RUN = 256, OPT_NIGHT };

struct nargs {
	bool dry_run;
	const char *night;
};

struct night {
	struct nightly_config c;
	struct history *h;
	const char *night;
	char *exe;
	bool dry_run;
	int regressions, undecided;
};

/* A target resolved for tonight. */
struct resolved {
	char *name;   /* the store name tested */
	char *spec;   /* what `-k` takes to get it */
	char *commit; /* a tree's commit */
};

static int nightly_opt(int id, const char *arg, void *ctx)
{
	struct nargs *a = ctx;

	if (id == OPT_DRY_RUN)
		a->dry_run = true;
	else if (id == OPT_NIGHT)
		a->night = arg;
	return 0;
}

static const struct opt nightly_opts[] = {
	{OPT_DRY_RUN, "dry-run", NULL, "resolve the targets and print what tonight would run"},
	{OPT_NIGHT, "night", "NAME", "this night's name in the history (default: today, UTC)"},
	{0},
};

static const struct cmd_spec nightly_spec = {
	.name = "nightly",
	.usage = "[--dry-run] [--night NAME] CONFIG",
	.summary = "One night over kernel series and branches: each target's newest kernel, each "
		   "scenario not yet in the history, compared with the target's last good kernel; "
		   "a regression (a new hang title, a significant rise, new ERRORs) is bisected. "
		   "CONFIG: docs/nightly.md.",
	.opts = nightly_opts,
	.more = "Exit status: 0 no regression, 1 a regression, 2 usage or config error, 3 "
		"something could not be decided (and no regression).",
};

static char *git_commit(const char *tree, const char *rev)
{
	_cleanup_free_ char *spec = xasprintf("%s^{commit}", rev), *out = NULL;
	char *argv[] = {"git", "-C", (char *)tree, "rev-parse", "--verify", spec, NULL};

	if (run_capture(argv, 60, &out) < 0) {
		err_set("git -C %s rev-parse %s: %s", tree, rev, out ? str_strip(out) : err_msg());
		return NULL;
	}
	return xstrdup(str_strip(out));
}

static int resolve_target(const struct nightly_target *t, struct resolved *r)
{
	memset(r, 0, sizeof(*r));
	if (t->tree) {
		r->commit = git_commit(t->tree, t->branch);
		if (!r->commit)
			return -1;
		r->name = xasprintf("%s-%.12s", t->name, r->commit);
		r->spec = xstrdup(r->name);
		return 0;
	}
	if (str_startswith(t->kernel, "debian:")) {
		if (debian_resolve_abi(t->kernel + 7, &r->name) < 0)
			return -1;
		r->spec = xasprintf("debian:%s", r->name);
		return 0;
	}
	r->name = xstrdup(t->kernel);
	r->spec = xstrdup(t->kernel);
	return 0;
}

static void resolved_free(struct resolved *r)
{
	free(r->name);
	free(r->spec);
	free(r->commit);
}

/* The kernel into the store: fetched, or built from the tree. */
static int ensure_kernel(struct night *n, const struct nightly_target *t, const struct resolved *r)
{
	struct kernel k;
	struct strv args = {0};
	int code;

	if (!t->tree) {
		if (kernel_resolve(r->spec, &k) < 0)
			return -1;
		kernel_close(&k);
		return 0;
	}
	if (kernel_open(r->name, &k) == 0) {
		kernel_close(&k);
		return 0;
	}
	strv_push(&args, "kernel");
	strv_push(&args, "build");
	strv_push(&args, "--tree");
	strv_push(&args, t->tree);
	strv_push(&args, "--ref");
	strv_push(&args, r->commit);
	strv_push_each(&args, "--patch", &t->patches);
	strv_push(&args, "--name");
	strv_push(&args, r->name);
	code = cmd_run_self(&args);
	strv_release(&args);
	return code == 0 ? 0 : err_set("building %s at %.12s failed", t->tree, r->commit);
}

static void push_trials(struct strv *args, const struct nightly_scenario *s, const char *results)
{
	char nbuf[16];

	snprintf(nbuf, sizeof(nbuf), "%d", s->trials);
	strv_push(args, "-s");
	strv_push(args, s->name);
	strv_push(args, "-n");
	strv_push(args, nbuf);
	strv_push(args, "--results");
	strv_push(args, results);
	strv_push_each(args, "-o", &s->options);
}

/* The run the last command made: never an earlier one read as its own. */
static char *new_run(const char *results, const char *before)
{
	_cleanup_free_ char *id = results_latest(results);

	return id && (!before || strcmp(id, before)) ? path_join(results, id) : NULL;
}

/*
 * Tonight's kernel against the baseline: "good", "regression" or
 * "undecided"; *run_dir is the run or matrix it made. With no baseline
 * yet, the kernel is run alone and is the "baseline", whatever its
 * verdicts: a kernel that hangs every trial is no regression of itself.
 */
static const char *test_kernel(struct night *n, const struct nightly_scenario *s,
			       const char *kernel, const char *base, char **run_dir)
{
	_cleanup_free_ char *before = results_latest(n->c.results);
	struct strv args = {0};
	int code;

	strv_push(&args, base ? "matrix" : "run");
	push_trials(&args, s, n->c.results);
	if (base) {
		strv_push(&args, "-k");
		strv_push(&args, base);
	}
	strv_push(&args, "-k");
	strv_push(&args, kernel);
	code = cmd_run_self(&args);
	strv_release(&args);
	*run_dir = new_run(n->c.results, before);
	if (code == 2 || code < 0 || !*run_dir)
		return "undecided";
	if (!base)
		return code == 3 ? "undecided" : "baseline";
	{
		char *cmp[] = {"compare", "--baseline", (char *)base, *run_dir};
		struct strv cargs = {.v = cmp, .n = ARRAY_SIZE(cmp)};

		code = cmd_run_self(&cargs);
	}
	return code == 0 ? "good" : code == 1 ? "regression" : "undecided";
}

/* ---- bisection ---- */

/* "6.12." and "-cloud-amd64" of "6.12.117+deb12-cloud-amd64": series and flavor. */
static bool same_series(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	const char *fa = strchr(a, '-'), *fb = strchr(b, '-');

	if (!da || !db || !fa || !fb)
		return false;
	da = strchr(da + 1, '.');
	db = strchr(db + 1, '.');
	if (!da || !db || da - a != db - b || strncmp(a, b, (size_t)(da - a)))
		return false;
	/* The flavor: what follows the package ABI number ("-56-amd64" / "+deb12-amd64"). */
	return !strcmp(strrchr(a, '-'), strrchr(b, '-')) &&
	       (strstr(a, "-cloud-") != NULL) == (strstr(b, "-cloud-") != NULL) &&
	       (strstr(a, "-rt-") != NULL) == (strstr(b, "-rt-") != NULL);
}

static int bisect_step(struct night *n, const struct nightly_scenario *s, const char *spec)
{
	struct strv args = {0};
	int code;

	strv_push(&args, "bisect-step");
	strv_push(&args, "-k");
	strv_push(&args, spec);
	push_trials(&args, s, n->c.results);
	code = cmd_run_self(&args);
	strv_release(&args);
	return code;
}

/* Between the last good ABI and tonight's, in the archive's order: the first bad one. */
static char *bisect_debian(struct night *n, const struct nightly_scenario *s, const char *good,
			   const char *bad)
{
	struct deb_kernels l = {0};
	struct strv mid = {0};
	int lo = -1, hi;
	char *answer;
	bool in = false, got_bad = false;

	if (debian_kernels(&l, NULL) < 0)
		return xasprintf("not bisected: %s", err_msg());
	for (size_t i = 0; i < l.n; i++) {
		if (!strcmp(l.k[i].abi, good)) {
			in = true;
			continue;
		}
		if (!strcmp(l.k[i].abi, bad)) {
			got_bad = true;
			break;
		}
		if (in && same_series(l.k[i].abi, bad) && !strv_contains(&mid, l.k[i].abi))
			strv_push(&mid, l.k[i].abi);
	}
	debian_kernels_free(&l);
	/*
	 * Only a range the archive still lists in order can be bisected: a good
	 * kernel it no longer lists (or one that is no Debian ABI, a patched
	 * kernel) leaves nothing to say which ABIs lie between.
	 */
	if (!in || !got_bad) {
		strv_release(&mid);
		return xasprintf("not bisected: the archive does not list %s%s%s; %s came right "
				 "after %s in this target's nights",
				 in ? bad : good, in ? " after " : "", in ? good : "", bad, good);
	}
	/* Invariant: mid[lo] (or good) is good, mid[hi] (or bad) is bad. */
	hi = (int)mid.n;
	while (hi - lo > 1) {
		int m = lo + (hi - lo) / 2, code;
		_cleanup_free_ char *spec = xasprintf("debian:%s", mid.v[m]);

		p_info("nightly: bisecting %s..%s: trying %s", good, bad, mid.v[m]);
		code = bisect_step(n, s, spec);
		if (code == 0) {
			lo = m;
		} else if (code == 1) {
			hi = m;
		} else {
			answer = xasprintf("bisection stopped at %s (bisect-step exit %d)",
					   mid.v[m], code);
			strv_release(&mid);
			return answer;
		}
	}
	answer = xasprintf("first bad: %s (last good: %s)", hi < (int)mid.n ? mid.v[hi] : bad,
			   lo >= 0 ? mid.v[lo] : good);
	strv_release(&mid);
	return answer;
}

/* `git bisect run iputstorm bisect-step` between the two commits; its verdict line. */
static char *bisect_git(struct night *n, const struct nightly_target *t,
			const struct nightly_scenario *s, const char *good, const char *bad)
{
	_cleanup_free_ char *tree = realpath(t->tree, NULL);
	_cleanup_free_ char *results = realpath(n->c.results, NULL);
	_cleanup_free_ char *gc = git_commit(t->tree, good + strlen(t->name) + 1);
	_cleanup_free_ char *bc = git_commit(t->tree, bad + strlen(t->name) + 1), *out = NULL;
	char *reset[] = {"git", "-C", t->tree, "bisect", "reset", NULL};
	struct strv argv = {0};
	char *first, *answer;
	int r;

	if (!gc || !bc || !tree || !results)
		return xasprintf("not bisected: %s",
				 !tree || !results ? strerror(errno) : err_msg());
	{
		char *start[] = {"git", "-C", t->tree, "bisect", "start", bc, gc, NULL};

		if (run_capture(start, 60, &out) < 0)
			return xasprintf("not bisected: git bisect start: %s",
					 out ? str_strip(out) : err_msg());
		free(out);
		out = NULL;
	}
	strv_push(&argv, "git");
	strv_push(&argv, "-C");
	strv_push(&argv, t->tree);
	strv_push(&argv, "bisect");
	strv_push(&argv, "run");
	strv_push(&argv, n->exe);
	strv_push(&argv, "bisect-step");
	strv_push(&argv, "--tree");
	strv_push(&argv, tree);
	/* git runs the steps inside the tree: every path they take must be absolute. */
	for (size_t i = 0; i < t->patches.n; i++) {
		_cleanup_free_ char *p = realpath(t->patches.v[i], NULL);

		strv_push(&argv, "-p");
		strv_push(&argv, p ? p : t->patches.v[i]);
	}
	{
		struct nightly_scenario abs_s = *s;
		_cleanup_free_ char *sp = strchr(s->name, '/') ? realpath(s->name, NULL) : NULL;

		if (sp)
			abs_s.name = sp;
		push_trials(&argv, &abs_s, results);
	}
	r = run_capture(argv.v, -1, &out);
	strv_release(&argv);
	first = out ? strstr(out, " is the first bad commit") : NULL;
	if (first) {
		char *line = first;

		while (line > out && line[-1] != '\n')
			line--;
		answer = xasprintf("first bad: %.*s", (int)(first - line), line);
	} else {
		answer = xasprintf("bisection ended without a first bad commit (exit %d)", r);
	}
	free(out);
	out = NULL;
	run_capture(reset, 60, &out);
	return answer;
}

/* ---- one night ---- */

static void record(struct night *n, const char *target, const char *scenario, const char *kernel,
		   const char *base, const char *status, const char *run_dir, const char *detail)
{
	struct nightly_row row = {n->night, target, scenario, kernel,
				  base,	    status, run_dir,  detail};

	if (history_nightly_add(n->h, &row) < 0)
		p_warn("nightly: %s", err_msg());
}

static void night_scenario(struct night *n, const struct nightly_target *t,
			   const struct resolved *r, const struct nightly_scenario *s)
{
	_cleanup_free_ char *base = history_nightly_last_good(n->h, t->name, s->name, r->name);
	_cleanup_free_ char *run_dir = NULL, *detail = NULL;
	int have = history_decided(n->h, r->name, s->name);
	const char *status;

	if (have >= s->trials) {
		printf("%-12s %-24s %-20s skip: the history has %d decided trials\n", t->name,
		       r->name, s->name, have);
		return;
	}
	if (n->dry_run) {
		printf("%-12s %-24s %-20s would run %d trials %s%s\n", t->name, r->name, s->name,
		       s->trials, base ? "against " : "alone (first kernel of the target)",
		       base ? base : "");
		return;
	}
	if (ensure_kernel(n, t, r) < 0) {
		p_err("nightly: target %s: %s", t->name, err_msg());
		record(n, t->name, s->name, r->name, base, "undecided", NULL, err_msg());
		n->undecided++;
		return;
	}
	status = test_kernel(n, s, r->name, base, &run_dir);
	if (!strcmp(status, "regression")) {
		n->regressions++;
		detail = t->tree ? bisect_git(n, t, s, base, r->name)
				 : bisect_debian(n, s, base, r->name);
		p_info("nightly: %s regressed under %s against %s: %s", r->name, s->name, base,
		       detail);
	} else if (!strcmp(status, "undecided")) {
		n->undecided++;
	}
	record(n, t->name, s->name, r->name, base, status, run_dir, detail);
	printf("%-12s %-24s %-20s %s%s%s\n", t->name, r->name, s->name, status, detail ? ": " : "",
	       detail ? detail : "");
}

/* ---- retention ---- */

static int prune_trial(const char *run_dir, int trial)
{
	static const char *const bulk[] = {"console.log", "events.jsonl", "qemu.log"};
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bulk); i++) {
		_cleanup_free_ char *p = xasprintf("%s/trials/%d/%s", run_dir, trial, bulk[i]);

		n += unlink(p) == 0;
	}
	return n;
}

/* PASS trials of runs started before the cutoff lose their logs; FAIL keep everything. */
static void prune(const struct nightly_config *c)
{
	_cleanup_free_ char *cutoff = NULL;
	DIR *d;
	struct dirent *de;
	int files = 0;

	if (!c->keep_pass_days)
		return;
	cutoff = iso8601_utc(now_wall() - c->keep_pass_days * 86400.0);
	d = opendir(c->results);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;
		struct run_record r = {0};

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "latest"))
			continue;
		dir = path_join(c->results, de->d_name);
		if (runfile_read(dir, &r) < 0)
			continue;
		for (size_t i = 0; i < r.ntrials; i++)
			if (r.trials[i].verdict == V_PASS && r.trials[i].started &&
			    strcmp(r.trials[i].started, cutoff) < 0)
				files += prune_trial(dir, r.trials[i].trial);
		runfile_release(&r);
	}
	if (d)
		closedir(d);
	if (files)
		p_info("nightly: pruned %d log file(s) of PASS trials older than %d days", files,
		       c->keep_pass_days);
}

static int run_night(struct night *n)
{
	for (int i = 0; i < n->c.nt; i++) {
		const struct nightly_target *t = &n->c.t[i];
		struct resolved r;

		if (resolve_target(t, &r) < 0) {
			p_err("nightly: target %s: %s", t->name, err_msg());
			n->undecided++;
			continue;
		}
		for (int j = 0; j < n->c.ns; j++)
			night_scenario(n, t, &r, &n->c.s[j]);
		resolved_free(&r);
	}
	if (!n->dry_run)
		prune(&n->c);
	if (n->regressions)
		return 1;
	return n->undecided ? EXIT_UNDECIDED : 0;
}

int cmd_nightly(int argc, char **argv)
{
	struct nargs a = {0};
	struct night n = {0};
	int first = opt_parse(&nightly_spec, argc, argv, nightly_opt, &a), ret;
	_cleanup_free_ char *today = NULL, *hpath = NULL;

	if (first < 0)
		return OPT_EXIT(first);
	if (first != argc - 1) {
		p_err("nightly: needs one CONFIG; see `iputstorm nightly --help`");
		return EXIT_USAGE;
	}
	if (nightly_config_load(&n.c, argv[first]) < 0) {
		p_err("%s", err_msg());
		nightly_config_free(&n.c);
		return EXIT_USAGE;
	}
	today = iso8601_utc(now_wall());
	today[10] = '\0';
	n.night = a.night ? a.night : today;
	n.dry_run = a.dry_run;
	n.exe = self_exe();
	hpath = history_default_path(n.c.results);
	if (mkdir_p(n.c.results, 0755) < 0 || !(n.h = history_open(hpath))) {
		p_err("nightly: %s: %s", n.c.results, errno ? strerror(errno) : err_msg());
		ret = EXIT_UNDECIDED;
	} else {
		ret = run_night(&n);
	}
	history_close(n.h);
	free(n.exe);
	nightly_config_free(&n.c);
	return ret;
}
