// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "analysis/report.h"
#include "analysis/compare.h"
#include "analysis/mdhtml.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "model/runfile.h"
#include "model/verdict.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void md_counters(const struct comparison *c, FILE *f)
{
	bool any = false;

	for (int i = 0; i < c->nk; i++)
		any |= json_object_size(c->k[i].counters) > 0;
	if (!any)
		return;
	fprintf(f, "\n## Inject module counters (summed over each kernel's trials; "
		   "docs/injections.md)\n\n| kernel |");
	for (size_t j = 0; j < compare_ncounter_keys; j++)
		fprintf(f, " %s |", compare_counter_keys[j]);
	fprintf(f, "\n|---|");
	for (size_t j = 0; j < compare_ncounter_keys; j++)
		fprintf(f, "---|");
	fprintf(f, "\n");
	for (int i = 0; i < c->nk; i++) {
		fprintf(f, "| %s |", c->k[i].name);
		for (size_t j = 0; j < compare_ncounter_keys; j++) {
			json_t *v = json_object_get(c->k[i].counters, compare_counter_keys[j]);

			if (v)
				fprintf(f, " %lld |", json_integer_value(v));
			else
				fprintf(f, " – |");
		}
		fprintf(f, "\n");
	}
}

static void md_integrity(const struct comparison *c, FILE *f)
{
	bool any = false;

	for (int i = 0; i < c->nk; i++)
		any |= c->k[i].verified_bytes > 0 || c->k[i].mismatches > 0;
	if (!any)
		return;
	fprintf(f, "\n## Data verification (verify churners; docs/verification.md)\n\n"
		   "| kernel | bytes read back right | blocks read back wrong | trials with "
		   "corruption |\n|---|---|---|---|\n");
	for (int i = 0; i < c->nk; i++)
		fprintf(f, "| %s | %lld | %lld | %d |\n", c->k[i].name, c->k[i].verified_bytes,
			c->k[i].mismatches, c->k[i].corrupt_trials);
}

static void md_report(const struct comparison *c, FILE *f)
{
	fprintf(f, "# iputstorm compare: %s\n\n", c->scenario);
	if (c->injected)
		fprintf(f,
			"**Fault injection was on** in these runs: a reproduction shows the code "
			"path deadlocks, not how often production meets it.\n\n");
	fprintf(f, "| kernel | trials | FAIL | PASS | ERROR | MISS | FAIL rate | 95 %% CI | "
		   "median time to FAIL |\n|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < c->nk; i++) {
		const struct kstat *k = &c->k[i];
		double med = kstat_median(k);

		char rate[16];

		/* No decided trial: no rate, not a number that reads like one. */
		if (isnan(k->rate))
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%.2f", k->rate);
		fprintf(f, "| %s%s | %zu | %d | %d | %d | %d | %s | [%.2f, %.2f] | ", k->name,
			i == c->base ? " (baseline)" : "", k->ntrials, k->tally.n[V_FAIL],
			k->tally.n[V_PASS], k->tally.n[V_ERROR], k->tally.n[V_MISS], rate, k->ci.lo,
			k->ci.hi);
		if (isnan(med))
			fprintf(f, "not reached |\n");
		else
			fprintf(f, "%.1f s |\n", med);
	}
	fprintf(f, "\nERROR and MISS trials are left out of the rates.\n\n## Verdicts\n\n");
	for (int i = 0; i < c->nk; i++) {
		_cleanup_free_ char *w = NULL;

		if (i == c->base)
			continue;
		w = comparison_words(c, i);
		fprintf(f, "- %s (Fisher's exact test, two-sided, alpha %g)\n", w, c->alpha);
	}
	fprintf(f, "\n## Signatures and titles of failures\n\n");
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
	md_integrity(c, f);
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

static void svg_rates(const struct comparison *c, FILE *f)
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
		const struct kstat *k = &c->k[i];
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
			x + 30, k->tally.n[V_FAIL], k->tally.n[V_PASS] + k->tally.n[V_FAIL]);
	}
	fprintf(f, "</svg>\n");
}

static void svg_km(const struct comparison *c, FILE *f)
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
		const struct kstat *k = &c->k[i];
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

static void html_report(const struct comparison *c, const char *md, FILE *f)
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

/* Every machine-read report says so when a FAIL was provoked, not natural. */
#define INJECTED_NOTE                                                                     \
	"fault injection was on: a FAIL shows the code path can deadlock, not how often " \
	"production meets it"

