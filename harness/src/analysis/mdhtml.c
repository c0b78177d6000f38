// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/* report.md as HTML for report.html: the subset compare writes. */
#include <stdbool.h>
#include <string.h>

#include "analysis/mdhtml.h"
#include "lib/base.h"
#include "lib/text.h"

void html_escape(FILE *f, const char *s)
{
	html_escape_n(f, s, s ? strlen(s) : 0);
}

void html_escape_n(FILE *f, const char *s, size_t n)
{
	/*
	 * XML 1.0 has no way to write a control character, and a byte that is
	 * not UTF-8 breaks the document: both become "\xHH" text first.
	 */
	_cleanup_free_ char *clean = s && !text_is_clean(s, n) ? text_escape(s, n) : NULL;

	if (clean) {
		s = clean;
		n = strlen(clean);
	}
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(s[i], f);
		}
}

/* `code` and **bold**; an unpaired marker stays as text. */
static void inline_html(FILE *f, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *close;

		if (*s == '`' && (close = memchr(s + 1, '`', end - s - 1))) {
			fputs("<code>", f);
			html_escape_n(f, s + 1, close - s - 1);
			fputs("</code>", f);
			s = close + 1;
		} else if (end - s > 3 && !strncmp(s, "**", 2) &&
			   (close = memmem(s + 2, end - s - 2, "**", 2))) {
			fputs("<strong>", f);
			inline_html(f, s + 2, close - s - 2);
			fputs("</strong>", f);
			s = close + 2;
		} else {
			html_escape_n(f, s, 1);
			s++;
		}
	}
}

static bool is_table_row(const char *l, size_t n)
{
	return n >= 2 && l[0] == '|' && l[n - 1] == '|';
}

static bool is_table_rule(const char *l, size_t n)
{
	return is_table_row(l, n) && strspn(l, "|-: ") >= n;
}

static void table_row(FILE *f, const char *l, size_t n, const char *cell)
{
	const char *p = l + 1, *end = l + n - 1;

	fputs("<tr>", f);
	while (p <= end) {
		const char *bar = memchr(p, '|', end - p + 1);
		const char *a = p, *b = bar ? bar : end;

		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		fprintf(f, "<%s>", cell);
		inline_html(f, a, b - a);
		fprintf(f, "</%s>", cell);
		if (!bar)
			break;
		p = bar + 1;
	}
	fputs("</tr>\n", f);
}

enum block { NONE, PARA, LIST, TABLE };

static void close_block(FILE *f, enum block *b)
{
	static const char *const end[] = {"", "</p>\n", "</ul>\n", "</table>\n"};

	fputs(end[*b], f);
	*b = NONE;
}

void md_to_html(FILE *f, const char *md)
{
	enum block b = NONE;
	bool header = false;

	for (const char *l = md; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);

		if (!n) {
			close_block(f, &b);
		} else if (l[0] == '#') {
			size_t level = strspn(l, "#");
			const char *t = l + level + (l[level] == ' ');

			close_block(f, &b);
			level = level > 6 ? 6 : level;
			fprintf(f, "<h%zu>", level);
			inline_html(f, t, n - (t - l));
			fprintf(f, "</h%zu>\n", level);
		} else if (is_table_row(l, n)) {
			if (b != TABLE) {
				close_block(f, &b);
				fputs("<table>\n", f);
				b = TABLE;
				header = true;
			}
			if (!is_table_rule(l, n)) {
				table_row(f, l, n, header ? "th" : "td");
				header = false;
			}
		} else if (!strncmp(l, "- ", 2)) {
			if (b != LIST) {
				close_block(f, &b);
				fputs("<ul>\n", f);
				b = LIST;
			}
			fputs("<li>", f);
			inline_html(f, l + 2, n - 2);
			fputs("</li>\n", f);
		} else {
			if (b != PARA) {
				close_block(f, &b);
				fputs("<p>", f);
				b = PARA;
			} else {
				fputc('\n', f);
			}
			inline_html(f, l, n);
		}
		l = nl ? nl + 1 : l + n;
	}
	close_block(f, &b);
}
