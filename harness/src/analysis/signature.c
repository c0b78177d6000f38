// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "analysis/signature.h"
#include "lib/base.h"
#include "lib/ini.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strv.h"
#include "model/klog.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the file ---- */

enum { K_DESCRIPTION, K_FRAMES, K_CULPRIT, K_CONTEXT, K_TASK, K_ROLE, K_REPRODUCER, K_NKEYS };

/* The keys of a signature (docs/signatures.md); `need` is set for the required ones. */
static const struct sig_key {
	const char *name;
	const char *need; /* what a missing required key should say */
} sig_keys[K_NKEYS] = {
	[K_DESCRIPTION] = {"description", "one line saying what deadlocks"},
	[K_FRAMES] = {"frames", "the functions its stack shows, innermost first"},
	[K_CULPRIT] = {"culprit", NULL},
	[K_CONTEXT] = {"context", NULL},
	[K_TASK] = {"task", NULL},
	[K_ROLE] = {"role", "root, victim or bounded"},
	[K_REPRODUCER] = {"reproducer", NULL},
};

#define KEY_LIST "description, frames, culprit, context, task, role, reproducer"

struct load_ctx {
	struct sigset *set;
	int line;		  /* of the item being handled */
	int (*key_line)[K_NKEYS]; /* per signature: where each key was given, 0 if not */
	int last_key;		  /* for continuations; -1 after a section line */
	int err_line;
	char err[512];
};

static void load_error(struct load_ctx *c, int line, const char *fmt, ...) __printf(3, 4);
static void load_error(struct load_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	if (c->err_line)
		return; /* the first error is the one worth reading */
	c->err_line = line;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static struct signature *current(struct load_ctx *c)
{
	return c->set->n ? &c->set->sig[c->set->n - 1] : NULL;
}

/* "[name]": every signature starts here, so its line is known even with no keys. */
static void section_line(struct load_ctx *c, const char *name)
{
	struct sigset *set = c->set;
	const struct signature *dup;

	c->last_key = -1;
	if (!valid_name(name)) {
		load_error(c, c->line, "[%s]: a signature name is letters, digits, '-' and '_'",
			   name);
		return;
	}
	dup = sigset_find(set, name);
	if (dup) {
		load_error(c, c->line, "[%s] given twice (first on line %d)", name, dup->line);
		return;
	}
	set->sig = xrealloc(set->sig, (set->n + 1) * sizeof(*set->sig));
	c->key_line = xrealloc(c->key_line, (set->n + 1) * sizeof(*c->key_line));
	memset(&set->sig[set->n], 0, sizeof(set->sig[0]));
	memset(c->key_line[set->n], 0, sizeof(c->key_line[0]));
	set->sig[set->n].name = xstrdup(name);
	set->sig[set->n].line = c->line;
	set->n++;
}

static int key_index(const char *name)
{
	for (int i = 0; i < K_NKEYS; i++)
		if (!strcmp(sig_keys[i].name, name))
			return i;
	return -1;
}

/* A function name as the kernel prints it, or one with a trailing * (a prefix). */
static bool valid_pattern(const char *p)
{
	size_t n = strlen(p);

	if (n && p[n - 1] == '*')
		n--;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '_')
			return false;
	return true;
}

static int add_patterns(struct load_ctx *c, struct strv *into, const char *key, const char *value)
{
	struct strv words = {0};
	int ret = 0;

	strv_split_ws(&words, value);
	for (size_t i = 0; i < words.n && !ret; i++) {
		if (!valid_pattern(words.v[i])) {
			load_error(c, c->line,
				   "%s: '%s' is not a function name (letters, digits and _, "
				   "optionally ending in * to match a prefix)",
				   key, words.v[i]);
			ret = -1;
		} else {
			strv_push(into, words.v[i]);
		}
	}
	strv_release(&words);
	return ret;
}

static int add_frames(struct load_ctx *c, struct signature *s, const char *value)
{
	struct strv words = {0};
	int ret = 0;

	strv_split_ws(&words, value);
	for (size_t i = 0; i < words.n && !ret; i++) {
		struct strv *pos;
		_cleanup_free_ char *alts = xstrdup(words.v[i]);
		char *save = NULL;

		s->frames = xrealloc(s->frames, (s->nframes + 1) * sizeof(*s->frames));
		pos = &s->frames[s->nframes++];
		memset(pos, 0, sizeof(*pos));
		for (char *a = strtok_r(alts, "|", &save); a && !ret;
		     a = strtok_r(NULL, "|", &save))
			ret = add_patterns(c, pos, "frames", a);
		if (!ret && !pos->n) {
			load_error(c, c->line, "frames: '%s' names no function", words.v[i]);
			ret = -1;
		}
	}
	strv_release(&words);
	return ret;
}