/* The JUnit element of each verdict but PASS. */
static const char *const junit_element[V_NVERDICTS] = {
	[V_FAIL] = "failure", [V_ERROR] = "error", [V_MISS] = "skipped"};

static void junit_report(const struct comparison *c, FILE *f)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"iputstorm\">\n");
	for (int i = 0; i < c->nk; i++) {
		const struct kstat *k = &c->k[i];

		fprintf(f, "  <testsuite name=\"iputstorm.");
		html_escape(f, c->scenario);
		fprintf(f, ".");
		html_escape(f, k->name);
		fprintf(f, "\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
			k->ntrials, k->tally.n[V_FAIL], k->tally.n[V_ERROR], k->tally.n[V_MISS]);
		if (c->injected)
			fprintf(f, "    <properties><property name=\"fault_injection\" "
				   "value=\"true\"/></properties>\n");
		for (size_t j = 0; j < k->ntrials; j++) {
			const struct trial_record *t = k->trials[j];
			const char *elem = junit_element[t->verdict];

			fprintf(f, "    <testcase classname=\"");
			html_escape(f, k->name);
			fprintf(f, "\" name=\"");
			html_escape(f, t->run);
			fprintf(f, " trial %d\" time=\"%.1f\"", t->trial, t->duration);
			if (t->verdict == V_PASS) {
				fprintf(f, "/>\n");
				continue;
			}
			fprintf(f, ">\n      <%s message=\"%s", elem,
				c->injected ? "[fault injection] " : "");
			html_escape(f, t->verdict == V_FAIL ? t->title ?: "" : t->reason);
			fprintf(f, "\">");
			html_escape(f, t->reason);
			fprintf(f, "</%s>\n    </testcase>\n", elem);
		}
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
}

/*
 * KTAP as the kernel's Documentation/dev-tools/ktap.rst has it: subtests
 * indented by two spaces; a FAIL's title as a diagnostic line before its
 * "not ok"; ERROR is "not ok ... # ERROR"; MISS is "ok ... # SKIP"; a kernel
 * fails when a trial FAILed or ERRORed, and is skipped when every trial was.
 */
static void ktap_report(const struct comparison *c, FILE *f)
{
	fprintf(f, "KTAP version 1\n1..%d\n", c->nk);
	if (c->injected)
		fprintf(f, "# %s\n", INJECTED_NOTE);
	for (int i = 0; i < c->nk; i++) {
		const struct kstat *k = &c->k[i];
		bool failed = k->tally.n[V_FAIL] || k->tally.n[V_ERROR];

		fprintf(f, "  KTAP version 1\n  # Subtest: %s\n  1..%zu\n", k->name, k->ntrials);
		for (size_t j = 0; j < k->ntrials; j++) {
			const struct trial_record *t = k->trials[j];

			switch (t->verdict) {
			case V_PASS:
				fprintf(f, "  ok %zu trial %d\n", j + 1, t->trial);
				break;
			case V_FAIL:
				fprintf(f, "  # trial %d: %s%s\n  not ok %zu trial %d\n", t->trial,
					t->title ?: t->reason,
					c->injected && !strstr(t->title ?: "", "[fault injection]")
						? " [fault injection]"
						: "",
					j + 1, t->trial);
				break;
			case V_ERROR:
				fprintf(f, "  not ok %zu trial %d # ERROR %s\n", j + 1, t->trial,
					t->reason);
				break;
			default:
				fprintf(f, "  ok %zu trial %d # SKIP %s: %s\n", j + 1, t->trial,
					verdict_name(t->verdict), t->reason);
			}
		}
		if (failed)
			fprintf(f, "not ok %d %s\n", i + 1, k->name);
		else if (k->ntrials && k->tally.n[V_MISS] == (int)k->ntrials)
			fprintf(f, "ok %d %s # SKIP every trial MISS\n", i + 1, k->name);
		else
			fprintf(f, "ok %d %s\n", i + 1, k->name);
	}
}

/* KCIDB's origin: IPUTSTORM_KCIDB_ORIGIN, for a CI that submits under its own name. */
static const char *kcidb_origin(void)
{
	const char *o = getenv("IPUTSTORM_KCIDB_ORIGIN");

	if (!o || !*o)
		return "iputstorm";
	/* KCIDB takes [a-z0-9_]+ only; anything else would void every id in the report. */
	if (o[strspn(o, "abcdefghijklmnopqrstuvwxyz0123456789_")]) {
		p_warn("IPUTSTORM_KCIDB_ORIGIN '%s' is not [a-z0-9_]+ as KCIDB requires; using "
		       "'iputstorm'",
		       o);
		return "iputstorm";
	}
	return o;
}

