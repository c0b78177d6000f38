// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "analysis/history.h"
#include "analysis/stats.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "model/runfile.h"
#include "model/verdict.h"

#include <sqlite3.h>
#include <string.h>

struct history {
	sqlite3 *db;
	char *path;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS trials ("
	" run TEXT NOT NULL, trial INTEGER NOT NULL, run_dir TEXT, started TEXT,"
	" kernel TEXT, abi TEXT, package_version TEXT, kernel_source TEXT, patches_hash TEXT,"
	" scenario TEXT, scenario_hash TEXT, injected INTEGER,"
	" verdict TEXT, title TEXT, root_signature TEXT, signatures TEXT,"
	" duration REAL, time_to_hang REAL, verified_bytes INTEGER, mismatches INTEGER,"
	" counters TEXT, result_path TEXT,"
	" PRIMARY KEY (run, trial));"
	"CREATE INDEX IF NOT EXISTS trials_by_kernel ON trials (kernel, scenario, started);"
	"CREATE TABLE IF NOT EXISTS nightly ("
	" night TEXT NOT NULL, target TEXT NOT NULL, scenario TEXT NOT NULL, kernel TEXT,"
	" baseline TEXT, status TEXT, run_dir TEXT, detail TEXT,"
	" PRIMARY KEY (night, target, scenario, kernel));";

static int db_error(struct history *h, const char *what)
{
	return err_set("%s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
}

struct history *history_open(const char *path)
{
	struct history *h = xcalloc(1, sizeof(*h));

	h->path = xstrdup(path);
	if (sqlite3_open(path, &h->db) != SQLITE_OK ||
	    sqlite3_busy_timeout(h->db, 10000) != SQLITE_OK ||
	    sqlite3_exec(h->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		db_error(h, "cannot open the history database");
		history_close(h);
		return NULL;
	}
	return h;
}

void history_close(struct history *h)
{
	if (!h)
		return;
	sqlite3_close(h->db);
	free(h->path);
	free(h);
}

char *history_default_path(const char *results_base)
{
	return path_join(results_base, "history.sqlite");
}

static char *hash_hex(uint64_t h)
{
	return xasprintf("%016llx", (unsigned long long)h);
}

/* The scenario as it ran: its dump in the run directory. */
static char *scenario_hash(const char *dir)
{
	_cleanup_free_ char *p = path_join(dir, "scenario.ini");
	size_t len;
	_cleanup_free_ char *s = read_file(p, &len);

	return s ? hash_hex(fnv1a(FNV1A_INIT, s, len)) : NULL;
}

/* kernel.json (run) or kernel-NAME.json (matrix), as the run saved it; NULL if not kept. */
/* The patch set by content where the files are still there, else by name. */
static char *patches_hash(json_t *meta)
{
	json_t *patches = json_object_get(meta, "patches"), *p;
	uint64_t h = FNV1A_INIT;
	size_t i;

	if (!json_array_size(patches))
		return NULL;
	json_array_foreach (patches, i, p) {
		const char *path = json_string_value(p) ?: "";
		size_t len;
		_cleanup_free_ char *s = read_file(path, &len);

		h = s ? fnv1a(h, s, len) : fnv1a(h, path, strlen(path));
	}
	return hash_hex(h);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *signature_list(json_t *sigs)
{
	struct strbuf sb = {0};
	json_t *s;
	size_t i;

	json_array_foreach (sigs, i, s)
		if (json_is_string(s))
			sb_printf(&sb, "%s%s", sb.len ? "," : "", json_string_value(s));
	return sb.len ? sb_detach(&sb) : NULL;
}

/*
 * Runs kept without verdict.json (bench/data) and from before run.json had
 * "root": a hang's title is "ROOT: task hung in ..." when its root has a
 * signature, so a title prefix that is one of the trial's signatures is it.
 */
static char *root_from_title(const struct trial_record *t)
{
	const char *title = json_string_value(json_object_get(t->json, "title"));
	const char *colon = title ? strstr(title, ": ") : NULL;
	json_t *s;
	size_t i;

	if (!colon)
		return NULL;
	json_array_foreach (t->signatures, i, s) {
		const char *name = json_string_value(s);

		if (name && strlen(name) == (size_t)(colon - title) &&
		    !strncmp(title, name, strlen(name)))
			return xstrdup(name);
	}
	return NULL;
}

/* The root signature: in run.json since it carries one, else in the trial's verdict.json. */
static char *root_signature(const struct run_record *r, const struct trial_record *t)
{
	json_t *root = json_object_get(t->json, "root"), *v = NULL;
	char *sig;

	if (!root) {
		_cleanup_free_ char *p = xasprintf("%s/trials/%d/verdict.json", r->dir, t->trial);

		v = json_load_file(p, 0, NULL);
		root = json_object_get(v, "root");
	}
	sig = json_string_value(json_object_get(root, "signature"))
		      ? xstrdup(json_string_value(json_object_get(root, "signature")))
		      : NULL;
	json_decref(v);
	return sig ? sig : root_from_title(t);
}

static int insert_trial(struct history *h, sqlite3_stmt *st, const struct run_record *r,
			const struct trial_record *t, const char *scn_hash)
{
	json_t *meta = runfile_kernel_meta(r->dir, t->kernel);
	json_t *integ = json_object_get(t->json, "integrity");
	_cleanup_free_ char *phash = patches_hash(meta);
	_cleanup_free_ char *sigs = signature_list(t->signatures);
	_cleanup_free_ char *counters = t->counters ? json_dumps(t->counters, JSON_COMPACT) : NULL;
	_cleanup_free_ char *path = xasprintf("%s/trials/%d", r->dir, t->trial);
	_cleanup_free_ char *root = root_signature(r, t);
	int rc;

	sqlite3_reset(st);
	bind_text(st, 1, r->id);
	sqlite3_bind_int(st, 2, t->trial);
	bind_text(st, 3, r->dir);
	bind_text(st, 4, t->started);
	bind_text(st, 5, t->kernel);
	bind_text(st, 6, json_string_value(json_object_get(meta, "kver")));
	bind_text(st, 7, json_string_value(json_object_get(meta, "package_version")));
	bind_text(st, 8, json_string_value(json_object_get(meta, "source")));
	bind_text(st, 9, phash);
	bind_text(st, 10, r->scenario);
	bind_text(st, 11, scn_hash);
	sqlite3_bind_int(st, 12, r->injected);
	bind_text(st, 13, verdict_name(t->verdict));
	bind_text(st, 14, t->title);
	bind_text(st, 15, root);
	bind_text(st, 16, sigs);
	sqlite3_bind_double(st, 17, t->duration);
	if (t->time_to_hang >= 0)
		sqlite3_bind_double(st, 18, t->time_to_hang);
	else
		sqlite3_bind_null(st, 18);
	if (integ) {
		sqlite3_bind_int64(st, 19,
				   json_integer_value(json_object_get(integ, "verified_bytes")));
		sqlite3_bind_int64(st, 20,
				   json_integer_value(json_object_get(integ, "mismatches")));
	} else {
		sqlite3_bind_null(st, 19);
		sqlite3_bind_null(st, 20);
	}
	bind_text(st, 21, counters);
	bind_text(st, 22, path);
	rc = sqlite3_step(st);
	json_decref(meta);
	return rc == SQLITE_DONE ? 0 : db_error(h, "cannot record a trial");
}

int history_import_run(struct history *h, const char *dir)
{
	static const char sql[] = "INSERT OR REPLACE INTO trials VALUES "
				  "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	_cleanup_free_ char *abs = realpath(dir, NULL);
	_cleanup_free_ char *scn_hash = NULL;
	struct run_record r;
	sqlite3_stmt *st = NULL;
	int n = 0;

	if (!abs)
		return err_set("%s: not a run directory", dir);
	if (runfile_read(abs, &r) < 0)
		return -1;
	scn_hash = scenario_hash(abs);
	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_exec(h->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		runfile_release(&r);
		return db_error(h, "cannot record a run");
	}
	for (size_t i = 0; i < r.ntrials && n >= 0; i++)
		n = insert_trial(h, st, &r, &r.trials[i], scn_hash) < 0 ? -1 : n + 1;
	sqlite3_finalize(st);
	if (sqlite3_exec(h->db, n < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK &&
	    n >= 0)
		n = db_error(h, "cannot commit a run");
	runfile_release(&r);
	return n;
}

/* ---- queries ---- */

static const char where[] = " WHERE (?1 IS NULL OR kernel = ?1 OR abi = ?1)"
			    " AND (?2 IS NULL OR scenario = ?2) AND (?3 IS NULL OR started >= ?3)"
			    " ORDER BY started, run, trial";

static sqlite3_stmt *select_trials(struct history *h, const char *columns,
				   const struct history_query *q)
{
	_cleanup_free_ char *sql = xasprintf("SELECT %s FROM trials%s", columns, where);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(h, "cannot query");
		return NULL;
	}
	bind_text(st, 1, q->kernel);
	bind_text(st, 2, q->scenario);
	bind_text(st, 3, q->since);
	return st;
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(st, i));
	default:
		return json_null();
	}
}

json_t *history_trials(struct history *h, const struct history_query *q)
{
	sqlite3_stmt *st = select_trials(h,
					 "run, trial, started, kernel, abi, scenario, injected, "
					 "verdict, title, root_signature, time_to_hang, "
					 "verified_bytes, mismatches, result_path",
					 q);
	json_t *out;
	int rc;

	if (!st)
		return NULL;
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();

		for (int i = 0; i < sqlite3_column_count(st); i++)
			json_object_set_new(row, sqlite3_column_name(st, i), column_json(st, i));
		json_array_append_new(out, row);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		db_error(h, "cannot query");
		return NULL;
	}
	return out;
}

struct hgroup {
	char *kernel, *scenario;
	struct tally tally;
	char *first, *last; /* started, of the first and the last trial */
	long long verified, mismatches;
	json_t *sigs; /* root signature -> {count, first_run} */
};

static struct hgroup *hgroup_of(struct hgroup **g, size_t *n, const char *kernel,
				const char *scenario)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*g)[i].kernel, kernel) && !strcmp((*g)[i].scenario, scenario))
			return &(*g)[i];
	*g = xrealloc(*g, (*n + 1) * sizeof(**g));
	(*g)[*n] = (struct hgroup){
		.kernel = xstrdup(kernel), .scenario = xstrdup(scenario), .sigs = json_object()};
	return &(*g)[(*n)++];
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void add_row(struct hgroup *g, sqlite3_stmt *st)
{
	int v = verdict_parse(col(st, 2));
	const char *started = col(st, 4), *root = col(st, 5);

	if (v >= 0)
		g->tally.n[v]++;
	if (started && !g->first)
		g->first = xstrdup(started);
	if (started) {
		free(g->last);
		g->last = xstrdup(started);
	}
	g->verified += sqlite3_column_int64(st, 6);
	g->mismatches += sqlite3_column_int64(st, 7);
	if (root) {
		json_t *s = json_object_get(g->sigs, root);

		if (!s)
			json_object_set_new(g->sigs, root,
					    json_pack("{s:i, s:s}", "count", 0, "first_run",
						      col(st, 3) ?: "?"));
		s = json_object_get(g->sigs, root);
		json_object_set_new(
			s, "count",
			json_integer(json_integer_value(json_object_get(s, "count")) + 1));
	}
}

