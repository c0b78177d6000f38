/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_CLUSTER_H
#define IPUTSTORM_CLUSTER_H

#include <jansson.h>
#include <rados/librados.h>
#include <stdbool.h>
#include <sys/types.h>

#include "host/records.h"

/*
 * The embedded cluster: mon + mgr + memstore OSD + max_mds+1 MDS (one
 * standby), cephx on, CephFS "cephfs", all in a private network namespace
 * (bridge 10.78.0.1/24) and one directory (state_dir()/clusters/NAME).
 * Every mon command goes through librados, never the ceph CLI.
 */

#define CLUSTER_IP "10.78.0.1"
#define CLUSTER_CIDR "10.78.0.1/24"
#define CLUSTER_FS "cephfs"
#define MAX_DAEMONS 8

struct daemon {
	char name[16]; /* "osd.0" */
	pid_t pid;
	unsigned long long start;
};

struct cluster {
	char *name;
	char *dir;
	char *log_dir;
	char *conf;
	char *netns;
	char *fsid;
	char *admin_key;
	int max_mds;
	struct daemon d[MAX_DAEMONS];
	int nd;
	rados_t rados;
	bool connected;
	struct record rec;
	double ready_secs; /* how long bring-up took */
	/* A cluster the harness did not start (--ceph-conf): host/external.c. */
	bool external;
	char *keyring;	   /* the identity's keyring file */
	char *id;	   /* "NAME" of client.NAME: every guest mounts as it */
	char *key;	   /* its cephx key, from the keyring */
	char *fs;	   /* the file system the guests mount */
	char *mon_addrs;   /* "IP:6789,IP:6789": what mount -t ceph takes */
	char *data_pool;   /* the file system's first data pool: the I/O probe's */
	int fscid;	   /* its id in the FSMap */
	bool evict_denied; /* the identity may not list or evict MDS sessions */
};

/* What names an existing cluster: run --ceph-conf FILE --keyring FILE --id NAME [--fs NAME]. */
struct cluster_ext {
	const char *conf, *keyring, *id, *fs;
	bool allow_disruptive; /* scenario actions on a shared cluster: refused without it */
};

struct cluster_health {
	bool ok;
	char reason[512]; /* why not, in words a user can act on */
	double secs;	  /* how long the check took */
};

struct cluster_opts {
	const char *name;
	const char *log_dir; /* NULL: DIR/log */
	int max_mds;
	bool persistent; /* survives this process (cluster up) */
	double timeout;
};

int cluster_up(struct cluster *c, const struct cluster_opts *o);
int cluster_attach(struct cluster *c, const char *name);
int cluster_down(struct cluster *c);
/*
 * Connects to a cluster the harness did not start, as client.ID only: its
 * fsid, the monitors' v1 addresses, the file system (--fs, or the only one)
 * with its ranks and data pool. Nothing on that cluster is created or changed.
 */
int cluster_attach_external(struct cluster *c, const struct cluster_ext *x);
/* The key of [client.ID] in a keyring file, or NULL with err_msg(). */
char *cluster_keyring_key(const char *keyring, const char *id);
/*
 * Writes DIR/ceph.conf and DIR/keyring for a restricted CephFS client of an
 * embedded cluster (`fs authorize CLUSTER_FS client.ID / rwps`): how a cluster
 * run by somebody else reaches a user, for testing --ceph-conf against.
 */
int cluster_export(struct cluster *c, const char *dir, const char *id);
/* The file system the guests mount: CLUSTER_FS, or an external cluster's. */
const char *cluster_fs(const struct cluster *c);
/* "IP:6789" of the embedded cluster, the monitors of an external one. */
const char *cluster_mon_addrs(const struct cluster *c);
void cluster_free(struct cluster *c);

/* Daemons alive and not stopped, an active MDS per rank, and a timed OSD write+read. */
int cluster_check(struct cluster *c, struct cluster_health *h);
int cluster_wait_healthy(struct cluster *c, double timeout, struct cluster_health *h);
/* 1 when every MDS rank is up:active, 0 when not, -1 when the monitor does not answer. */
int cluster_mds_active(struct cluster *c);

/* librados as c's identity (client.admin, or client.ID of an external cluster). */
int cluster_connect(struct cluster *c);
int cluster_mon_command(struct cluster *c, json_t *cmd, char **out, char **outs);
int cluster_config_set(struct cluster *c, const char *who, const char *opt, const char *val);
/* The ceph CLI for scenario actions a user writes in CLI words ("mds fail 0"). */
int cluster_ceph_cli(struct cluster *c, const char *words, char **out);
/* The JSON in the CLI's output, after any log lines it printed first; NULL if none. */
json_t *cluster_cli_json(const char *out);
json_t *cluster_status(struct cluster *c);
json_t *cluster_describe(const struct cluster *c);
const struct daemon *cluster_daemon(const struct cluster *c, const char *name);

/* base64 of a fresh cephx AES key: what keyrings and mount -o secret= take. */
char *cephx_new_key(void);

#endif
