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
 *
 * On an external cluster (--ceph-conf) the guest is behind QEMU's user-mode
 * NAT (no bridge to share) and every guest mounts as the one identity it was
 * given; the guest's host name ("iputstorm-TOKEN-PID-N", which the kernel client
 * sends in its session metadata) tells its sessions from everybody else's.
 */

#define SLOT_MAX 200 /* 10.78.0.10 .. 10.78.0.209 */

struct slot {
	int n;	       /* 0-based */
	int fd;	       /* the held lock, -1 when none */
	char addr[24]; /* "10.78.0.10/24" */
	char ip[16];   /* "10.78.0.10" */
	char mac[18];  /* "52:54:00:49:00:0a" */
	bool user_net; /* QEMU's user-mode NAT (external cluster): no lock, no bridge */
	char gw[16];   /* its gateway, for the guest's default route */
};

/* Takes the first free slot of the cluster: 0, or -1 when all are held. */
#define USER_NET_ADDR "10.0.2.15/24" /* QEMU's user-mode network, per guest */
#define USER_NET_GW "10.0.2.2"
int slot_take(struct cluster *c, struct slot *s);
void slot_release(struct slot *s);

/*
 * The trial's cephx client: "iputstorm-PID-N" (PID of this process), with
 * the caps a CephFS kernel mount needs (snapshots and quotas included).
 * Returns its key, or NULL.
 */
char *client_id_for(int trial);
/* A guest's host name "iputstorm-TOKEN-PID-N" (TOKEN: machine_token()). */
char *guest_host_for(int trial);
char *client_add(struct cluster *c, const char *id);
/* Evicts its sessions (blocklisting them) and removes it; -1 if either failed. */
int client_remove(struct cluster *c, const char *id);
/*
 * CephFS sessions of rank 0 opened by client id (and from guest host name
 * host, unless NULL); each evicted. The count, or -1. An identity that may
 * not do that (an external cluster's restricted client) evicts nothing: 0,
 * with one warning and c->evict_denied set.
 */
int client_evict(struct cluster *c, const char *id, const char *host);
/*
 * Before a trial: wait up to timeout for a healthy cluster and evict the
 * sessions client id still has (a rerun of the trial, a guest killed before
 * it unmounted: every MDS failover would wait for those). The number
 * evicted, or -1 with h->reason when the cluster is not ready.
 */
int client_ready_for_trial(struct cluster *c, const char *id, const char *host, double timeout,
			   struct cluster_health *h);
/*
 * Clients a killed run left on a cluster that outlives it (`cluster up`):
 * "iputstorm-PID-N" whose PID no longer runs are evicted and removed.
 * The number removed, or -1. On an external cluster: the sessions of such
 * guests under its one identity are evicted instead.
 */
int client_sweep(struct cluster *c);

#endif