/* KCIDB test paths are dot-separated [a-zA-Z0-9_-] words: the scenario name as one word. */
static char *kcidb_path(const char *scenario)
{
	char *p = xasprintf("iputstorm.%s", scenario && *scenario ? scenario : "unknown");

	for (char *c = p + strlen("iputstorm."); *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *c))
			*c = '_';
	return p;
}

/*
 * KCIDB v5 takes https:// repository URLs only: scp-like, ssh:// and git://
 * forms of a host's repository become its https:// form; a local path has
 * none, and is left out.
 */
static char *kcidb_repo_url(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/'), *at;

	if (str_startswith(url, "https://"))
		return xstrdup(url);
	if (str_startswith(url, "ssh://") || str_startswith(url, "git://") ||
	    str_startswith(url, "http://")) {
		const char *rest = strstr(url, "://") + 3, *host, *end;

		slash = strchr(rest, '/');
		at = strchr(rest, '@');
		host = at && (!slash || at < slash) ? at + 1 : rest;
		/* The host without an ssh or git port: https has its own. */
		end = strchr(host, '/') ? strchr(host, '/') : host + strlen(host);
		colon = memchr(host, ':', (size_t)(end - host));
		return xasprintf("https://%.*s%s", (int)((colon ? colon : end) - host), host, end);
	}
	/* Any other scheme (file://, git+ssh://) names no https form. */
	if (strstr(url, "://"))
		return NULL;
	/* scp-like [user@]host:path: a ':' before any '/'. */
	if (colon && (!slash || colon < slash) && colon[1]) {
		at = strchr(url, '@');
		at = at && at < colon ? at + 1 : url;
		return xasprintf("https://%.*s/%s", (int)(colon - at), at, colon + 1);
	}
	return NULL;
}

/* A local file as a file:// URI: absolute, with what a URI cannot hold percent-encoded. */
static char *kcidb_file_url(const char *path)
{
	_cleanup_free_ char *abs = realpath(path, NULL);
	const char *p = abs ? abs : path;
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "file://");
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (isalnum(*c) || strchr("/-._~+", *c))
			sb_printf(&sb, "%c", *c);
		else
			sb_printf(&sb, "%%%02X", *c);
	return sb_detach(&sb);
}

/*
 * KCIDB v5.3: ids unique per run (origin:run:kernel), so a nightly never
 * reuses one; start times and each trial's console log as an output file.
 */
/*
 * What the kernel was built from, as its kernel.json recorded it: the commit
 * and repository of a built tree, and the patch set (KCIDB's patchset_hash,
 * and the patch files) of a patched kernel.
 */
static void checkout_source(json_t *co, const char *run_dir, const char *kernel)
{
	_cleanup_json_ json_t *meta = runfile_kernel_meta(run_dir, kernel);
	json_t *patches = json_object_get(meta, "patches"), *p, *files;
	const char *commit = json_string_value(json_object_get(meta, "commit"));
	const char *repo = json_string_value(json_object_get(meta, "repository"));
	const char *hash = json_string_value(json_object_get(meta, "patchset_hash"));
	size_t i;

	if (commit)
		json_object_set_new(co, "git_commit_hash", json_string(commit));
	if (repo) {
		char *url = kcidb_repo_url(repo);

		if (url)
			json_object_set_new(co, "git_repository_url", json_string(url));
		free(url);
	}
	if (!json_array_size(patches))
		return;
	if (hash)
		json_object_set_new(co, "patchset_hash", json_string(hash));
	files = json_array();
	json_array_foreach (patches, i, p) {
		const char *path = json_string_value(p) ?: "";
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		_cleanup_free_ char *url = NULL;

		/* A resource needs a name without '/': no name, no entry. */
		if (!*base)
			continue;
		url = kcidb_file_url(path);
		json_array_append_new(files, json_pack("{s:s, s:s}", "name", base, "url", url));
	}
	json_object_set_new(co, "patchset_files", files);
}

