/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_WORKLOAD_H
#define IPUTSTORM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/scenario.h"

/*
 * One running copy of a scenario group: fio or stress-ng by argv, or a
 * built-in churner or pressure loop in a forked child. Every instance runs
 * in its own process so the agent's loop never touches CephFS or reclaim.
 */
struct instance {
	const struct scn_group *g;
	int idx;	/* 0-based copy number */
	pid_t pid;	/* 0 when not running */
	double started; /* agent time */
	int restarts;
	bool finished;		      /* ended and not to be started again */
	char *log;		      /* stdout+stderr */
	char *report;		      /* verify churners: their integrity report (JSON) */
	unsigned long long oom_kills; /* memory.events oom_kill at start */
};

struct workload_env {
	const char *workdir;   /* the trial's directory on client N's mount: "%s/<trial dir>" */
	const char *mounts[5]; /* mount points by client number */
	const char *nfs_mount; /* knfsd's re-export of client 1, for groups via = nfs; or NULL */
	bool nfs_expires;      /* an nfs-expire group makes the server forget its clients */
	const char *log_dir;
	double duration; /* seconds this instance has left */
	uint64_t seed;
};

/* Starts the instance; fills inst->pid. */
int instance_start(struct instance *inst, const struct workload_env *env);
/* Expands {dir} {duration} {seed} {instance} {client} in one argument. */
char *expand_placeholders(const char *arg, const char *dir, double duration, uint64_t seed,
			  int instance, int client);
/* The last bytes of the instance's log, for an event. */
char *instance_log_tail(const struct instance *inst, size_t max);
unsigned long long cgroup_oom_kills(const char *cgroup);
/* The instance's directory: <mount of its client, or its NFS re-export>/<workdir>/<dir>. */
char *instance_dir(const struct instance *inst, const struct workload_env *env);

#endif
