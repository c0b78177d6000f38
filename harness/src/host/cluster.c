// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/cluster.h"
#include "host/netns.h"
#include "host/records.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/proc.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"
#include "lib/strv.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#define DATA_POOL "cephfs_data"
#define META_POOL "cephfs_metadata"

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);

		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

/* CryptoKey encoding: le16 type (1 = AES), le32 sec, le32 nsec, le16 len, secret. */
char *cephx_new_key(void)
{
	unsigned char k[28] = {1, 0};
	uint32_t now = (uint32_t)now_wall();
	char out[64];

	memcpy(k + 2, &now, 4);
	k[10] = 16;
	if (getrandom(k + 12, 16, 0) != 16)
		return NULL;
	b64(k, sizeof(k), out);
	return xstrdup(out);
}

static char *new_uuid(void)
{
	char buf[40];

	if (read_file_trim("/proc/sys/kernel/random/uuid", buf, sizeof(buf)) < 0)
		return NULL;
	return xstrdup(buf);
}

static int write_conf(struct cluster *c)
{
	struct strbuf sb;
	int r;

	sb_init(&sb);
	sb_printf(&sb,
		  "; written by iputstorm for the embedded cluster %s\n"
		  "[global]\n"
		  "fsid = %s\n"
		  "mon_host = [v2:" CLUSTER_IP ":3300,v1:" CLUSTER_IP ":6789]\n"
		  "public_network = 10.78.0.0/24\n"
		  "auth_cluster_required = cephx\n"
		  "auth_service_required = cephx\n"
		  "auth_client_required = cephx\n"
		  "auth_allow_insecure_global_id_reclaim = false\n"
		  "keyring = %s/keyring\n"
		  "run_dir = %s/run\n"
		  "admin_socket = %s/run/$name.asok\n"
		  "pid_file = %s/run/$name.pid\n"
		  "log_file = %s/$name.log\n"
		  "osd_pool_default_size = 1\n"
		  "osd_pool_default_min_size = 1\n"
		  "osd_pool_default_pg_autoscale_mode = off\n"
		  "osd_crush_chooseleaf_type = 0\n"
		  "mon_allow_pool_size_one = true\n"
		  "mon_allow_pool_delete = true\n"
		  "mon_warn_on_pool_no_redundancy = false\n"
		  "mon_warn_on_insecure_global_id_reclaim_allowed = false\n"
		  "mon_data_avail_warn = 2\n"
		  "mon_data_avail_crit = 1\n"
		  /* Only the always-on modules: the mgr shares two cores with TCG. */
		  "mgr_initial_modules =\n"
		  "paxos_propose_interval = 0.1\n"
		  "mgr_stats_period = 1\n"
		  "mon_mgr_digest_period = 1\n"
		  "mds_beacon_interval = 1\n"
		  /* Must exceed beacon interval + mon_tick_interval or failover never happens. */
		  "mds_beacon_grace = 10\n"
		  "mds_beacon_mon_down_grace = 10\n"
		  "mds_reconnect_timeout = 10\n"
		  "osd_mon_shutdown_timeout = 1\n"
		  "osd_objectstore = memstore\n"
		  "memstore_device_bytes = 4294967296\n"
		  "[mon]\nmon_data = %s/mon.$id\n"
		  "[osd]\nosd_data = %s/osd.$id\n"
		  "[mds]\nmds_data = %s/mds.$id\n"
		  "[mgr]\nmgr_data = %s/mgr.$id\n",
		  c->name, c->fsid, c->dir, c->dir, c->dir, c->dir, c->log_dir, c->dir, c->dir,
		  c->dir, c->dir);
	r = write_file(c->conf, sb.buf, sb.len);
	sb_release(&sb);
	return r < 0 ? err_set("cannot write %s: %s", c->conf, strerror(errno)) : 0;
}

struct entity {
	const char *name;
	const char *caps[4][2];
};

