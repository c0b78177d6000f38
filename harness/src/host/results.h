/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_RESULTS_H
#define IPUTSTORM_RESULTS_H

#include <jansson.h>

#include "model/verdict.h"

/*
 * results/<run-id>/: run.json (rewritten atomically after every trial, so it
 * is always a valid, complete-so-far document), scenario.ini as run,
 * kernel.json, cluster/ (daemon logs), trials/<n>/{events.jsonl,
 * console.log, verdict.json, qemu.log}. results/latest points at the newest.
 */
struct run_results {
	char *base;
	char *dir;
	char *id;
	json_t *run;
	struct tally tally;
};

int results_create(struct run_results *r, const char *base, const char *scenario_name);
int results_save(struct run_results *r);
int results_write(struct run_results *r, const char *name, const char *text);
int results_write_json(struct run_results *r, const char *name, json_t *j);
char *results_trial_dir(struct run_results *r, int n);
/* Appends one trial's summary and rewrites run.json. */
int results_add_trial(struct run_results *r, json_t *summary, enum verdict v);
int results_finish(struct run_results *r, enum verdict v);
void results_free(struct run_results *r);
/*
 * After a harness died without finishing DIR (SIGKILL, even in the middle of
 * rewriting run.json): removes the half-written copies (*.tmp.PID) and, when
 * run.json is still RUNNING, closes it as interrupted with the verdict its
 * trials give. run.json itself is only ever replaced by rename, so it is valid.
 */
int results_recover(const char *dir);
/*
 * The newest run directory under BASE that finished (not interrupted) with
 * scenario.ini equal to scenario_text, exactly these kernels in this order
 * and planned_trials trials in all; NULL when there is none.
 */
char *results_find_finished(const char *base, const char *scenario_text, const char *const *kernels,
			    size_t nk, int planned_trials);
/* The run id BASE/latest points to, or NULL when there is none yet. */
char *results_latest(const char *base);

#endif
