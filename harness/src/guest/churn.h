/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_CHURN_H
#define IPUTSTORM_CHURN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Built-in churners, each run in its own process inside the group's cgroup,
 * with the group's directory on the CephFS mount as its working directory.
 * They run until SIGTERM. Races with other clients (ENOENT, ESTALE on a file
 * another client removed) are expected and counted; any other error ends the
 * churner with a message and exit status 1, which the trial reports as ERROR.
 */

struct churn_opts {
	const char *kind;
	int files;
	int pages;
	double interval;
	int keep;
	double settle; /* lost-truncate: seconds between unlink and the lost size */
	uint64_t seed;
	int instance;
	int client;
	/* verify, verify-read: where the integrity report goes; the corrupt-page injection */
	const char *report_path;
	const char *peer_dir; /* the same directory on the other client's mount, or NULL */
	bool corrupt;
	/* EIO is expected: the NFS re-export's server expires this client's state (nfs-expire). */
	bool eio_expected;
};

/* Returns the process exit status. */
int churn_run(const struct churn_opts *o);

#endif
