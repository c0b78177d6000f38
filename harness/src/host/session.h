/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_HOST_SESSION_H
#define IPUTSTORM_HOST_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/accel.h"
#include "host/cluster.h"
#include "host/records.h"
#include "host/results.h"
#include "lib/strv.h"
#include "model/scenario.h"
#include "model/verdict.h"
#include "store/kernel.h"

/*
 * A run session: what `run` and `matrix` share from start to end. Open it
 * (scenario with overrides, root, leftovers of killed runs reaped, the run
 * directory, the kernels, the cluster), run trials in it, close it (the run's
 * verdict, its summary, the cluster torn down): the lifecycle is written once.
 */

#define SESSION_MAX_KERNELS 8

enum {
	OPT_RESULTS = 300,
	OPT_CLUSTER,
	OPT_UNTIL,
	OPT_ALPHA,
	OPT_CEPH_CONF,
	OPT_KEYRING,
	OPT_ID,
	OPT_FS,
	OPT_DISRUPTIVE,
	OPT_SLURM,
	OPT_SBATCH,
	OPT_SLURM_TRIALS,
};

/* The option table rows of an existing cluster, shared by run, matrix and reproduce. */
#define RUN_EXTERNAL_OPTS                                                                         \
	{OPT_CEPH_CONF, "ceph-conf", "FILE",                                                      \
	 "use the existing cluster of this ceph.conf (with --keyring and --id)"},                 \
		{OPT_KEYRING, "keyring", "FILE", "the keyring holding the --id client's key"},    \
		{OPT_ID, "id", "NAME",                                                            \
		 "the CephFS client every guest mounts as (client.NAME, e.g. made by `ceph fs "   \
		 "authorize`)"},                                                                  \
		{OPT_FS, "fs", "NAME",                                                            \
		 "the file system to mount (default: the cluster's only one)"},                   \
	{                                                                                         \
		OPT_DISRUPTIVE, "allow-disruptive", NULL,                                         \
			"let the scenario fail MDSs and change the config of an existing cluster" \
	}
#define SESSION_MAX_JOBS 16

struct run_args {
	const char *scenario;
	struct strv kernels;
	int trials;
	struct strv overrides;
	const char *results;
	const char *cluster;
	struct cluster_ext ext; /* --ceph-conf ...: a cluster the harness did not start */
	bool until_significant;
	double alpha;
	int jobs;	    /* trials at once (-j); 0 or 1: one */
	bool slurm;	    /* matrix --slurm: as Slurm array jobs (host/slurm.h) */
	struct strv sbatch; /* --sbatch ARG: passed to sbatch as given */
	int slurm_trials;   /* trials per array task */
};

/* The option handler of run and matrix (their tables share the ids above). */
int run_opt(int id, const char *arg, void *ctx);
void run_args_release(struct run_args *a);

struct run_session {
	const char *cmd; /* "run", "matrix": in messages */
	bool matrix;
	struct scenario scn;
	char *text; /* the scenario as run */
	struct kernel k[SESSION_MAX_KERNELS];
	struct accel_choice accel[SESSION_MAX_KERNELS]; /* KVM or TCG, per kernel */
	int nk;
	int per_kernel; /* trials per kernel */
	struct cluster c;
	bool own_cluster;
	struct run_results r;
	struct record rec; /* the run directory, closed by the next start if we are killed */
	/* progress */
	double t0;
	int trial, total, hangs;
	const char *kernel;
};

/*
 * 0, or the exit code to return after the message is printed: EXIT_USAGE
 * (bad scenario, not root), EXIT_UNDECIDED (no kernel, no cluster; the run
 * directory says why). Close the session either way.
 */
int session_open(struct run_session *s, const struct run_args *a, const char *cmd, bool matrix);
/* Trial n of the session on kernel i; returns its verdict. */
enum verdict session_trial(struct run_session *s, int i, int n);
bool session_interrupted(void);
/* SIGINT, SIGTERM and SIGHUP set what session_interrupted() answers. */
void session_catch_signals(void);
/* The inject module the scenario needs (or its telemetry wants) for k. */
int session_prepare_kernel(const struct scenario *s, struct kernel *k);

/* One trial to run: kernel index, trial number; its verdict once run. */
struct trial_job {
	int kernel, n;
	enum verdict v;
	pid_t pid; /* its worker while it runs */
};
/*
 * Runs the jobs, at_once at a time: each trial in its own `iputstorm trial`
 * process with its own guest address and cephx client (host/slots.h), so
 * results are the same in form as one at a time; at_once <= 1 runs them here,
 * in order. Fills each job's v (MISS for one never started).
 */
void session_trials(struct run_session *s, struct trial_job *jobs, int njobs, int at_once);
/* Every trial of a one-kernel session (run, reproduce), at_once at a time. */
void session_run_trials(struct run_session *s, int at_once);
/* The body of `iputstorm trial`: trial n of the run in run_dir; its exit code. */
int session_trial_worker(const char *run_dir, int n, const char *kernel, const char *cluster,
			 const struct cluster_ext *ext);
/* The --ceph-conf family: complete, and not mixed with --cluster; 0 or -1 with err_msg(). */
int run_args_check_external(const struct run_args *a);
/* -1 (after printing why) for a scenario that would disturb an existing cluster. */
int session_refuse_disruptive(const struct scenario *scn, const struct run_args *a,
			      const char *cmd);
/*
 * Records the run's verdict, prints the summary and returns the exit code
 * (when ret is 0), tears the cluster down and frees everything.
 */
int session_close(struct run_session *s, int ret);

/* A finished run into its results directory's history; a failure there only warns. */
void session_record_history(const struct run_results *r);

/* The guest's seed for a trial: the scenario's, or a fresh one. */
uint64_t run_seed(const struct scenario *s);

#endif