static int write_keyring(struct cluster *c)
{
	static const char *const mds_caps[4][2] = {{"mon", "allow profile mds"},
						   {"osd", "allow *"},
						   {"mds", "allow *"},
						   {"mgr", "allow profile mds"}};
	const struct entity fixed[] = {
		{"mon.", {{"mon", "allow *"}}},
		{"client.admin",
		 {{"mon", "allow *"}, {"osd", "allow *"}, {"mds", "allow *"}, {"mgr", "allow *"}}},
		{"osd.0",
		 {{"mon", "allow profile osd"}, {"osd", "allow *"}, {"mgr", "allow profile osd"}}},
		{"mgr.x", {{"mon", "allow profile mgr"}, {"osd", "allow *"}, {"mds", "allow *"}}},
	};
	_cleanup_free_ char *path = xasprintf("%s/keyring", c->dir);
	struct strbuf sb;
	int r;

	sb_init(&sb);
	for (int i = 0; i < (int)ARRAY_SIZE(fixed) + c->max_mds + 1; i++) {
		_cleanup_free_ char *key = cephx_new_key();
		char name[16];
		const char *const(*caps)[2];

		if (!key) {
			sb_release(&sb);
			return err_set("getrandom: %s", strerror(errno));
		}
		if (i < (int)ARRAY_SIZE(fixed)) {
			snprintf(name, sizeof(name), "%s", fixed[i].name);
			caps = fixed[i].caps;
		} else {
			snprintf(name, sizeof(name), "mds.%c", 'a' + i - (int)ARRAY_SIZE(fixed));
			caps = mds_caps;
		}
		if (!strcmp(name, "client.admin"))
			c->admin_key = xstrdup(key);
		sb_printf(&sb, "[%s]\n\tkey = %s\n", name, key);
		for (int j = 0; j < 4 && caps[j][0]; j++)
			sb_printf(&sb, "\tcaps %s = \"%s\"\n", caps[j][0], caps[j][1]);
	}
	r = write_file(path, sb.buf, sb.len);
	sb_release(&sb);
	return r < 0 ? err_set("cannot write %s: %s", path, strerror(errno)) : 0;
}

