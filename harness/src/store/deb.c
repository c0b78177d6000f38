// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/deb.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "store/apt.h"

#include <dirent.h>
#include <string.h>

/* The one NAME_*.deb apt-get left in dir. */
static char *find_deb(const char *dir, const char *pkg)
{
	_cleanup_free_ char *prefix = xasprintf("%.*s_", (int)strcspn(pkg, "="), pkg);
	_cleanup_dir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (str_startswith(de->d_name, prefix) && str_endswith(de->d_name, ".deb"))
			return path_join(dir, de->d_name);
	err_set("apt-get download left no %s*.deb in %s", prefix, dir);
	return NULL;
}

int deb_download(const char *dir, const char *pkg, const char *log, char **deb)
{
	_cleanup_strv_ struct strv argv = {0};
	struct spawn_opts o = {
		.stdout_path = log, .stdout_append = true, .stderr_path = "=stdout", .cwd = dir};

	*deb = NULL;
	if (apt_ready(APT_MAX_AGE, false) < 0)
		return -1;
	apt_argv(&argv, "apt-get");
	strv_push(&argv, "download");
	strv_push(&argv, pkg);
	if (run_argv_opts(argv.v, &o, 900) < 0) {
		_cleanup_free_ char *said = read_file(log, NULL);
		const char *tail = said && strlen(said) > 300 ? said + strlen(said) - 300 : said;

		return err_set("apt-get download %s failed: %s", pkg,
			       tail ? str_strip((char *)tail) : "see the log");
	}
	*deb = find_deb(dir, pkg);
	return *deb ? 0 : -1;
}

int deb_unpack(const char *deb, const char *root, const char *log)
{
	char *argv[] = {"dpkg-deb", "-x", (char *)deb, (char *)root, NULL};

	return run_argv(argv, 600, log);
}

int deb_depends(const char *deb, struct strv *names)
{
	_cleanup_free_ char *deps = deb_field(deb, "Depends");
	_cleanup_strv_ struct strv words = {0};

	if (!deps)
		return -1;
	/* "a (>= 1), b | c" -> a, b, c: separators become blanks, versions are dropped. */
	for (char *p = deps; *p; p++)
		if (*p == ',' || *p == '|')
			*p = ' ';
	strv_split_ws(&words, deps);
	for (size_t i = 0; i < words.n; i++)
		if (words.v[i][0] != '(' && !strchr(words.v[i], ')'))
			strv_push(names, words.v[i]);
	return 0;
}

char *deb_field(const char *deb, const char *field)
{
	char *argv[] = {"dpkg-deb", "-f", (char *)deb, (char *)field, NULL};
	char *out = NULL;

	if (run_capture(argv, 60, &out) < 0) {
		free(out);
		return NULL;
	}
	str_strip(out);
	return out;
}
