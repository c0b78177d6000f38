// SPDX-License-Identifier: GPL-2.0
/*
 * A Ceph cluster the harness did not start: reached through a ceph.conf and
 * a keyring as one restricted CephFS client, read but never changed. And the
 * other side of it: an embedded cluster handing out such a pair (--export).
 */
#define _GNU_SOURCE
#include "host/cluster.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *cluster_keyring_key(const char *path, const char *id)
{
	_cleanup_free_ char *text = read_file(path, NULL);
	_cleanup_free_ char *section = xasprintf("[client.%s]", id);
	bool in = false;
	char *save = NULL;

	if (!text) {
		err_set("cannot read the keyring %s: %s", path, strerror(errno));
		return NULL;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t = str_strip(l);

		if (*t == '[') {
			in = !strcmp(t, section);
			continue;
		}
		if (in && str_startswith(t, "key")) {
			char *eq = strchr(t, '=');

			if (eq && !strcmp(str_strip(strndupa(t, eq - t)), "key"))
				return xstrdup(str_strip(eq + 1));
		}
	}
	err_set("%s has no key for client.%s (a section %s with `key = ...`)", path, id, section);
	return NULL;
}

static json_t *mon_json(struct cluster *c, const char *prefix, const char *k, const char *v)
{
	_cleanup_json_ json_t *cmd =
		k ? json_pack("{s:s, s:s, s:s}", "prefix", prefix, k, v, "format", "json")
		  : json_pack("{s:s, s:s}", "prefix", prefix, "format", "json");
	_cleanup_free_ char *out = NULL;
	json_t *j;

	if (cluster_mon_command(c, cmd, &out, NULL) < 0)
		return NULL;
	j = json_loads(out, 0, NULL);
	if (!j)
		err_set("`%s` answered no JSON: %.200s", prefix, out);
	return j;
}

/*
 * The v1 addresses of mon_host ("[v2:IP:3300,v1:IP:6789],..." or "IP,IP"):
 * what a client not allowed `mon dump` has.
 */
static void monitors_of_conf(struct cluster *c, struct strbuf *sb)
{
	char buf[1024] = "", *save = NULL;

	if (rados_conf_get(c->rados, "mon_host", buf, sizeof(buf)) < 0)
		return;
	for (char *t = strtok_r(buf, "[], ", &save); t; t = strtok_r(NULL, "[], ", &save)) {
		if (str_startswith(t, "v2:"))
			continue;
		if (str_startswith(t, "v1:"))
			t += 3;
		/* A bare address speaks v1 on 6789 unless it names a port. */
		sb_printf(sb, "%s%s%s", sb->len ? "," : "", t, strchr(t, ':') ? "" : ":6789");
	}
}

/* The monitors' v1 addresses: the kernel client's default protocol. */
static int read_monitors(struct cluster *c)
{
	_cleanup_json_ json_t *j = mon_json(c, "mon dump", NULL, NULL);
	struct strbuf sb;
	json_t *m, *a;
	size_t i, k;

	sb_init(&sb);
	if (!j)
		monitors_of_conf(c, &sb);
	json_array_foreach (json_object_get(j, "mons"), i, m)
		json_array_foreach (json_object_get(json_object_get(m, "public_addrs"), "addrvec"),
				    k, a) {
			const char *type = json_string_value(json_object_get(a, "type"));
			const char *addr = json_string_value(json_object_get(a, "addr"));

			if (type && addr && !strcmp(type, "v1"))
				sb_printf(&sb, "%s%s", sb.len ? "," : "", addr);
		}
	if (!sb.len) {
		sb_release(&sb);
		return err_set("the monitor map of %s lists no v1 (port 6789) address, which the "
			       "kernel client needs",
			       c->conf);
	}
	c->mon_addrs = sb_detach(&sb);
	return 0;
}

/* --fs, or the cluster's only file system. */
static int choose_fs(struct cluster *c, const char *want)
{
	_cleanup_json_ json_t *j = NULL;
	struct strbuf names;
	json_t *f;
	size_t i;

	if (want) {
		c->fs = xstrdup(want);
		return 0;
	}
	j = mon_json(c, "fs ls", NULL, NULL);
	if (!j)
		return err_prefix("listing the file systems");
	if (json_array_size(j) == 1) {
		c->fs = xstrdup(json_string_value(json_object_get(json_array_get(j, 0), "name")));
		return 0;
	}
	sb_init(&names);
	json_array_foreach (j, i, f)
		sb_printf(&names, "%s%s", i ? ", " : "",
			  json_string_value(json_object_get(f, "name")) ?: "?");
	err_set("the cluster has %zu file systems (%s): name one with --fs", json_array_size(j),
		names.len ? names.buf : "none");
	sb_release(&names);
	return -1;
}

