/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_RUNFILE_H
#define IPUTSTORM_MODEL_RUNFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/verdict.h"

/*
 * run.json, written by the host after every trial (host/results.c) and read
 * by compare, summary, matrix and bisect-step through runfile_read(): one
 * place that knows its fields. Strings are borrowed from the JSON the record
 * keeps.
 *
 *   {"id", "started", "finished", "verdict", "scenario", "kernel" | "kernels",
 *    "baseline", "matrix", "injected", "injections", "planned_trials",
 *    "counts": {"PASS": n, ...}, "interrupted", "stopped_early", "error",
 *    "trials": [trial...]}
 *   trial: {"trial", "kernel", "verdict", "reason", "title", "duration",
 *           "timing": {"stress_start", "time_to_hang", "total", ...},
 *           "signatures": [...], "injections", "injected",
 *           "telemetry": {"stress_secs", "counters", "per_minute"}}
 */

struct trial_record {
	int trial;
	const char *kernel;
	const char *run;     /* the id of the run it belongs to */
	const char *run_dir; /* that run's directory */
	const char *started; /* the run's start (ISO 8601), or NULL */
	enum verdict verdict;
	const char *reason, *title; /* title: FAIL only */
	double duration;
	double stress_start, total; /* seconds since QEMU started; 0 unknown */
	double time_to_hang;	    /* < 0: no hang */
	json_t *signatures;	    /* array of names, or NULL */
	json_t *counters;	    /* the inject module's counters, or NULL */
	json_t *per_minute;	    /* the same per minute of stress, or NULL */
	json_t *json;		    /* the trial's whole object */
};

struct run_record {
	char *dir;
	const char *id, *scenario, *kernel, *baseline;
	bool injected, matrix, interrupted;
	struct trial_record *trials;
	size_t ntrials;
	struct tally tally; /* counted from the trials */
	json_t *json;
};

/* DIR/run.json; 0, or -1 with err_msg() naming the file and what is wrong. */
int runfile_read(const char *dir, struct run_record *r);
/* The same from run.json's JSON (taken over, released with the record) as DIR holds it. */
int runfile_parse(json_t *json, const char *dir, struct run_record *r);
void runfile_release(struct run_record *r);

struct strv;
/*
 * Whether DIR was already read (SEEN holds real paths): results/latest and
 * the run it points to, or one run listed twice, must count once.
 */
bool runfile_seen(struct strv *seen, const char *dir);

/* What of a trial's verdict.json goes into run.json's "trials". */
json_t *trial_brief(json_t *verdict_json);

/* kernel.json (run) or kernel-NAME.json (matrix) of a run directory, or NULL. */
json_t *runfile_kernel_meta(const char *dir, const char *kernel);

#endif
