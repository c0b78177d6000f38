/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_LINES_H
#define IPUTSTORM_LIB_LINES_H

#include <stddef.h>

#include "lib/strbuf.h"

/*
 * Splits a byte stream (a console, a socket) into lines as it arrives; calls
 * fn for each complete line, without its "\n" or "\r\n". NUL bytes are
 * dropped; a line longer than max_line (default 64 KiB) keeps its start.
 */
struct line_splitter {
	struct strbuf partial;
	size_t max_line;
};

void ls_feed(struct line_splitter *ls, const char *buf, size_t n,
	     void (*fn)(const char *line, void *ctx), void *ctx);
/* The last line when the stream ended without "\n". */
void ls_flush(struct line_splitter *ls, void (*fn)(const char *line, void *ctx), void *ctx);
void ls_release(struct line_splitter *ls);

#endif
