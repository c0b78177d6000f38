// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/lines.h"
#include "lib/strbuf.h"

void ls_feed(struct line_splitter *ls, const char *buf, size_t n,
	     void (*fn)(const char *line, void *ctx), void *ctx)
{
	size_t max = ls->max_line ? ls->max_line : 65536;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (ch == '\n') {
			if (ls->partial.len && ls->partial.buf[ls->partial.len - 1] == '\r')
				ls->partial.buf[--ls->partial.len] = '\0';
			fn(ls->partial.buf ? ls->partial.buf : "", ctx);
			ls->partial.len = 0;
			if (ls->partial.buf)
				ls->partial.buf[0] = '\0';
			continue;
		}
		if (ch == '\0')
			continue;
		if (ls->partial.len < max)
			sb_add(&ls->partial, &ch, 1);
	}
}

void ls_flush(struct line_splitter *ls, void (*fn)(const char *line, void *ctx), void *ctx)
{
	if (ls->partial.len)
		fn(ls->partial.buf, ctx);
	ls->partial.len = 0;
	if (ls->partial.buf)
		ls->partial.buf[0] = '\0';
}

void ls_release(struct line_splitter *ls)
{
	sb_release(&ls->partial);
}
