/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_RUN_H
#define IPUTSTORM_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/cluster.h"
#include "host/results.h"
#include "lib/strv.h"
#include "model/scenario.h"
#include "store/kernel.h"

/* What `run`, `matrix` and `bisect-step` share: options, cluster, trials, summary. */

enum { OPT_RESULTS = 300, OPT_CLUSTER, OPT_UNTIL, OPT_ALPHA };

struct run_args {
	const char *scenario;
	struct strv kernels;
	int trials;
	struct strv overrides;
	const char *results;
	const char *cluster;
	bool until_significant;
	double alpha;
};

struct run_state {
	double t0;
	int trial, total, hangs;
	const char *kernel;
};

int run_opt(int id, const char *arg, void *ctx);
void run_catch_signals(void);
volatile sig_atomic_t *run_interrupted(void);
void run_init_tty(void);
void run_progress_done(void);
int run_load_scenario(struct run_args *a, struct scenario *s);
uint64_t run_seed(const struct scenario *s);
int run_cluster(struct run_args *a, struct run_results *r, const struct scenario *s,
		struct cluster *c, bool *ours);
/* Returns the trial's verdict (enum verdict). */
/*
 * Builds (or finds) iputstorm_inject.ko for k when the scenario injects or
 * wants telemetry. -1 only when an injection needs it; telemetry alone warns.
 */
int run_prepare_kernel(const struct scenario *s, struct kernel *k);
int run_one_trial(struct run_state *st, struct run_results *r, const struct scenario *s,
		  const char *scenario_text, struct kernel *k, struct cluster *c, int n);
void run_summary(struct run_results *r, const char *what);

#endif
