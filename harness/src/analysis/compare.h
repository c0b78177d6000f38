/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_ANALYSIS_COMPARE_H
#define IPUTSTORM_ANALYSIS_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "analysis/stats.h"
#include "model/runfile.h"
#include "model/verdict.h"

/*
 * Kernels compared over the trials of one or more runs: per kernel the
 * verdict counts, hang rate with a 95 % Wilson interval, signatures and
 * titles, Kaplan-Meier time to hang, the inject module's counters; against
 * the baseline Fisher's exact test, and the news that needs no statistics
 * (a hang title, ERRORs or data corruption the baseline never had).
 */

#define COMPARE_MAX_KERNELS 16

struct kstat {
	char *name;
	struct tally tally;
	const struct trial_record **trials; /* borrowed from the runs */
	size_t ntrials;
	json_t *sigs, *titles; /* name -> count, over FAIL trials */
	struct km_obs *km;
	size_t nkm;
	struct km_step *steps;
	size_t nsteps;
	struct interval ci;
	double rate, p; /* p: Fisher vs the baseline */
	bool decided_worse, decided_better;
	json_t *new_titles; /* hang titles the baseline never showed: title -> count */
	bool new_errors;    /* ERROR trials where the baseline had none */
	json_t *counters;   /* the inject module's counters, summed */
	/* Data verification (verify churners): bytes read back right, blocks read back wrong. */
	long long verified_bytes, mismatches;
	int corrupt_trials; /* trials with at least one mismatch */
	bool new_corruption; /* corrupt trials where the baseline had none: worse, whatever the rate */
};

struct comparison {
	struct kstat k[COMPARE_MAX_KERNELS];
	int nk;
	int base;
	const char *scenario;
	bool injected;
	double alpha;
};

/* Adds every trial of r; -1 past COMPARE_MAX_KERNELS kernels. */
int comparison_add_run(struct comparison *c, const struct run_record *r);
/* The kernel named name, or -1. */
int comparison_find(const struct comparison *c, const char *name);
void comparison_analyse(struct comparison *c, int base);
/* "fix removes the hang of base: 0/10 vs 10/10, p = 1.1e-05; new hang ..." */
char *comparison_words(const struct comparison *c, int i);
bool kstat_has_news(const struct kstat *k);
/* Median time to hang from Kaplan-Meier, NAN when S(t) never reaches 0.5. */
double kstat_median(const struct kstat *k);
json_t *kstat_json(const struct comparison *c, int i);
void comparison_free(struct comparison *c);

/* The inject module counters a report shows, in this order. */
extern const char *const compare_counter_keys[];
extern const size_t compare_ncounter_keys;

#endif
