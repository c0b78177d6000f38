// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/strv.h"
#include "model/scenario.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_KEYS = 256, OPT_DUMP };

static const struct opt validate_opts[] = {
	{'o', "option", "KEY=VALUE", "apply an override before validating (repeatable)"},
	{OPT_KEYS, "keys", NULL, "print the reference of every scenario key (Markdown)"},
	{OPT_DUMP, "dump", NULL, "print each scenario as it would run"},
	{0},
};

static const struct cmd_spec validate_spec = {
	.name = "validate",
	.usage = "[-o KEY=VALUE]... [--dump] SCENARIO...  |  --keys",
	.summary = "Check scenario files: unknown keys, bad values and inconsistent groups are "
		   "reported as FILE:LINE: message.",
	.opts = validate_opts,
	.more = "SCENARIO is a path or a shipped scenario name (smoke, default, ...).\n"
		"Exit status: 0 all valid, 2 an error was found.",
};

struct validate_args {
	struct strv overrides;
	bool keys, dump;
};

static int validate_opt(int id, const char *arg, void *ctx)
{
	struct validate_args *a = ctx;

	switch (id) {
	case 'o':
		strv_push(&a->overrides, arg);
		break;
	case OPT_KEYS:
		a->keys = true;
		break;
	case OPT_DUMP:
		a->dump = true;
		break;
	}
	return 0;
}

/* One scenario: "PATH: ok", the as-run text (--dump), or with --json {path, ok, error}. */
static int validate_one(const char *name, const struct validate_args *a, json_t *results)
{
	_cleanup_free_ char *path = scenario_resolve(name);
	_cleanup_scenario_ struct scenario s = {0};
	int ret = scenario_load(&s, path);

	for (size_t i = 0; ret == 0 && i < a->overrides.n; i++)
		ret = scenario_override(&s, a->overrides.v[i]);
	if (json_output) {
		json_t *o = json_pack("{s:s, s:b}", "path", path, "ok", ret == 0);

		if (ret < 0)
			json_object_set_new(o, "error", json_string(err_msg()));
		else if (a->dump) {
			_cleanup_free_ char *d = scenario_dump(&s);

			json_object_set_new(o, "dump", json_string(d));
		}
		json_array_append_new(results, o);
	} else if (ret < 0) {
		p_err("%s", err_msg());
	} else if (a->dump) {
		_cleanup_free_ char *d = scenario_dump(&s);
		fputs(d, stdout);
	} else {
		printf("%s: ok\n", path);
	}
	return ret;
}

int cmd_validate(int argc, char **argv)
{
	struct validate_args a = {0};
	_cleanup_json_ json_t *results = json_array();
	int first, bad = 0;

	first = opt_parse(&validate_spec, argc, argv, validate_opt, &a);
	if (first < 0) {
		strv_release(&a.overrides);
		return OPT_EXIT(first);
	}
	if (a.keys) {
		scenario_print_keys(stdout);
		strv_release(&a.overrides);
		return 0;
	}
	if (first >= argc) {
		opt_usage(&validate_spec, stderr);
		strv_release(&a.overrides);
		return EXIT_USAGE;
	}
	for (int i = first; i < argc; i++)
		if (validate_one(argv[i], &a, results) < 0)
			bad++;
	if (json_output)
		json_print(results);
	strv_release(&a.overrides);
	return bad ? EXIT_USAGE : 0;
}