/* Runs a one-shot ceph tool inside the namespace (mkfs checks public_network). */
static int run_in_ns(struct cluster *c, char *const argv[], double timeout)
{
	_cleanup_free_ char *log = xasprintf("%s/%s-%s.out", c->log_dir, base_of(argv[0]), "setup");
	struct spawn_opts o = {.netns = c->netns,
			       .stdout_path = log,
			       .stdout_append = true,
			       .stderr_path = "=stdout",
			       .new_session = true};
	char why[64];
	int st;
	pid_t pid;

	pid = spawn(argv, &o);
	if (pid < 0)
		return err_set("cannot start %s: %s", argv[0], strerror(errno));
	if (wait_timeout(pid, timeout, &st) != 0) {
		kill_wait(pid, 0);
		return err_set("%s did not finish in %.0f s; see %s", argv[0], timeout, log);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return err_set("%s failed (%s); see %s", argv[0],
			       describe_status(st, why, sizeof(why)), log);
	return 0;
}

static pid_t spawn_in_ns(struct cluster *c, char *const argv[], const char *out)
{
	struct spawn_opts o = {.netns = c->netns,
			       .stdout_path = out,
			       .stdout_append = true,
			       .stderr_path = "=stdout",
			       .new_session = true};

	return spawn(argv, &o);
}

/* Long-running daemon, -f keeps it in the foreground so its PID stays valid. */
static int start_daemon(struct cluster *c, const char *type, const char *id)
{
	_cleanup_free_ char *bin = xasprintf("ceph-%s", type);
	_cleanup_free_ char *out = xasprintf("%s/%s.%s.out", c->log_dir, type, id);
	char *argv[] = {bin, "-f", "-c", c->conf, "-i", (char *)id, NULL};
	struct daemon *d;
	pid_t pid;

	if (c->nd >= MAX_DAEMONS)
		return err_set("too many daemons");
	pid = spawn_in_ns(c, argv, out);
	if (pid < 0)
		return err_set("cannot start %s: %s", bin, strerror(errno));
	d = &c->d[c->nd++];
	snprintf(d->name, sizeof(d->name), "%s.%s", type, id);
	d->pid = pid;
	/* The start time is read once the child has exec'ed or not: either is unique. */
	d->start = proc_starttime(pid);
	return record_add_pid(&c->rec, d->name, pid);
}

int cluster_mon_command(struct cluster *c, json_t *cmd, char **out, char **outs)
{
	_cleanup_free_ char *s = json_dumps(cmd, JSON_COMPACT);
	const char *argv[1] = {s};
	char *ob = NULL, *os = NULL;
	size_t obl = 0, osl = 0;
	int r;

	if (!c->connected)
		return err_set("not connected to the cluster");
	r = rados_mon_command(c->rados, argv, 1, "", 0, &ob, &obl, &os, &osl);
	if (out)
		*out = xstrndup(ob ? ob : "", obl);
	if (outs)
		*outs = xstrndup(os ? os : "", osl);
	if (r < 0)
		err_set("mon command %s failed: %s%s%.*s", s, strerror(-r), osl ? ": " : "",
			(int)osl, os ? os : "");
	rados_buffer_free(ob);
	rados_buffer_free(os);
	return r < 0 ? -1 : 0;
}

static int mon(struct cluster *c, json_t *cmd)
{
	int r = cluster_mon_command(c, cmd, NULL, NULL);

	json_decref(cmd);
	return r;
}

static int rados_open(struct cluster *c)
{
	_cleanup_free_ char *entity = xasprintf("client.%s", c->id ? c->id : "admin");
	_cleanup_free_ char *log = NULL;
	int r;

	if ((r = rados_create2(&c->rados, "ceph", entity, 0)) < 0)
		return err_set("rados_create: %s", strerror(-r));
	if ((r = rados_conf_read_file(c->rados, c->conf)) < 0) {
		rados_shutdown(c->rados);
		return err_set("rados: reading %s: %s", c->conf, strerror(-r));
	}
	if (c->keyring)
		rados_conf_set(c->rados, "keyring", c->keyring);
	/* Bounded answers: a hung cluster must turn into a MISS, not a hung harness. */
	rados_conf_set(c->rados, "rados_mon_op_timeout", "10");
	rados_conf_set(c->rados, "rados_osd_op_timeout", "5");
	rados_conf_set(c->rados, "client_mount_timeout", "20");
	if (c->log_dir) {
		log = xasprintf("%s/%s.log", c->log_dir, entity);
		rados_conf_set(c->rados, "log_file", log);
	} else {
		rados_conf_set(c->rados, "log_to_stderr", "false");
		rados_conf_set(c->rados, "err_to_stderr", "false");
		rados_conf_set(c->rados, "log_file", "");
	}
	if ((r = rados_connect(c->rados)) < 0) {
		rados_shutdown(c->rados);
		if (c->external)
			return err_set("cannot connect to the cluster of %s as %s: %s; check "
				       "mon_host there, that this host reaches it, and the key in "
				       "%s",
				       c->conf, entity, strerror(-r), c->keyring);
		return err_set("cannot connect to the monitor at " CLUSTER_IP ":3300: %s; see %s/"
			       "mon.a.log",
			       strerror(-r), c->log_dir);
	}
	c->connected = true;
	return 0;
}

int cluster_connect(struct cluster *c)
{
	if (c->connected)
		return 0;
	if (c->netns && netns_enter(c->netns) < 0)
		return -1;
	return rados_open(c);
}

static int create_fs(struct cluster *c)
{
	if (mon(c, json_pack("{s:s, s:s, s:i}", "prefix", "osd pool create", "pool", DATA_POOL,
			     "pg_num", 8)) < 0 ||
	    mon(c, json_pack("{s:s, s:s, s:i}", "prefix", "osd pool create", "pool", META_POOL,
			     "pg_num", 8)) < 0 ||
	    mon(c, json_pack("{s:s, s:s, s:s, s:s}", "prefix", "fs new", "fs_name", CLUSTER_FS,
			     "metadata", META_POOL, "data", DATA_POOL)) < 0)
		return -1;
	if (c->max_mds > 1 &&
	    mon(c, json_pack("{s:s, s:s, s:s, s:s}", "prefix", "fs set", "fs_name", CLUSTER_FS,
			     "var", "max_mds", "val", c->max_mds == 2 ? "2" : "1")) < 0)
		return -1;
	return 0;
}

static int save_state(struct cluster *c)
{
	_cleanup_json_ json_t *j = cluster_describe(c);
	_cleanup_free_ char *p = xasprintf("%s/cluster.json", c->dir);

	return json_save(p, j);
}

static char *cluster_dir(const char *name)
{
	return xasprintf("%s/clusters/%s", state_dir(), name);
}

static void cluster_init(struct cluster *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->dir = cluster_dir(name);
	c->conf = xasprintf("%s/ceph.conf", c->dir);
	c->netns = xasprintf("ipst-%s", name);
}

int cluster_up(struct cluster *c, const struct cluster_opts *o)
{
	_cleanup_free_ char *osd_uuid = NULL;
	_cleanup_free_ char *mkfs_out = NULL;
	double t0 = now_mono();
	struct cluster_health h;
	pid_t mkfs;
	int st;

	cluster_init(c, o->name);
	c->max_mds = o->max_mds > 0 ? o->max_mds : 1;
	/* Logs outlive the cluster's directory: a failed bring-up must stay debuggable. */
	c->log_dir =
		o->log_dir ? xstrdup(o->log_dir) : xasprintf("%s/logs/%s", state_dir(), o->name);
	reap_orphans(false);
	if (netns_exists(c->netns) || path_exists(c->dir))
		return err_set("cluster '%s' exists already (%s); `iputstorm cluster down %s` "
			       "removes it",
			       o->name, c->dir, o->name);
	if (!o->log_dir)
		rm_rf(c->log_dir);
	if (record_create(&c->rec, "cluster", o->name, o->persistent) < 0)
		return -1;
	/* Record first, create second: a SIGKILL in between leaves nothing unnamed. */
	if (record_add(&c->rec, "netns", c->netns) < 0 || record_add(&c->rec, "dirs", c->dir) < 0)
		goto fail;
	c->fsid = new_uuid();
	osd_uuid = new_uuid();
	if (!c->fsid || !osd_uuid) {
		err_set("cannot read /proc/sys/kernel/random/uuid");
		goto fail;
	}
	{
		static const char *const sub[] = {"run",   "osd.0", "mgr.x",
						  "mds.a", "mds.b", "mds.c"};

		for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
			_cleanup_free_ char *p = path_join(c->dir, sub[i]);

			if (mkdir_p(p, 0755) < 0) {
				err_set("cannot create %s: %s", p, strerror(errno));
				goto fail;
			}
		}
		if (mkdir_p(c->log_dir, 0755) < 0) {
			err_set("cannot create %s: %s", c->log_dir, strerror(errno));
			goto fail;
		}
	}
	if (netns_create(c->netns, CLUSTER_CIDR) < 0 || write_conf(c) < 0 || write_keyring(c) < 0)
		goto fail;
	{
		_cleanup_free_ char *monmap = xasprintf("%s/monmap", c->dir);
		_cleanup_free_ char *keyring = xasprintf("%s/keyring", c->dir);
		char *mm[] = {"monmaptool",
			      "--create",
			      "--fsid",
			      c->fsid,
			      "--addv",
			      "a",
			      "[v2:" CLUSTER_IP ":3300,v1:" CLUSTER_IP ":6789]",
			      monmap,
			      NULL};
		char *mk[] = {"ceph-mon", "-c",	  c->conf,     "--mkfs", "-i", "a",
			      "--monmap", monmap, "--keyring", keyring,	 NULL};
		char *osdmk[] = {"ceph-osd",	    "-c",	  c->conf,  "-i", "0", "--mkfs",
				 "--no-mon-config", "--osd-uuid", osd_uuid, NULL};

		if (run_in_ns(c, mm, 30) < 0 || run_in_ns(c, mk, 60) < 0)
			goto fail;
		/* The OSD's mkfs needs no monitor: overlap it with the daemons' start. */
		mkfs_out = xasprintf("%s/osd-mkfs.out", c->log_dir);
		mkfs = spawn_in_ns(c, osdmk, mkfs_out);
		if (mkfs < 0) {
			err_set("cannot start ceph-osd --mkfs: %s", strerror(errno));
			goto fail;
		}
		record_add_pid(&c->rec, "osd-mkfs", mkfs);
	}
	if (start_daemon(c, "mon", "a") < 0 || start_daemon(c, "mgr", "x") < 0)
		goto fail;
	for (int i = 0; i <= c->max_mds; i++) {
		char id[2] = {(char)('a' + i), 0};

		if (start_daemon(c, "mds", id) < 0)
			goto fail;
	}
	p_debug("cluster %s: daemons started at %.2f s", c->name, now_mono() - t0);
	if (cluster_connect(c) < 0)
		goto fail;
	p_debug("cluster %s: connected at %.2f s", c->name, now_mono() - t0);
	if (wait_timeout(mkfs, 60, &st) != 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		err_set("ceph-osd --mkfs failed; see %s", mkfs_out);
		goto fail;
	}
	record_forget_pid(&c->rec, mkfs);
	p_debug("cluster %s: osd mkfs done at %.2f s", c->name, now_mono() - t0);
	if (mon(c, json_pack("{s:s, s:s, s:i}", "prefix", "osd new", "uuid", osd_uuid, "id", 0)) <
		    0 ||
	    start_daemon(c, "osd", "0") < 0 || create_fs(c) < 0)
		goto fail;
	p_debug("cluster %s: fs created at %.2f s", c->name, now_mono() - t0);
	if (cluster_wait_healthy(c, o->timeout > 0 ? o->timeout : 60, &h) < 0) {
		err_set("the new cluster did not become healthy: %s; logs in %s", h.reason,
			c->log_dir);
		goto fail;
	}
	c->ready_secs = now_mono() - t0;
	if (save_state(c) < 0)
		goto fail;
	return 0;
fail:
	err_keep(cluster_down(c));
	return -1;
}

