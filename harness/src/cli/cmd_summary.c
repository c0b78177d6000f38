// SPDX-License-Identifier: GPL-2.0
/*
 * iputstorm summary RUN_DIR...: reproduction statistics per kernel and
 * scenario over finished runs (what bench/repro prints).
 */
#define _GNU_SOURCE
#include "analysis/stats.h"
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/strv.h"
#include "model/runfile.h"
#include "model/verdict.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Counters the table shows, per minute of stress. */
static const char *const near_miss_keys[] = {
	"wb_final_iput",
	"wb_near_iput",
	"msgr_final_iput",
	"msgr_evict_busy",
	"msgr_evict_busy_osd_read_live",
	"evict_with_i_sync",
	"vmtruncate_windows",
	"readahead_in_vmtruncate_window",
	"left_dirty_pin",
	"nfsd_left_dirty_pin",
};

struct group {
	char *kernel, *scenario;
	bool injected;
	struct tally tally;
	double *verdict; /* seconds from stress start to the verdict, FAIL trials */
	size_t nfail;
	double *hang; /* seconds from stress start to the hang, FAILs that hung */
	size_t nhang;
	json_t *sigs;  /* name → count */
	json_t *rates; /* counter → [per-minute values] */
	/* The vmtruncate window (observe-only probes): how many, how long in all, the widest. */
	long long windows, window_us, window_max_us;
	/* Data verification: bytes read back right, blocks read back wrong, trials that had any. */
	long long verified, mismatches, checked_trials;
	long long after_remount; /* of the verified bytes, read on a fresh mount at the end */
};

struct summary {
	struct group *g;
	size_t ng;
};

static struct group *group_of(struct summary *s, const char *kernel, const char *scenario)
{
	for (size_t i = 0; i < s->ng; i++)
		if (!strcmp(s->g[i].kernel, kernel) && !strcmp(s->g[i].scenario, scenario))
			return &s->g[i];
	s->g = xrealloc(s->g, (s->ng + 1) * sizeof(*s->g));
	s->g[s->ng] = (struct group){.kernel = xstrdup(kernel),
				     .scenario = xstrdup(scenario),
				     .sigs = json_object(),
				     .rates = json_object()};
	return &s->g[s->ng++];
}

static void add_rates(struct group *g, json_t *per_minute)
{
	for (size_t i = 0; i < ARRAY_SIZE(near_miss_keys); i++) {
		json_t *v = json_object_get(per_minute, near_miss_keys[i]);
		json_t *arr = json_object_get(g->rates, near_miss_keys[i]);

		if (!v)
			continue;
		if (!arr) {
			arr = json_array();
			json_object_set_new(g->rates, near_miss_keys[i], arr);
		}
		json_array_append_new(arr, json_real(json_number_value(v)));
	}
}

static long long counter(json_t *counters, const char *key)
{
	return json_integer_value(json_object_get(counters, key));
}

static void add_windows(struct group *g, json_t *counters)
{
	g->windows += counter(counters, "vmtruncate_windows");
	g->window_us += counter(counters, "vmtruncate_window_total_us");
	g->window_max_us = MAX(g->window_max_us, counter(counters, "vmtruncate_window_max_us"));
}

static void add_integrity(struct group *g, json_t *integrity)
{
	if (!integrity)
		return;
	g->verified += counter(integrity, "verified_bytes");
	g->mismatches += counter(integrity, "mismatches");
	g->after_remount += counter(json_object_get(integrity, "after_remount"), "verified_bytes");
	g->checked_trials++;
}

static void add_trial(struct group *g, const struct trial_record *t)
{
	json_t *sig;
	size_t i;

	g->tally.n[t->verdict]++;
	if (t->verdict == V_FAIL) {
		g->verdict = xrealloc(g->verdict, (g->nfail + 1) * sizeof(double));
		g->verdict[g->nfail++] = t->total - t->stress_start;
	}
	/* A FAIL without a hang (a crash, "umount timed out") has no time to hang. */
	if (t->verdict == V_FAIL && t->time_to_hang >= 0) {
		g->hang = xrealloc(g->hang, (g->nhang + 1) * sizeof(double));
		g->hang[g->nhang++] = t->time_to_hang;
	}
	json_array_foreach (t->signatures, i, sig) {
		const char *name = json_string_value(sig);

		if (name)
			json_object_set_new(
				g->sigs, name,
				json_integer(json_integer_value(json_object_get(g->sigs, name)) +
					     1));
	}
	add_rates(g, t->per_minute);
	add_windows(g, t->counters);
	add_integrity(g, json_object_get(t->json, "integrity"));
}

