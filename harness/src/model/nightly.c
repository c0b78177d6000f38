// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/nightly.h"
#include "lib/base.h"
#include "lib/ini.h"
#include "lib/output.h"
#include "lib/parse.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (64 * 1024)

struct parse_ctx {
	struct nightly_config *c;
	struct nightly_target *t;   /* the section being read, if a target */
	struct nightly_scenario *s; /* or a scenario */
};

static int at(const struct ini_item *it, const char *path, const char *what)
{
	return err_set("%s:%d: %s", path, it->line, what);
}

static int open_section(struct parse_ctx *p, const struct ini_item *it)
{
	struct nightly_config *c = p->c;
	const char *sec = it->section;

	p->t = NULL;
	p->s = NULL;
	if (!strcmp(sec, "nightly"))
		return 0;
	if (str_startswith(sec, "target ") && sec[7]) {
		if (c->nt == NIGHTLY_MAX)
			return at(it, c->path, "too many targets (at most 16)");
		p->t = &c->t[c->nt++];
		p->t->name = xstrdup(sec + 7);
		p->t->line = it->line;
		if (strpbrk(p->t->name, " \t/"))
			return at(it, c->path, "a target's name is one word without '/'");
		return 0;
	}
	if (str_startswith(sec, "scenario ") && sec[9]) {
		if (c->ns == NIGHTLY_MAX)
			return at(it, c->path, "too many scenarios (at most 16)");
		p->s = &c->s[c->ns++];
		p->s->name = xstrdup(sec + 9);
		p->s->trials = 6;
		p->s->line = it->line;
		return 0;
	}
	return at(it, c->path, "unknown section; use [nightly], [target NAME] or [scenario NAME]");
}

static int target_key(struct parse_ctx *p, const struct ini_item *it)
{
	struct nightly_target *t = p->t;
	char **slot = !strcmp(it->key, "kernel")   ? &t->kernel
		      : !strcmp(it->key, "tree")   ? &t->tree
		      : !strcmp(it->key, "branch") ? &t->branch
						   : NULL;

	if (slot && *slot)
		return at(it, p->c->path, "a target names its kernel, tree and branch once");
	if (slot)
		*slot = xstrdup(it->value);
	else if (!strcmp(it->key, "patch"))
		strv_push(&t->patches, it->value);
	else
		return at(it, p->c->path, "a target takes kernel, or tree, branch and patch");
	return 0;
}

static int scenario_key(struct parse_ctx *p, const struct ini_item *it)
{
	long long n;

	if (!strcmp(it->key, "trials")) {
		if (parse_int(it->value, &n) < 0 || n < 1 || n > 1000)
			return at(it, p->c->path, "trials must be a number from 1 to 1000");
		p->s->trials = (int)n;
	} else if (!strcmp(it->key, "option")) {
		if (!strchr(it->value, '='))
			return at(it, p->c->path, "option takes KEY=VALUE, as run's -o does");
		strv_push(&p->s->options, it->value);
	} else {
		return at(it, p->c->path, "a scenario takes trials and option");
	}
	return 0;
}

static int global_key(struct parse_ctx *p, const struct ini_item *it)
{
	long long n;

	if (!strcmp(it->key, "results")) {
		free(p->c->results);
		p->c->results = xstrdup(it->value);
	} else if (!strcmp(it->key, "keep_pass_days")) {
		if (parse_int(it->value, &n) < 0 || n < 0 || n > 3650)
			return at(it, p->c->path,
				  "keep_pass_days must be a number of days, 0 to 3650");
		p->c->keep_pass_days = (int)n;
	} else {
		return at(it, p->c->path, "[nightly] takes results and keep_pass_days");
	}
	return 0;
}

static int on_item(const struct ini_item *it, void *ctx)
{
	struct parse_ctx *p = ctx;

	if (it->kind == INI_SECTION)
		return open_section(p, it);
	if (it->kind == INI_CONTINUATION)
		return at(it, p->c->path, "a value is one line");
	if (p->t)
		return target_key(p, it);
	if (p->s)
		return scenario_key(p, it);
	if (!strcmp(it->section, "nightly"))
		return global_key(p, it);
	return at(it, p->c->path, "a key before any section");
}

static int check_target(const struct nightly_config *c, const struct nightly_target *t)
{
	if (!!t->kernel == !!t->tree)
		return err_set("%s:%d: [target %s] needs either kernel = (a Debian series like "
			       "debian:latest-6.12, or a store name) or tree = DIR",
			       c->path, t->line, t->name);
	if (t->kernel && t->patches.n)
		return err_set("%s:%d: [target %s]: patch applies to a tree's commits; for a "
			       "Debian kernel use `iputstorm backport`",
			       c->path, t->line, t->name);
	for (int i = 0; i < c->nt && &c->t[i] != t; i++)
		if (!strcmp(c->t[i].name, t->name))
			return err_set("%s:%d: a second [target %s]", c->path, t->line, t->name);
	return 0;
}

int nightly_config_load(struct nightly_config *c, const char *path)
{
	struct parse_ctx p = {.c = c};

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->results = xstrdup("results/nightly");
	if (ini_parse_file(path, CONFIG_MAX_BYTES, on_item, &p) < 0)
		return -1;
	if (!c->nt || !c->ns)
		return err_set("%s: needs at least one [target NAME] and one [scenario NAME]",
			       path);
	for (int i = 0; i < c->nt; i++) {
		if (check_target(c, &c->t[i]) < 0)
			return -1;
		if (c->t[i].tree && !c->t[i].branch)
			c->t[i].branch = xstrdup("HEAD");
	}
	return 0;
}

void nightly_config_free(struct nightly_config *c)
{
	for (int i = 0; i < c->nt; i++) {
		free(c->t[i].name);
		free(c->t[i].kernel);
		free(c->t[i].tree);
		free(c->t[i].branch);
		strv_release(&c->t[i].patches);
	}
	for (int i = 0; i < c->ns; i++) {
		free(c->s[i].name);
		strv_release(&c->s[i].options);
	}
	free(c->path);
	free(c->results);
	memset(c, 0, sizeof(*c));
}
