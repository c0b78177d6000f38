// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm history [import RUN_DIR...]: how a scenario has done on a kernel
 * over time, from the trials every run records (analysis/history.c); and
 * iputstorm dashboard DIR: the same as a static site (analysis/dashboard.c).
 */
#define _GNU_SOURCE
#include "analysis/dashboard.h"
#include "analysis/history.h"
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"

#include <stdio.h>
#include <string.h>

enum { OPT_DB = 256, OPT_RESULTS_H, OPT_KERNEL, OPT_SCENARIO, OPT_SINCE };

struct hargs {
	const char *db, *results;
	struct history_query q;
};

static int history_opt(int id, const char *arg, void *ctx)
{
	struct hargs *a = ctx;

	switch (id) {
	case OPT_DB:
		a->db = arg;
		break;
	case OPT_RESULTS_H:
		a->results = arg;
		break;
	case OPT_KERNEL:
		a->q.kernel = arg;
		break;
	case OPT_SCENARIO:
		a->q.scenario = arg;
		break;
	case OPT_SINCE:
		/* ISO 8601 sorts as text: a date or a full time both work. */
		if (strlen(arg) < 4 || arg[0] < '0' || arg[0] > '9')
			return err_set("--since takes a date like 2026-11-30, not '%s'", arg);
		a->q.since = arg;
		break;
	}
	return 0;
}

static const struct opt history_opts[] = {
	{OPT_DB, "db", "FILE", "the history database (default: RESULTS/history.sqlite)"},
	{OPT_RESULTS_H, "results", "DIR",
	 "the results directory whose history it is (default results)"},
	{OPT_KERNEL, "kernel", "K", "only this kernel (store name or ABI)"},
	{OPT_SCENARIO, "scenario", "S", "only this scenario"},
	{OPT_SINCE, "since", "DATE", "only runs started on or after DATE (2026-11-30)"},
	{0},
};

static const struct cmd_spec history_spec = {
	.name = "history",
	.usage = "[--kernel K] [--scenario S] [--since DATE] [--db FILE] | import RUN_DIR...",
	.summary = "How each scenario has done on each kernel over every recorded run: trials, "
		   "verdicts, the hang rate with a 95 % Wilson interval, first and last run, the "
		   "root signatures seen and the run each first appeared in, data verified. "
		   "`run` and `matrix` record every run when it ends; `history import` records "
		   "runs made before (importing one twice changes nothing).",
	.opts = history_opts,
	.more = "--json (global) prints one object per kernel and scenario.\nExit status: 0, 2 "
		"usage error or a database or run directory that cannot be read.",
};

static void print_group(json_t *o)
{
	json_t *ci = json_object_get(o, "ci95"), *sigs = json_object_get(o, "signatures"), *v;
	const char *name;

	printf("%-24s %-22s %3lld/%-3lld", json_string_value(json_object_get(o, "kernel")),
	       json_string_value(json_object_get(o, "scenario")),
	       json_integer_value(json_object_get(o, "fail")),
	       json_integer_value(json_object_get(o, "pass")) +
		       json_integer_value(json_object_get(o, "fail")));
	if (json_is_real(json_object_get(o, "rate")))
		printf("  P=%.2f [%.2f, %.2f]", json_real_value(json_object_get(o, "rate")),
		       json_real_value(json_array_get(ci, 0)),
		       json_real_value(json_array_get(ci, 1)));
	printf("  %s .. %s", json_string_value(json_object_get(o, "first")) ?: "?",
	       json_string_value(json_object_get(o, "last")) ?: "?");
	if (json_integer_value(json_object_get(o, "error")) ||
	    json_integer_value(json_object_get(o, "miss")))
		printf("  (%lld ERROR, %lld MISS)", json_integer_value(json_object_get(o, "error")),
		       json_integer_value(json_object_get(o, "miss")));
	printf("\n");
	json_object_foreach (sigs, name, v)
		printf("    %s x%lld, first in %s\n", name,
		       json_integer_value(json_object_get(v, "count")),
		       json_string_value(json_object_get(v, "first_run")));
	if (json_integer_value(json_object_get(o, "verified_bytes")) ||
	    json_integer_value(json_object_get(o, "mismatches")))
		printf("    data verified: %lld bytes, %lld block(s) read back wrong\n",
		       json_integer_value(json_object_get(o, "verified_bytes")),
		       json_integer_value(json_object_get(o, "mismatches")));
}

