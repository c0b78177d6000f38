// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/buildroot.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "store/apt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "x86_64-linux-gnu-gcc-14" from the headers' CONFIG_CC_VERSION_TEXT. */
static char *headers_compiler(const char *hdr)
{
	_cleanup_free_ char *cfg = path_join(hdr, ".config"), *text = read_file(cfg, NULL);
	const char *p = text ? strstr(text, "\nCONFIG_CC_VERSION_TEXT=\"") : NULL;

	if (!p)
		return NULL;
	p += strlen("\nCONFIG_CC_VERSION_TEXT=\"");
	return xstrndup(p, strcspn(p, " \""));
}

static bool on_host_path(const char *prog)
{
	const char *path = getenv("PATH") ?: "/usr/bin:/bin";
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = path_join(d, prog);

		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

/* gcc-14 is trixie's compiler; a newer one is sid's. */
static const char *suite_for(int gcc)
{
	return gcc <= 14 ? "trixie" : "sid";
}

/* The lines of iputstorm's sources.list that name suite or its updates, security, backports. */
static int suite_sources(const char *suite, struct strv *lines)
{
	_cleanup_free_ char *p = xasprintf("%s/apt/sources.list", cache_dir());
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	if (apt_ready(APT_MAX_AGE, false) < 0 || !(text = read_file(p, NULL)))
		return err_set("cannot read %s: %s", p, strerror(errno));
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *word = xasprintf(" %s", suite);
		const char *at = strstr(l, word);

		if (str_startswith(l, "deb ") && at &&
		    (at[strlen(word)] == ' ' || at[strlen(word)] == '-'))
			strv_push(lines, l);
	}
	return lines->n ? 0 : err_set("%s names no %s suite", p, suite);
}

static int make_root(const char *dir, const char *suite, int gcc, const char *log)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", dir, (int)getpid());
	_cleanup_strv_ struct strv argv = {0}, sources = {0};
	double t0 = now_mono();

	if (suite_sources(suite, &sources) < 0)
		return -1;
	strv_push(&argv, "mmdebstrap");
	strv_push(&argv, "--variant=minbase");
	strv_push(&argv, "--mode=root");
	strv_push(&argv, "--quiet");
	/* As in iputstorm's apt state: a snapshot mirror's Release files may have expired. */
	strv_push(&argv, "--aptopt=Acquire::Check-Valid-Until \"false\"");
	strv_pushf(&argv,
		   "--include=make,gcc-%d,libc6-dev,libelf-dev,libssl-dev,bc,flex,bison,"
		   "kmod,pahole,python3",
		   gcc);
	strv_push(&argv, suite);
	strv_push(&argv, tmp);
	for (size_t i = 0; i < sources.n; i++)
		strv_push(&argv, sources.v[i]);
	p_info("making a %s build root with gcc-%d for this kernel's modules (once; %s)", suite,
	       gcc, dir);
	rm_rf(tmp);
	if (mkdir_p(tmp, 0755) < 0)
		return err_set("cannot create %s: %s", tmp, strerror(errno));
	if (run_argv(argv.v, 1800, log) < 0) {
		err_keep(rm_rf(tmp));
		return err_prefix("mmdebstrap (is it installed? tools/setup installs it)");
	}
	if (rename(tmp, dir) < 0) {
		err_keep(rm_rf(tmp));
		return err_set("cannot rename %s to %s: %s", tmp, dir, strerror(errno));
	}
	p_info("build root ready in %.0f s", now_mono() - t0);
	return 0;
}

/* The root to build in for these headers: NULL (the host) or a path; -1 on failure. */
static int root_for(const char *hdr, char **root)
{
	_cleanup_free_ char *cc = headers_compiler(hdr), *log = NULL;
	const char *dash = cc ? strrchr(cc, '-') : NULL;
	int gcc = dash ? atoi(dash + 1) : 0;

	*root = NULL;
	if (!cc || on_host_path(cc) || gcc <= 0)
		return 0;
	*root = xasprintf("%s/roots/%s-gcc%d", cache_dir(), suite_for(gcc), gcc);
	if (path_exists(*root))
		return 0;
	log = xasprintf("%s.log", *root);
	if (mkdir_p(cache_dir(), 0755) < 0)
		return err_set("cannot create %s: %s", cache_dir(), strerror(errno));
	{
		_cleanup_free_ char *roots = xasprintf("%s/roots", cache_dir());

		mkdir_p(roots, 0755);
	}
	if (make_root(*root, suite_for(gcc), gcc, log) < 0) {
		free(*root);
		*root = NULL;
		return err_prefix("%s needs %s, which this host lacks", hdr, cc);
	}
	return 0;
}

int kbuild_make(const char *hdr, char *const argv[], double timeout, const char *log)
{
	_cleanup_free_ char *root = NULL;
	struct spawn_opts o = {.stdout_path = log, .stdout_append = true, .stderr_path = "=stdout"};

	if (root_for(hdr, &root) < 0)
		return -1;
	o.root = root;
	o.bind = root ? cache_dir() : NULL;
	return run_argv_opts(argv, &o, timeout);
}
