// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/results.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "model/verdict.h"

#include <errno.h>
#include <glob.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int results_save(struct run_results *r)
{
	_cleanup_free_ char *p = path_join(r->dir, "run.json");

	return json_save(p, r->run);
}

static void update_latest(struct run_results *r)
{
	_cleanup_free_ char *link = path_join(r->base, "latest");
	_cleanup_free_ char *tmp = xasprintf("%s.%d", link, (int)getpid());

	/* Relative, so a moved results directory keeps working. */
	unlink(tmp);
	if (symlink(r->id, tmp) == 0 && rename(tmp, link) == 0)
		return;
	unlink(tmp);
}

static bool run_is_finished_on(json_t *run, const char *const *kernels, size_t nk,
			       int planned_trials)
{
	json_t *k = json_object_get(run, "kernels");

	if (!json_is_string(json_object_get(run, "finished")) ||
	    json_is_true(json_object_get(run, "interrupted")) || json_array_size(k) != nk ||
	    json_integer_value(json_object_get(run, "planned_trials")) != planned_trials)
		return false;
	for (size_t i = 0; i < nk; i++)
		if (strcmp(json_string_value(json_array_get(k, i)) ?: "", kernels[i]))
			return false;
	return true;
}

char *results_find_finished(const char *base, const char *scenario_text, const char *const *kernels,
			    size_t nk, int planned_trials)
{
	_cleanup_free_ char *pattern = path_join(base, "*/run.json");
	char *found = NULL;
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return NULL;
	/* Run ids start with their UTC start time: glob's order is age. */
	for (size_t i = g.gl_pathc; i-- > 0 && !found;) {
		_cleanup_json_ json_t *run = json_load_file(g.gl_pathv[i], 0, NULL);
		_cleanup_free_ char *dir = dir_of(g.gl_pathv[i]);
		_cleanup_free_ char *ini = path_join(dir, "scenario.ini");
		_cleanup_free_ char *text = NULL;

		struct stat st;

		/* BASE/latest is a link to one of them: name the run by its id. */
		if (lstat(dir, &st) < 0 || S_ISLNK(st.st_mode) || !run ||
		    !run_is_finished_on(run, kernels, nk, planned_trials))
			continue;
		text = read_file(ini, NULL);
		if (text && !strcmp(text, scenario_text))
			found = xstrdup(dir);
	}
	globfree(&g);
	return found;
}

char *results_latest(const char *base)
{
	_cleanup_free_ char *link = path_join(base, "latest");
	char buf[4096];
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = 0;
	return xstrdup(buf);
}

int results_create(struct run_results *r, const char *base, const char *scenario_name)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	memset(r, 0, sizeof(*r));
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	r->base = xstrdup(base);
	if (mkdir_p(base, 0755) < 0)
		return err_set("cannot create %s: %s", base, strerror(errno));
	for (int n = 0; n < 1000; n++) {
		free(r->id);
		free(r->dir);
		r->id = n ? xasprintf("%s-%s-%d", stamp, scenario_name, n)
			  : xasprintf("%s-%s", stamp, scenario_name);
		r->dir = path_join(base, r->id);
		if (mkdir(r->dir, 0755) == 0)
			break;
		if (errno != EEXIST)
			return err_set("cannot create %s: %s", r->dir, strerror(errno));
	}
	{
		_cleanup_free_ char *trials = path_join(r->dir, "trials");
		_cleanup_free_ char *now = iso8601_utc(now_wall());

		if (mkdir(trials, 0755) < 0)
			return err_set("cannot create %s: %s", trials, strerror(errno));
		r->run = json_pack("{s:s, s:s, s:s, s:n, s:[], s:{}}", "id", r->id, "started", now,
				   "verdict", "RUNNING", "finished", "trials", "counts");
	}
	update_latest(r);
	return results_save(r);
}

int results_write(struct run_results *r, const char *name, const char *text)
{
	_cleanup_free_ char *p = path_join(r->dir, name);

	if (write_file(p, text, strlen(text)) < 0)
		return err_set("cannot write %s: %s", p, strerror(errno));
	return 0;
}

int results_write_json(struct run_results *r, const char *name, json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	return results_write(r, name, s ? s : "null");
}

char *results_trial_dir(struct run_results *r, int n)
{
	char *d = xasprintf("%s/trials/%d", r->dir, n);

	if (mkdir_p(d, 0755) < 0) {
		err_set("cannot create %s: %s", d, strerror(errno));
		free(d);
		return NULL;
	}
	return d;
}

static void store_counts(struct run_results *r)
{
	json_t *c = json_object();

	for (int i = 0; i < V_NVERDICTS; i++)
		json_object_set_new(c, verdict_name(i), json_integer(r->tally.n[i]));
	json_object_set_new(r->run, "counts", c);
}

int results_add_trial(struct run_results *r, json_t *summary, enum verdict v)
{
	json_array_append(json_object_get(r->run, "trials"), summary);
	r->tally.n[v]++;
	store_counts(r);
	return results_save(r);
}

int results_finish(struct run_results *r, enum verdict v)
{
	_cleanup_free_ char *now = iso8601_utc(now_wall());

	json_object_set_new(r->run, "verdict", json_string(verdict_name(v)));
	json_object_set_new(r->run, "finished", json_string(now));
	store_counts(r);
	return results_save(r);
}

static void remove_partial_copies(const char *pattern)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

int results_recover(const char *dir)
{
	_cleanup_free_ char *runp = path_join(dir, "run.json");
	_cleanup_free_ char *tmps = xasprintf("%s/run.json.tmp.*", dir);
	_cleanup_free_ char *vtmps = xasprintf("%s/trials/*/verdict.json.tmp.*", dir);
	_cleanup_free_ char *now = iso8601_utc(now_wall());
	json_t *run, *t;
	struct tally tally = {0};
	size_t i;
	int ret = 0;

	remove_partial_copies(tmps);
	remove_partial_copies(vtmps);
	run = json_load_file(runp, 0, NULL);
	if (!run)
		return 0; /* never written: nothing to close */
	if (!strcmp(json_string_value(json_object_get(run, "verdict")) ?: "", "RUNNING")) {
		json_array_foreach (json_object_get(run, "trials"), i, t) {
			int v = verdict_parse(json_string_value(json_object_get(t, "verdict")));

			if (v >= 0)
				tally.n[v]++;
		}
		json_object_set_new(run, "verdict",
				    json_string(verdict_name(tally_verdict(&tally))));
		json_object_set_new(run, "finished", json_string(now));
		json_object_set_new(run, "interrupted", json_true());
		json_object_set_new(
			run, "error",
			json_string("the harness ended without finishing this run (killed?); "
				    "closed by the next start"));
		ret = json_save(runp, run);
	}
	json_decref(run);
	return ret;
}

void results_free(struct run_results *r)
{
	json_decref(r->run);
	free(r->base);
	free(r->dir);
	free(r->id);
	memset(r, 0, sizeof(*r));
}
