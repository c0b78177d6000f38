// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/runfile.h"
#include "lib/base.h"
#include "lib/strv.h"
#include "lib/output.h"
#include "lib/path.h"
#include "model/verdict.h"

#include <stdlib.h>
#include <string.h>

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *typed(json_t *o, const char *key, json_type type)
{
	json_t *v = json_object_get(o, key);

	return v && json_typeof(v) == type ? v : NULL;
}

static int trial_from_json(json_t *t, const char *run_id, struct trial_record *tr)
{
	json_t *timing = json_object_get(t, "timing");
	json_t *tele = json_object_get(t, "telemetry");
	const char *v = str_of(t, "verdict");
	int vi = verdict_parse(v);

	if (!json_is_object(t) || vi < 0)
		return err_set("trial %lld has no verdict (\"%s\")",
			       json_integer_value(json_object_get(t, "trial")), v ? v : "");
	memset(tr, 0, sizeof(*tr));
	tr->json = t;
	tr->trial = (int)json_integer_value(json_object_get(t, "trial"));
	tr->kernel = str_of(t, "kernel");
	tr->run = run_id;
	tr->verdict = vi;
	tr->reason = str_of(t, "reason") ?: "";
	tr->title = str_of(t, "title");
	tr->duration = json_number_value(json_object_get(t, "duration"));
	tr->stress_start = json_number_value(json_object_get(timing, "stress_start"));
	tr->total = json_number_value(json_object_get(timing, "total"));
	tr->time_to_hang = json_object_get(timing, "time_to_hang")
				   ? json_number_value(json_object_get(timing, "time_to_hang"))
				   : -1;
	tr->signatures = typed(t, "signatures", JSON_ARRAY);
	tr->counters = typed(tele, "counters", JSON_OBJECT);
	tr->per_minute = typed(tele, "per_minute", JSON_OBJECT);
	return 0;
}

int runfile_read(const char *dir, struct run_record *r)
{
	_cleanup_free_ char *p = path_join(dir, "run.json");
	json_error_t je;
	json_t *json = json_load_file(p, 0, &je);

	memset(r, 0, sizeof(*r));
	if (!json)
		return err_set("%s: %s (is %s a run directory?)", p, je.text, dir);
	return runfile_parse(json, dir, r);
}

int runfile_parse(json_t *json, const char *dir, struct run_record *r)
{
	_cleanup_free_ char *p = path_join(dir, "run.json");
	json_t *trials, *t;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->json = json;
	if (!json_is_object(r->json)) {
		runfile_release(r);
		return err_set("%s: not a run (a JSON object)", p);
	}
	r->dir = xstrdup(dir);
	r->id = str_of(r->json, "id") ?: base_of(dir);
	r->scenario = str_of(r->json, "scenario") ?: "?";
	r->kernel = str_of(r->json, "kernel");
	r->baseline = str_of(r->json, "baseline");
	r->injected = json_is_true(json_object_get(r->json, "injected"));
	r->matrix = json_is_true(json_object_get(r->json, "matrix"));
	r->interrupted = json_is_true(json_object_get(r->json, "interrupted"));
	trials = typed(r->json, "trials", JSON_ARRAY);
	r->trials = xcalloc(json_array_size(trials) + 1, sizeof(*r->trials));
	json_array_foreach (trials, i, t) {
		struct trial_record *tr = &r->trials[r->ntrials];

		if (trial_from_json(t, r->id, tr) < 0) {
			_cleanup_free_ char *msg = xstrdup(err_msg());

			runfile_release(r);
			return err_set("%s: %s", p, msg);
		}
		if (!tr->kernel)
			tr->kernel = r->kernel ?: "?";
		tr->run_dir = r->dir;
		tr->started = str_of(r->json, "started");
		r->tally.n[tr->verdict]++;
		r->ntrials++;
	}
	return 0;
}

void runfile_release(struct run_record *r)
{
	free(r->trials);
	free(r->dir);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

json_t *trial_brief(json_t *v)
{
	static const char *const keys[] = {"trial",	 "kernel",   "verdict",	  "reason",
					   "title",	 "duration", "timing",	  "signatures",
					   "injections", "injected", "telemetry", "reruns",
					   "integrity",	 "root"};
	json_t *brief = json_object();

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *x = json_object_get(v, keys[i]);

		/* Optional lists stay absent when absent; the rest is always there. */
		if (x || (strcmp(keys[i], "signatures") && strcmp(keys[i], "telemetry") &&
			  strcmp(keys[i], "reruns") && strcmp(keys[i], "integrity") &&
			  strcmp(keys[i], "root")))
			json_object_set(brief, keys[i], x ? x : json_null());
	}
	return brief;
}

bool runfile_seen(struct strv *seen, const char *dir)
{
	_cleanup_free_ char *real = realpath(dir, NULL);

	if (!real)
		return false; /* runfile_read() says what is wrong with it */
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->v[i], real))
			return true;
	strv_push(seen, real);
	return false;
}

json_t *runfile_kernel_meta(const char *dir, const char *kernel)
{
	_cleanup_free_ char *one = path_join(dir, "kernel.json");
	_cleanup_free_ char *name = xasprintf("kernel-%s.json", kernel);
	_cleanup_free_ char *many = path_join(dir, name);
	json_t *k = json_load_file(many, 0, NULL);

	if (!k)
		k = json_load_file(one, 0, NULL);
	if (k && strcmp(json_string_value(json_object_get(k, "name")) ?: kernel, kernel)) {
		json_decref(k);
		return NULL;
	}
	return k;
}
