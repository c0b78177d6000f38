/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_ANALYSIS_HISTORY_H
#define IPUTSTORM_ANALYSIS_HISTORY_H

#include <jansson.h>
#include <stdbool.h>

/*
 * Every trial of every run, in a SQLite database (default
 * RESULTS/history.sqlite): the kernel's identity (name, ABI, package
 * version, source, patch set hash), the scenario's name and content hash,
 * the verdict, title, root signature, timings, the inject module's counters,
 * the data verified, and where the trial's files are. A run is recorded when
 * it ends and can be imported again from its directory: a trial is keyed by
 * (run, trial), so importing twice changes nothing.
 */

struct history;

/* Opens (creating) the database; NULL with err_msg(). */
struct history *history_open(const char *path);
void history_close(struct history *h);
/* Records every trial of the run in DIR; returns how many, or -1 with err_msg(). */
int history_import_run(struct history *h, const char *dir);

struct history_query {
	const char *kernel;   /* name or ABI, or NULL */
	const char *scenario; /* or NULL */
	const char *since;    /* "2026-11-30" or a full ISO 8601 time, or NULL */
};

/*
 * Per (kernel, scenario): trials, PASS/FAIL/ERROR/MISS, the hang rate over
 * decided trials with its 95 % Wilson interval, first and last run, the
 * root signatures seen with the run each first appeared in, data verified.
 */
json_t *history_query(struct history *h, const struct history_query *q);

/*
 * The matching trials themselves, oldest first: run, trial, started, kernel,
 * abi, scenario, injected, verdict, title, root_signature, time_to_hang,
 * verified_bytes, mismatches, result_path.
 */
json_t *history_trials(struct history *h, const struct history_query *q);

/* Decided (PASS or FAIL) trials of the kernel of that store name under scenario; -1 on error. */
int history_decided(struct history *h, const char *kernel, const char *scenario);

/*
 * `iputstorm nightly`'s own record: per night, target and scenario, the
 * kernel tested, the baseline it was compared with, and the outcome:
 * "baseline" (a target's first kernel: run alone, whatever its verdicts,
 * what later nights compare with), "good" (no worse than its baseline),
 * "regression", "undecided".
 */
struct nightly_row {
	const char *night, *target, *scenario, *kernel, *baseline, *status, *run_dir, *detail;
};
int history_nightly_add(struct history *h, const struct nightly_row *r);
/* The newest good kernel of target under scenario other than not_kernel, or NULL. */
char *history_nightly_last_good(struct history *h, const char *target, const char *scenario,
				const char *not_kernel);

/* The default database for a results directory. */
char *history_default_path(const char *results_base);

#endif
