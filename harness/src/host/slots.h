/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_HOST_SLOTS_H
#define IPUTSTORM_HOST_SLOTS_H

#include "host/cluster.h"

/*
 * What each guest on a cluster has to itself, so that guests of one run
 * (-j N) and of runs started from other shells against the same cluster
 * never meet: an address slot on the cluster's bridge (guest address and
 * MAC), held by a lock file under the cluster's directory for as long as
 * the trial runs, and a cephx client made for the trial and removed after.
 * Stale CephFS sessions are evicted by that client's name, never by address.
 */

#define SLOT_MAX 200 /* 10.78.0.10 .. 10.78.0.209 */

struct slot {
	int n;	       /* 0-based */
	int fd;	       /* the held lock, -1 when none */
	char addr[24]; /* "10.78.0.10/24" */
	char ip[16];   /* "10.78.0.10" */
	char mac[18];  /* "52:54:00:49:00:0a" */
};

/* Takes the first free slot of the cluster: 0, or -1 when all are held. */
int slot_take(struct cluster *c, struct slot *s);
void slot_release(struct slot *s);

/*
 * The trial's cephx client: "iputstorm-PID-N" (PID of this process), with
 * the caps a CephFS kernel mount needs (snapshots and quotas included).
 * Returns its key, or NULL.
 */
char *client_id_for(int trial);
char *client_add(struct cluster *c, const char *id);
/* Evicts its sessions (blocklisting them) and removes it; -1 if either failed. */
int client_remove(struct cluster *c, const char *id);
/* CephFS sessions of rank 0 opened by client id; each evicted. The count, or -1. */
int client_evict(struct cluster *c, const char *id);
/*
 * Before a trial: wait up to timeout for a healthy cluster and evict the
 * sessions client id still has (a rerun of the trial, a guest killed before
 * it unmounted: every MDS failover would wait for those). The number
 * evicted, or -1 with h->reason when the cluster is not ready.
 */
int client_ready_for_trial(struct cluster *c, const char *id, double timeout,
			   struct cluster_health *h);
/*
 * Clients a killed run left on a cluster that outlives it (`cluster up`):
 * "iputstorm-PID-N" whose PID no longer runs are evicted and removed.
 * The number removed, or -1.
 */
int client_sweep(struct cluster *c);

#endif
