// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm compare RUN...: per kernel hang rates with Wilson intervals,
 * signatures and Kaplan–Meier time to hang; baseline vs each other kernel
 * with Fisher's exact test; reports in the first run directory.
 */
#define _GNU_SOURCE
#include "analysis/mdhtml.h"
#include "analysis/stats.h"
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { OPT_BASELINE = 256, OPT_EXPECT_FIXED, OPT_ALPHA_C };

struct kstat {
	char *name;
	int n[4]; /* PASS FAIL ERROR MISS */
	json_t *trials, *sigs, *titles;
	struct km_obs *km;
	size_t nkm;
	struct km_step *steps;
	size_t nsteps;
	struct interval ci;
	double rate, p; /* p: Fisher vs the baseline */
	bool decided_worse, decided_better;
	/* Against the baseline: hang titles it never showed, ERRORs where it had none. */
	json_t *new_titles;
	bool new_errors;
	json_t *counters; /* the inject module's counters, summed over the trials */
};

struct cmp {
	struct kstat k[16];
	int nk;
	json_t *runs;
	const char *scenario;
	bool injected;
	double alpha;
};

static const char *const vnames[4] = {"PASS", "FAIL", "ERROR", "MISS"};

static int vindex(const char *v)
{
	for (int i = 0; i < 4; i++)
		if (v && !strcmp(v, vnames[i]))
			return i;
	return 3;
}

static struct kstat *kstat_of(struct cmp *c, const char *name)
{
	for (int i = 0; i < c->nk; i++)
		if (!strcmp(c->k[i].name, name))
			return &c->k[i];
	if (c->nk == (int)ARRAY_SIZE(c->k))
		return NULL;
	c->k[c->nk] = (struct kstat){.name = xstrdup(name),
				     .trials = json_array(),
				     .sigs = json_object(),
				     .titles = json_object(),
				     .new_titles = json_object(),
				     .counters = json_object()};
	return &c->k[c->nk++];
}

static void add_to(json_t *o, const char *key, json_int_t n)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + n));
}

static void bump(json_t *o, const char *key)
{
	add_to(o, key, 1);
}

static void add_counters(json_t *sum, json_t *counters)
{
	const char *key;
	json_t *v;

	json_object_foreach (counters, key, v)
		add_to(sum, key, json_integer_value(v));
}

static void add_trial(struct kstat *k, json_t *t, const char *run_id)
{
	int v = vindex(json_string_value(json_object_get(t, "verdict")));
	json_t *timing = json_object_get(t, "timing"), *s, *copy = json_deep_copy(t);
	double start = json_number_value(json_object_get(timing, "stress_start"));
	double total = json_number_value(json_object_get(timing, "total"));
	size_t i;

	json_object_set_new(copy, "run", json_string(run_id));
	json_array_append_new(k->trials, copy);
	k->n[v]++;
	add_counters(k->counters, json_object_get(json_object_get(t, "telemetry"), "counters"));
	if (v == 1 || v == 0) {
		k->km = xrealloc(k->km, (k->nkm + 1) * sizeof(*k->km));
		k->km[k->nkm++] = (struct km_obs){
			.t = v == 1 && json_object_get(timing, "time_to_hang")
				     ? json_number_value(json_object_get(timing, "time_to_hang"))
				     : fmax(0, total - start),
			.event = v == 1};
	}
	if (v != 1)
		return;
	json_array_foreach (json_object_get(t, "signatures"), i, s)
		bump(k->sigs, json_string_value(s));
	if (json_string_value(json_object_get(t, "title")))
		bump(k->titles, json_string_value(json_object_get(t, "title")));
}

