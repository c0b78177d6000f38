// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/ini.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/text.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

struct parser {
	const char *name;
	int line;
	char *section;
	char *key; /* the last key of this section, for continuations */
	int (*fn)(const struct ini_item *it, void *ctx);
	void *ctx;
};

static int parse_error(struct parser *p, const char *what)
{
	return err_set("%s:%d: %s", p->name, p->line, what);
}

/* An inline comment starts at a ';' after a blank (a '#' may be part of a value). */
/*
 * ";" after a blank, or first in the value ("key =;x"), starts a comment:
 * the same either way, so a value written back as "key = VALUE" reads the same.
 */
static void cut_comment(char *s)
{
	for (char *c = s; *c; c++)
		if (*c == ';' && (c == s || blank(c[-1]))) {
			*c = '\0';
			return;
		}
}

static char *trim(char *s)
{
	char *e;

	while (blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && blank(e[-1]))
		*--e = '\0';
	return s;
}

static int section_line(struct parser *p, char *t)
{
	char *end = strchr(t, ']'), *rest;
	struct ini_item it = {.kind = INI_SECTION, .line = p->line};

	if (!end)
		return parse_error(p, "'[' without ']': a section is a [name] line");
	*end = '\0';
	rest = trim(end + 1);
	if (*rest && *rest != ';' && *rest != '#')
		return parse_error(p, "text after ']': a section line is [name] alone");
	t = trim(t + 1);
	if (!*t)
		return parse_error(p, "[]: a section needs a name");
	free(p->section);
	p->section = xstrdup(t);
	free(p->key);
	p->key = NULL;
	it.section = p->section;
	return p->fn(&it, p->ctx);
}

static int key_line(struct parser *p, char *t)
{
	char *sep = strpbrk(t, "=:");
	struct ini_item it = {.kind = INI_KEY, .section = p->section, .line = p->line};

	if (!sep || sep == t)
		return parse_error(p, "not a `key = value` line, a [section] or a comment");
	*sep = '\0';
	cut_comment(sep + 1);
	free(p->key);
	p->key = xstrdup(trim(t));
	if (!*p->key)
		return parse_error(p, "not a `key = value` line, a [section] or a comment");
	it.key = p->key;
	it.value = trim(sep + 1);
	return p->fn(&it, p->ctx);
}

static int one_line(struct parser *p, char *l)
{
	char *t = l;
	struct ini_item it = {.kind = INI_CONTINUATION, .section = p->section, .line = p->line};

	while (blank(*t))
		t++;
	if (!*t || *t == ';' || *t == '#')
		return 0;
	if (t > l && p->key && *t != '[') {
		cut_comment(t);
		it.key = p->key;
		it.value = trim(t);
		return p->fn(&it, p->ctx);
	}
	if (*t == '[')
		return section_line(p, t);
	return key_line(p, t);
}

int ini_parse(const char *text, size_t len, const char *name,
	      int (*fn)(const struct ini_item *it, void *ctx), void *ctx)
{
	struct parser p = {.name = name, .section = xstrdup(""), .fn = fn, .ctx = ctx};
	_cleanup_free_ char *buf = xmalloc(len + 1);
	char *s = buf;
	int r = 0;

	memcpy(buf, text, len);
	buf[len] = '\0';
	/* A UTF-8 byte order mark is not part of the first line. */
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < buf + len && r == 0) {
		char *nl = memchr(s, '\n', buf + len - s);
		char *end = nl ? nl : buf + len;

		p.line++;
		if (memchr(s, '\0', end - s)) {
			r = parse_error(&p, "a NUL byte inside the line");
			break;
		}
		*end = '\0';
		if (end > s && end[-1] == '\r')
			end[-1] = '\0';
		if (!text_is_clean(s, strlen(s)))
			r = parse_error(&p, "not UTF-8 text, or a control character");
		else
			r = one_line(&p, s);
		s = end + 1;
	}
	free(p.section);
	free(p.key);
	return r;
}

int ini_parse_file(const char *path, size_t max_bytes,
		   int (*fn)(const struct ini_item *it, void *ctx), void *ctx)
{
	struct stat st;
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (stat(path, &st) < 0)
		return err_set("%s: cannot open: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return err_set("%s: is a directory, not a file", path);
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max_bytes)
		return err_set("%s: %lld bytes; more than the %zu a file of this kind may have",
			       path, (long long)st.st_size, max_bytes);
	text = read_file(path, &len);
	if (!text)
		return err_set("%s: cannot read: %s", path, strerror(errno));
	if (len > max_bytes)
		return err_set("%s: more than the %zu bytes a file of this kind may have", path,
			       max_bytes);
	return ini_parse(text, len, path, fn, ctx);
}
