// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm backport --patch P... --kernels PATTERN...: a fix's backport to
 * every matching Debian kernel. Per ABI: does the series go on that kernel's
 * own fs/ceph (clean, offset, fuzz, rejected: which hunks); does the module
 * build; does the injected reproducer hang the stock kernel significantly
 * more than the patched one (matrix --until-significant, compare
 * --expect-fixed); and does a natural scenario show no new failure on the
 * patched one. One table (backport.md, .html, .json) and an exit code; every
 * run lands in the results directory's history.
 */
#define _GNU_SOURCE
#include "analysis/mdhtml.h"
#include "cli/cmd.h"
#include "host/results.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"
#include "lib/strv.h"
#include "model/scenario.h"
#include "store/debian.h"
#include "store/kbuild.h"
#include "store/kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum {
	OPT_PATCH = 256,
	OPT_KERNELS,
	OPT_NATURAL,
	OPT_NATURAL_TRIALS,
	OPT_NATURAL_OPTION,
	OPT_RESULTS_BP,
	OPT_APPLY_ONLY,
	OPT_FLAVOR,
};

struct bargs {
	struct strv patches, patterns, options, natural_options, flavors;
	const char *scenario, *natural, *results;
	int trials, natural_trials;
	bool apply_only;
};

static int backport_opt(int id, const char *arg, void *ctx)
{
	struct bargs *a = ctx;
	long long v;

	switch (id) {
	case OPT_PATCH:
		strv_push(&a->patches, arg);
		break;
	case OPT_KERNELS:
		strv_push(&a->patterns, arg);
		break;
	case 's':
		a->scenario = arg;
		break;
	case OPT_NATURAL:
		a->natural = arg;
		break;
	case 'n':
	case OPT_NATURAL_TRIALS:
		if (parse_int(arg, &v) < 0 || v < 1 || v > 1000)
			return err_set("trials must be a number from 1 to 1000, not '%s'", arg);
		*(id == 'n' ? &a->trials : &a->natural_trials) = (int)v;
		break;
	case 'o':
		strv_push(&a->options, arg);
		break;
	case OPT_NATURAL_OPTION:
		strv_push(&a->natural_options, arg);
		break;
	case OPT_RESULTS_BP:
		a->results = arg;
		break;
	case OPT_APPLY_ONLY:
		a->apply_only = true;
		break;
	case OPT_FLAVOR:
		if (strcmp(arg, "generic") && strcmp(arg, "cloud") && strcmp(arg, "rt"))
			return err_set("--flavor takes generic, cloud or rt, not '%s'", arg);
		strv_push(&a->flavors, arg);
		break;
	}
	return 0;
}

static const struct opt backport_opts[] = {
	{OPT_PATCH, "patch", "FILE", "a patch of the series, in order (repeatable)"},
	{OPT_KERNELS, "kernels", "PATTERN",
	 "Debian kernel ABIs containing this (repeatable): 6.12.8, +deb12-amd64"},
	{'s', "scenario", "SCENARIO", "the injected reproducer (default writeback-iput-fi)"},
	{'n', "trials", "N", "its trials per kernel, until significant (default 10)"},
	{'o', "option", "KEY=VALUE", "for the reproducer (default duration=45)"},
	{OPT_NATURAL, "natural", "SCENARIO", "no new failure under it (default natural-caps)"},
	{OPT_NATURAL_TRIALS, "natural-trials", "N", "its trials per kernel (default 3)"},
	{OPT_NATURAL_OPTION, "natural-option", "KEY=VALUE", "for it (default duration=120)"},
	{OPT_RESULTS_BP, "results", "DIR", "runs and the table (default results/backport)"},
	{OPT_APPLY_ONLY, "apply-only", NULL, "only whether the series applies: no build, no VM"},
	{OPT_FLAVOR, "flavor", "F",
	 "build and test only this flavor (generic, cloud, rt; repeatable); the other matching "
	 "ABIs are only checked for applying (default: every flavor)"},
	{0},
};

