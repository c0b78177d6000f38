/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_CMDLINE_H
#define IPUTSTORM_CMDLINE_H

#include <stdio.h>

/*
 * Options are declared once, next to the usage line; parsing and --help both
 * come from the same table, so they cannot drift apart.
 */
struct opt {
	int id;		 /* the short option letter, or a value > 255 for long-only */
	const char *lng; /* long name */
	const char *arg; /* argument name, NULL for a flag */
	const char *help;
};

struct cmd_spec {
	const char *name;  /* "run", "kernel fetch" */
	const char *usage; /* "[-s SCENARIO] [-k KERNEL]" */
	const char *summary;
	const struct opt *opts; /* terminated by { 0 } */
	const char *more;	/* text after the option list, or NULL */
};

/*
 * Calls handle(id, arg, ctx) per option; returns the index of the first
 * operand, or -1 after printing a usage error, or -2 after printing --help.
 */
int opt_parse(const struct cmd_spec *spec, int argc, char **argv,
	      int (*handle)(int id, const char *arg, void *ctx), void *ctx);
void opt_usage(const struct cmd_spec *spec, FILE *f);

/* The id of the --json every command accepts (lib/output.h's json_output). */
#define OPT_JSON_GLOBAL 999

/* Standard exit for opt_parse's -1/-2. */
#define OPT_EXIT(r) ((r) == -2 ? 0 : 2)

#endif
