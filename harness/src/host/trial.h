/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_TRIAL_H
#define IPUTSTORM_TRIAL_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/cluster.h"
#include "model/scenario.h"
#include "model/verdict.h"
#include "store/kernel.h"

/*
 * One trial: one boot of one kernel running one scenario for a bounded time.
 * The host never trusts the guest to finish; every wait has a wall-clock
 * bound, and whatever happens, the trial directory ends up with
 * events.jsonl, console.log and verdict.json.
 */

struct trial_progress {
	const char *phase;
	int stuck;
	double elapsed;
};

struct trial_spec {
	const struct scenario *scn;
	const char *scenario_text;
	struct kernel *k;
	struct cluster *c;
	const char *accel; /* "kvm" or "tcg": accel_choose() for this kernel */
	const char *dir;
	const char *run_id;
	int n;
	uint64_t seed;
	volatile sig_atomic_t *interrupted;
	void (*progress)(const struct trial_progress *p, void *ctx);
	void *pctx;
};

struct trial_result {
	enum verdict v;
	json_t *verdict; /* verdict.json's content */
	bool emulator_artifact;
};

int trial_run(const struct trial_spec *ts, struct trial_result *res);

#endif
