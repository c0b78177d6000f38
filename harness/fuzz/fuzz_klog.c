// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-log parser and the signature matching on any text. Oracles:
 * every hung-task line ("INFO: task X:PID blocked for more than") gives a
 * hung-task report, whatever surrounds it; every report's JSON is valid
 * UTF-8 (jansson refuses anything else); the analysis never fails.
 */
#define _GNU_SOURCE
#include "analysis/signature.h"
#include "fuzz.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/text.h"
#include "model/klog.h"

#include <string.h>

static struct sigset set;
static bool loaded;

struct seen {
	json_t *reports;
	size_t hung;
};

static void on_report(struct kreport *r, void *ctx)
{
	struct seen *s = ctx;
	json_t *j = kreport_json(r);
	_cleanup_free_ char *text = NULL;

	fuzz_check(j, "a report has no JSON");
	text = json_dumps(j, 0);
	fuzz_check(text, "a report's JSON does not serialise (not UTF-8?)");
	if (r->kind == KR_HUNG_TASK)
		s->hung++;
	json_array_append_new(s->reports, j);
	kreport_free(r);
}

/* The parser's own test of a hung-task line, on the text it would see. */
static bool hung_line(const char *line)
{
	_cleanup_free_ char *clean =
		text_is_clean(line, strlen(line)) ? NULL : text_escape(line, strlen(line));
	double ts;
	const char *t = klog_strip(clean ?: line, &ts);

	while (*t == ' ' || *t == '\t')
		t++;
	return str_startswith(t, "INFO: task ") && strstr(t, " blocked for more than ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct seen s = {.reports = json_array()};
	struct klog_parser p;
	json_t *tasks = json_array(), *analysis;
	size_t want = 0;
	char *save = NULL;

	if (!loaded) {
		fuzz_check(sigset_load(&set, NULL) == 0, "cannot load the shipped signatures");
		loaded = true;
	}
	klog_init(&p, on_report, &s);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		want += hung_line(l);
		klog_feed(&p, l);
	}
	klog_finish(&p);
	if (s.hung != want)
		fuzz_fail("%zu hung-task lines gave %zu hung-task reports", want, s.hung);
	sig_collect_reports(s.reports, tasks);
	analysis = sig_analyse(&set, tasks);
	fuzz_check(analysis, "no analysis");
	json_decref(analysis);
	json_decref(tasks);
	json_decref(s.reports);
	return 0;
}
