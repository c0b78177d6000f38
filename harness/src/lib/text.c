// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/text.h"
#include "lib/base.h"
#include "lib/strbuf.h"

#include <string.h>

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and C1 controls are refused. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
		return 0;
	return len;
}

bool text_is_clean(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l;

		if (u[i] < 0x20 && u[i] != '\t')
			return false;
		if (u[i] == 0x7f)
			return false;
		l = utf8_len(u + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

char *text_escape(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct strbuf sb;

	sb_init(&sb);
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(u + i, n - i);

		if (!l || (u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f) {
			sb_printf(&sb, "\\x%02x", u[i]);
			i++;
			continue;
		}
		sb_printf(&sb, "%.*s", (int)l, s + i);
		i += l;
	}
	if (!sb.buf)
		sb_puts(&sb, "");
	return sb.buf;
}
