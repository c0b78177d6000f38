// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/verdict.h"
#include "lib/output.h"

#include <string.h>

static const char *const names[V_NVERDICTS] = {"PASS", "FAIL", "ERROR", "MISS"};

const char *verdict_name(enum verdict v)
{
	return v < V_NVERDICTS ? names[v] : "?";
}

int verdict_parse(const char *s)
{
	for (int i = 0; i < V_NVERDICTS; i++)
		if (s && !strcmp(s, names[i]))
			return i;
	return -1;
}

enum verdict tally_verdict(const struct tally *t)
{
	if (t->n[V_FAIL])
		return V_FAIL;
	if (t->n[V_ERROR])
		return V_ERROR;
	if (t->n[V_PASS])
		return V_PASS;
	return V_MISS;
}

int verdict_exit_code(enum verdict v)
{
	switch (v) {
	case V_PASS:
		return EXIT_PASS;
	case V_FAIL:
		return EXIT_FAILED;
	default:
		return EXIT_UNDECIDED;
	}
}