static json_t *hgroup_json(struct hgroup *g)
{
	int dec = tally_decided(&g->tally);
	struct interval ci = wilson(g->tally.n[V_FAIL], dec, 1.96);

	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:[f,f], s:s?, s:s?, s:I, s:I, "
			 "s:O}",
			 "kernel", g->kernel, "scenario", g->scenario, "trials",
			 dec + g->tally.n[V_ERROR] + g->tally.n[V_MISS], "pass", g->tally.n[V_PASS],
			 "fail", g->tally.n[V_FAIL], "error", g->tally.n[V_ERROR], "miss",
			 g->tally.n[V_MISS], "rate",
			 dec ? json_real((double)g->tally.n[V_FAIL] / dec) : json_null(), "ci95",
			 ci.lo, ci.hi, "first", g->first, "last", g->last, "verified_bytes",
			 (json_int_t)g->verified, "mismatches", (json_int_t)g->mismatches,
			 "signatures", g->sigs);
}

json_t *history_query(struct history *h, const struct history_query *q)
{
	sqlite3_stmt *st = select_trials(h,
					 "kernel, scenario, verdict, run, started, root_signature, "
					 "verified_bytes, mismatches",
					 q);
	struct hgroup *g = NULL;
	size_t n = 0;
	json_t *out;
	int rc;

	if (!st)
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		add_row(hgroup_of(&g, &n, col(st, 0) ?: "?", col(st, 1) ?: "?"), st);
	sqlite3_finalize(st);
	out = rc == SQLITE_DONE ? json_array() : NULL;
	if (!out)
		db_error(h, "cannot query");
	for (size_t i = 0; i < n; i++) {
		if (out)
			json_array_append_new(out, hgroup_json(&g[i]));
		free(g[i].kernel);
		free(g[i].scenario);
		free(g[i].first);
		free(g[i].last);
		json_decref(g[i].sigs);
	}
	free(g);
	return out;
}

