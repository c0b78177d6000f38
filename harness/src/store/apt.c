// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/apt.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"
#include "lib/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const suites[] = {
	"bookworm", "bookworm-updates", "bookworm-backports",
	"trixie",   "trixie-updates",	"trixie-backports",
	"sid",
};
static const char *const security_suites[] = {"bookworm-security", "trixie-security"};

static char *apt_dir(void)
{
	return xasprintf("%s/apt", cache_dir());
}

void apt_argv(struct strv *argv, const char *tool)
{
	_cleanup_free_ char *d = apt_dir();

	strv_push(argv, tool);
	strv_pushf(argv, "-oDir::Etc::SourceList=%s/sources.list", d);
	strv_push(argv, "-oDir::Etc::SourceParts=/dev/null");
	strv_pushf(argv, "-oDir::State::Lists=%s/lists", d);
	strv_pushf(argv, "-oDir::Cache=%s/cache", d);
	strv_pushf(argv, "-oDir::State::Status=%s/status", d);
	strv_push(argv, "-oDir::Etc::Preferences=/dev/null");
	strv_push(argv, "-oDir::Etc::PreferencesParts=/dev/null");
	strv_push(argv, "-oAPT::Architecture=amd64");
	strv_push(argv, "-oAPT::Architectures=amd64");
	/*
	 * Downloads land in the store's own directories, which apt's _apt user
	 * cannot read: fetch as root, as apt itself falls back to (with a warning).
	 */
	strv_push(argv, "-oAPT::Sandbox::User=root");
	/* A mirror may serve a frozen snapshot whose Release files have expired. */
	strv_push(argv, "-oAcquire::Check-Valid-Until=false");
	strv_push(argv, "-q");
}

/*
 * The mirrors the machine's own apt uses, from `apt-cache policy` lines like
 * " 500 URI bookworm/main amd64 Packages": the archive serving the plain
 * suite and the one serving the security suite.
 */
static int machine_mirrors(char **archive, char **security)
{
	char *argv[] = {"apt-cache", "policy", NULL};
	_cleanup_free_ char *out = NULL;
	char *save = NULL;

	*archive = *security = NULL;
	if (run_capture(argv, 60, &out) < 0)
		return -1;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char uri[512], dist[128];

		if (sscanf(l, " %*d %511s %127[^/]/main amd64 Packages", uri, dist) != 2 ||
		    !str_startswith(uri, "http"))
			continue;
		if (str_endswith(dist, "-security") && !*security)
			*security = xstrdup(uri);
		else if (!str_endswith(dist, "-security") && !*archive)
			*archive = xstrdup(uri);
	}
	return 0;
}

static int write_sources(const char *path)
{
	_cleanup_free_ char *archive = NULL, *security = NULL;
	const char *env = getenv("IPUTSTORM_APT_MIRROR"), *senv = getenv("IPUTSTORM_APT_SECURITY");
	const char *key = "/usr/share/keyrings/debian-archive-keyring.gpg";
	_cleanup_strbuf_ struct strbuf sb = {0};

	if (machine_mirrors(&archive, &security) < 0)
		return -1;
	if (env && *env) {
		free(archive);
		archive = xstrdup(env);
	}
	if (senv && *senv) {
		free(security);
		security = xstrdup(senv);
	}
	if (!archive)
		return err_set("the machine's apt sources name no Debian archive; set "
			       "IPUTSTORM_APT_MIRROR to one (the URI of its \"debian\" directory)");
	sb_puts(&sb, "# iputstorm's own apt state: Debian's kernels from every suite.\n");
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		sb_printf(&sb, "deb [arch=amd64 signed-by=%s] %s %s main\n", key, archive,
			  suites[i]);
	for (size_t i = 0; security && i < ARRAY_SIZE(security_suites); i++)
		sb_printf(&sb, "deb [arch=amd64 signed-by=%s] %s %s main\n", key, security,
			  security_suites[i]);
	if (write_file_atomic(path, sb.buf, sb.len) < 0)
		return err_set("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static double age_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return now_wall() - (double)st.st_mtime;
}

int apt_ready(double max_age, bool force)
{
	_cleanup_free_ char *d = apt_dir();
	_cleanup_free_ char *sources = path_join(d, "sources.list");
	_cleanup_free_ char *stamp = path_join(d, "updated");
	_cleanup_free_ char *status = path_join(d, "status");
	_cleanup_free_ char *log = path_join(d, "update.log");
	_cleanup_free_ char *partial = xasprintf("%s/lists/partial", d);
	_cleanup_free_ char *archives = xasprintf("%s/cache/archives/partial", d);
	_cleanup_strv_ struct strv argv = {0};
	double age = age_of(stamp);

	if (!force && age >= 0 && age < max_age)
		return 0;
	if (mkdir_p(partial, 0755) < 0 || mkdir_p(archives, 0755) < 0)
		return err_set("cannot create %s: %s", d, strerror(errno));
	if (!path_exists(status) && write_file(status, "", 0) < 0)
		return err_set("cannot create %s: %s", status, strerror(errno));
	if (write_sources(sources) < 0)
		return -1;
	p_info("updating iputstorm's own apt lists (%s)", d);
	apt_argv(&argv, "apt-get");
	strv_push(&argv, "update");
	unlink(log);
	if (run_argv(argv.v, 600, log) < 0)
		return err_prefix("apt-get update of %s", sources);
	return write_file(stamp, "", 0) < 0 ? err_set("cannot write %s", stamp) : 0;
}