static int load_runs(struct cmp *c, char **dirs, int n)
{
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *p = path_join(dirs[i], "run.json");
		json_error_t je;
		json_t *run = json_load_file(p, 0, &je), *t;
		size_t j;

		if (!run)
			return err_set("%s: %s (is %s a run directory?)", p, je.text, dirs[i]);
		c->scenario = c->scenario
				      ?: xstrdup(json_string_value(json_object_get(run, "scenario"))
							 ?: "?");
		c->injected |= json_is_true(json_object_get(run, "injected"));
		json_array_foreach (json_object_get(run, "trials"), j, t) {
			const char *kn = json_string_value(json_object_get(t, "kernel"));
			struct kstat *k = kstat_of(c, kn ? kn : "?");

			if (!k) {
				json_decref(run);
				return err_set("more than %zu kernels", ARRAY_SIZE(c->k));
			}
			add_trial(k, t, json_string_value(json_object_get(run, "id")) ?: dirs[i]);
		}
		json_array_append_new(c->runs, run);
	}
	return 0;
}

/*
 * A hang the baseline never showed is news however few trials saw it: a FAIL
 * is always the kernel's fault, so one new title is a new bug (or a new face
 * of the old one) that the rate comparison alone would call "no difference".
 */
static void new_failures(struct kstat *k, const struct kstat *b)
{
	const char *title;
	json_t *v;

	json_object_foreach (k->titles, title, v)
		if (!json_object_get(b->titles, title))
			json_object_set(k->new_titles, title, v);
	k->new_errors = k->n[2] && !b->n[2];
}

static bool has_news(const struct kstat *k)
{
	return json_object_size(k->new_titles) || k->new_errors;
}

static void analyse(struct cmp *c, int base)
{
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i], *b = &c->k[base];
		int dec = k->n[0] + k->n[1];

		k->rate = dec ? (double)k->n[1] / dec : NAN;
		k->ci = wilson(k->n[1], dec, 1.96);
		k->steps = xcalloc(k->nkm + 1, sizeof(*k->steps));
		k->nsteps = kaplan_meier(k->km, k->nkm, k->steps);
		if (i == base)
			continue;
		k->p = fisher_two_sided(b->n[1], b->n[0], k->n[1], k->n[0]);
		k->decided_better = k->p < c->alpha && k->rate < b->rate;
		k->decided_worse = k->p < c->alpha && k->rate > b->rate;
		new_failures(k, b);
	}
}

static char *verdict_words(struct cmp *c, int base, int i)
{
	struct kstat *k = &c->k[i], *b = &c->k[base];
	const char *what = k->decided_better ? (k->n[1] ? "hangs less than" : "removes the hang of")
			   : k->decided_worse ? "hangs more than"
					      : "shows no significant difference from";
	struct strbuf w = {0};
	const char *title;
	json_t *v;

	sb_printf(&w, "%s %s %s: %d/%d vs %d/%d, p = %.2g", k->name, what, b->name, k->n[1],
		  k->n[0] + k->n[1], b->n[1], b->n[0] + b->n[1], k->p);
	json_object_foreach (k->new_titles, title, v)
		sb_printf(&w, "; new hang on %s: \"%s\" x%lld", k->name, title,
			  json_integer_value(v));
	if (k->new_errors)
		sb_printf(&w, "; %d ERROR trial(s) on %s, none on %s", k->n[2], k->name, b->name);
	return sb_detach(&w);
}

/* ---- report.md ---- */

/* What tells a fix from a lucky run: where final iputs ran, and what was injected. */
static const char *const counter_keys[] = {
	"wb_final_iput",       "evict_with_i_sync",   "msgr_final_iput",
	"msgr_final_iput_dir", "msgr_evict_busy",     "inode_work_evict",
	"lost_truncate",       "lost_truncate_clean", "delays_injected",
};

