// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/output.h"
#include "lib/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool json_output;
bool verbose;

static char last_err[4096];

int err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Adds context in front of the current error: "cluster up: <error>". */
int err_prefix(const char *fmt, ...)
{
	char prev[sizeof(last_err)];
	char head[1024];
	va_list ap;

	memcpy(prev, last_err, sizeof(prev));
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	/* Truncating a long error is fine; it stays a valid string. */
	size_t n = strnlen(head, sizeof(head) - 1);

	memcpy(last_err, head, n);
	memcpy(last_err + n, ": ", 2);
	snprintf(last_err + n + 2, sizeof(last_err) - n - 2, "%.*s",
		 (int)(sizeof(last_err) - n - 3), prev);
	return -1;
}

char *err_save(void)
{
	return strdup(last_err);
}

void err_restore(char *saved)
{
	if (saved)
		snprintf(last_err, sizeof(last_err), "%s", saved);
	free(saved);
}

const char *err_msg(void)
{
	return last_err[0] ? last_err : "unknown error";
}

static void vp(FILE *f, const char *tag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vp(FILE *f, const char *tag, const char *fmt, va_list ap)
{
	fprintf(f, "iputstorm: %s", tag);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (json_output) {
		char buf[4096];

		vsnprintf(buf, sizeof(buf), fmt, ap);
		json_t *o = json_pack("{s:s}", "error", buf);
		json_print(o);
		json_decref(o);
	} else {
		vp(stderr, "", fmt, ap);
	}
	va_end(ap);
}

int p_err_last(void)
{
	p_err("%s", err_msg());
	return -1;
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp(stderr, "warning: ", fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp(stderr, "", fmt, ap);
	va_end(ap);
}

void p_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vp(stderr, "debug: ", fmt, ap);
	va_end(ap);
}

void json_print(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
}