static int load_state(struct cluster *c, const char *name)
{
	_cleanup_free_ char *p = NULL;
	json_error_t je;
	json_t *j, *d;
	size_t i;

	cluster_init(c, name);
	p = xasprintf("%s/cluster.json", c->dir);
	j = json_load_file(p, 0, &je);
	if (!j)
		return err_set("no embedded cluster '%s' (%s: %s); `iputstorm cluster up` starts "
			       "one",
			       name, p, je.text);
	c->fsid = xstrdup(json_string_value(json_object_get(j, "fsid")));
	c->admin_key = xstrdup(json_string_value(json_object_get(j, "admin_key")));
	c->log_dir = xstrdup(json_string_value(json_object_get(j, "log_dir")));
	c->max_mds = json_integer_value(json_object_get(j, "max_mds"));
	json_array_foreach (json_object_get(j, "daemons"), i, d) {
		if (c->nd >= MAX_DAEMONS)
			break;
		snprintf(c->d[c->nd].name, sizeof(c->d[0].name), "%s",
			 json_string_value(json_object_get(d, "name")));
		c->d[c->nd].pid = json_integer_value(json_object_get(d, "pid"));
		c->d[c->nd].start = json_integer_value(json_object_get(d, "start"));
		c->nd++;
	}
	json_decref(j);
	return 0;
}