static void add_prefixes(struct strv *into, const char *value)
{
	struct strv words = {0};

	strv_split_ws(&words, value);
	for (size_t i = 0; i < words.n; i++) {
		size_t n = strlen(words.v[i]);

		/* "flush-ceph*" and "flush-ceph" mean the same: every task pattern is a prefix. */
		if (n > 1 && words.v[i][n - 1] == '*')
			words.v[i][n - 1] = '\0';
		strv_push(into, words.v[i]);
	}
	strv_release(&words);
}

static void append_text(char **field, const char *value)
{
	char *joined = *field ? xasprintf("%s %s", *field, value) : xstrdup(value);

	free(*field);
	*field = joined;
}

static void set_role(struct load_ctx *c, struct signature *s, const char *value)
{
	if (!strcmp(value, "root"))
		s->role = SIG_ROOT;
	else if (!strcmp(value, "victim"))
		s->role = SIG_VICTIM;
	else if (!strcmp(value, "bounded"))
		s->role = SIG_BOUNDED;
	else
		load_error(c, c->line,
			   "role '%s' in [%s]: it is root (the task that deadlocked), victim "
			   "(a task blocked behind another one) or bounded (a wait the kernel "
			   "ends itself)",
			   value, s->name);
}

static void set_value(struct load_ctx *c, struct signature *s, int k, const char *value)
{
	switch (k) {
	case K_DESCRIPTION:
		append_text(&s->description, value);
		break;
	case K_REPRODUCER:
		append_text(&s->reproducer, value);
		break;
	case K_FRAMES:
		add_frames(c, s, value);
		break;
	case K_CULPRIT:
		add_patterns(c, &s->culprit, "culprit", value);
		break;
	case K_CONTEXT:
		add_patterns(c, &s->context, "context", value);
		break;
	case K_TASK:
		add_prefixes(&s->task, value);
		break;
	case K_ROLE:
		set_role(c, s, value);
		break;
	}
}

static void on_key(struct load_ctx *c, const char *section, const char *name, const char *value)
{
	struct signature *s = current(c);
	int k;

	if (!*section || !s) {
		load_error(c, c->line, "'%s' is outside any signature; put it under a [name] line",
			   name);
		return;
	}
	k = key_index(name);
	if (k < 0) {
		load_error(c, c->line, "unknown key '%s' in [%s]; the keys are " KEY_LIST, name,
			   section);
		return;
	}
	if (c->key_line[c->set->n - 1][k]) {
		load_error(c, c->line,
			   "'%s' given twice in [%s] (first on line %d); continue a long value on "
			   "indented lines",
			   name, section, c->key_line[c->set->n - 1][k]);
		return;
	}
	if (!*value) {
		load_error(c, c->line, "'%s' in [%s] is empty", name, section);
		return;
	}
	c->key_line[c->set->n - 1][k] = c->line;
	c->last_key = k;
	set_value(c, s, k, value);
}

static int on_item(const struct ini_item *it, void *ctx)
{
	struct load_ctx *c = ctx;

	c->line = it->line;
	switch (it->kind) {
	case INI_SECTION:
		section_line(c, it->section);
		break;
	case INI_KEY:
		on_key(c, it->section, it->key, it->value);
		break;
	case INI_CONTINUATION:
		if (c->last_key >= 0 && current(c))
			set_value(c, current(c), c->last_key, it->value);
		break;
	}
	return c->err_line ? -1 : 0;
}

static void check_required(struct load_ctx *c)
{
	for (size_t i = 0; i < c->set->n; i++)
		for (int k = 0; k < K_NKEYS; k++)
			if (sig_keys[k].need && !c->key_line[i][k])
				load_error(c, c->set->sig[i].line, "[%s] has no '%s': %s",
					   c->set->sig[i].name, sig_keys[k].name, sig_keys[k].need);
}

char *sigset_default_path(void)
{
	return xasprintf("%s/scenarios/signatures.ini", data_dir());
}

/* The shipped file is a few KiB; a user's own file gets room to grow. */
#define SIGNATURES_MAX_BYTES (4u << 20)

