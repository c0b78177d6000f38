/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_VERDICT_H
#define IPUTSTORM_MODEL_VERDICT_H

/*
 * KCIDB's statuses. FAIL is the kernel's fault (hang, deadlock, panic, BUG);
 * ERROR is the trial's own workload or scenario failing; MISS is
 * infrastructure (cluster unhealthy, VM did not boot, harness fault). An
 * infrastructure fault is never a FAIL. The words PASS, FAIL, ERROR and MISS
 * are written and read here only.
 */
enum verdict { V_PASS, V_FAIL, V_ERROR, V_MISS, V_NVERDICTS };

const char *verdict_name(enum verdict v);
/* The verdict a word names, or -1. */
int verdict_parse(const char *s);

/*
 * A trial whose data read back wrong is titled CORRUPTION_TITLE_PREFIX "FILE
 * at offset N": the file and offset differ in every trial.
 */
#define CORRUPTION_TITLE_PREFIX "data corruption in "

/* Trials counted by verdict. */
struct tally {
	int n[V_NVERDICTS];
};

static inline int tally_decided(const struct tally *t)
{
	/* ERROR and MISS say nothing about the kernel: rates count PASS and FAIL only. */
	return t->n[V_PASS] + t->n[V_FAIL];
}

/* A run's verdict: FAIL > ERROR > PASS (any) > MISS. */
enum verdict tally_verdict(const struct tally *t);
/* 0 PASS, 1 FAIL, 3 anything else (README's exit codes). */
int verdict_exit_code(enum verdict v);

#endif