static int import_runs(struct history *h, int argc, char **argv)
{
	int ret = 0;

	if (argc < 1) {
		p_err("history import: which run directories? (iputstorm history import "
		      "results/*/)");
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		int n = history_import_run(h, argv[i]);

		if (n < 0) {
			p_err("history import: %s", err_msg());
			ret = EXIT_USAGE;
		} else if (!json_output) {
			printf("%s: %d trial(s)\n", argv[i], n);
		}
	}
	return ret;
}

static int show(struct history *h, const struct history_query *q)
{
	json_t *all = history_query(h, q), *o;
	size_t i;

	if (!all) {
		p_err("history: %s", err_msg());
		return EXIT_USAGE;
	}
	if (json_output)
		json_print(all);
	else if (!json_array_size(all))
		printf("no trials recorded%s\n", q->kernel || q->scenario || q->since
							 ? " that match"
							 : " yet (run, matrix, or history import)");
	else
		json_array_foreach (all, i, o)
			print_group(o);
	json_decref(all);
	return 0;
}

/* The database --db names, or the results directory's; NULL after saying why. */
static struct history *open_db(const struct hargs *a, const char *cmd, char **path)
{
	struct history *h;

	*path = a->db ? xstrdup(a->db) : history_default_path(a->results ? a->results : "results");
	h = history_open(*path);
	if (!h)
		p_err("%s: %s", cmd, err_msg());
	return h;
}

int cmd_history(int argc, char **argv)
{
	struct hargs a = {0};
	int first = opt_parse(&history_spec, argc, argv, history_opt, &a), ret;
	_cleanup_free_ char *path = NULL;
	struct history *h;

	if (first < 0)
		return OPT_EXIT(first);
	if (first < argc && strcmp(argv[first], "import")) {
		p_err("history: unknown verb '%s' (only import); see `iputstorm history --help`",
		      argv[first]);
		return EXIT_USAGE;
	}
	h = open_db(&a, "history", &path);
	if (!h)
		return EXIT_USAGE;
	ret = first < argc ? import_runs(h, argc - first - 1, argv + first + 1) : show(h, &a.q);
	history_close(h);
	return ret;
}

static const struct cmd_spec dashboard_spec = {
	.name = "dashboard",
	.usage = "[--kernel K] [--scenario S] [--since DATE] [--db FILE] DIR",
	.summary = "Writes DIR/index.html from the history: per scenario and kernel series, "
		   "each kernel's hang rate with its 95 % Wilson interval, the latest verdict, "
		   "the rate of every run over time, the root signatures and where each first "
		   "appeared, data corruption, and the failed trials with links to their "
		   "console.log. One self-contained file: nothing is fetched.",
	.opts = history_opts,
	.more = "Exit status: 0, 2 usage error or a database that cannot be read or a DIR that "
		"cannot be written.",
};

int cmd_dashboard(int argc, char **argv)
{
	struct hargs a = {0};
	int first = opt_parse(&dashboard_spec, argc, argv, history_opt, &a), ret = 0;
	_cleanup_free_ char *path = NULL;
	struct history *h;
	json_t *groups, *trials;

	if (first < 0)
		return OPT_EXIT(first);
	if (first != argc - 1) {
		opt_usage(&dashboard_spec, stderr);
		return EXIT_USAGE;
	}
	h = open_db(&a, "dashboard", &path);
	if (!h)
		return EXIT_USAGE;
	groups = history_query(h, &a.q);
	trials = history_trials(h, &a.q);
	if (!groups || !trials || dashboard_write(argv[first], groups, trials, path) < 0) {
		p_err("dashboard: %s", err_msg());
		ret = EXIT_USAGE;
	} else if (!json_output) {
		printf("%s/index.html: %zu kernel x scenario group(s), %zu trial(s)\n", argv[first],
		       json_array_size(groups), json_array_size(trials));
	}
	json_decref(groups);
	json_decref(trials);
	history_close(h);
	return ret;
}