static void md_counters(struct cmp *c, FILE *f)
{
	bool any = false;

	for (int i = 0; i < c->nk; i++)
		any |= json_object_size(c->k[i].counters) > 0;
	if (!any)
		return;
	fprintf(f, "\n## Inject module counters (summed over each kernel's trials; "
		   "docs/injections.md)\n\n| kernel |");
	for (size_t j = 0; j < ARRAY_SIZE(counter_keys); j++)
		fprintf(f, " %s |", counter_keys[j]);
	fprintf(f, "\n|---|");
	for (size_t j = 0; j < ARRAY_SIZE(counter_keys); j++)
		fprintf(f, "---|");
	fprintf(f, "\n");
	for (int i = 0; i < c->nk; i++) {
		fprintf(f, "| %s |", c->k[i].name);
		for (size_t j = 0; j < ARRAY_SIZE(counter_keys); j++) {
			json_t *v = json_object_get(c->k[i].counters, counter_keys[j]);

			if (v)
				fprintf(f, " %lld |", json_integer_value(v));
			else
				fprintf(f, " – |");
		}
		fprintf(f, "\n");
	}
}

static void md_report(struct cmp *c, int base, FILE *f)
{
	fprintf(f, "# iputstorm compare: %s\n\n", c->scenario);
	if (c->injected)
		fprintf(f,
			"**Fault injection was on** in these runs: a reproduction shows the code "
			"path deadlocks, not how often production meets it.\n\n");
	fprintf(f, "| kernel | trials | FAIL | PASS | ERROR | MISS | hang rate | 95 %% CI | "
		   "median time to hang |\n|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		double med = NAN;

		for (size_t s = 0; s < k->nsteps; s++)
			if (k->steps[s].survival <= 0.5) {
				med = k->steps[s].t;
				break;
			}
		fprintf(f, "| %s%s | %zu | %d | %d | %d | %d | %.2f | [%.2f, %.2f] | ", k->name,
			i == base ? " (baseline)" : "", json_array_size(k->trials), k->n[1],
			k->n[0], k->n[2], k->n[3], k->rate, k->ci.lo, k->ci.hi);
		if (isnan(med))
			fprintf(f, "not reached |\n");
		else
			fprintf(f, "%.1f s |\n", med);
	}
	fprintf(f, "\nERROR and MISS trials are left out of the rates.\n\n## Verdicts\n\n");
	for (int i = 0; i < c->nk; i++) {
		_cleanup_free_ char *w = NULL;

		if (i == base)
			continue;
		w = verdict_words(c, base, i);
		fprintf(f, "- %s (Fisher's exact test, two-sided, alpha %g)\n", w, c->alpha);
	}
	fprintf(f, "\n## Signatures and titles of hangs\n\n");
	for (int i = 0; i < c->nk; i++) {
		json_t *v;
		const char *key, *sep = " ";

		fprintf(f, "- %s:", c->k[i].name);
		if (!json_object_size(c->k[i].sigs) && !json_object_size(c->k[i].titles))
			fprintf(f, " none");
		json_object_foreach (c->k[i].sigs, key, v) {
			fprintf(f, "%s`%s` x%lld", sep, key, json_integer_value(v));
			sep = "; ";
		}
		json_object_foreach (c->k[i].titles, key, v) {
			fprintf(f, "%s\"%s\" x%lld", sep, key, json_integer_value(v));
			sep = "; ";
		}
		fprintf(f, "\n");
	}
	md_counters(c, f);
	fprintf(f, "\n## Time to hang (Kaplan–Meier; passing trials censored at their stress "
		   "time)\n\n| kernel | t (s) | at risk | hangs | S(t) |\n|---|---|---|---|---|\n");
	for (int i = 0; i < c->nk; i++)
		for (size_t s = 0; s < c->k[i].nsteps; s++)
			fprintf(f, "| %s | %.1f | %d | %d | %.3f |\n", c->k[i].name,
				c->k[i].steps[s].t, c->k[i].steps[s].at_risk,
				c->k[i].steps[s].events, c->k[i].steps[s].survival);
}

/* ---- report.html: self-contained, inline SVG ---- */

static const char *const colors[] = {"#c0392b", "#2471a3", "#239b56", "#b7950b", "#7d3c98"};