static int load_run(struct summary *s, const char *dir)
{
	struct run_record r;

	if (runfile_read(dir, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.ntrials; i++) {
		struct group *g = group_of(s, r.trials[i].kernel, r.scenario);

		g->injected |= r.injected;
		add_trial(g, &r.trials[i]);
	}
	runfile_release(&r);
	return 0;
}

static json_t *rates_json(struct group *g)
{
	json_t *o = json_object(), *arr;
	const char *key;

	json_object_foreach (g->rates, key, arr) {
		size_t n = json_array_size(arr), i;
		double *v = xcalloc(n ? n : 1, sizeof(double));
		json_t *x;

		json_array_foreach (arr, i, x)
			v[i] = json_number_value(x);
		json_object_set_new(o, key, json_real(mean_of(v, n)));
		free(v);
	}
	return o;
}

static json_t *group_json(struct group *g)
{
	/* The rule compare uses: ERROR and MISS say nothing about the kernel. */
	const struct tally *t = &g->tally;
	int decided = tally_decided(t), trials = decided + t->n[V_ERROR] + t->n[V_MISS];
	struct interval ci = wilson(t->n[V_FAIL], decided, 1.96);
	json_t *o;

	o = json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:f, s:[f,f], s:o}", "kernel",
		      g->kernel, "scenario", g->scenario, "injected", g->injected, "trials", trials,
		      "decided", decided, "reproduced", t->n[V_FAIL], "miss", t->n[V_MISS], "error",
		      t->n[V_ERROR], "p", decided ? (double)t->n[V_FAIL] / decided : 0.0, "ci95",
		      ci.lo, ci.hi, "near_miss_per_minute", rates_json(g));
	/* median() sorts: hang and verdict times are the group's own copies. */
	if (g->nhang) {
		json_object_set_new(o, "median_time_to_hang", json_real(median(g->hang, g->nhang)));
		json_object_set_new(o, "max_time_to_hang", json_real(max_of(g->hang, g->nhang)));
	}
	if (g->nfail) {
		json_object_set_new(o, "median_time_to_verdict",
				    json_real(median(g->verdict, g->nfail)));
		json_object_set_new(o, "max_time_to_verdict",
				    json_real(max_of(g->verdict, g->nfail)));
	}
	json_object_set(o, "signatures", g->sigs);
	if (g->checked_trials)
		json_object_set_new(o, "integrity",
				    json_pack("{s:I, s:I, s:I, s:I}", "trials",
					      (json_int_t)g->checked_trials, "verified_bytes",
					      (json_int_t)g->verified, "after_remount_bytes",
					      (json_int_t)g->after_remount, "mismatches",
					      (json_int_t)g->mismatches));
	if (g->windows)
		json_object_set_new(o, "vmtruncate_window",
				    json_pack("{s:I, s:f, s:f}", "count", (json_int_t)g->windows,
					      "mean_ms", g->window_us / 1000.0 / g->windows,
					      "max_ms", g->window_max_us / 1000.0));
	return o;
}

