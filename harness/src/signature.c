// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "signature.h"
#include "klog.h"
#include "output.h"
#include "scenario.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

static void split_words(const char *s, char ***out, size_t *n)
{
	struct strv sv = {0};

	strv_split_ws(&sv, s);
	for (size_t i = 0; i < sv.n; i++) {
		*out = xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = xstrdup(sv.v[i]);
	}
	strv_release(&sv);
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

struct load_ctx {
	struct sigset *set;
	FILE *f;
	int line; /* of the line inih is handling */
	int err_line;
	char err[256];
};

/* Counts lines for FILE:LINE messages (the packaged inih has no line numbers). */
static char *read_line(char *buf, int size, void *stream)
{
	struct load_ctx *c = stream;

	if (!fgets(buf, size, c->f))
		return NULL;
	c->line++;
	return buf;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct load_ctx *c = user;
	int line = c->line;
	struct sigset *set = c->set;
	struct signature *s;

	if (c->err_line)
		return 1;
	if (!set->n || strcmp(set->sig[set->n - 1].name, section)) {
		set->sig = xrealloc(set->sig, (set->n + 1) * sizeof(*set->sig));
		set->sig[set->n] =
			(struct signature){.name = xstrdup(section), .root = true, .line = line};
		set->n++;
	}
	s = &set->sig[set->n - 1];
	if (!strcmp(key, "frames")) {
		split_words(value, &s->frames, &s->nframes);
	} else if (!strcmp(key, "culprit")) {
		split_words(value, &s->culprit, &s->nculprit);
	} else if (!strcmp(key, "on")) {
		split_words(value, &s->on, &s->non);
	} else if (!strcmp(key, "role")) {
		if (strcmp(value, "root") && strcmp(value, "victim")) {
			c->err_line = line;
			snprintf(c->err, sizeof(c->err), "role must be root or victim, not '%s'",
				 value);
			return 1;
		}
		s->root = !strcmp(value, "root");
	} else if (!strcmp(key, "reproducer")) {
		free(s->reproducer);
		s->reproducer = xstrdup(value);
	} else if (!strcmp(key, "description")) {
		free(s->description);
		s->description = xstrdup(value);
	} else {
		c->err_line = line;
		snprintf(c->err, sizeof(c->err),
			 "unknown key '%s' (keys: frames, culprit, on, role, reproducer, "
			 "description)",
			 key);
	}
	return 1;
}

int sigset_load(struct sigset *set, const char *path)
{
	struct load_ctx c = {.set = set};
	int r;

	memset(set, 0, sizeof(*set));
	set->path = path ? xstrdup(path) : xasprintf("%s/scenarios/signatures.ini", data_dir());
	c.f = fopen(set->path, "re");
	if (!c.f)
		return err_set("%s: %s", set->path, strerror(errno));
	r = ini_parse_stream(read_line, &c, on_key, &c);
	fclose(c.f);
	if (c.err_line)
		return err_set("%s:%d: %s", set->path, c.err_line, c.err);
	if (r > 0)
		return err_set("%s:%d: not an INI line", set->path, r);
	for (size_t i = 0; i < set->n; i++)
		if (!set->sig[i].nframes)
			return err_set("%s:%d: [%s] needs frames = FN FN ... (innermost first)",
				       set->path, set->sig[i].line, set->sig[i].name);
	return 0;
}

void sigset_free(struct sigset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct signature *s = &set->sig[i];

		free(s->name);
		free(s->description);
		free(s->reproducer);
		free_words(s->frames, s->nframes);
		free_words(s->culprit, s->nculprit);
		free_words(s->on, s->non);
	}
	free(set->sig);
	free(set->path);
	memset(set, 0, sizeof(*set));
}

/* "fn+0x1/0x2 [mod]" or "? fn" → "fn"; NULL for unreliable frames. */
static char *frame_fn(const char *text)
{
	if (str_startswith(text, "? "))
		return NULL;
	return xstrndup(text, strcspn(text, " +"));
}

struct stack {
	char *fn[256];
	size_t n;
};

static void stack_of(json_t *task, struct stack *st)
{
	json_t *f;
	size_t i;

	st->n = 0;
	json_array_foreach (json_object_get(task, "stack"), i, f) {
		char *fn = json_string_value(f) ? frame_fn(json_string_value(f)) : NULL;

		if (fn && st->n < ARRAY_SIZE(st->fn))
			st->fn[st->n++] = fn;
		else
			free(fn);
	}
}

static void stack_free(struct stack *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->fn[i]);
	st->n = 0;
}

static bool has_word(char **w, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i], s))
			return true;
	return false;
}

static bool frames_in_order(const struct signature *s, const struct stack *st)
{
	size_t k = 0;

	for (size_t i = 0; i < st->n && k < s->nframes; i++)
		if (!strcmp(st->fn[i], s->frames[k]))
			k++;
	return k == s->nframes;
}

static const char *task_str(json_t *task, const char *key)
{
	return json_string_value(json_object_get(task, key)) ?: "";
}