/* ---- nightly ---- */

int history_decided(struct history *h, const char *kernel, const char *scenario)
{
	/* By name only: a patched kernel shares its base's ABI, never its trials. */
	static const char sql[] = "SELECT COUNT(*) FROM trials WHERE kernel = ?1"
				  " AND scenario = ?2 AND verdict IN ('PASS', 'FAIL')";
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(h, "cannot count trials");
	bind_text(st, 1, kernel);
	bind_text(st, 2, scenario);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int history_nightly_add(struct history *h, const struct nightly_row *r)
{
	static const char sql[] = "INSERT OR REPLACE INTO nightly (night, target, scenario, kernel,"
				  " baseline, status, run_dir, detail) VALUES (?1, ?2, ?3, ?4, ?5,"
				  " ?6, ?7, ?8)";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(h, "cannot record the night");
	bind_text(st, 1, r->night);
	bind_text(st, 2, r->target);
	bind_text(st, 3, r->scenario);
	bind_text(st, 4, r->kernel);
	bind_text(st, 5, r->baseline);
	bind_text(st, 6, r->status);
	bind_text(st, 7, r->run_dir);
	bind_text(st, 8, r->detail);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(h, "cannot record the night");
}

char *history_nightly_last_good(struct history *h, const char *target, const char *scenario,
				const char *not_kernel)
{
	static const char sql[] = "SELECT kernel FROM nightly WHERE target = ?1 AND scenario = ?2"
				  " AND status IN ('good', 'baseline') AND kernel != ?3"
				  " ORDER BY night DESC, rowid DESC LIMIT 1";
	sqlite3_stmt *st;
	char *k = NULL;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(h, "cannot read the nights");
		return NULL;
	}
	bind_text(st, 1, target);
	bind_text(st, 2, scenario);
	bind_text(st, 3, not_kernel);
	if (sqlite3_step(st) == SQLITE_ROW)
		k = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return k;
}