static void svg_rates(struct cmp *c, FILE *f)
{
	int w = 120 * c->nk + 80, h = 220;

	fprintf(f, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n", w, h);
	fprintf(f, "<line x1=\"50\" y1=\"180\" x2=\"%d\" y2=\"180\" stroke=\"#333\"/>\n", w - 10);
	for (int y = 0; y <= 4; y++)
		fprintf(f,
			"<text x=\"45\" y=\"%d\" font-size=\"11\" "
			"text-anchor=\"end\">%.2f</text>\n",
			184 - y * 40, y * 0.25);
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		double r = isnan(k->rate) ? 0 : k->rate;
		int x = 70 + i * 120;

		fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"60\" height=\"%.1f\" fill=\"%s\"/>\n",
			x, 180 - r * 160, r * 160, colors[i % 5]);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000\"/>\n",
			x + 30, 180 - k->ci.lo * 160, x + 30, 180 - k->ci.hi * 160);
		fprintf(f, "<text x=\"%d\" y=\"200\" font-size=\"11\" text-anchor=\"middle\">",
			x + 30);
		html_escape(f, k->name);
		fprintf(f,
			"</text>\n<text x=\"%d\" y=\"214\" font-size=\"11\" "
			"text-anchor=\"middle\">%d/%d</text>\n",
			x + 30, k->n[1], k->n[0] + k->n[1]);
	}
	fprintf(f, "</svg>\n");
}

static void svg_km(struct cmp *c, FILE *f)
{
	double tmax = 1;

	for (int i = 0; i < c->nk; i++)
		for (size_t j = 0; j < c->k[i].nkm; j++)
			tmax = fmax(tmax, c->k[i].km[j].t);
	fprintf(f,
		"<svg width=\"760\" height=\"240\" xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<line x1=\"50\" y1=\"200\" x2=\"500\" y2=\"200\" stroke=\"#333\"/>\n"
		"<line x1=\"50\" y1=\"20\" x2=\"50\" y2=\"200\" stroke=\"#333\"/>\n"
		"<text x=\"275\" y=\"230\" font-size=\"11\" text-anchor=\"middle\">seconds of "
		"stress (max %.0f)</text>\n<text x=\"45\" y=\"24\" font-size=\"11\" "
		"text-anchor=\"end\">1.0</text><text x=\"45\" y=\"204\" font-size=\"11\" "
		"text-anchor=\"end\">0</text>\n",
		tmax);
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		double s = 1, x = 50;

		fprintf(f,
			"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"50,20",
			colors[i % 5]);
		for (size_t j = 0; j < k->nsteps; j++) {
			x = 50 + 450 * k->steps[j].t / tmax;
			fprintf(f, " %.1f,%.1f %.1f,%.1f", x, 200 - 180 * s, x,
				200 - 180 * k->steps[j].survival);
			s = k->steps[j].survival;
		}
		fprintf(f, " 500,%.1f\"/>\n<text x=\"515\" y=\"%d\" font-size=\"11\" fill=\"%s\">",
			200 - 180 * s, 40 + 14 * i, colors[i % 5]);
		html_escape(f, k->name);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg>\n");
}

static void html_report(struct cmp *c, const char *md, FILE *f)
{
	/* report.md's first line is its "# title": the plots go right under it. */
	const char *nl = strchr(md, '\n');
	_cleanup_free_ char *title = xstrndup(md, nl ? (size_t)(nl - md) : strlen(md));

	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>iputstorm "
		   "compare: ");
	html_escape(f, c->scenario);
	fprintf(f, "</title>\n<style>body{font-family:sans-serif;max-width:90em;margin:2em}"
		   "table{border-collapse:collapse;margin:1em 0;font-size:.85em}"
		   "th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left}"
		   "th{background:#eee}code{background:#f4f4f4}</style></head><body>\n");
	md_to_html(f, title);
	fprintf(f, "<h2>Hang rate (95 %% Wilson interval)</h2>\n");
	svg_rates(c, f);
	fprintf(f, "<h2>Time to hang (Kaplan–Meier)</h2>\n");
	svg_km(c, f);
	md_to_html(f, nl ? nl + 1 : "");
	fprintf(f, "</body></html>\n");
}