int sigset_load(struct sigset *set, const char *path)
{
	struct load_ctx c = {.set = set, .last_key = -1};
	int r;

	memset(set, 0, sizeof(*set));
	set->path = path ? xstrdup(path) : sigset_default_path();
	r = ini_parse_file(set->path, SIGNATURES_MAX_BYTES, on_item, &c);
	if (r < 0 && !c.err_line) {
		free(c.key_line);
		if (!path && !path_exists(set->path))
			return err_set("%s: cannot open: %s (set IPUTSTORM_DATADIR or pass "
				       "--signatures FILE)",
				       set->path, strerror(ENOENT));
		return -1;
	}
	check_required(&c);
	if (!c.err_line && !set->n)
		load_error(&c, MAX(c.line, 1), "no signatures: each one is a [name] section");
	free(c.key_line);
	if (c.err_line)
		return err_set("%s:%d: %s", set->path, c.err_line, c.err);
	return 0;
}

void sigset_free(struct sigset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct signature *s = &set->sig[i];

		for (size_t j = 0; j < s->nframes; j++)
			strv_release(&s->frames[j]);
		free(s->frames);
		strv_release(&s->culprit);
		strv_release(&s->context);
		strv_release(&s->task);
		free(s->name);
		free(s->description);
		free(s->reproducer);
	}
	free(set->sig);
	free(set->path);
	memset(set, 0, sizeof(*set));
}

const struct signature *sigset_find(const struct sigset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->sig[i].name, name))
			return &set->sig[i];
	return NULL;
}

const char *sig_role_name(enum sig_role role)
{
	return role == SIG_ROOT ? "root" : role == SIG_VICTIM ? "victim" : "bounded";
}

/* ---- matching ---- */

/*
 * "[<0>] fn+0x1/0x2 [mod]", "fn.cold+0x5/0x10", "fn [mod]" → "fn"; NULL for
 * a "? " frame (a stale return address, not a caller). Compiler suffixes
 * (.cold, .isra.0) go: signatures name the C function.
 */
static char *frame_name(const char *text)
{
	const char *p = text, *e;

	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '[' && p[1] == '<') {
		const char *c = strstr(p, ">]");

		if (!c)
			return NULL;
		for (p = c + 2; *p == ' '; p++)
			;
	}
	if (p[0] == '?' && p[1] == ' ')
		return NULL;
	for (e = p; isalnum((unsigned char)*e) || *e == '_'; e++)
		;
	return e > p ? xstrndup(p, e - p) : NULL;
}

static void push_frame(struct strv *names, const char *text)
{
	_cleanup_free_ char *fn = text ? frame_name(text) : NULL;

	if (fn)
		strv_push(names, fn);
}

static bool pattern_matches(const char *pat, const char *fn)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*')
		return !strncmp(pat, fn, n - 1);
	return !strcmp(pat, fn);
}

static bool any_matches(const struct strv *pats, const char *fn)
{
	for (size_t i = 0; i < pats->n; i++)
		if (pattern_matches(pats->v[i], fn))
			return true;
	return false;
}

/* Ordered, gaps allowed: taking the innermost fit for each position never loses a match. */
static bool frames_in_order(const struct signature *s, const struct strv *names)
{
	size_t k = 0;

	for (size_t i = 0; i < names->n && k < s->nframes; i++)
		if (any_matches(&s->frames[k], names->v[i]))
			k++;
	return k == s->nframes;
}

static bool some_frame_matches(const struct strv *pats, const struct strv *names)
{
	for (size_t i = 0; i < names->n; i++)
		if (any_matches(pats, names->v[i]))
			return true;
	return false;
}

static bool has_prefix(const char *s, const struct strv *prefixes)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; i < prefixes->n; i++)
		if (str_startswith(s, prefixes->v[i]))
			return true;
	return false;
}

/* A busy kworker's comm names its work: "kworker/u8:3+flush-ceph-1". */
static bool task_matches(const struct strv *prefixes, const char *comm, const char *workqueue,
			 const char *work_desc)
{
	const char *plus = comm && str_startswith(comm, "kworker/") ? strchr(comm, '+') : NULL;

	return has_prefix(comm, prefixes) || has_prefix(plus ? plus + 1 : NULL, prefixes) ||
	       has_prefix(workqueue, prefixes) || has_prefix(work_desc, prefixes);
}

/*
 * Where the task runs: its frames or its workqueue say it, whichever the
 * source printed (a /proc stack has no "Workqueue:" line; a trace may be cut).
 */