/* Its id (for its ranks in the status), max_mds and first data pool. */
static int read_fs(struct cluster *c)
{
	_cleanup_json_ json_t *j = mon_json(c, "fs get", "fs_name", c->fs);
	json_t *mdsmap = json_object_get(j, "mdsmap");
	json_t *pools = json_object_get(mdsmap, "data_pools");
	char name[256];
	int r;

	if (!j)
		return err_prefix("file system %s", c->fs);
	c->fscid = (int)json_integer_value(json_object_get(j, "id"));
	c->max_mds = (int)json_integer_value(json_object_get(mdsmap, "max_mds"));
	if (c->max_mds < 1)
		c->max_mds = 1;
	if (!json_array_size(pools))
		return err_set("file system %s has no data pool", c->fs);
	r = rados_pool_reverse_lookup(c->rados, json_integer_value(json_array_get(pools, 0)), name,
				      sizeof(name));
	if (r < 0)
		return err_set("cannot name the data pool of %s: %s", c->fs, strerror(-r));
	c->data_pool = xstrdup(name);
	return 0;
}

int cluster_attach_external(struct cluster *c, const struct cluster_ext *x)
{
	char fsid[64];

	memset(c, 0, sizeof(*c));
	c->external = true;
	c->name = xstrdup("external");
	c->conf = realpath(x->conf, NULL);
	c->keyring = realpath(x->keyring, NULL);
	if (!c->conf || !c->keyring)
		return err_set("cannot read %s: %s", !c->conf ? x->conf : x->keyring,
			       strerror(errno));
	c->id = xstrdup(x->id);
	c->key = cluster_keyring_key(c->keyring, c->id);
	if (!c->key || cluster_connect(c) < 0)
		return -1;
	if (rados_cluster_fsid(c->rados, fsid, sizeof(fsid)) < 0)
		return err_set("the cluster of %s gave no fsid", c->conf);
	c->fsid = xstrdup(fsid);
	if (read_monitors(c) < 0 || choose_fs(c, x->fs) < 0 || read_fs(c) < 0)
		return -1;
	return 0;
}

/* The keyring text of `fs authorize`, or NULL. */
static char *authorize(struct cluster *c, const char *id)
{
	_cleanup_free_ char *entity = xasprintf("client.%s", id), *out = NULL;
	/* rwps: the natural scenarios take snapshots (s) and set quotas (p). */
	_cleanup_json_ json_t *cmd =
		json_pack("{s:s, s:s, s:s, s:[s,s]}", "prefix", "fs authorize", "filesystem",
			  CLUSTER_FS, "entity", entity, "caps", "/", "rwps");

	if (cluster_mon_command(c, cmd, &out, NULL) < 0)
		return NULL;
	if (!strstr(out, "key")) {
		err_set("`fs authorize %s %s / rwps` gave no keyring: %s", CLUSTER_FS, entity, out);
		return NULL;
	}
	return TAKE_PTR(out);
}

int cluster_export(struct cluster *c, const char *dir, const char *id)
{
	_cleanup_free_ char *keyring = authorize(c, id);
	_cleanup_free_ char *conf_path = path_join(dir, "ceph.conf");
	_cleanup_free_ char *key_path = path_join(dir, "keyring");
	_cleanup_free_ char *conf = NULL;

	if (!keyring)
		return -1;
	/* All a client of a real cluster gets: where the monitors are, and its key. */
	conf = xasprintf("; cluster %s, exported by iputstorm for client.%s\n"
			 "[global]\n"
			 "fsid = %s\n"
			 "mon_host = [v2:" CLUSTER_IP ":3300,v1:" CLUSTER_IP ":6789]\n",
			 c->name, id, c->fsid);
	if (mkdir_p(dir, 0755) < 0 || write_file(conf_path, conf, strlen(conf)) < 0 ||
	    write_file(key_path, keyring, strlen(keyring)) < 0 || chmod(key_path, 0600) < 0)
		return err_set("cannot write %s and %s: %s", conf_path, key_path, strerror(errno));
	return 0;
}