static const struct cmd_spec backport_spec = {
	.name = "backport",
	.usage = "--patch P... --kernels PATTERN... [-s S] [-n N] [--natural S] [--flavor F] "
		 "[--apply-only]",
	.summary = "Validate a fix's backport on every matching Debian kernel: applies (clean, "
		   "offset, fuzz, rejected hunks), builds, fixes the injected reproducer at p < "
		   "0.01, and adds no failure under a natural scenario. Writes backport.md, "
		   ".html and .json.",
	.opts = backport_opts,
	.more = "Exit status: 0 every kernel passed every step, 1 a kernel failed one (rejected, "
		"no build, not fixed, a new failure), 2 usage error, 3 something undecided.",
};

struct row {
	const struct deb_kernel *k;
	json_t *apply;	     /* kernel_patch_check(), or NULL */
	const char *build;   /* "built", "failed", "-" */
	const char *fixed;   /* "fixed", "not shown", "undecided", "-" */
	const char *natural; /* "no new failure", "new failure", "undecided", "-" */
	char *name;	     /* the patched kernel */
	char *fix_run, *natural_run;
	char *natural_news; /* the patched kernel's hang titles stock never showed */
};

/* The store names a fetched Debian kernel ("debian:ABI") by its bare ABI. */
static const char *store_name(const char *spec)
{
	return str_startswith(spec, "debian:") ? spec + 7 : spec;
}

/* The scenario text a matrix with these options would record, or NULL. */
static char *scenario_as_run(const char *scenario, const struct strv *options)
{
	_cleanup_free_ char *path = scenario_resolve(scenario);
	_cleanup_scenario_ struct scenario s = {0};

	if (scenario_load(&s, path) < 0)
		return NULL;
	for (size_t i = 0; i < options->n; i++)
		if (scenario_override(&s, options->v[i]) < 0)
			return NULL;
	return scenario_dump(&s);
}

/*
 * A finished run of the same scenario text, trials and two kernels: a
 * backport over dozens of ABIs that was stopped goes on where it stopped
 * instead of running hours of trials again.
 */
static char *find_done_run(const char *results, const char *scenario, int trials,
			   const struct strv *options, const char *stock, const char *fixed)
{
	_cleanup_free_ char *want = scenario_as_run(scenario, options);
	const char *kernels[] = {store_name(stock), fixed};

	return want ? results_find_finished(results, want, kernels, 2, 2 * trials) : NULL;
}

/* matrix stock vs patched, then compare; compare's exit code, -1 when no run. */
static int matrix_and_compare(const char *results, const char *scenario, int trials,
			      const struct strv *options, const char *stock, const char *fixed,
			      bool until, bool expect_fixed, char **run)
{
	struct strv args = {0};
	char n[16];
	_cleanup_free_ char *before = results_latest(results);
	int code;

	*run = find_done_run(results, scenario, trials, options, stock, fixed);
	if (*run) {
		p_info("backport: %s on %s and %s is done in %s; comparing it again", scenario,
		       stock, fixed, *run);
		goto compare;
	}
	snprintf(n, sizeof(n), "%d", trials);
	strv_push(&args, "matrix");
	strv_push(&args, "-s");
	strv_push(&args, scenario);
	strv_push(&args, "-k");
	strv_push(&args, stock);
	strv_push(&args, "-k");
	strv_push(&args, fixed);
	strv_push(&args, "-n");
	strv_push(&args, n);
	strv_push(&args, "--results");
	strv_push(&args, results);
	if (until)
		strv_push(&args, "--until-significant");
	strv_push_each(&args, "-o", options);
	code = cmd_run_self(&args);
	strv_release(&args);
	{
		_cleanup_free_ char *id = results_latest(results);

		/* Never an earlier kernel's run read as this one's. */
		*run = id && (!before || strcmp(id, before)) ? path_join(results, id) : NULL;
	}
	if (code == 2 || code < 0 || !*run)
		return -1;
compare:
	strv_push(&args, "compare");
	if (expect_fixed)
		strv_push(&args, "--expect-fixed");
	strv_push(&args, *run);
	code = cmd_run_self(&args);
	strv_release(&args);
	return code;
}

