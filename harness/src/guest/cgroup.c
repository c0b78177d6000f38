// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/cgroup.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define CGROUP2_MAGIC 0x63677270

char *cgroup_path(const char *name)
{
	return xasprintf(CGROUP_BASE "/%s", name);
}

int cgroup_setup(void)
{
	struct statfs sf;

	if (statfs(CGROUP_ROOT, &sf) < 0 || sf.f_type != CGROUP2_MAGIC) {
		mkdir_p(CGROUP_ROOT, 0755);
		if (mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL) < 0)
			return err_set("mounting cgroup2 on " CGROUP_ROOT ": %s", strerror(errno));
	}
	if (write_str(CGROUP_ROOT "/cgroup.subtree_control", "+memory +pids") < 0)
		return err_set("enabling the memory controller: %s", strerror(errno));
	if (mkdir(CGROUP_BASE, 0755) < 0 && errno != EEXIST)
		return err_set("creating " CGROUP_BASE ": %s", strerror(errno));
	if (write_str(CGROUP_BASE "/cgroup.subtree_control", "+memory +pids") < 0)
		return err_set("enabling memory in " CGROUP_BASE ": %s", strerror(errno));
	return 0;
}

static int set_limit(const char *dir, const char *file, uint64_t v)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	if (write_str(p, buf) < 0)
		return err_set("writing %s to %s: %s", buf, p, strerror(errno));
	return 0;
}

int cgroup_create(const char *name, uint64_t memory_max, uint64_t memory_high)
{
	_cleanup_free_ char *dir = cgroup_path(name);

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_set("creating %s: %s", dir, strerror(errno));
	if (memory_max && set_limit(dir, "memory.max", memory_max) < 0)
		return -1;
	if (memory_high && set_limit(dir, "memory.high", memory_high) < 0)
		return -1;
	return 0;
}

int cgroup_join(const char *name)
{
	_cleanup_free_ char *p = xasprintf(CGROUP_BASE "/%s/cgroup.procs", name);

	if (write_str(p, "0") < 0)
		return err_set("joining %s: %s", p, strerror(errno));
	return 0;
}

int cgroup_populated(const char *name)
{
	_cleanup_free_ char *p = xasprintf(CGROUP_BASE "/%s/cgroup.events", name);
	_cleanup_free_ char *s = read_file(p, NULL);
	const char *pop = s ? strstr(s, "populated ") : NULL;

	return pop ? pop[10] == '1' : 0;
}

int cgroup_kill(const char *name)
{
	_cleanup_free_ char *p = xasprintf(CGROUP_BASE "/%s/cgroup.kill", name);

	if (write_str(p, "1") < 0 && errno != ENOENT)
		return err_set("writing %s: %s", p, strerror(errno));
	return cgroup_populated(name);
}

int cgroup_reclaim(const char *name, uint64_t bytes)
{
	_cleanup_free_ char *p = xasprintf(CGROUP_BASE "/%s/memory.reclaim", name);
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)bytes);
	if (write_str(p, buf) < 0 && errno != EAGAIN)
		return err_set("writing %s to %s: %s", buf, p, strerror(errno));
	return 0;
}

uint64_t cgroup_memory_current(const char *name)
{
	_cleanup_free_ char *p = xasprintf(CGROUP_BASE "/%s/memory.current", name);
	char buf[32];

	if (read_file_trim(p, buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}