static bool runs_on(const struct signature *s, json_t *task, const struct stack *st)
{
	if (!s->non)
		return true;
	for (size_t i = 0; i < s->non; i++) {
		const char *w = s->on[i];

		if (strstr(task_str(task, "workqueue"), w) ||
		    strstr(task_str(task, "work_desc"), w) || strstr(task_str(task, "comm"), w) ||
		    strstr(task_str(task, "task"), w) || has_word((char **)st->fn, st->n, w))
			return true;
	}
	return false;
}

const struct signature *sig_match(const struct sigset *set, json_t *task)
{
	struct stack st;
	const struct signature *found = NULL;

	stack_of(task, &st);
	for (size_t i = 0; i < set->n && !found; i++) {
		const struct signature *s = &set->sig[i];
		const char *culprit = stack_culprit(st.fn, st.n);

		if (!frames_in_order(s, &st) || !runs_on(s, task, &st))
			continue;
		if (s->nculprit && (!culprit || !has_word(s->culprit, s->nculprit, culprit)))
			continue;
		found = s;
	}
	stack_free(&st);
	return found;
}

static char *title_of(json_t *task)
{
	struct stack st;
	const char *c;
	char *t;

	stack_of(task, &st);
	c = stack_culprit(st.fn, st.n);
	t = c ? xasprintf("task hung in %s", c) : xstrdup("task hung");
	stack_free(&st);
	return t;
}

void sig_collect_reports(json_t *reports, json_t *into)
{
	json_t *r;
	size_t i;

	json_array_foreach (reports, i, r) {
		const char *kind = task_str(r, "kind");

		if (!strcmp(kind, "hung_task") ||
		    (!strcmp(kind, "task_dump") && !strcmp(task_str(r, "state"), "D")))
			json_array_append(into, r);
	}
}

/* One entry per pid: the copy with the longest stack says most. */
static json_t *dedupe(json_t *tasks)
{
	json_t *out = json_array(), *t, *o;
	size_t i, j;

	json_array_foreach (tasks, i, t) {
		json_int_t pid = json_integer_value(json_object_get(t, "pid"));
		bool dup = false;

		json_array_foreach (out, j, o) {
			if (json_integer_value(json_object_get(o, "pid")) != pid || pid <= 0)
				continue;
			dup = true;
			if (json_array_size(json_object_get(t, "stack")) >
			    json_array_size(json_object_get(o, "stack")))
				json_array_set(out, j, t);
			break;
		}
		if (!dup)
			json_array_append(out, t);
	}
	return out;
}

static bool looks_like_flusher(json_t *task)
{
	struct stack st;
	bool yes = strstr(task_str(task, "workqueue"), "writeback") ||
		   strstr(task_str(task, "work_desc"), "flush-") ||
		   strstr(task_str(task, "comm"), "flush-") ||
		   strstr(task_str(task, "task"), "flush-");

	stack_of(task, &st);
	yes = yes || has_word(st.fn, st.n, "evict");
	stack_free(&st);
	return yes;
}

json_t *sig_analyse(const struct sigset *set, json_t *tasks)
{
	json_t *uniq = dedupe(tasks), *hangs = json_array(), *names = json_array(), *t;
	json_t *root = NULL, *first_plain = NULL, *flusher = NULL, *first_victim = NULL;
	const char *reproducer = NULL;
	size_t i;

	json_array_foreach (uniq, i, t) {
		const struct signature *s = sig_match(set, t);
		_cleanup_free_ char *title = title_of(t);
		const char *comm = json_string_value(json_object_get(t, "task"))
					   ?: json_string_value(json_object_get(t, "comm"));
		json_t *h = json_pack("{s:s?, s:O?, s:s, s:s?, s:s?}", "task", comm, "pid",
				      json_object_get(t, "pid"), "title", title, "signature",
				      s ? s->name : NULL, "role",
				      s ? (s->root ? "root" : "victim") : NULL);

		if (!json_object_get(h, "signature"))
			json_object_set_new(h, "signature", json_null());
		json_array_append_new(hangs, h);
		if (s) {
			bool seen = false;
			json_t *n;
			size_t j;

			json_array_foreach (names, j, n)
				seen |= !strcmp(json_string_value(n), s->name);
			if (!seen)
				json_array_append_new(names, json_string(s->name));
		}
		if (s && s->root && !root) {
			root = h;
			reproducer = s->reproducer;
		} else if (s && !s->root && !first_victim) {
			first_victim = h;
		} else if (!s && !first_plain) {
			first_plain = h;
		}
		if (!s && !flusher && looks_like_flusher(t))
			flusher = h;
	}
	if (!root)
		root = flusher ? flusher : first_plain ? first_plain : first_victim;
	t = json_pack("{s:o, s:o, s:O?, s:s?}", "hangs", hangs, "signatures", names, "root", root,
		      "reproducer", reproducer);
	if (!json_object_get(t, "root"))
		json_object_set_new(t, "root", json_null());
	if (!json_object_get(t, "reproducer"))
		json_object_set_new(t, "reproducer", json_null());
	json_decref(uniq);
	return t;
}
