// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm triage FILE: name the hangs in a user's console log, dmesg or
 * `journalctl -k` output and say which shipped scenario reproduces them.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "cmdline.h"
#include "klog.h"
#include "output.h"
#include "signature.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { OPT_SIGNATURES = 256, OPT_JSON };

struct triage_args {
	const char *signatures;
};

static int triage_opt(int id, const char *arg, void *ctx)
{
	struct triage_args *a = ctx;

	if (id == OPT_SIGNATURES)
		a->signatures = arg;
	else if (id == OPT_JSON)
		json_output = true;
	return 0;
}

static const struct opt triage_opts[] = {
	{OPT_SIGNATURES, "signatures", "FILE",
	 "signature file (default: the shipped signatures.ini)"},
	{OPT_JSON, "json", NULL, "print {hangs, signatures, root, reproducer} as JSON"},
	{0},
};

static const struct cmd_spec triage_spec = {
	.name = "triage",
	.usage = "[--json] [--signatures FILE] [FILE|-]",
	.summary =
		"Read a console log, dmesg or `journalctl -k` output (with or without "
		"timestamps and syslog prefixes), print every blocked task with its title and "
		"matched signature, the root cause, and the shipped scenario that reproduces it.",
	.opts = triage_opts,
	.more = "Without FILE (or with -) it reads standard input.\n"
		"Exit status: 0 no blocked task, 1 hangs found, 2 unreadable input or signatures.",
};

static void on_report(struct kreport *r, void *ctx)
{
	json_array_append_new(ctx, kreport_json(r));
	kreport_free(r);
}

static int parse_log(FILE *f, json_t *reports)
{
	struct klog_parser p;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	klog_init(&p, on_report, reports);
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		klog_feed(&p, line);
	}
	klog_finish(&p);
	free(line);
	return ferror(f) ? err_set("read error: %s", strerror(errno)) : 0;
}

static void print_human(json_t *a)
{
	json_t *h, *root = json_object_get(a, "root");
	const char *rep = json_string_value(json_object_get(a, "reproducer"));
	size_t i;

	if (!json_array_size(json_object_get(a, "hangs"))) {
		printf("no blocked tasks found\n");
		return;
	}
	json_array_foreach (json_object_get(a, "hangs"), i, h)
		printf("%-28s pid %-7lld %-40s %s%s%s\n",
		       json_string_value(json_object_get(h, "task")) ?: "?",
		       json_integer_value(json_object_get(h, "pid")),
		       json_string_value(json_object_get(h, "title")),
		       json_string_value(json_object_get(h, "signature")) ?: "(no signature)",
		       json_object_get(h, "role") ? " " : "",
		       json_string_value(json_object_get(h, "role")) ?: "");
	if (root)
		printf("\nroot: %s (pid %lld): %s%s%s\n",
		       json_string_value(json_object_get(root, "task")) ?: "?",
		       json_integer_value(json_object_get(root, "pid")),
		       json_string_value(json_object_get(root, "signature")) ?: "",
		       json_string_value(json_object_get(root, "signature")) ? ", " : "",
		       json_string_value(json_object_get(root, "title")));
	if (rep)
		printf("reproduce with: iputstorm run -s %s\n", rep);
	else
		printf("no shipped scenario reproduces this hang\n");
}

int cmd_triage(int argc, char **argv)
{
	struct triage_args a = {0};
	int first = opt_parse(&triage_spec, argc, argv, triage_opt, &a), ret;
	const char *path = first >= 0 && first < argc ? argv[first] : "-";
	json_t *reports, *tasks, *analysis;
	struct sigset set;
	FILE *f;

	if (first < 0)
		return OPT_EXIT(first);
	if (argc - first > 1) {
		opt_usage(&triage_spec, stderr);
		return EXIT_USAGE;
	}
	if (sigset_load(&set, a.signatures) < 0) {
		p_err("triage: %s", err_msg());
		return EXIT_USAGE;
	}
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		p_err("triage: cannot open %s: %s", path, strerror(errno));
		sigset_free(&set);
		return EXIT_USAGE;
	}
	reports = json_array();
	tasks = json_array();
	ret = parse_log(f, reports);
	if (f != stdin)
		fclose(f);
	if (ret < 0) {
		p_err("triage: %s: %s", path, err_msg());
		ret = EXIT_USAGE;
		goto out;
	}
	sig_collect_reports(reports, tasks);
	analysis = sig_analyse(&set, tasks);
	if (json_output)
		json_print(analysis);
	else
		print_human(analysis);
	ret = json_array_size(json_object_get(analysis, "hangs")) ? EXIT_FAILED : 0;
	json_decref(analysis);
out:
	json_decref(reports);
	json_decref(tasks);
	sigset_free(&set);
	return ret;
}
