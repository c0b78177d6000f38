/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_BASE_H
#define IPUTSTORM_LIB_BASE_H

/*
 * What every file uses: allocation that never returns NULL (out of memory
 * aborts with a message), scope cleanup, and the small string predicates.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))

/* systemd-style scope cleanup: every early return releases what it owns. */
static inline void freep(void *p)
{
	extern void free(void *);
	free(*(void **)p);
}
void closep(int *fd);
void fclosep(FILE **f);
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _t = (p); \
		(p) = NULL;             \
		_t;                     \
	})
#define TAKE_FD(fd)            \
	({                     \
		int _t = (fd); \
		(fd) = -1;     \
		_t;            \
	})

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __printf(1, 2);
char *xvasprintf(const char *fmt, va_list ap) __printf(1, 0);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
char *str_strip(char *s);

#endif
