// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm triage FILE: name the hangs in a user's console log, dmesg or
 * `journalctl -k` output and say which shipped scenario reproduces them.
 */
#define _GNU_SOURCE
#include "analysis/signature.h"
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "model/klog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { OPT_SIGNATURES = 256, OPT_JSON };

static const struct opt triage_opts[] = {
	{OPT_SIGNATURES, "signatures", "FILE",
	 "match against FILE instead of the shipped scenarios/signatures.ini"},
	{OPT_JSON, "json", NULL, "print one JSON object (same as `iputstorm --json triage`)"},
	{0},
};

static const struct cmd_spec triage_spec = {
	.name = "triage",
	.usage = "[--json] [--signatures FILE] [FILE|-]",
	.summary = "Name the hangs in a console log, dmesg or `journalctl -k` output (with or "
		   "without timestamps and syslog prefixes): every blocked task of a hung-task "
		   "report or a sysrq dump, once per pid, with its title and signature; then the "
		   "root cause and the shipped scenario that reproduces it.",
	.opts = triage_opts,
	.more = "Without FILE, or with -, it reads standard input.\n"
		"--json prints {\"hangs\": [{task, pid, title, signature, role}], \"signatures\": "
		"[...],\n  \"root\": {task, pid, title, signature, role} or null, \"reproducer\": "
		"scenario or null,\n  \"notices\": [{title, line}] (\"ceph: umount timed out\": a "
		"bounded wait ran out),\n  \"crashes\": [{kind, title, line}] (BUG, Oops, panic, "
		"WARNING: reported, not matched to signatures)}.\n"
		"Signatures and their keys: docs/signatures.md.\n"
		"Exit status: 0 no blocked task (or only tasks in waits the kernel bounds, role "
		"bounded), 1 a hang was found, 2 unreadable input, a bad signature file or a usage "
		"error.",
};

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

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void print_hang(json_t *h)
{
	json_t *pid = json_object_get(h, "pid");
	const char *sig = jstr(h, "signature");

	printf("%s", jstr(h, "task") ?: "?");
	if (json_is_integer(pid))
		printf(" pid %lld", (long long)json_integer_value(pid));
	printf(": %s", jstr(h, "title"));
	if (sig)
		printf(" [%s, %s]\n", sig, jstr(h, "role"));
	else
		printf(" [no signature]\n");
}

/* "writeback-iput-fi.ini" → "writeback-iput-fi": the shipped name works from any directory. */
static void print_reproducer(const char *scenario)
{
	if (!scenario) {
		printf("reproduce with: no shipped scenario reproduces it\n");
		return;
	}
	if (!strchr(scenario, '/') && str_endswith(scenario, ".ini"))
		printf("reproduce with: iputstorm run -s %.*s\n", (int)strlen(scenario) - 4,
		       scenario);
	else
		printf("reproduce with: iputstorm run -s %s\n", scenario);
}

/* Every blocked task waits in a wait the kernel ends itself: no hang (yet). */
static bool only_bounded(json_t *a)
{
	json_t *h;
	size_t i;

	json_array_foreach (json_object_get(a, "hangs"), i, h)
		if (!jstr(h, "role") || strcmp(jstr(h, "role"), "bounded"))
			return false;
	return json_array_size(json_object_get(a, "hangs")) > 0;
}

/* One-line findings ("ceph: umount timed out"): a bounded wait ran out. */
static void print_notices(json_t *reports)
{
	json_t *r;
	size_t i;

	json_array_foreach (reports, i, r)
		if (jstr(r, "kind") && !strcmp(jstr(r, "kind"), "notice"))
			printf("the kernel warned: %s (line %lld)\n", jstr(r, "title") ?: "?",
			       (long long)json_integer_value(json_object_get(r, "line")));
}

static bool is_crash_kind(const char *kind)
{
	return kr_kind_name_is_crash(kind) || (kind && !strcmp(kind, "warning"));
}

/*
 * A log with a BUG and no blocked task is not a clean log: say what the
 * kernel printed, even though the signatures only name hangs.
 */
static void print_crashes(json_t *reports)
{
	json_t *r;
	size_t i;

	json_array_foreach (reports, i, r)
		if (is_crash_kind(jstr(r, "kind")))
			printf("the kernel reported: %s (line %lld)\n", jstr(r, "title") ?: "?",
			       (long long)json_integer_value(json_object_get(r, "line")));
}

