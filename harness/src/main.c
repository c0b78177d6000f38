// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm: reproduce the CephFS kernel client's "final iput() in an unsafe
 * context" deadlock on demand, detect it in seconds, and compare kernels.
 */
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "lib/output.h"

#include <stdio.h>
#include <string.h>

#ifdef IPUTSTORM_SANITIZE
/*
 * A sanitizer report exits 99, a code no command uses (they exit 0-3), so a
 * test that expects a verdict's exit code never mistakes a crash for it.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=99";
}

const char *__ubsan_default_options(void)
{
	return "exitcode=99:print_stacktrace=1";
}
#endif

static const struct verb commands[] = {
	{"run", cmd_run,
	 "boot a kernel in QEMU against a throwaway Ceph cluster, run a "
	 "scenario N times, write results"},
	{"triage", cmd_triage, "name the hangs in a console log, dmesg or journalctl -k output"},
	{"summary", cmd_summary, "reproduction statistics over finished runs (bench/repro)"},
	{"history", cmd_history,
	 "how each scenario has done on each kernel over all recorded runs"},
	{"dashboard", cmd_dashboard, "a static HTML dashboard of the history"},
	{"matrix", cmd_matrix, "one scenario on several kernels, trials interleaved"},
	{"compare", cmd_compare, "statistics and reports (md, html, junit, ktap, kcidb) for runs"},
	{"reproduce", cmd_reproduce,
	 "a user's report: fetch its kernel, run the matching scenario, same root or not"},
	{"nightly", cmd_nightly,
	 "one night over kernel series and branches: newest kernels, compared, bisected"},
	{"backport", cmd_backport,
	 "a fix's backport on every matching Debian kernel: applies, builds, fixes, no new "
	 "failure"},
	{"bisect-step", cmd_bisect_step,
	 "one `git bisect run` step: build, N trials, good/bad/skip"},
	{"validate", cmd_validate, "check scenario files; --keys prints every key"},
	{"kernel", cmd_kernel, "kernel store: fetch, add, list"},
	{"cluster", cmd_cluster, "embedded Ceph cluster: up, down, status"},
	{"agent", cmd_agent, "the in-guest agent (started by the guest's /init)"},
	{"trial", cmd_trial, "one trial of a run in progress (started by run and matrix -j N)"},
	{NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: iputstorm [--json] [-v] COMMAND [ARGS]\n\ncommands:\n");
	for (const struct verb *v = commands; v->name; v++)
		fprintf(f, "  %-12s %s\n", v->name, v->summary);
	fprintf(f, "\n`iputstorm COMMAND --help` describes each command.\n"
		   "Exit codes: 0 PASS, 1 FAIL (kernel hang found, regression), 2 usage or input "
		   "error, 3 could not decide (MISS/ERROR).\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json_output = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--version")) {
			printf("iputstorm %s\n", IPUTSTORM_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			p_err("unknown option %s; see `iputstorm --help`", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return verb_select("iputstorm", commands, argc - i, argv + i);
}
