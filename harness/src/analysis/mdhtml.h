/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MDHTML_H
#define IPUTSTORM_MDHTML_H

#include <stdio.h>

/* Text for HTML: < > & " escaped. */
void html_escape(FILE *f, const char *s);
void html_escape_n(FILE *f, const char *s, size_t n);

/*
 * The Markdown that compare writes, as HTML: "#"/"##" headings, pipe tables
 * (first row the header, the |---| row dropped), "- " lists, paragraphs,
 * `code` and **bold**. Not a general Markdown renderer: report.html shows
 * report.md's tables as tables, with nothing to fetch.
 */
void md_to_html(FILE *f, const char *md);

#endif