static json_t *crashes_json(json_t *reports)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach (reports, i, r)
		if (is_crash_kind(jstr(r, "kind")))
			json_array_append_new(out,
					      json_pack("{s:s?, s:s?, s:O?}", "kind",
							jstr(r, "kind"), "title", jstr(r, "title"),
							"line", json_object_get(r, "line")));
	return out;
}

/* Lines our inject module printed: a hang in this log was provoked. */
static int injections_in(json_t *reports)
{
	json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach (reports, i, r)
		n += jstr(r, "kind") && !strcmp(jstr(r, "kind"), "injected");
	return n;
}

static json_t *notices_json(json_t *reports)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach (reports, i, r)
		if (jstr(r, "kind") && !strcmp(jstr(r, "kind"), "notice"))
			json_array_append_new(out,
					      json_pack("{s:s?, s:O?}", "title", jstr(r, "title"),
							"line", json_object_get(r, "line")));
	return out;
}

static void print_human(json_t *a, const struct sigset *set)
{
	json_t *root = json_object_get(a, "root"), *h;
	const struct signature *s;
	size_t i;

	if (!json_array_size(json_object_get(a, "hangs"))) {
		printf("no blocked task found\n");
		return;
	}
	if (only_bounded(a)) {
		json_array_foreach (json_object_get(a, "hangs"), i, h)
			print_hang(h);
		printf("no hang: every blocked task is in a wait the kernel ends itself after "
		       "a timeout (mount_timeout for CephFS; docs/signatures.md)\n");
		return;
	}
	json_array_foreach (json_object_get(a, "hangs"), i, h)
		print_hang(h);
	s = jstr(root, "signature") ? sigset_find(set, jstr(root, "signature")) : NULL;
	printf("root: %s", jstr(root, "task") ?: "?");
	if (json_is_integer(json_object_get(root, "pid")))
		printf(" pid %lld", (long long)json_integer_value(json_object_get(root, "pid")));
	if (s)
		printf(": %s (%s)%s\n", s->name, s->description,
		       s->role == SIG_VICTIM ? "; the task it waits for was not reported" : "");
	else
		printf(": %s (no known signature)\n", jstr(root, "title"));
	print_reproducer(jstr(a, "reproducer"));
}

static int triage(const char *path, const struct triage_args *a)
{
	json_t *reports = json_array(), *tasks = json_array(), *analysis = NULL;
	struct sigset set;
	int ret = EXIT_USAGE;

	if (sigset_load(&set, a->signatures) < 0) {
		p_err("%s", err_msg());
		goto out;
	}
	if (klog_read_reports(path, reports) < 0) {
		p_err("triage: %s; give a console log, dmesg or journalctl -k output", err_msg());
		goto out;
	}
	sig_collect_reports(reports, tasks);
	analysis = sig_analyse(&set, tasks);
	if (json_output) {
		json_object_set_new(analysis, "notices", notices_json(reports));
		json_object_set_new(analysis, "crashes", crashes_json(reports));
		json_object_set_new(analysis, "injections", json_integer(injections_in(reports)));
		json_print(analysis);
	} else
		print_human(analysis, &set);
	if (!json_output) {
		print_notices(reports);
		print_crashes(reports);
		if (injections_in(reports))
			printf("fault injection was on: iputstorm_inject injected %d time(s) in "
			       "this "
			       "log, so its hangs were provoked, not natural\n",
			       injections_in(reports));
	}
	ret = json_array_size(json_object_get(analysis, "hangs")) && !only_bounded(analysis)
		      ? EXIT_FAILED
		      : EXIT_PASS;
out:
	json_decref(analysis);
	json_decref(tasks);
	json_decref(reports);
	sigset_free(&set);
	return ret;
}

int cmd_triage(int argc, char **argv)
{
	struct triage_args a = {0};
	int first = opt_parse(&triage_spec, argc, argv, triage_opt, &a);

	if (first < 0)
		return OPT_EXIT(first);
	if (argc - first > 1) {
		p_err("triage: one FILE at a time; see `iputstorm triage --help`");
		return EXIT_USAGE;
	}
	return triage(first < argc ? argv[first] : "-", &a);
}