static bool runs_in_context(const struct signature *s, const struct strv *names, const char *comm,
			    const char *workqueue, const char *work_desc)
{
	if (!s->context.n && !s->task.n)
		return true;
	return (s->context.n && some_frame_matches(&s->context, names)) ||
	       (s->task.n && task_matches(&s->task, comm, workqueue, work_desc));
}

static bool culprit_matches(const struct signature *s, const struct strv *names)
{
	const char *c;

	if (!s->culprit.n)
		return true;
	c = stack_culprit(names->v, names->n);
	return c && any_matches(&s->culprit, c);
}

static const struct signature *match_names(const struct sigset *set, const char *comm,
					   const char *workqueue, const char *work_desc,
					   const struct strv *names)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct signature *s = &set->sig[i];

		if (frames_in_order(s, names) && culprit_matches(s, names) &&
		    runs_in_context(s, names, comm, workqueue, work_desc))
			return s;
	}
	return NULL;
}

const struct signature *sig_match(const struct sigset *set, const char *comm, const char *workqueue,
				  const char *work_desc, char *const *frames, size_t n)
{
	struct strv names = {0};
	const struct signature *s;

	for (size_t i = 0; i < n; i++)
		push_frame(&names, frames[i]);
	s = match_names(set, comm, workqueue, work_desc, &names);
	strv_release(&names);
	return s;
}

/* ---- blocked tasks ---- */

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *jdup(json_t *o, const char *key)
{
	const char *s = jstr(o, key);

	return s && *s ? xstrdup(s) : NULL;
}

static bool is_blocked_task(json_t *o)
{
	const char *kind = jstr(o, "kind"), *type = jstr(o, "type"), *state = jstr(o, "state");

	if (kind)
		return !strcmp(kind, "hung_task") ||
		       (!strcmp(kind, "task_dump") && state && !strcmp(state, "D"));
	return type && !strcmp(type, "stuck");
}

int blocked_task_from_json(struct blocked_task *t, json_t *o)
{
	/* The watchdog's "pid" is the thread group; the kernel prints the thread. */
	json_t *pid = json_object_get(o, "tid") ?: json_object_get(o, "pid");
	json_t *secs = json_object_get(o, "blocked_secs") ?: json_object_get(o, "stuck_for");
	json_t *f;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->pid = -1;
	if (!json_is_object(o) || !is_blocked_task(o))
		return -1;
	t->task = jdup(o, "task") ?: jdup(o, "comm");
	if (json_is_integer(pid))
		t->pid = (long)json_integer_value(pid);
	t->workqueue = jdup(o, "workqueue");
	t->work_desc = jdup(o, "work_desc");
	t->blocked_secs = json_is_number(secs) ? json_number_value(secs) : 0;
	json_array_foreach (json_object_get(o, "stack"), i, f)
		push_frame(&t->frames, json_string_value(f));
	return 0;
}

void blocked_task_release(struct blocked_task *t)
{
	free(t->task);
	free(t->workqueue);
	free(t->work_desc);
	strv_release(&t->frames);
	memset(t, 0, sizeof(*t));
}

char *blocked_task_title(const struct blocked_task *t)
{
	const char *c = stack_culprit(t->frames.v, t->frames.n);

	return c ? xasprintf("task hung in %s", c) : xstrdup("task hung (no stack)");
}

json_t *blocked_task_json(const struct blocked_task *t)
{
	_cleanup_free_ char *title = blocked_task_title(t);
	json_t *o = json_object();

	json_object_set_new(o, "task", t->task ? json_string(t->task) : json_null());
	json_object_set_new(o, "pid", t->pid >= 0 ? json_integer(t->pid) : json_null());
	json_object_set_new(o, "title", json_string(title));
	json_object_set_new(o, "signature", t->sig ? json_string(t->sig->name) : json_null());
	if (t->sig)
		json_object_set_new(o, "role", json_string(sig_role_name(t->sig->role)));
	return o;
}

/* ---- the root ---- */

static bool is_flusher_or_kworker(const struct blocked_task *t)
{
	return (t->task && str_startswith(t->task, "kworker")) ||
	       (t->workqueue && !strcmp(t->workqueue, "writeback")) ||
	       (t->work_desc && str_startswith(t->work_desc, "flush-"));
}

static bool in_evict(const struct blocked_task *t)
{
	for (size_t i = 0; i < t->frames.n; i++)
		if (!strcmp(t->frames.v[i], "evict") ||
		    !strcmp(t->frames.v[i], "inode_wait_for_writeback"))
			return true;
	return false;
}