/* ---- junit.xml, results.ktap, kcidb.json ---- */

static const char *tstr(json_t *t, const char *k)
{
	return json_string_value(json_object_get(t, k)) ?: "";
}

static void junit_report(struct cmp *c, FILE *f)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"iputstorm\">\n");
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		json_t *t;
		size_t j;

		fprintf(f, "  <testsuite name=\"iputstorm.");
		html_escape(f, c->scenario);
		fprintf(f, ".");
		html_escape(f, k->name);
		fprintf(f, "\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
			json_array_size(k->trials), k->n[1], k->n[2], k->n[3]);
		json_array_foreach (k->trials, j, t) {
			int v = vindex(tstr(t, "verdict"));

			fprintf(f, "    <testcase classname=\"");
			html_escape(f, k->name);
			fprintf(f, "\" name=\"%s trial %lld\" time=\"%.1f\"", tstr(t, "run"),
				json_integer_value(json_object_get(t, "trial")),
				json_number_value(json_object_get(t, "duration")));
			if (v == 0) {
				fprintf(f, "/>\n");
				continue;
			}
			fprintf(f, ">\n      <%s message=\"",
				v == 1	 ? "failure"
				: v == 2 ? "error"
					 : "skipped");
			html_escape(f, v == 1 ? tstr(t, "title") : tstr(t, "reason"));
			fprintf(f, "\">");
			html_escape(f, tstr(t, "reason"));
			fprintf(f, "</%s>\n    </testcase>\n",
				v == 1	 ? "failure"
				: v == 2 ? "error"
					 : "skipped");
		}
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
}

static void ktap_report(struct cmp *c, FILE *f)
{
	fprintf(f, "KTAP version 1\n1..%d\n", c->nk);
	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		json_t *t;
		size_t j;

		fprintf(f, "    KTAP version 1\n    # Subtest: %s\n    1..%zu\n", k->name,
			json_array_size(k->trials));
		json_array_foreach (k->trials, j, t) {
			int v = vindex(tstr(t, "verdict"));

			if (v == 0)
				fprintf(f, "    ok %zu trial %lld\n", j + 1,
					json_integer_value(json_object_get(t, "trial")));
			else if (v == 1)
				fprintf(f, "    not ok %zu trial %lld # %s\n", j + 1,
					json_integer_value(json_object_get(t, "trial")),
					tstr(t, "title"));
			else
				fprintf(f, "    ok %zu trial %lld # SKIP %s: %s\n", j + 1,
					json_integer_value(json_object_get(t, "trial")), vnames[v],
					tstr(t, "reason"));
		}
		fprintf(f, "%s %d %s\n", k->n[1] ? "not ok" : "ok", i + 1, k->name);
	}
}

static json_t *kcidb_report(struct cmp *c)
{
	json_t *checkouts = json_array(), *builds = json_array(), *tests = json_array();

	for (int i = 0; i < c->nk; i++) {
		struct kstat *k = &c->k[i];
		_cleanup_free_ char *cid = xasprintf("iputstorm:%s", k->name);
		_cleanup_free_ char *bid = xasprintf("iputstorm:%s:build", k->name);
		json_t *t;
		size_t j;

		json_array_append_new(checkouts,
				      json_pack("{s:s, s:s, s:s, s:b}", "id", cid, "origin",
						"iputstorm", "tree_name", k->name, "valid", 1));
		json_array_append_new(builds,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", bid, "origin",
						"iputstorm", "checkout_id", cid, "architecture",
						"x86_64", "status", "PASS"));
		json_array_foreach (k->trials, j, t) {
			_cleanup_free_ char *tid =
				xasprintf("iputstorm:%s:%s:%lld", k->name, tstr(t, "run"),
					  json_integer_value(json_object_get(t, "trial")));
			_cleanup_free_ char *path = xasprintf("iputstorm.%s", c->scenario);

			json_array_append_new(
				tests,
				json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:{s:s, s:s, s:b}}", "id",
					  tid, "origin", "iputstorm", "build_id", bid, "path", path,
					  "status", vnames[vindex(tstr(t, "verdict"))], "duration",
					  json_number_value(json_object_get(t, "duration")), "misc",
					  "reason", tstr(t, "reason"), "title", tstr(t, "title"),
					  "fault_injection", c->injected));
		}
	}
	return json_pack("{s:{s:i, s:i}, s:o, s:o, s:o}", "version", "major", 5, "minor", 3,
			 "checkouts", checkouts, "builds", builds, "tests", tests);
}

