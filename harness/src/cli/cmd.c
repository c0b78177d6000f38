// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int verb_select(const char *cmd, const struct verb *verbs, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		FILE *f = argc < 1 ? stderr : stdout;

		fprintf(f, "usage: iputstorm %s VERB [ARGS]\n\nverbs:\n", cmd);
		for (const struct verb *v = verbs; v->name; v++)
			fprintf(f, "  %-14s %s\n", v->name, v->summary);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	for (const struct verb *v = verbs; v->name; v++)
		if (!strcmp(v->name, argv[0]))
			return v->fn(argc, argv);
	if (!strcmp(cmd, "iputstorm"))
		p_err("unknown command '%s'; see `iputstorm --help`", argv[0]);
	else
		p_err("%s: unknown verb '%s'; see `iputstorm %s --help`", cmd, argv[0], cmd);
	return EXIT_USAGE;
}

int cmd_run_self(const struct strv *args)
{
	struct strv argv = {0};
	pid_t pid;
	int st;

	/*
	 * This very program, even when a rebuild has replaced its file in the
	 * middle of an hours-long backport or nightly: the forked child's
	 * /proc/self/exe is still the parent's binary.
	 */
	strv_push(&argv, "/proc/self/exe");
	for (size_t i = 0; i < args->n; i++)
		strv_push(&argv, args->v[i]);
	pid = spawn(argv.v, NULL);
	strv_release(&argv);
	if (pid < 0 || wait_timeout(pid, -1, &st) != 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}
