// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "analysis/dashboard.h"
#include "analysis/mdhtml.h"
#include "analysis/stats.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strv.h"

#include <errno.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static void text(FILE *f, const char *s)
{
	html_escape(f, s ? s : "");
}

/* The series a kernel belongs to: "6.12" of "6.12.117+deb12-amd64". */
static char *series_of(const char *abi_or_name)
{
	const char *s = abi_or_name ? abi_or_name : "?";
	const char *dot = strchr(s, '.');
	size_t n = dot ? strspn(dot + 1, "0123456789") + (size_t)(dot - s) + 1 : strlen(s);

	return xstrndup(s, n);
}

struct point {
	const char *run, *started;
	int fail, decided;
};

/* One run's trials of (kernel, scenario), in time order. */
static size_t points_of(json_t *trials, const char *kernel, const char *scenario, struct point *p,
			size_t max)
{
	size_t n = 0, i;
	json_t *t;

	json_array_foreach (trials, i, t) {
		const char *v = str(t, "verdict");

		if (strcmp(str(t, "kernel"), kernel) || strcmp(str(t, "scenario"), scenario))
			continue;
		if (!n || strcmp(p[n - 1].run, str(t, "run"))) {
			if (n == max)
				break;
			p[n++] = (struct point){.run = str(t, "run"), .started = str(t, "started")};
		}
		if (!strcmp(v, "FAIL") || !strcmp(v, "PASS")) {
			p[n - 1].decided++;
			p[n - 1].fail += !strcmp(v, "FAIL");
		}
	}
	return n;
}

/* The hang rate of each run with its 95 % Wilson interval: a dot and a bar. */
static void rate_chart(FILE *f, const struct point *p, size_t n)
{
	const int w = 360, h = 90, left = 30, step = n > 1 ? (w - left - 10) / (int)(n - 1) : 0;

	fprintf(f,
		"<svg width=\"%d\" height=\"%d\" role=\"img\">"
		"<line x1=\"%d\" y1=\"80\" x2=\"%d\" y2=\"80\" stroke=\"#999\"/>"
		"<text x=\"0\" y=\"14\" font-size=\"10\">1.0</text>"
		"<text x=\"0\" y=\"84\" font-size=\"10\">0.0</text>",
		w, h, left, w - 5);
	for (size_t i = 0; i < n; i++) {
		struct interval ci = wilson(p[i].fail, p[i].decided, 1.96);
		int x = left + (int)i * step + (n == 1 ? (w - left) / 2 : 0);

		if (!p[i].decided)
			continue;
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#888\" "
			"stroke-width=\"3\"/><circle cx=\"%d\" cy=\"%.1f\" r=\"4\" fill=\"%s\">"
			"<title>",
			x, 80 - 70 * ci.hi, x, 80 - 70 * ci.lo, x,
			80 - 70.0 * p[i].fail / p[i].decided, p[i].fail ? "#c0392b" : "#239b56");
		text(f, p[i].run);
		fprintf(f, ": %d/%d</title></circle>", p[i].fail, p[i].decided);
	}
	fprintf(f, "</svg>");
}

static void group_row(FILE *f, json_t *g, json_t *trials)
{
	struct point p[64];
	size_t n = points_of(trials, str(g, "kernel"), str(g, "scenario"), p, ARRAY_SIZE(p));
	json_t *ci = json_object_get(g, "ci95"), *sigs = json_object_get(g, "signatures"), *v;
	const char *name;

	fprintf(f, "<tr><td>");
	text(f, str(g, "kernel"));
	fprintf(f, "</td><td>%lld/%lld", json_integer_value(json_object_get(g, "fail")),
		json_integer_value(json_object_get(g, "fail")) +
			json_integer_value(json_object_get(g, "pass")));
	if (json_is_real(json_object_get(g, "rate")))
		fprintf(f, "<br><small>[%.2f, %.2f]</small>",
			json_real_value(json_array_get(ci, 0)),
			json_real_value(json_array_get(ci, 1)));
	fprintf(f, "</td><td>%s</td><td>",
		n && p[n - 1].fail	? "<b class=fail>FAIL</b>"
		: n && p[n - 1].decided ? "<span class=pass>PASS</span>"
					: "–");
	if (n)
		fprintf(f, "%d/%d in ", p[n - 1].fail, p[n - 1].decided), text(f, p[n - 1].run);
	fprintf(f, "</td><td>");
	rate_chart(f, p, n);
	fprintf(f, "</td><td>");
	json_object_foreach (sigs, name, v) {
		fprintf(f, "<code>");
		text(f, name);
		fprintf(f, "</code> ×%lld, first in ",
			json_integer_value(json_object_get(v, "count")));
		text(f, str(v, "first_run"));
		fprintf(f, "<br>");
	}
	if (json_integer_value(json_object_get(g, "mismatches")))
		fprintf(f, "<b class=fail>data corruption: %lld block(s)</b>",
			json_integer_value(json_object_get(g, "mismatches")));
	fprintf(f, "</td></tr>\n");
}