static int write_reports(struct cmp *c, int base, const char *dir)
{
	_cleanup_free_ char *mdp = path_join(dir, "report.md"), *md = NULL;
	const char *names[] = {"report.html", "junit.xml", "results.ktap"};
	size_t len = 0;
	FILE *f = open_memstream(&md, &len);
	json_t *kcidb;

	md_report(c, base, f);
	fclose(f);
	if (write_file_atomic(mdp, md, len) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		_cleanup_free_ char *p = path_join(dir, names[i]), *buf = NULL;
		size_t n = 0;

		f = open_memstream(&buf, &n);
		if (i == 0)
			html_report(c, md, f);
		else if (i == 1)
			junit_report(c, f);
		else
			ktap_report(c, f);
		fclose(f);
		if (write_file_atomic(p, buf, n) < 0)
			return -1;
	}
	kcidb = kcidb_report(c);
	{
		_cleanup_free_ char *p = path_join(dir, "kcidb.json");
		_cleanup_free_ char *s = json_dumps(kcidb, JSON_INDENT(1));

		json_decref(kcidb);
		if (write_file_atomic(p, s, strlen(s)) < 0)
			return -1;
	}
	if (!json_output)
		fputs(md, stdout);
	return 0;
}

static json_t *kernel_json(struct cmp *c, int i, int base)
{
	struct kstat *k = &c->k[i];
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:[f,f], s:O}", "kernel", k->name, "pass",
			      k->n[0], "fail", k->n[1], "error", k->n[2], "miss", k->n[3], "ci95",
			      k->ci.lo, k->ci.hi, "signatures", k->sigs);

	json_object_set_new(o, "rate", isnan(k->rate) ? json_null() : json_real(k->rate));
	if (i != base) {
		_cleanup_free_ char *w = verdict_words(c, base, i);

		json_object_set_new(o, "p", json_real(k->p));
		json_object_set_new(o, "verdict", json_string(w));
		json_object_set(o, "new_hangs", k->new_titles);
		json_object_set_new(o, "new_errors", json_boolean(k->new_errors));
	}
	json_object_set(o, "counters", k->counters);
	return o;
}

struct cargs {
	const char *baseline;
	bool expect_fixed;
	double alpha;
};

static int compare_opt(int id, const char *arg, void *ctx)
{
	struct cargs *a = ctx;

	if (id == OPT_BASELINE)
		a->baseline = arg;
	else if (id == OPT_EXPECT_FIXED)
		a->expect_fixed = true;
	else if (id == OPT_ALPHA_C &&
		 (sscanf(arg, "%lf", &a->alpha) != 1 || a->alpha <= 0 || a->alpha >= 1))
		return err_set("--alpha takes a level like 0.01, not '%s'", arg);
	return 0;
}

static const struct opt compare_opts[] = {
	{OPT_BASELINE, "baseline", "KERNEL",
	 "the kernel the others are compared with (default: the matrix's first)"},
	{OPT_EXPECT_FIXED, "expect-fixed", NULL,
	 "exit 1 unless every other kernel hangs significantly less than the baseline"},
	{OPT_ALPHA_C, "alpha", "P", "significance level (default 0.01)"},
	{0},
};