/* Lower is more likely the root; see sig_pick_root() in signature.h. */
static int root_rank(const struct blocked_task *t)
{
	if (t->sig)
		return t->sig->role == SIG_ROOT ? 0 : t->sig->role == SIG_VICTIM ? 3 : 4;
	return is_flusher_or_kworker(t) && in_evict(t) ? 1 : 2;
}

/* Strictly better: a lower rank, or the same rank and blocked longer (ties keep the earlier). */
static bool better_root(const struct blocked_task *a, const struct blocked_task *b)
{
	int ra = root_rank(a), rb = root_rank(b);

	return ra < rb || (ra == rb && a->blocked_secs > b->blocked_secs);
}

size_t sig_pick_root(const struct blocked_task *t, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (better_root(&t[i], &t[best]))
			best = i;
	return best; /* 0 == n when there is none */
}

/* ---- analysis of a set of reports ---- */

struct hangs {
	struct blocked_task *t;
	size_t n;
};

static void take_if_missing(char **dst, char **src)
{
	if (!*dst) {
		*dst = *src;
		*src = NULL;
	}
}

/* The same task seen again: keep what either copy knows, the longer stack. */
static void merge_task(struct blocked_task *dst, struct blocked_task *src)
{
	if (src->frames.n > dst->frames.n) {
		struct strv tmp = dst->frames;

		dst->frames = src->frames;
		src->frames = tmp;
	}
	take_if_missing(&dst->task, &src->task);
	take_if_missing(&dst->workqueue, &src->workqueue);
	take_if_missing(&dst->work_desc, &src->work_desc);
	dst->blocked_secs = MAX(dst->blocked_secs, src->blocked_secs);
}

static void hangs_add(struct hangs *h, struct blocked_task *t)
{
	for (size_t i = 0; i < h->n && t->pid >= 0; i++) {
		if (h->t[i].pid == t->pid) {
			merge_task(&h->t[i], t);
			blocked_task_release(t);
			return;
		}
	}
	h->t = xrealloc(h->t, (h->n + 1) * sizeof(*h->t));
	h->t[h->n++] = *t;
}

static void hangs_release(struct hangs *h)
{
	for (size_t i = 0; i < h->n; i++)
		blocked_task_release(&h->t[i]);
	free(h->t);
}

static void add_name(json_t *names, const char *name)
{
	json_t *n;
	size_t i;

	json_array_foreach (names, i, n)
		if (!strcmp(json_string_value(n), name))
			return;
	json_array_append_new(names, json_string(name));
}

void sig_collect_reports(json_t *reports, json_t *into)
{
	json_t *r;
	size_t i;

	json_array_foreach (reports, i, r)
		if (jstr(r, "kind") && is_blocked_task(r))
			json_array_append(into, r);
}

json_t *sig_analyse(const struct sigset *set, json_t *tasks)
{
	json_t *hangs = json_array(), *names = json_array(), *o;
	struct hangs h = {0};
	const struct blocked_task *root;
	size_t i;

	json_array_foreach (tasks, i, o) {
		struct blocked_task t;

		if (blocked_task_from_json(&t, o) == 0)
			hangs_add(&h, &t);
	}
	/* Matched after merging: the longest stack and every known field decide. */
	for (i = 0; i < h.n; i++) {
		struct blocked_task *t = &h.t[i];

		t->sig = match_names(set, t->task, t->workqueue, t->work_desc, &t->frames);
		json_array_append_new(hangs, blocked_task_json(t));
		if (t->sig)
			add_name(names, t->sig->name);
	}
	i = sig_pick_root(h.t, h.n);
	root = i < h.n ? &h.t[i] : NULL;
	o = json_pack("{s:o, s:o, s:o, s:o}", "hangs", hangs, "signatures", names, "root",
		      root ? blocked_task_json(root) : json_null(), "reproducer",
		      root && root->sig && root->sig->reproducer
			      ? json_string(root->sig->reproducer)
			      : json_null());
	hangs_release(&h);
	return o;
}

json_t *sig_root(const struct sigset *set, json_t *reports, json_t *stuck, json_t **names)
{
	json_t *tasks = json_array(), *a, *root;

	/* The watchdog's events come first: it notices a stuck task before the kernel does. */
	if (json_is_array(stuck))
		json_array_extend(tasks, stuck);
	if (json_is_array(reports))
		sig_collect_reports(reports, tasks);
	a = sig_analyse(set, tasks);
	root = json_incref(json_object_get(a, "root"));
	if (names)
		*names = json_incref(json_object_get(a, "signatures"));
	json_decref(a);
	json_decref(tasks);
	return root;
}