static json_t *kcidb_report(const struct comparison *c)
{
	json_t *checkouts = json_array(), *builds = json_array(), *tests = json_array();
	const char *origin = kcidb_origin();

	for (int i = 0; i < c->nk; i++) {
		const struct kstat *k = &c->k[i];
		const char *run = k->ntrials ? k->trials[0]->run : "none";
		const char *started = k->ntrials ? k->trials[0]->started : NULL;
		_cleanup_free_ char *cid = xasprintf("%s:%s:%s", origin, run, k->name);
		_cleanup_free_ char *bid = xasprintf("%s:%s:%s:build", origin, run, k->name);
		json_t *co = json_pack("{s:s, s:s, s:s, s:b}", "id", cid, "origin", origin,
				       "tree_name", k->name, "valid", 1);

		if (started)
			json_object_set_new(co, "start_time", json_string(started));
		if (k->ntrials && k->trials[0]->run_dir)
			checkout_source(co, k->trials[0]->run_dir, k->name);
		json_array_append_new(checkouts, co);
		json_array_append_new(builds,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", bid, "origin",
						origin, "checkout_id", cid, "architecture",
						"x86_64", "status", "PASS"));
		for (size_t j = 0; j < k->ntrials; j++) {
			const struct trial_record *t = k->trials[j];
			_cleanup_free_ char *tid =
				xasprintf("%s:%s:%s:%d", origin, t->run, k->name, t->trial);
			_cleanup_free_ char *path = kcidb_path(c->scenario);
			_cleanup_free_ char *logp = t->run_dir
							    ? xasprintf("%s/trials/%d/console.log",
									t->run_dir, t->trial)
							    : NULL;
			_cleanup_free_ char *log = logp ? kcidb_file_url(logp) : NULL;
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:{s:s, s:s, s:b}}",
					      "id", tid, "origin", origin, "build_id", bid, "path",
					      path, "status", verdict_name(t->verdict), "duration",
					      t->duration, "misc", "reason", t->reason, "title",
					      t->title ?: "", "fault_injection", c->injected);

			if (t->started)
				json_object_set_new(o, "start_time", json_string(t->started));
			/*
			 * The console log is the test's log_url; KCIDB lists everything
			 * else the trial left in output_files, never the log again.
			 */
			if (log) {
				_cleanup_free_ char *ev = xasprintf("%s/trials/%d/events.jsonl",
								    t->run_dir, t->trial);
				_cleanup_free_ char *vd = xasprintf("%s/trials/%d/verdict.json",
								    t->run_dir, t->trial);
				_cleanup_free_ char *evu = kcidb_file_url(ev);
				_cleanup_free_ char *vdu = kcidb_file_url(vd);

				json_object_set_new(o, "log_url", json_string(log));
				json_object_set_new(o, "output_files",
						    json_pack("[{s:s, s:s}, {s:s, s:s}]", "name",
							      "events.jsonl", "url", evu, "name",
							      "verdict.json", "url", vdu));
			}
			json_array_append_new(tests, o);
		}
	}
	return json_pack("{s:{s:i, s:i}, s:o, s:o, s:o}", "version", "major", 5, "minor", 3,
			 "checkouts", checkouts, "builds", builds, "tests", tests);
}

static int write_text(const char *dir, const char *name, const char *text, size_t len)
{
	_cleanup_free_ char *p = path_join(dir, name);

	if (write_file_atomic(p, text, len) < 0)
		return err_set("cannot write %s: %s", p, strerror(errno));
	return 0;
}

/* A report writer into memory: the file is replaced whole or not at all. */
static int write_with(const struct comparison *c, const char *dir, const char *name,
		      void (*fn)(const struct comparison *, FILE *))
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	fn(c, f);
	fclose(f);
	return write_text(dir, name, buf, n);
}

int report_write(const struct comparison *c, const char *dir, char **md)
{
	_cleanup_free_ char *html = NULL, *kcidb_text = NULL;
	size_t len = 0, hlen = 0;
	json_t *kcidb = kcidb_report(c);
	FILE *f;

	*md = NULL;
	kcidb_text = json_dumps(kcidb, JSON_INDENT(1));
	json_decref(kcidb);
	f = open_memstream(md, &len);
	md_report(c, f);
	fclose(f);
	f = open_memstream(&html, &hlen);
	html_report(c, *md, f);
	fclose(f);
	if (write_text(dir, "report.md", *md, len) < 0 ||
	    write_text(dir, "report.html", html, hlen) < 0 ||
	    write_with(c, dir, "junit.xml", junit_report) < 0 ||
	    write_with(c, dir, "results.ktap", ktap_report) < 0 ||
	    write_text(dir, "kcidb.json", kcidb_text, strlen(kcidb_text)) < 0)
		return -1;
	return 0;
}