static const struct cmd_spec compare_spec = {
	.name = "compare",
	.usage = "[--baseline KERNEL] [--expect-fixed] [--alpha P] RUN_DIR...",
	.summary = "Per kernel: trials, verdict counts, hang rate with a 95 % Wilson interval, "
		   "signatures and titles, Kaplan–Meier time to hang. Baseline vs each other "
		   "kernel: Fisher's exact test and the verdict in words. Writes report.md, "
		   "report.html, junit.xml, results.ktap and kcidb.json into the first RUN_DIR.",
	.opts = compare_opts,
	.more = "ERROR and MISS trials are excluded from rates and shown separately.\nExit "
		"status: 0 fine, 1 a kernel is worse than the baseline: it hangs significantly "
		"more, it shows a hang title the baseline never did, or it has ERROR trials where "
		"the "
		"baseline had none (or, with --expect-fixed, the fix is not shown), 2 usage error, "
		"3 too few valid trials (< 3 decided per kernel) or fewer than two kernels.",
};

int cmd_compare(int argc, char **argv)
{
	struct cargs a = {.alpha = 0.01};
	struct cmp c = {.runs = json_array()};
	int first = opt_parse(&compare_spec, argc, argv, compare_opt, &a), base = 0, ret = 0;
	const char *bname;

	if (first < 0)
		return OPT_EXIT(first);
	if (first >= argc) {
		opt_usage(&compare_spec, stderr);
		return EXIT_USAGE;
	}
	c.alpha = a.alpha;
	if (load_runs(&c, argv + first, argc - first) < 0) {
		p_err("compare: %s", err_msg());
		ret = EXIT_USAGE;
		goto out;
	}
	bname = a.baseline
			?: json_string_value(
				   json_object_get(json_array_get(c.runs, 0), "baseline"));
	for (int i = 0; bname && i < c.nk; i++)
		if (!strcmp(c.k[i].name, bname))
			base = i;
	if (a.baseline && strcmp(c.k[base].name, a.baseline)) {
		p_err("compare: --baseline %s: no trials of that kernel in these runs", a.baseline);
		ret = EXIT_USAGE;
		goto out;
	}
	analyse(&c, base);
	if (write_reports(&c, base, argv[first]) < 0) {
		p_err("compare: %s", err_msg());
		ret = EXIT_UNDECIDED;
		goto out;
	}
	if (c.nk < 2) {
		p_warn("compare: one kernel only; nothing to compare");
		ret = EXIT_UNDECIDED;
	}
	for (int i = 0; i < c.nk && ret == 0; i++)
		if (c.k[i].n[0] + c.k[i].n[1] < 3)
			ret = EXIT_UNDECIDED;
	for (int i = 0; i < c.nk; i++) {
		if (i == base)
			continue;
		/* News needs no statistics; a rate comparison needs enough trials. */
		if (has_news(&c.k[i]) || (ret == 0 && (c.k[i].decided_worse ||
						       (a.expect_fixed && !c.k[i].decided_better))))
			ret = EXIT_FAILED;
	}
	if (json_output) {
		json_t *o = json_pack("{s:s, s:s, s:f, s:[]}", "scenario", c.scenario, "baseline",
				      c.k[base].name, "alpha", c.alpha, "kernels");

		for (int i = 0; i < c.nk; i++)
			json_array_append_new(json_object_get(o, "kernels"),
					      kernel_json(&c, i, base));
		json_print(o);
		json_decref(o);
	}
out:
	for (int i = 0; i < c.nk; i++) {
		free(c.k[i].name);
		free(c.k[i].km);
		free(c.k[i].steps);
		json_decref(c.k[i].trials);
		json_decref(c.k[i].sigs);
		json_decref(c.k[i].titles);
		json_decref(c.k[i].new_titles);
		json_decref(c.k[i].counters);
	}
	free((char *)c.scenario);
	json_decref(c.runs);
	return ret;
}