int cluster_attach(struct cluster *c, const char *name)
{
	_cleanup_free_ char *rp = NULL;

	if (load_state(c, name) < 0)
		return -1;
	rp = xasprintf("%s/records/cluster-%s.json", state_dir(), name);
	if (record_open(&c->rec, rp) < 0)
		return err_set("cluster '%s' has no record %s; remove %s by hand", name, rp,
			       c->dir);
	return cluster_connect(c);
}

int cluster_down(struct cluster *c)
{
	int r = 0;

	if (c->connected) {
		rados_shutdown(c->rados);
		c->connected = false;
	}
	if (c->rec.j) {
		r = record_release(&c->rec);
		record_free(&c->rec);
	} else if (c->name && !c->external) {
		/* Attached without a record: the state file still names everything. */
		_cleanup_free_ char *rp =
			xasprintf("%s/records/cluster-%s.json", state_dir(), c->name);
		struct record rec;

		if (record_open(&rec, rp) == 0) {
			r = record_release(&rec);
			record_free(&rec);
		}
	}
	return r;
}

void cluster_free(struct cluster *c)
{
	if (c->connected)
		rados_shutdown(c->rados);
	record_free(&c->rec);
	free(c->name);
	free(c->dir);
	free(c->log_dir);
	free(c->conf);
	free(c->netns);
	free(c->fsid);
	free(c->admin_key);
	free(c->keyring);
	free(c->id);
	free(c->key);
	free(c->fs);
	free(c->mon_addrs);
	free(c->data_pool);
	memset(c, 0, sizeof(*c));
}