static void failures(FILE *f, json_t *trials)
{
	size_t i, shown = 0;
	json_t *t;

	fprintf(f, "<h2>Failed trials (newest first)</h2>\n<table><tr><th>run</th><th>trial</th>"
		   "<th>kernel</th><th>scenario</th><th>title</th><th>logs</th></tr>\n");
	for (i = json_array_size(trials); i-- > 0 && shown < 200;) {
		t = json_array_get(trials, i);
		if (strcmp(str(t, "verdict"), "FAIL"))
			continue;
		shown++;
		fprintf(f, "<tr><td>");
		text(f, str(t, "run"));
		fprintf(f, "</td><td>%lld</td><td>",
			json_integer_value(json_object_get(t, "trial")));
		text(f, str(t, "kernel"));
		fprintf(f, "</td><td>");
		text(f, str(t, "scenario"));
		fprintf(f, "</td><td>");
		text(f, str(t, "title"));
		fprintf(f, "</td><td><a href=\"file://");
		text(f, str(t, "result_path"));
		fprintf(f, "/console.log\">console.log</a> <a href=\"file://");
		text(f, str(t, "result_path"));
		fprintf(f, "/verdict.json\">verdict.json</a></td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static const char style[] =
	"body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
	"margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;"
	"text-align:left}th{background:#f3f3f3}.fail{color:#c0392b}.pass{color:#239b56}"
	"small{color:#666}";

/* Sections by scenario, then series, then kernel: the order the groups come in is kept. */
static void body(FILE *f, json_t *groups, json_t *trials)
{
	_cleanup_strv_ struct strv done = {0};
	size_t i, j;
	json_t *g, *k;

	json_array_foreach (groups, i, g) {
		const char *scn = str(g, "scenario");

		if (strv_contains(&done, scn))
			continue;
		strv_push(&done, scn);
		fprintf(f, "<h2>");
		text(f, scn);
		fprintf(f, "</h2>\n<table><tr><th>kernel</th><th>hangs (95 %% CI)</th>"
			   "<th>latest</th><th>latest run</th><th>hang rate per run</th>"
			   "<th>root signatures</th></tr>\n");
		_cleanup_strv_ struct strv series = {0};

		json_array_foreach (groups, j, k)
			if (!strcmp(str(k, "scenario"), scn)) {
				_cleanup_free_ char *s = series_of(str(k, "kernel"));

				if (!strv_contains(&series, s))
					strv_push(&series, s);
			}
		for (size_t s = 0; s < series.n; s++) {
			fprintf(f, "<tr><th colspan=6>series ");
			text(f, series.v[s]);
			fprintf(f, "</th></tr>\n");
			json_array_foreach (groups, j, k) {
				_cleanup_free_ char *ks = series_of(str(k, "kernel"));

				if (!strcmp(str(k, "scenario"), scn) && !strcmp(ks, series.v[s]))
					group_row(f, k, trials);
			}
		}
		fprintf(f, "</table>\n");
	}
}

int dashboard_write(const char *dir, json_t *groups, json_t *trials, const char *source)
{
	_cleanup_free_ char *path = path_join(dir, "index.html");
	_cleanup_free_ char *now = iso8601_utc(now_wall());
	FILE *f;

	if (mkdir_p(dir, 0755) < 0)
		return err_set("cannot create %s: %s", dir, strerror(errno));
	f = fopen(path, "w");
	if (!f)
		return err_set("cannot write %s: %s", path, strerror(errno));
	fprintf(f,
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>iputstorm "
		"dashboard</title><style>%s</style></head><body>\n<h1>iputstorm dashboard</h1>\n"
		"<p>From <code>",
		style);
	text(f, source);
	fprintf(f,
		"</code>, written %s: %zu trial(s). Rates count PASS and FAIL only; bars are "
		"95 %% Wilson intervals, one dot per run.</p>\n",
		now, json_array_size(trials));
	body(f, groups, trials);
	failures(f, trials);
	fprintf(f, "</body></html>\n");
	if (fclose(f) != 0)
		return err_set("cannot write %s: %s", path, strerror(errno));
	return 0;
}
