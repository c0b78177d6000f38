// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/path.h"
#include "lib/base.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *path_join(const char *a, const char *b)
{
	if (b[0] == '/')
		return xstrdup(b);
	return xasprintf("%s%s%s", a, str_endswith(a, "/") ? "" : "/", b);
}

char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xstrndup(path, s - path);
}

const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

const char *data_dir(void)
{
	static char *dir;
	const char *env = getenv("IPUTSTORM_DATADIR");

	if (dir)
		return dir;
	if (env && *env) {
		dir = xstrdup(env);
		return dir;
	}
	_cleanup_free_ char *exe = self_exe();
	if (exe) {
		_cleanup_free_ char *bin = dir_of(exe);
		_cleanup_free_ char *share = xasprintf("%s/../share/iputstorm", bin);
		_cleanup_free_ char *probe = xasprintf("%s/scenarios", share);

		if (path_exists(probe)) {
			dir = realpath(share, NULL);
			if (dir)
				return dir;
		}
	}
	dir = xstrdup(IPUTSTORM_SOURCE_DIR);
	return dir;
}

const char *cache_dir(void)
{
	static char *dir;
	const char *e;

	if (dir)
		return dir;
	if ((e = getenv("IPUTSTORM_CACHE")) && *e)
		dir = xstrdup(e);
	else if ((e = getenv("XDG_CACHE_HOME")) && *e)
		dir = xasprintf("%s/iputstorm", e);
	else
		dir = xasprintf("%s/.cache/iputstorm", getenv("HOME") ? getenv("HOME") : "/root");
	return dir;
}

/* Read each time: tests point one process at several state directories. */
const char *state_dir(void)
{
	static char dir[4096];
	const char *e = getenv("IPUTSTORM_STATE");

	snprintf(dir, sizeof(dir), "%s", e && *e ? e : "/run/iputstorm");
	return dir;
}

char *find_program(const char *name, const char *dirs)
{
	for (const char *d = dirs; *d;) {
		size_t n = strcspn(d, ":");
		char *p = xasprintf("%.*s/%s", (int)n, d, name);

		if (n && access(p, X_OK) == 0)
			return p;
		free(p);
		d += n + (d[n] == ':');
	}
	return NULL;
}
