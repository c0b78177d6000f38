// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/slots.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define CLIENT_PREFIX "iputstorm-"

/* ---- address slots ---- */

static void slot_fill(struct slot *s, int n)
{
	s->n = n;
	snprintf(s->ip, sizeof(s->ip), "10.78.0.%u", (unsigned char)(10 + n));
	snprintf(s->addr, sizeof(s->addr), "%s/24", s->ip);
	snprintf(s->mac, sizeof(s->mac), "52:54:00:49:%02x:%02x", (n >> 8) & 0xff, n & 0xff);
}

/*
 * flock, not a PID file: the kernel lets go of it when the last holder dies,
 * however. Not close-on-exec: QEMU inherits it, so a guest that outlives a
 * killed trial process keeps its address until it is gone too.
 */
int slot_take(struct cluster *c, struct slot *s)
{
	_cleanup_free_ char *dir = NULL;

	s->fd = -1;
	if (c->external) {
		/* Each QEMU has a NAT of its own: the same address in every guest. */
		s->n = 0;
		s->user_net = true;
		snprintf(s->addr, sizeof(s->addr), USER_NET_ADDR);
		snprintf(s->ip, sizeof(s->ip), "%.*s", (int)strcspn(USER_NET_ADDR, "/"),
			 USER_NET_ADDR);
		snprintf(s->gw, sizeof(s->gw), USER_NET_GW);
		snprintf(s->mac, sizeof(s->mac), "52:54:00:12:34:56");
		return 0;
	}
	dir = path_join(c->dir, "slots");
	if (mkdir_p(dir, 0755) < 0)
		return err_set("cannot create %s: %s", dir, strerror(errno));
	for (int n = 0; n < SLOT_MAX; n++) {
		_cleanup_free_ char *p = xasprintf("%s/%d.lock", dir, n);
		int fd = open(p, O_RDWR | O_CREAT, 0644);

		if (fd < 0)
			return err_set("cannot open %s: %s", p, strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			s->fd = fd;
			slot_fill(s, n);
			return 0;
		}
		close(fd);
	}
	return err_set("all %d guest address slots of cluster %s are in use (%s)", SLOT_MAX,
		       c->name, dir);
}

