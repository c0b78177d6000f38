/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_INI_H
#define IPUTSTORM_LIB_INI_H

#include <stdbool.h>
#include <stddef.h>

/*
 * INI text as scenarios and signatures write it: "[section]" lines,
 * "key = value" (or "key: value") lines, lines starting with ';' or '#' are
 * comments, and so is what follows " ;" in a value ("x = 1 ; why"), and indented lines
 * continuing the previous key's value. One pass, no line length limit.
 * Text that is not UTF-8, holds a NUL byte or a terminal control character
 * is refused: every name and value ends up in reports and on terminals.
 */

enum ini_kind { INI_SECTION, INI_KEY, INI_CONTINUATION };

struct ini_item {
	enum ini_kind kind;
	const char *section; /* the current section ("" before the first) */
	const char *key;     /* INI_KEY, INI_CONTINUATION: the key it continues */
	const char *value;   /* INI_KEY, INI_CONTINUATION: trimmed, comment removed */
	int line;
};

/*
 * Calls fn for every item, in order; fn returns 0, or -1 after err_set()
 * with its own message, which stops the parse. Returns 0, or -1 with
 * err_msg() = "NAME:LINE: what is wrong" (fn's message is taken as is).
 */
int ini_parse(const char *text, size_t len, const char *name,
	      int (*fn)(const struct ini_item *it, void *ctx), void *ctx);

/* Reads path whole (at most max_bytes) and parses it. */
int ini_parse_file(const char *path, size_t max_bytes,
		   int (*fn)(const struct ini_item *it, void *ctx), void *ctx);

#endif
