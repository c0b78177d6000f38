/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_STRV_H
#define IPUTSTORM_LIB_STRV_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/base.h"

/* A NULL-terminated growable vector of owned strings (an argv); zero-initialised is empty. */
struct strv {
	char **v;
	size_t n, cap;
};

void strv_push(struct strv *sv, const char *s);
void strv_pushf(struct strv *sv, const char *fmt, ...) __printf(2, 3);
void strv_release(struct strv *sv);
bool strv_contains(const struct strv *sv, const char *s);
/* "flag v1 flag v2 ...": a repeatable option with each of values. */
void strv_push_each(struct strv *sv, const char *flag, const struct strv *values);
#define _cleanup_strv_ _cleanup_(strv_release)
/* Appends the blank-separated words of s (no quoting: nothing here reaches a shell). */
int strv_split_ws(struct strv *sv, const char *s);
/* The words joined by single blanks, for messages. */
char *argv_join(char *const argv[]);

#endif