const struct daemon *cluster_daemon(const struct cluster *c, const char *name)
{
	for (int i = 0; i < c->nd; i++)
		if (!strcmp(c->d[i].name, name))
			return &c->d[i];
	return NULL;
}

const char *cluster_fs(const struct cluster *c)
{
	return c->external ? c->fs : CLUSTER_FS;
}

const char *cluster_mon_addrs(const struct cluster *c)
{
	return c->external ? c->mon_addrs : CLUSTER_IP ":6789";
}

json_t *cluster_describe(const struct cluster *c)
{
	json_t *ds;

	if (c->external)
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "name", c->name,
				 "conf", c->conf, "keyring", c->keyring, "id", c->id, "fs", c->fs,
				 "fsid", c->fsid ? c->fsid : "", "mon_addr", c->mon_addrs,
				 "max_mds", c->max_mds);
	ds = json_array();

	for (int i = 0; i < c->nd; i++)
		json_array_append_new(ds, json_pack("{s:s, s:i, s:I}", "name", c->d[i].name, "pid",
						    (int)c->d[i].pid, "start",
						    (json_int_t)c->d[i].start));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o}", "name", c->name,
			 "dir", c->dir, "log_dir", c->log_dir, "conf", c->conf, "netns", c->netns,
			 "fsid", c->fsid ? c->fsid : "", "admin_key",
			 c->admin_key ? c->admin_key : "", "mon_addr", CLUSTER_IP ":6789",
			 "max_mds", c->max_mds, "daemons", ds);
}

json_t *cluster_status(struct cluster *c)
{
	_cleanup_free_ char *out = NULL;
	json_t *cmd = json_pack("{s:s, s:s}", "prefix", "status", "format", "json");
	json_t *j;

	if (cluster_mon_command(c, cmd, &out, NULL) < 0) {
		json_decref(cmd);
		return NULL;
	}
	json_decref(cmd);
	j = json_loads(out, 0, NULL);
	if (!j)
		err_set("the monitor's status is not JSON");
	return j;
}

static int check_daemons(struct cluster *c, struct cluster_health *h)
{
	for (int i = 0; i < c->nd; i++) {
		const struct daemon *d = &c->d[i];
		char s;

		if (!proc_alive(d->pid, d->start)) {
			snprintf(h->reason, sizeof(h->reason),
				 "%s (pid %d) has exited; see %s/%s.log", d->name, (int)d->pid,
				 c->log_dir, d->name);
			return -1;
		}
		s = proc_state(d->pid);
		if (s == 'T' || s == 't') {
			snprintf(h->reason, sizeof(h->reason), "%s (pid %d) is stopped (SIGSTOP)",
				 d->name, (int)d->pid);
			return -1;
		}
	}
	return 0;
}

static int check_mds(struct cluster *c, json_t *st, struct cluster_health *h)
{
	json_t *fsmap = json_object_get(st, "fsmap");
	json_t *ranks = json_object_get(fsmap, "by_rank"), *r;
	int active = 0;
	size_t i;

	json_array_foreach (ranks, i, r) {
		/* An external cluster may serve other file systems: only ours counts. */
		if (c->external &&
		    json_integer_value(json_object_get(r, "filesystem_id")) != c->fscid)
			continue;
		if (!strcmp(json_string_value(json_object_get(r, "status")) ?: "", "up:active"))
			active++;
	}
	if (active < c->max_mds) {
		snprintf(h->reason, sizeof(h->reason), "%d of %d MDS ranks active", active,
			 c->max_mds);
		return -1;
	}
	return 0;
}

int cluster_mds_active(struct cluster *c)
{
	struct cluster_health h;
	json_t *st = cluster_status(c);
	int r;

	if (!st)
		return -1;
	r = check_mds(c, st, &h) == 0;
	json_decref(st);
	return r;
}

