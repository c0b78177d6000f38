/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_STRBUF_H
#define IPUTSTORM_LIB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/base.h"

/* A growable string; zero-initialised is empty. buf is NUL-terminated once used. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_init(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __printf(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap) __printf(2, 0);
/* The string (never NULL); the strbuf is empty again. */
char *sb_detach(struct strbuf *sb);
void sb_release(struct strbuf *sb);
#define _cleanup_strbuf_ _cleanup_(sb_release)

#endif