void slot_release(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* ---- cephx clients ---- */

char *client_id_for(int trial)
{
	return xasprintf(CLIENT_PREFIX "%d-%d", (int)getpid(), trial);
}

char *guest_host_for(int trial)
{
	return xasprintf(CLIENT_PREFIX "%s-%d-%d", machine_token(), (int)getpid(), trial);
}

char *client_add(struct cluster *c, const char *id)
{
	_cleanup_free_ char *entity = xasprintf("client.%s", id), *out = NULL;
	/* What `fs authorize cephfs client.X / rwps` grants, with snapshots and quotas. */
	_cleanup_json_ json_t *cmd =
		json_pack("{s:s, s:s, s:[s,s,s,s,s,s], s:s}", "prefix", "auth get-or-create",
			  "entity", entity, "caps", "mon", "allow r", "mds", "allow rwps", "osd",
			  "allow rw tag cephfs data=" CLUSTER_FS, "format", "json");
	_cleanup_json_ json_t *j = NULL;
	json_t *first;
	const char *key;

	if (cluster_mon_command(c, cmd, &out, NULL) < 0)
		return NULL;
	j = json_loads(out, 0, NULL);
	first = json_is_array(j) ? json_array_get(j, 0) : j;
	key = json_string_value(json_object_get(first, "key"));
	if (!key) {
		err_set("`auth get-or-create %s` gave no key: %s", entity, out);
		return NULL;
	}
	return xstrdup(key);
}

/* What a session's client sent in its metadata (the kernel client sends both). */
static const char *session_meta(json_t *session, const char *key)
{
	return json_string_value(json_object_get(json_object_get(session, "client_metadata"), key));
}

typedef bool (*session_match)(json_t *session, const void *ctx);

/* The MDS refuses `tell` to a client without `mds 'allow *'`: nothing to evict with. */
static bool tell_denied(const char *out)
{
	return out && (strstr(out, "EACCES") || strstr(out, "EPERM") ||
		       strstr(out, "Permission denied") || strstr(out, "not permitted"));
}

static int evict_matching(struct cluster *c, session_match match, const void *ctx)
{
	_cleanup_free_ char *ls_words = xasprintf("tell mds.%s:0 client ls", cluster_fs(c));
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *ls = NULL;
	json_t *s;
	size_t i;
	int n = 0;

	if (c->evict_denied)
		return 0;
	if (cluster_ceph_cli(c, ls_words, &out) < 0) {
		if (!c->external || !tell_denied(out))
			return -1;
		c->evict_denied = true;
		p_warn("client.%s may not list or evict the MDS's sessions (it needs mds 'allow "
		       "*'): a guest killed before it unmounts keeps its session until the MDS "
		       "drops it (session_autoclose)",
		       c->id);
		return 0;
	}
	ls = cluster_cli_json(out);
	if (!json_is_array(ls))
		return err_set("`ceph %s` gave no session list", ls_words);
	json_array_foreach (ls, i, s) {
		_cleanup_free_ char *words = NULL, *o = NULL;
		json_int_t sid = json_integer_value(json_object_get(s, "id"));

		if (!sid || !match(s, ctx))
			continue;
		words = xasprintf("tell mds.%s:0 client evict id=%lld", cluster_fs(c),
				  (long long)sid);
		if (cluster_ceph_cli(c, words, &o) == 0)
			n++;
	}
	return n;
}

struct who {
	const char *id, *host;
};

static bool opened_by(json_t *session, const void *ctx)
{
	const struct who *w = ctx;
	const char *id = session_meta(session, "entity_id");
	const char *host = session_meta(session, "hostname");

	return id && !strcmp(id, w->id) && (!w->host || (host && !strcmp(host, w->host)));
}

int client_evict(struct cluster *c, const char *id, const char *host)
{
	struct who w = {id, host};

	return evict_matching(c, opened_by, &w);
}

int client_remove(struct cluster *c, const char *id)
{
	_cleanup_free_ char *entity = xasprintf("client.%s", id);
	_cleanup_json_ json_t *cmd = json_pack("{s:s, s:s}", "prefix", "auth rm", "entity", entity);
	int evicted = client_evict(c, id, NULL);

	if (cluster_mon_command(c, cmd, NULL, NULL) < 0 || evicted < 0)
		return err_prefix("removing cephx client %s", entity);
	return 0;
}

int client_ready_for_trial(struct cluster *c, const char *id, const char *host, double timeout,
			   struct cluster_health *h)
{
	double deadline = now_mono() + timeout;
	int n = -1;

	/* Rank 0 must be up to answer; a failover in progress gets the time it needs. */
	while (n < 0) {
		if (cluster_wait_healthy(c, fmax(0, deadline - now_mono()), h) < 0)
			return -1;
		n = client_evict(c, id, host);
		if (n < 0 && now_mono() >= deadline) {
			snprintf(h->reason, sizeof(h->reason), "cannot list the MDS's sessions: %s",
				 err_msg());
			h->ok = false;
			return -1;
		}
		if (n < 0)
			sleep_s(0.5);
	}
	/* An eviction blocklists the old client and may cost the MDS a moment. */
	if (n > 0 && cluster_wait_healthy(c, fmax(1, deadline - now_mono()), h) < 0)
		return -1;
	return n;
}

/* "iputstorm-PID-N" of a process that is gone. */
static bool left_by_a_dead_run(const char *name)
{
	int pid = 0, n = 0, used = 0;

	if (!name || sscanf(name, CLIENT_PREFIX "%d-%d%n", &pid, &n, &used) != 2 || name[used] ||
	    pid <= 0)
		return false;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/*
 * On an external cluster: our identity's sessions from guests of dead runs
 * of this machine ("iputstorm-TOKEN-PID-N"); another machine's guests, live
 * or not, are its own to sweep.
 */
static bool left_behind(json_t *session, const void *ctx)
{
	const char *id = session_meta(session, "entity_id");
	const char *host = session_meta(session, "hostname");
	_cleanup_free_ char *ours = xasprintf(CLIENT_PREFIX "%s-", machine_token());
	_cleanup_free_ char *rest = NULL;

	if (!id || strcmp(id, ctx) || !host || !str_startswith(host, ours))
		return false;
	rest = xasprintf(CLIENT_PREFIX "%s", host + strlen(ours));
	return left_by_a_dead_run(rest);
}

int client_sweep(struct cluster *c)
{
	_cleanup_json_ json_t *cmd = json_pack("{s:s, s:s}", "prefix", "auth ls", "format", "json");
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;
	json_t *e;
	size_t i;
	int n = 0;

	if (c->external)
		return evict_matching(c, left_behind, c->id);
	if (cluster_mon_command(c, cmd, &out, NULL) < 0)
		return -1;
	j = json_loads(out, 0, NULL);
	json_array_foreach (json_object_get(j, "auth_dump"), i, e) {
		const char *entity = json_string_value(json_object_get(e, "entity"));

		if (!entity || !str_startswith(entity, "client.") ||
		    !left_by_a_dead_run(entity + strlen("client.")))
			continue;
		if (client_remove(c, entity + strlen("client.")) < 0)
			p_warn("%s", err_msg());
		else
			n++;
	}
	return n;
}