static void print_group(json_t *o)
{
	json_t *ci = json_object_get(o, "ci95"),
	       *rates = json_object_get(o, "near_miss_per_minute");
	json_t *val;
	const char *key;

	printf("%-22s %-20s %s %2lld/%-2lld  P=%.2f [%.2f, %.2f]",
	       json_string_value(json_object_get(o, "kernel")),
	       json_string_value(json_object_get(o, "scenario")),
	       json_is_true(json_object_get(o, "injected")) ? "FI " : "nat",
	       json_integer_value(json_object_get(o, "reproduced")),
	       json_integer_value(json_object_get(o, "decided")),
	       json_number_value(json_object_get(o, "p")), json_number_value(json_array_get(ci, 0)),
	       json_number_value(json_array_get(ci, 1)));
	if (json_object_get(o, "median_time_to_hang"))
		printf("  hang median %.1f s max %.1f s,",
		       json_number_value(json_object_get(o, "median_time_to_hang")),
		       json_number_value(json_object_get(o, "max_time_to_hang")));
	if (json_object_get(o, "median_time_to_verdict"))
		printf("%sverdict median %.1f s",
		       json_object_get(o, "median_time_to_hang") ? " " : "  ",
		       json_number_value(json_object_get(o, "median_time_to_verdict")));
	if (json_integer_value(json_object_get(o, "miss")))
		printf("  (%lld MISS)", json_integer_value(json_object_get(o, "miss")));
	if (json_integer_value(json_object_get(o, "error")))
		printf("  (%lld ERROR)", json_integer_value(json_object_get(o, "error")));
	printf("\n");
	json_object_foreach (json_object_get(o, "signatures"), key, val)
		printf("    signature %s: %lld\n", key, json_integer_value(val));
	if (json_object_size(rates)) {
		printf("    per minute:");
		json_object_foreach (rates, key, val)
			printf(" %s %.1f", key, json_number_value(val));
		printf("\n");
	}
	if ((val = json_object_get(o, "integrity")))
		printf("    data verified: %lld bytes in %lld trial(s) (%lld after the remount), "
		       "%lld block(s) read back wrong\n",
		       json_integer_value(json_object_get(val, "verified_bytes")),
		       json_integer_value(json_object_get(val, "trials")),
		       json_integer_value(json_object_get(val, "after_remount_bytes")),
		       json_integer_value(json_object_get(val, "mismatches")));
	if ((val = json_object_get(o, "vmtruncate_window")))
		printf("    vmtruncate window: %lld opened, mean %.1f ms, widest %.1f ms\n",
		       json_integer_value(json_object_get(val, "count")),
		       json_number_value(json_object_get(val, "mean_ms")),
		       json_number_value(json_object_get(val, "max_ms")));
}

static const struct opt summary_opts[] = {{0}};

static const struct cmd_spec summary_spec = {
	.name = "summary",
	.usage = "RUN_DIR...",
	.summary = "Reproduction statistics per kernel and scenario over finished runs: "
		   "P(reproduced) with a 95 % Wilson interval over decided trials (PASS and FAIL, "
		   "as compare counts them), "
		   "median and max time from stress start to hang detection and to verdict, "
		   "matched signatures, and the near-miss counters per minute of stress.",
	.opts = summary_opts,
	.more = "FI marks fault-injected scenarios, nat natural ones. --json (global) prints one "
		"object per group.\nExit status: 0, or 2 when a directory is not a run.",
};

static int no_opt(int id, const char *arg, void *ctx)
{
	return 0;
}

int cmd_summary(int argc, char **argv)
{
	struct summary s = {0};
	int first = opt_parse(&summary_spec, argc, argv, no_opt, NULL), ret = 0;
	_cleanup_strv_ struct strv seen = {0};
	json_t *all;

	if (first < 0)
		return OPT_EXIT(first);
	if (first >= argc) {
		opt_usage(&summary_spec, stderr);
		return EXIT_USAGE;
	}
	for (int i = first; i < argc; i++) {
		if (runfile_seen(&seen, argv[i])) {
			p_info("summary: %s is a run already given; counted once", argv[i]);
			continue;
		}
		if (load_run(&s, argv[i]) < 0) {
			p_err("summary: %s", err_msg());
			ret = EXIT_USAGE;
		}
	}
	all = json_array();
	for (size_t i = 0; i < s.ng; i++) {
		json_t *o = group_json(&s.g[i]);

		if (!json_output)
			print_group(o);
		json_array_append_new(all, o);
		free(s.g[i].kernel);
		free(s.g[i].scenario);
		free(s.g[i].hang);
		free(s.g[i].verdict);
		json_decref(s.g[i].sigs);
		json_decref(s.g[i].rates);
	}
	if (json_output)
		json_print(all);
	json_decref(all);
	free(s.g);
	return ret;
}