/* A pool serves I/O when an object can be written and read back in time. */
static int probe_pool(struct cluster *c, const char *pool, struct cluster_health *h)
{
	/* Somebody else's pool: an object of our own, removed again. */
	_cleanup_free_ char *obj =
		c->external ? xasprintf("iputstorm-probe-%s-%d", machine_token(), (int)getpid())
			    : xstrdup("iputstorm-probe");
	rados_ioctx_t io;
	char buf[4096], back[4096];
	double t0 = now_mono();
	int r;

	if ((r = rados_ioctx_create(c->rados, pool, &io)) < 0) {
		snprintf(h->reason, sizeof(h->reason), "cannot open pool %s: %s", pool,
			 strerror(-r));
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	snprintf(buf, sizeof(buf), "iputstorm probe %.3f", now_wall());
	r = rados_write_full(io, obj, buf, sizeof(buf));
	if (r >= 0)
		r = rados_read(io, obj, back, sizeof(back), 0);
	if (c->external)
		rados_remove(io, obj);
	rados_ioctx_destroy(io);
	if (r == -EPERM || r == -EACCES) {
		snprintf(h->reason, sizeof(h->reason),
			 "client.%s may not write to pool %s (%s): it needs the caps of `ceph fs "
			 "authorize %s client.%s / rw`",
			 c->id ? c->id : "admin", pool, strerror(-r), c->fs ? c->fs : CLUSTER_FS,
			 c->id ? c->id : "admin");
		return -1;
	}
	if (r < 0 || memcmp(buf, back, sizeof(buf)) != 0) {
		snprintf(h->reason, sizeof(h->reason),
			 "cluster not serving I/O: probe write/read on pool %s %s after %.1f s",
			 pool, r < 0 ? strerror(-r) : "returned other data", now_mono() - t0);
		return -1;
	}
	return 0;
}

static int probe_io(struct cluster *c, struct cluster_health *h)
{
	/* A restricted client may touch only the file system's data pool. */
	if (c->external)
		return probe_pool(c, c->data_pool, h);
	if (probe_pool(c, DATA_POOL, h) < 0 || probe_pool(c, META_POOL, h) < 0)
		return -1;
	return 0;
}

int cluster_check(struct cluster *c, struct cluster_health *h)
{
	double t0 = now_mono();
	json_t *st = NULL;

	memset(h, 0, sizeof(*h));
	if (check_daemons(c, h) < 0)
		goto out;
	st = cluster_status(c);
	if (!st) {
		snprintf(h->reason, sizeof(h->reason), "the monitor does not answer: %s",
			 err_msg());
		goto out;
	}
	/* PG states come from the mgr seconds late; the probes below ask the OSD directly. */
	if (check_mds(c, st, h) < 0)
		goto out;
	if (check_daemons(c, h) < 0 || probe_io(c, h) < 0)
		goto out;
	h->ok = true;
	snprintf(h->reason, sizeof(h->reason), "healthy");
out:
	json_decref(st);
	h->secs = now_mono() - t0;
	return h->ok ? 0 : -1;
}

int cluster_wait_healthy(struct cluster *c, double timeout, struct cluster_health *h)
{
	double deadline = now_mono() + timeout;

	for (;;) {
		if (cluster_check(c, h) == 0)
			return 0;
		if (now_mono() >= deadline)
			return -1;
		p_debug("cluster %s: not ready: %s", c->name, h->reason);
		/* A dead or stopped daemon will not come back by itself. */
		if (strstr(h->reason, "has exited") || strstr(h->reason, "stopped"))
			return -1;
		sleep_s(0.1);
	}
}

/* The JSON in CLI output that may start with log lines (an admin socket warning). */
json_t *cluster_cli_json(const char *out)
{
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (*l == '[' || *l == '{')
			return json_loads(l, JSON_DISABLE_EOF_CHECK, NULL);
	return NULL;
}

int cluster_config_set(struct cluster *c, const char *who, const char *opt, const char *val)
{
	return mon(c, json_pack("{s:s, s:s, s:s, s:s}", "prefix", "config set", "who", who, "name",
				opt, "value", val));
}

int cluster_ceph_cli(struct cluster *c, const char *words, char **out)
{
	struct strv argv = {0};
	int r;

	strv_push(&argv, "ceph");
	strv_push(&argv, "-c");
	strv_push(&argv, c->conf);
	if (c->external) {
		strv_push(&argv, "--id");
		strv_push(&argv, c->id);
		strv_push(&argv, "--keyring");
		strv_push(&argv, c->keyring);
	}
	strv_push(&argv, "--connect-timeout");
	strv_push(&argv, "10");
	strv_split_ws(&argv, words);
	r = run_capture(argv.v, 30, out);
	strv_release(&argv);
	return r;
}