/* Built and run on VMs, or only checked for applying. */
static bool row_is_tested(const struct bargs *a, const struct row *r)
{
	if (a->apply_only)
		return false;
	if (!a->flavors.n)
		return true;
	for (size_t i = 0; i < a->flavors.n; i++)
		if (!strcmp(a->flavors.v[i], r->k->flavor))
			return true;
	return false;
}

/* The store has name, built by build-module from this base and patch set. */
static bool patched_kernel_is_stored(const char *name, const char *abi, const char *hash)
{
	struct kernel k;
	bool same;

	if (!hash || kernel_open(name, &k) < 0)
		return false;
	same = !strcmp(json_string_value(json_object_get(k.meta, "base")) ?: "", abi) &&
	       !strcmp(json_string_value(json_object_get(k.meta, "patchset_hash")) ?: "", hash);
	kernel_close(&k);
	return same;
}

/* "T1 x2; T2 x1": FAIL titles on fixed that stock's trials never showed, or NULL. */
static char *titles_new_on(const char *run_dir, const char *stock, const char *fixed)
{
	_cleanup_free_ char *path = path_join(run_dir, "run.json");
	_cleanup_json_ json_t *run = json_load_file(path, 0, NULL);
	_cleanup_json_ json_t *seen = json_object(), *news = json_object();
	struct strbuf sb;
	const char *title;
	json_t *t, *v;
	size_t i;

	stock = store_name(stock);
	json_array_foreach (json_object_get(run, "trials"), i, t) {
		const char *k = json_string_value(json_object_get(t, "kernel")) ?: "";

		title = json_string_value(json_object_get(t, "title"));
		if (!title ||
		    strcmp(json_string_value(json_object_get(t, "verdict")) ?: "", "FAIL"))
			continue;
		if (!strcmp(k, stock))
			json_object_set_new(seen, title, json_true());
		else if (!strcmp(k, fixed))
			json_object_set_new(
				news, title,
				json_integer(json_integer_value(json_object_get(news, title)) + 1));
	}
	sb_init(&sb);
	json_object_foreach (news, title, v)
		if (!json_object_get(seen, title))
			sb_printf(&sb, "%s%s x%lld", sb.len ? "; " : "", title,
				  (long long)json_integer_value(v));
	if (!sb.len) {
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

static void test_row(const struct bargs *a, struct row *r)
{
	struct strv args = {0};
	_cleanup_free_ char *hash = patchset_sha256(a->patches.v, a->patches.n), *base = NULL;
	int code;

	r->build = r->fixed = r->natural = "-";
	if (!r->apply ||
	    !strcmp(json_string_value(json_object_get(r->apply, "status")), "rejected") ||
	    !row_is_tested(a, r))
		return;
	base = xasprintf("debian:%s", r->k->abi);
	r->name = xasprintf("%s+bp-%.8s", r->k->abi, hash ? hash : "patches");
	if (patched_kernel_is_stored(r->name, r->k->abi, hash)) {
		p_info("backport: %s is in the store, built from this patch set", r->name);
		code = 0;
		goto built;
	}
	strv_push(&args, "kernel");
	strv_push(&args, "build-module");
	strv_push(&args, "--base");
	strv_push(&args, base);
	strv_push_each(&args, "--patch", &a->patches);
	strv_push(&args, "--name");
	strv_push(&args, r->name);
	code = cmd_run_self(&args);
	strv_release(&args);
built:
	r->build = code == 0 ? "built" : "failed";
	if (code)
		return;
	code = matrix_and_compare(a->results, a->scenario, a->trials, &a->options, base, r->name,
				  true, true, &r->fix_run);
	r->fixed = code == 0 ? "fixed" : code == 1 ? "not shown" : "undecided";
	code = matrix_and_compare(a->results, a->natural, a->natural_trials, &a->natural_options,
				  base, r->name, false, false, &r->natural_run);
	r->natural = code == 0 ? "no new failure" : code == 1 ? "new failure" : "undecided";
	if (code == 1 && r->natural_run)
		r->natural_news = titles_new_on(r->natural_run, base, r->name);
}

static const char *apply_words(const struct row *r, struct strbuf *sb)
{
	json_t *p;
	size_t i;

	if (!r->apply)
		return "no source in the archive";
	sb_printf(sb, "%s", json_string_value(json_object_get(r->apply, "status")));
	json_array_foreach (json_object_get(r->apply, "patches"), i, p) {
		json_t *h = json_object_get(p, "failed_hunks"), *e;
		size_t j;

		if (!json_array_size(h))
			continue;
		sb_printf(sb, "; %s hunk", base_of(json_string_value(json_object_get(p, "file"))));
		json_array_foreach (h, j, e)
			sb_printf(sb, "%s #%lld", j ? "," : "", (long long)json_integer_value(e));
	}
	return sb->buf;
}

/* Worst outcome: 1 a kernel failed a step, 3 something undecided, 0 all passed. */
static int row_exit(const struct row *r, const struct bargs *a)
{
	const char *st = r->apply ? json_string_value(json_object_get(r->apply, "status")) : NULL;

	if (st && !strcmp(st, "rejected"))
		return 1;
	if (!st)
		return 3;
	if (!row_is_tested(a, r))
		return 0;
	if (!strcmp(r->build, "failed") || !strcmp(r->fixed, "not shown") ||
	    !strcmp(r->natural, "new failure"))
		return 1;
	return strcmp(r->fixed, "fixed") || strcmp(r->natural, "no new failure") ? 3 : 0;
}

static int write_table(const struct bargs *a, struct row *rows, size_t n)
{
	_cleanup_free_ char *md_path = path_join(a->results, "backport.md");
	_cleanup_free_ char *html_path = path_join(a->results, "backport.html");
	_cleanup_free_ char *json_path = path_join(a->results, "backport.json");
	struct strbuf md;
	json_t *j = json_array();
	FILE *f;
	int r;

	sb_init(&md);
	sb_printf(&md, "# iputstorm backport\n\nSeries:");
	for (size_t i = 0; i < a->patches.n; i++)
		sb_printf(&md, " `%s`", base_of(a->patches.v[i]));
	sb_printf(&md,
		  "\n\n| kernel | version | applies | module | %s | %s |\n"
		  "|---|---|---|---|---|---|\n",
		  a->scenario, a->natural);
	for (size_t i = 0; i < n; i++) {
		struct strbuf w;

		sb_init(&w);
		sb_printf(&md, "| %s | %s | %s | %s | %s | %s%s%s |\n", rows[i].k->abi,
			  rows[i].k->version, apply_words(&rows[i], &w), rows[i].build,
			  rows[i].fixed, rows[i].natural, rows[i].natural_news ? ": " : "",
			  rows[i].natural_news ?: "");
		json_array_append_new(
			j,
			json_pack("{s:s, s:s, s:O?, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "abi",
				  rows[i].k->abi, "version", rows[i].k->version, "apply",
				  rows[i].apply, "module", rows[i].build, "fix", rows[i].fixed,
				  "natural", rows[i].natural, "natural_new_hangs",
				  rows[i].natural_news, "patched_kernel", rows[i].name, "fix_run",
				  rows[i].fix_run, "natural_run", rows[i].natural_run));
		sb_release(&w);
	}
	r = write_file(md_path, md.buf, md.len) < 0 || json_save(json_path, j) < 0 ? -1 : 0;
	f = fopen(html_path, "we");
	if (f) {
		fputs("<!doctype html><meta charset=utf-8><title>iputstorm backport</title>\n", f);
		md_to_html(f, md.buf);
		r |= fclose(f);
	} else {
		r = -1;
	}
	if (!json_output)
		fputs(md.buf, stdout);
	sb_release(&md);
	json_decref(j);
	return r < 0 ? err_set("cannot write %s: %s", md_path, strerror(errno)) : 0;
}

static bool matches(const struct strv *patterns, const char *abi)
{
	for (size_t i = 0; i < patterns->n; i++)
		if (strstr(abi, patterns->v[i]))
			return true;
	return false;
}

int cmd_backport(int argc, char **argv)
{
	struct bargs a = {.scenario = "writeback-iput-fi",
			  .natural = "natural-caps",
			  .results = "results/backport",
			  .trials = 10,
			  .natural_trials = 3};
	int first = opt_parse(&backport_spec, argc, argv, backport_opt, &a), ret = 0;
	struct deb_kernels l = {0};
	struct row *rows = NULL;
	size_t n = 0;

	if (first < 0) {
		ret = OPT_EXIT(first);
		goto out;
	}
	if (first != argc || !a.patches.n || !a.patterns.n) {
		p_err("backport: needs --patch FILE and --kernels PATTERN; see `iputstorm backport "
		      "--help`");
		ret = EXIT_USAGE;
		goto out;
	}
	if (!a.options.n)
		strv_push(&a.options, "duration=45");
	if (!a.natural_options.n)
		strv_push(&a.natural_options, "duration=120");
	if (mkdir_p(a.results, 0755) < 0 || debian_kernels(&l, NULL) < 0) {
		p_err("backport: %s", errno ? strerror(errno) : err_msg());
		ret = EXIT_UNDECIDED;
		goto out;
	}
	rows = xcalloc(l.n ? l.n : 1, sizeof(*rows));
	for (size_t i = 0; i < l.n; i++) {
		struct row *r = &rows[n];

		bool dup = false;

		if (!matches(&a.patterns, l.k[i].abi))
			continue;
		/* An ABI that several suites list is one kernel. */
		for (size_t j = 0; j < n && !dup; j++)
			dup = !strcmp(rows[j].k->abi, l.k[i].abi);
		if (dup)
			continue;
		bool seen = false;

		/* One source per package version: its flavors share the answer, or its absence. */
		for (size_t j = 0; j < n && !seen; j++)
			if (!strcmp(rows[j].k->version, l.k[i].version)) {
				r->apply = json_incref(rows[j].apply);
				seen = true;
			}
		r->k = &l.k[i];
		if (!seen) {
			r->apply = kernel_patch_check(l.k[i].version, a.patches.v, a.patches.n);
			if (!r->apply)
				p_warn("backport: %s: %s", l.k[i].abi, err_msg());
		}
		test_row(&a, r);
		ret = MAX(ret, row_exit(r, &a) == 1 ? 4 : row_exit(r, &a));
		n++;
	}
	if (!n) {
		p_err("backport: no Debian kernel matches %s (`iputstorm kernel search`)",
		      a.patterns.v[0]);
		ret = EXIT_USAGE;
		goto out;
	}
	if (write_table(&a, rows, n) < 0) {
		p_err("backport: %s", err_msg());
		ret = EXIT_UNDECIDED;
		goto out;
	}
	/* 4 stood for "a kernel failed", which outranks undecided. */
	ret = ret == 4 ? 1 : ret;
out:
	for (size_t i = 0; i < n; i++) {
		json_decref(rows[i].apply);
		free(rows[i].name);
		free(rows[i].fix_run);
		free(rows[i].natural_run);
		free(rows[i].natural_news);
	}
	free(rows);
	debian_kernels_free(&l);
	strv_release(&a.patches);
	strv_release(&a.patterns);
	strv_release(&a.options);
	strv_release(&a.natural_options);
	strv_release(&a.flavors);
	return ret;
}
