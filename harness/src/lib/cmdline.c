// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/cmdline.h"
#include "lib/base.h"
#include "lib/output.h"

#include <getopt.h>
#include <string.h>

enum { OPT_HELP = 1000 };

void opt_usage(const struct cmd_spec *spec, FILE *f)
{
	fprintf(f, "usage: iputstorm %s %s\n\n%s\n", spec->name, spec->usage, spec->summary);
	if (spec->opts && spec->opts[0].lng)
		fputs("\noptions:\n", f);
	for (const struct opt *o = spec->opts; o && o->lng; o++) {
		char left[64];

		if (o->id > 0 && o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->lng,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->lng, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help");
	if (spec->more)
		fprintf(f, "\n%s\n", spec->more);
}

int opt_parse(const struct cmd_spec *spec, int argc, char **argv,
	      int (*handle)(int id, const char *arg, void *ctx), void *ctx)
{
	struct option lopts[64];
	/* No leading '+': options may follow operands, as in git; "--" ends them. */
	char sopts[128] = "h";
	size_t n = 0, sl = 1;
	bool own_json = false;
	int c;

	for (const struct opt *o = spec->opts; o && o->lng && n < ARRAY_SIZE(lopts) - 2; o++) {
		lopts[n++] = (struct option){o->lng, o->arg ? required_argument : no_argument, NULL,
					     o->id};
		own_json |= !strcmp(o->lng, "json");
		if (o->id > 0 && o->id < 256 && sl < sizeof(sopts) - 3) {
			sopts[sl++] = (char)o->id;
			if (o->arg)
				sopts[sl++] = ':';
		}
	}
	lopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	/* `iputstorm COMMAND ... --json` as well as `iputstorm --json COMMAND ...`. */
	if (!own_json)
		lopts[n++] = (struct option){"json", no_argument, NULL, OPT_JSON_GLOBAL};
	lopts[n] = (struct option){0};
	sopts[sl] = '\0';

	optind = 0; /* 0, not 1: glibc forgets the previous parse's permutation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		if (c == 'h') {
			opt_usage(spec, stdout);
			return -2;
		}
		if (c == OPT_JSON_GLOBAL) {
			json_output = true;
			continue;
		}
		if (c == '?' || c == ':') {
			if (optopt > 0 && optopt < 256)
				p_err("%s: -%c: unknown option or missing argument; see "
				      "`iputstorm %s --help`",
				      spec->name, optopt, spec->name);
			else
				p_err("%s: %s: unknown option or missing argument; see "
				      "`iputstorm %s --help`",
				      spec->name, argv[optind - 1], spec->name);
			return -1;
		}
		if (handle(c, optarg, ctx) < 0) {
			p_err("%s: %s", spec->name, err_msg());
			return -1;
		}
	}
	return optind;
}
