// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/records.h"
#include "host/netns.h"
#include "host/results.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/proc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static char *records_dir(void)
{
	return xasprintf("%s/records", state_dir());
}

int record_save(const struct record *r)
{
	return json_save(r->path, r->j) < 0 ? err_prefix("record") : 0;
}

int record_create(struct record *r, const char *kind, const char *id, bool persistent)
{
	_cleanup_free_ char *dir = records_dir();

	if (mkdir_p(dir, 0755) < 0)
		return err_set("cannot create %s: %s (are you root?)", dir, strerror(errno));
	r->path = xasprintf("%s/%s-%s.json", dir, kind, id);
	r->j = json_pack("{s:s, s:s, s:{s:i, s:I}, s:b, s:[], s:[], s:[], s:[], s:[]}", "kind",
			 kind, "id", id, "owner", "pid", (int)getpid(), "start",
			 (json_int_t)proc_starttime(getpid()), "persistent", persistent, "pids",
			 "taps", "netns", "dirs", "runs");
	return record_save(r);
}

int record_open(struct record *r, const char *path)
{
	json_error_t je;

	r->path = xstrdup(path);
	r->j = json_load_file(path, 0, &je);
	if (!r->j) {
		free(r->path);
		r->path = NULL;
		return err_set("%s: %s", path, je.text);
	}
	return 0;
}

int record_add_pid(struct record *r, const char *what, pid_t pid)
{
	json_array_append_new(json_object_get(r->j, "pids"),
			      json_pack("{s:s, s:i, s:I}", "what", what, "pid", (int)pid, "start",
					(json_int_t)proc_starttime(pid)));
	return record_save(r);
}

void record_forget_pid(struct record *r, pid_t pid)
{
	json_t *pids = json_object_get(r->j, "pids");

	for (size_t i = 0; i < json_array_size(pids); i++)
		if (json_integer_value(json_object_get(json_array_get(pids, i), "pid")) == pid) {
			json_array_remove(pids, i);
			break;
		}
	record_save(r);
}

int record_add(struct record *r, const char *list, const char *value)
{
	json_array_append_new(json_object_get(r->j, list), json_string(value));
	return record_save(r);
}

int record_set_persistent(struct record *r, bool persistent)
{
	json_object_set_new(r->j, "persistent", json_boolean(persistent));
	return record_save(r);
}

int record_release(struct record *r)
{
	json_t *pids = json_object_get(r->j, "pids"), *e;
	size_t i;
	int ret = 0;

	/* Stop everything first, then wait: teardown in well under a second. */
	json_array_foreach (pids, i, e) {
		pid_t pid = json_integer_value(json_object_get(e, "pid"));
		unsigned long long st = json_integer_value(json_object_get(e, "start"));

		if (proc_alive(pid, st))
			kill(pid, SIGKILL);
	}
	json_array_foreach (pids, i, e) {
		pid_t pid = json_integer_value(json_object_get(e, "pid"));
		unsigned long long st = json_integer_value(json_object_get(e, "start"));
		int status;

		/* Our own children must be reaped; others only have to vanish. */
		for (int tries = 0; tries < 500 && proc_alive(pid, st); tries++) {
			waitpid(pid, &status, WNOHANG);
			sleep_s(0.01);
		}
		if (proc_alive(pid, st))
			ret = err_set("%s (pid %d) survived SIGKILL",
				      json_string_value(json_object_get(e, "what")), (int)pid);
	}
	/* "NETNS/TAP": a guest's tap on a cluster bridge that may outlive it. */
	json_array_foreach (json_object_get(r->j, "taps"), i, e) {
		_cleanup_free_ char *ns = xstrdup(json_string_value(e));
		char *slash = strchr(ns, '/');

		if (slash) {
			*slash = '\0';
			if (netns_exists(ns))
				netns_del_tap(ns, slash + 1);
		}
	}
	json_array_foreach (json_object_get(r->j, "netns"), i, e)
		if (netns_delete(json_string_value(e)) < 0)
			ret = -1;
	/* Results are kept: a run its owner never finished is closed, not removed. */
	json_array_foreach (json_object_get(r->j, "runs"), i, e)
		if (results_recover(json_string_value(e)) < 0)
			ret = -1;
	json_array_foreach (json_object_get(r->j, "dirs"), i, e)
		if (rm_rf(json_string_value(e)) < 0)
			ret = err_set("cannot remove %s: %s", json_string_value(e),
				      strerror(errno));
	if (ret == 0)
		unlink(r->path);
	return ret;
}

void record_free(struct record *r)
{
	free(r->path);
	json_decref(r->j);
	r->path = NULL;
	r->j = NULL;
}

static bool owner_alive(json_t *j)
{
	json_t *o = json_object_get(j, "owner");

	return proc_alive(json_integer_value(json_object_get(o, "pid")),
			  json_integer_value(json_object_get(o, "start")));
}

/* VMs go before clusters: a guest must not outlive the cluster it mounts. */
static int reap_kind(const char *kind, bool quiet)
{
	_cleanup_free_ char *dir = records_dir();
	_cleanup_dir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct record r;

		if (!str_startswith(de->d_name, kind) || !str_endswith(de->d_name, ".json"))
			continue;
		p = path_join(dir, de->d_name);
		if (record_open(&r, p) < 0)
			continue;
		if (!json_is_true(json_object_get(r.j, "persistent")) && !owner_alive(r.j)) {
			if (!quiet)
				p_info("removing what an earlier run left behind (%s)", de->d_name);
			if (record_release(&r) < 0)
				p_warn("cleanup of %s incomplete: %s", p, err_msg());
			n++;
		}
		record_free(&r);
	}
	return n;
}

int reap_orphans(bool quiet)
{
	_cleanup_free_ char *lock = xasprintf("%s/reap.lock", state_dir());
	_cleanup_close_ int fd = -1;
	int n;

	if (mkdir_p(state_dir(), 0755) < 0)
		return 0;
	/* Two starts at once must not release the same record twice. */
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	n = reap_kind("vm-", quiet);
	n += reap_kind("cluster-", quiet);
	/* Last: a run is closed once nothing of it runs any more. */
	n += reap_kind("run-", quiet);
	return n;
}
