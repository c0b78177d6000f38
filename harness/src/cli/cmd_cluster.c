// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "host/cluster.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/proc.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_MAX_MDS = 256, OPT_EXPORT, OPT_EXPORT_ID };

struct cargs {
	int max_mds;
	const char *export_dir, *export_id;
};

static int cluster_opt(int id, const char *arg, void *ctx)
{
	struct cargs *a = ctx;
	long long v;

	if (id == OPT_MAX_MDS) {
		if (parse_int(arg, &v) < 0 || v < 1 || v > 2)
			return err_set("--max-mds must be 1 or 2, not '%s'", arg);
		a->max_mds = (int)v;
	} else if (id == OPT_EXPORT) {
		a->export_dir = arg;
	} else if (id == OPT_EXPORT_ID) {
		if (!*arg || strpbrk(arg, " \t\n,=") || !strncmp(arg, "client.", 7))
			return err_set("--export-id takes the NAME of client.NAME, not '%s'", arg);
		a->export_id = arg;
	}
	return 0;
}

static const struct opt up_opts[] = {
	{OPT_MAX_MDS, "max-mds", "N", "active MDS ranks (1 or 2); one standby is added"},
	{OPT_EXPORT, "export", "DIR",
	 "write DIR/ceph.conf and DIR/keyring for a restricted CephFS client (`fs authorize`), "
	 "to use the cluster as an existing one: run --ceph-conf DIR/ceph.conf --keyring "
	 "DIR/keyring --id NAME, from its network namespace"},
	{OPT_EXPORT_ID, "export-id", "NAME", "that client's name (default: iputstorm-user)"},
	{0},
};

static const struct cmd_spec up_spec = {
	.name = "cluster up",
	.usage = "[--max-mds N] [--export DIR [--export-id NAME]] [NAME]",
	.summary = "Start an embedded Ceph cluster (mon, mgr, memstore OSD, MDS + standby, "
		   "CephFS) in a private network namespace and leave it running for later "
		   "`iputstorm run --cluster NAME` (default NAME: default).",
	.opts = up_opts,
};

static int do_up(int argc, char **argv)
{
	struct cargs a = {.max_mds = 1};
	struct cluster c;
	struct cluster_opts o = {.max_mds = 1, .persistent = true, .timeout = 60};
	int first = opt_parse(&up_spec, argc, argv, cluster_opt, &a);

	if (first < 0)
		return OPT_EXIT(first);
	o.name = first < argc ? argv[first] : "default";
	o.max_mds = a.max_mds;
	if (cluster_up(&c, &o) < 0) {
		p_err("cluster up: %s", err_msg());
		cluster_free(&c);
		return EXIT_UNDECIDED;
	}
	if (a.export_dir &&
	    cluster_export(&c, a.export_dir, a.export_id ? a.export_id : "iputstorm-user") < 0) {
		/* Half a result is worse than none: the cluster goes too. */
		p_err("cluster up %s --export %s: %s; the cluster is removed again", c.name,
		      a.export_dir, err_msg());
		cluster_down(&c);
		cluster_free(&c);
		return EXIT_UNDECIDED;
	}
	if (json_output) {
		json_t *j = cluster_describe(&c);
		json_object_set_new(j, "ready_secs", json_real(c.ready_secs));
		if (a.export_dir)
			json_object_set_new(
				j, "export",
				json_pack("{s:s, s:s}", "dir", a.export_dir, "id",
					  a.export_id ? a.export_id : "iputstorm-user"));
		json_print(j);
		json_decref(j);
	} else {
		printf("cluster %s ready in %.1f s: fsid %s, mon " CLUSTER_IP
		       ":6789, netns %s, conf %s\n",
		       c.name, c.ready_secs, c.fsid, c.netns, c.conf);
		if (a.export_dir)
			printf("exported for client.%s: %s/ceph.conf %s/keyring (reachable from "
			       "netns %s)\n",
			       a.export_id ? a.export_id : "iputstorm-user", a.export_dir,
			       a.export_dir, c.netns);
	}
	cluster_free(&c);
	return 0;
}

static const struct cmd_spec name_spec = {
	.name = "cluster",
	.usage = "[NAME]",
	.summary = "",
	.opts = (const struct opt[]){{0}},
};

static int do_down(int argc, char **argv)
{
	struct cargs a = {0};
	struct cluster c;
	int first = opt_parse(&name_spec, argc, argv, cluster_opt, &a);
	const char *name;
	double t0 = now_mono();

	if (first < 0)
		return OPT_EXIT(first);
	name = first < argc ? argv[first] : "default";
	if (cluster_attach(&c, name) < 0 && !c.rec.j) {
		p_err("cluster down %s: %s", name, err_msg());
		cluster_free(&c);
		return EXIT_UNDECIDED;
	}
	if (cluster_down(&c) < 0) {
		p_err("cluster down %s: %s", name, err_msg());
		cluster_free(&c);
		return EXIT_UNDECIDED;
	}
	if (!json_output)
		printf("cluster %s removed in %.2f s\n", name, now_mono() - t0);
	cluster_free(&c);
	return 0;
}

static int do_status(int argc, char **argv)
{
	struct cargs a = {0};
	struct cluster c;
	struct cluster_health h;
	int first = opt_parse(&name_spec, argc, argv, cluster_opt, &a);
	const char *name;
	json_t *st;

	if (first < 0)
		return OPT_EXIT(first);
	name = first < argc ? argv[first] : "default";
	if (cluster_attach(&c, name) < 0) {
		p_err("cluster status %s: %s", name, err_msg());
		cluster_free(&c);
		return EXIT_UNDECIDED;
	}
	cluster_check(&c, &h);
	st = cluster_status(&c);
	if (json_output) {
		json_t *j = cluster_describe(&c);

		json_object_set_new(j, "healthy", json_boolean(h.ok));
		json_object_set_new(j, "reason", json_string(h.reason));
		json_object_set_new(j, "ceph_status", st ? st : json_null());
		json_print(j);
		json_decref(j);
	} else {
		json_t *health = json_object_get(st, "health");

		printf("cluster %s: %s (%s); ceph health %s\n", name,
		       h.ok ? "healthy" : "NOT healthy", h.reason,
		       st ? json_string_value(json_object_get(health, "status")) : "unknown");
		for (int i = 0; i < c.nd; i++)
			printf("  %-8s pid %d %s\n", c.d[i].name, (int)c.d[i].pid,
			       proc_alive(c.d[i].pid, c.d[i].start) ? "running" : "gone");
		json_decref(st);
	}
	cluster_free(&c);
	return h.ok ? 0 : EXIT_UNDECIDED;
}

static const struct verb cluster_verbs[] = {
	{"up", do_up, "start an embedded cluster and leave it running"},
	{"down", do_down, "stop an embedded cluster and remove everything it had"},
	{"status", do_status, "health of an embedded cluster"},
	{NULL, NULL, NULL},
};

int cmd_cluster(int argc, char **argv)
{
	return verb_select("cluster", cluster_verbs, argc - 1, argv + 1);
}
