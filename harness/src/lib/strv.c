// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/strv.h"
#include "lib/base.h"
#include "lib/strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strv_push(struct strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = MAX(8, sv->cap * 2);
		sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void strv_pushf(struct strv *sv, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(sv, s);
}

void strv_release(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Split on blanks; no quoting, no expansion: a scenario never reaches a shell. */
int strv_split_ws(struct strv *sv, const char *s)
{
	int n = 0;

	while (*s) {
		const char *e;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		_cleanup_free_ char *w = xstrndup(s, e - s);
		strv_push(sv, w);
		n++;
		s = e;
	}
	return n;
}

char *argv_join(char *const argv[])
{
	struct strbuf sb;

	sb_init(&sb);
	for (int i = 0; argv[i]; i++)
		sb_printf(&sb, "%s%s", i ? " " : "", argv[i]);
	return sb_detach(&sb);
}

bool strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

void strv_push_each(struct strv *sv, const char *flag, const struct strv *values)
{
	for (size_t i = 0; i < values->n; i++) {
		strv_push(sv, flag);
		strv_push(sv, values->v[i]);
	}
}
