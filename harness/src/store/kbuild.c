// SPDX-License-Identifier: GPL-2.0
/*
 * `kernel build-module`: a Debian kernel with fs/ceph rebuilt from the
 * matching Debian linux-source plus a patch series. Only ceph.ko changes, so
 * a patched test kernel costs one module build, not a kernel build.
 */
#define _GNU_SOURCE
#include "store/kbuild.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"
#include "lib/strv.h"
#include "store/buildroot.h"
#include "store/deb.h"
#include "store/debian.h"
#include "store/kernel.h"
#include "store/kmodule.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "6.12.117" → "linux-source-6.12" */
static char *source_package(const char *version)
{
	const char *dot = strchr(version, '.');
	size_t n = dot ? strcspn(dot + 1, ".") + (size_t)(dot + 1 - version) : strlen(version);

	return xasprintf("linux-source-%.*s", (int)n, version);
}

/*
 * fs/ceph of the Debian source that built the base kernel, cached under
 * cache_dir()/sources/PKG_VERSION/fs/ceph. The package version must be the
 * base kernel's: a patch tested on other sources proves nothing.
 */
static char *ceph_sources_of(const char *version, const char *pkgver)
{
	_cleanup_free_ char *pkg = NULL, *dir = NULL, *tmp = NULL, *log = NULL, *deb = NULL;
	_cleanup_free_ char *got = NULL, *tarball = NULL, *member = NULL, *root = NULL;
	char *out;

	pkg = source_package(version);
	dir = xasprintf("%s/sources/%s_%s", cache_dir(), pkg, pkgver);
	out = xasprintf("%s/fs/ceph", dir);
	if (path_exists(out))
		return out;
	tmp = xasprintf("%s.tmp.%d", dir, (int)getpid());
	root = path_join(tmp, "root");
	log = xasprintf("%s.log", dir);
	rm_rf(tmp);
	if (mkdir_p(root, 0755) < 0) {
		err_set("cannot create %s: %s", root, strerror(errno));
		goto fail;
	}
	p_info("fetching %s %s for fs/ceph", pkg, pkgver);
	{
		/* Pinned: the archive moves on (6.1.192-3 came after 6.1.0-56's -2). */
		_cleanup_free_ char *pinned = xasprintf("%s=%s", pkg, pkgver);

		if (deb_download(tmp, pinned, log, &deb) < 0 || !(got = deb_field(deb, "Version")))
			goto fail;
	}
	if (strcmp(got, pkgver)) {
		err_set("apt offers %s %s, not %s; fs/ceph must come from the same version", pkg,
			got, pkgver);
		goto fail;
	}
	if (deb_unpack(deb, root, log) < 0)
		goto fail;
	tarball = xasprintf("%s/usr/src/%s.tar.xz", root, pkg);
	member = xasprintf("%s/fs/ceph", pkg);
	{
		char *argv[] = {"tar", "-xJf", tarball, "-C", tmp, member, NULL};

		if (run_argv(argv, 900, log) < 0)
			goto fail;
	}
	{
		_cleanup_free_ char *from = xasprintf("%s/%s", tmp, pkg);

		rm_rf(root);
		if (rename(from, dir) < 0) {
			err_set("cannot rename %s to %s: %s", from, dir, strerror(errno));
			goto fail;
		}
	}
	rm_rf(tmp);
	return out;
fail:
	rm_rf(tmp);
	free(out);
	err_prefix("%s (see %s)", pkg ? pkg : "linux-source", log ? log : "?");
	return NULL;
}

static char *ceph_sources(struct kernel *base)
{
	const char *version = json_string_value(json_object_get(base->meta, "version"));
	const char *pkgver = json_string_value(json_object_get(base->meta, "package_version"));

	if (!version || !pkgver) {
		err_set("kernel %s has no Debian package version in kernel.json", base->name);
		return NULL;
	}
	return ceph_sources_of(version, pkgver);
}

static int apply_patches(const char *root, char *const patches[], size_t n, const char *log)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *abs = realpath(patches[i], NULL);
		char *argv[] = {"patch",      "-p1", "--batch", "--forward", "-d",
				(char *)root, "-i",  abs,	NULL};

		if (!abs)
			return err_set("patch %s: %s", patches[i], strerror(errno));
		if (run_argv(argv, 120, log) < 0)
			return err_prefix("patch %s does not apply to fs/ceph", patches[i]);
	}
	return 0;
}

/* What patch(1) said of one patch: how it went on, and the hunks that did not. */
static json_t *patch_outcome(const char *file, int exit_code, const char *out)
{
	json_t *failed = json_array();
	const char *status = exit_code ? "rejected" : "clean";
	char *copy = xstrdup(out ? out : ""), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int hunk;

		/* sscanf stops at the number: "FAILED" must be checked on its own. */
		if (sscanf(l, "Hunk #%d", &hunk) == 1 && strstr(l, " FAILED"))
			json_array_append_new(failed, json_integer(hunk));
		else if (!exit_code && strstr(l, "with fuzz"))
			status = "fuzz";
		else if (!exit_code && strstr(l, "offset") && !strcmp(status, "clean"))
			status = "offset";
	}
	free(copy);
	return json_pack("{s:s, s:s, s:o, s:s}", "file", file, "status", status, "failed_hunks",
			 failed, "output", out ? out : "");
}

/* clean < offset < fuzz < rejected: the series is as good as its worst patch. */
static const char *worse_status(const char *a, const char *b)
{
	static const char *const order[] = {"clean", "offset", "fuzz", "rejected"};
	int ia = 0, ib = 0;

	for (int i = 0; i < (int)ARRAY_SIZE(order); i++) {
		if (!strcmp(a, order[i]))
			ia = i;
		if (!strcmp(b, order[i]))
			ib = i;
	}
	return order[ia > ib ? ia : ib];
}

json_t *kernel_patch_check(const char *pkgver, char *const patches[], size_t n)
{
	char tmpl[] = "/tmp/iputstorm-patchcheck.XXXXXX";
	_cleanup_free_ char *version = xstrndup(pkgver, strcspn(pkgver, "-~+"));
	_cleanup_free_ char *src = NULL, *fsdir = NULL;
	const char *status = "clean";
	json_t *list = NULL, *res = NULL;

	if (!(src = ceph_sources_of(version, pkgver)))
		goto out;
	if (!mkdtemp(tmpl)) {
		err_set("cannot create a temporary directory: %s", strerror(errno));
		goto out;
	}
	fsdir = path_join(tmpl, "fs");
	{
		char *cp[] = {"cp", "-a", src, fsdir, NULL};

		if (mkdir_p(fsdir, 0755) < 0 || run_argv(cp, 120, NULL) < 0)
			goto out_tmp;
	}
	list = json_array();
	/* In order, each on top of the last: how the series goes on, as build-module applies it. */
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *abs = realpath(patches[i], NULL), *out = NULL;
		char *argv[] = {"patch", "-p1", "--batch", "--forward", "-d",
				tmpl,	 "-i",	abs,	   NULL};
		json_t *o;
		int r;

		if (!abs) {
			err_set("patch %s: %s", patches[i], strerror(errno));
			json_decref(list);
			list = NULL;
			goto out_tmp;
		}
		r = run_capture(argv, 120, &out);
		o = patch_outcome(patches[i], r < 0, out);
		status = worse_status(status, json_string_value(json_object_get(o, "status")));
		json_array_append_new(list, o);
	}
	res = json_pack("{s:s, s:s, s:O}", "package_version", pkgver, "status", status, "patches",
			list);
out_tmp:
	rm_rf(tmpl);
out:
	json_decref(list);
	return res;
}

/* The base's ceph module file (ceph.ko, ceph.ko.xz, ...) under lib/modules/KVER. */
static char *find_ceph_ko(const char *dir)
{
	_cleanup_dir_ DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;

	while (d && !found && (de = readdir(d)))
		if (str_startswith(de->d_name, "ceph.ko"))
			found = path_join(dir, de->d_name);
	return found;
}

static json_t *patch_list(char *const patches[], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *abs = realpath(patches[i], NULL);

		json_array_append_new(a, json_string(abs ? abs : patches[i]));
	}
	return a;
}

/* The first word of each line of sha256sum's output, each with its newline. */
static char *sha256_lines(char *const argv[])
{
	_cleanup_free_ char *out = NULL;
	struct strbuf sb;
	char *save = NULL;

	if (run_capture(argv, 60, &out) < 0)
		return NULL;
	sb_init(&sb);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		sb_printf(&sb, "%.*s\n", (int)strcspn(l, " "), l);
	return sb_detach(&sb);
}

/*
 * KCIDB's patchset_hash: the sha256 of the patches' own sha256 hashes, in
 * order, each on its line. NULL without patches or when sha256sum fails.
 */
char *patchset_sha256(char *const patches[], size_t n)
{
	_cleanup_free_ char *lines = NULL, *sum = NULL;
	char tmp[] = "/tmp/iputstorm-patchset.XXXXXX";
	struct strv argv = {0};
	int fd;

	if (!n)
		return NULL;
	strv_push(&argv, "sha256sum");
	strv_push(&argv, "--");
	for (size_t i = 0; i < n; i++)
		strv_push(&argv, patches[i]);
	lines = sha256_lines(argv.v);
	strv_release(&argv);
	fd = lines ? mkstemp(tmp) : -1;
	if (fd < 0)
		return NULL;
	if (write(fd, lines, strlen(lines)) == (ssize_t)strlen(lines)) {
		char *one[] = {"sha256sum", "--", tmp, NULL};

		sum = sha256_lines(one);
	}
	close(fd);
	unlink(tmp);
	if (!sum || strlen(sum) != 65)
		return NULL;
	sum[64] = '\0';
	return TAKE_PTR(sum);
}

static void note_patchset(json_t *meta, char *const patches[], size_t n)
{
	_cleanup_free_ char *h = patchset_sha256(patches, n);

	if (h)
		json_object_set_new(meta, "patchset_hash", json_string(h));
}

/* "https://user:token@host/x.git" → "https://host/x.git": no credentials in reports. */
static void drop_userinfo(char *url)
{
	char *scheme = strstr(url, "://"), *at, *slash;

	if (!scheme)
		return;
	scheme += 3;
	at = strchr(scheme, '@');
	slash = strchr(scheme, '/');
	if (at && (!slash || at < slash))
		memmove(scheme, at + 1, strlen(at + 1) + 1);
}

/*
 * The commit a git tree's ref names and where the tree came from (KCIDB's
 * checkout), read before the build: the tree may move while it runs. A
 * tree built in place with uncommitted changes is not that commit: none.
 */
static json_t *git_origin(const char *tree, const char *ref, bool in_place)
{
	_cleanup_free_ char *spec = xasprintf("%s^{commit}", ref ? ref : "HEAD");
	char *rev[] = {"git", "-C", (char *)tree, "rev-parse", "--verify", spec, NULL};
	char *url[] = {"git", "-C", (char *)tree, "remote", "get-url", "origin", NULL};
	char *dirty[] = {"git", "-C", (char *)tree, "status", "--porcelain", "--untracked-files=no",
			 NULL};
	_cleanup_free_ char *commit = NULL, *repo = NULL, *changes = NULL;
	json_t *o = json_object();

	if (in_place && (run_capture(dirty, 60, &changes) < 0 || *str_strip(changes)))
		return o;
	if (run_capture(rev, 30, &commit) == 0 && strlen(str_strip(commit)) == 40)
		json_object_set_new(o, "commit", json_string(commit));
	if (run_capture(url, 30, &repo) == 0 && *str_strip(repo)) {
		drop_userinfo(repo);
		json_object_set_new(o, "repository", json_string(repo));
	}
	return o;
}

int kernel_build_module(const char *base_spec, char *const patches[], size_t npatches,
			const char *name, struct kernel *k)
{
	_cleanup_free_ char *store = kernel_store_dir(), *tmp = NULL;
	_cleanup_free_ char *src = NULL, *hdr = NULL, *bdir = NULL, *log = NULL, *ko = NULL;
	_cleanup_free_ char *moddir = NULL, *old = NULL;
	struct kernel base = {0};
	const char *source;
	double t0 = now_mono();
	json_t *meta;

	memset(k, 0, sizeof(*k));
	if (kernel_resolve(base_spec, &base) < 0)
		return -1;
	source = json_string_value(json_object_get(base.meta, "source"));
	if (!source || !str_startswith(source, "debian:")) {
		err_set("--base %s is not a Debian kernel; build-module needs Debian's sources and "
			"headers (use `kernel build` for a tree)",
			base_spec);
		goto fail;
	}
	if (!(src = ceph_sources(&base)) || fetch_debian_headers(&base, source + 7, &hdr) < 0)
		goto fail;
	tmp = xasprintf("%s/.build-%s.%d", store, name, (int)getpid());
	bdir = xasprintf("%s/ceph-build", tmp);
	log = xasprintf("%s/build-module.log", store);
	rm_rf(tmp);
	unlink(log);
	{
		/* Hard links: the new entry shares everything but what it replaces. */
		char *argv[] = {"cp", "-al", base.dir, tmp, NULL};
		char *cargv[] = {"cp", "-a", src, bdir, NULL};
		_cleanup_free_ char *fsdir = xasprintf("%s/fs", bdir);

		if (run_argv(argv, 600, log) < 0)
			goto fail;
		rm_rf(bdir);
		if (mkdir_p(bdir, 0755) < 0) {
			err_set("cannot create %s: %s", bdir, strerror(errno));
			goto fail;
		}
		cargv[3] = fsdir;
		if (mkdir_p(fsdir, 0755) < 0 || run_argv(cargv, 120, log) < 0)
			goto fail;
	}
	if (apply_patches(bdir, patches, npatches, log) < 0)
		goto fail;
	{
		_cleanup_free_ char *m = xasprintf("M=%s/fs/ceph", bdir);
		_cleanup_free_ char *jobs = xasprintf("-j%ld", sysconf(_SC_NPROCESSORS_ONLN));
		char *argv[] = {"make", "-C",	   hdr, m, "CONFIG_DEBUG_INFO_BTF_MODULES=",
				jobs,	"modules", NULL};

		p_info("building fs/ceph for %s with %zu patch(es)", base.name, npatches);
		if (kbuild_make(hdr, argv, 1800, log) < 0)
			goto fail;
	}
	moddir = xasprintf("%s/lib/modules/%s/kernel/fs/ceph", tmp, base.kver);
	old = find_ceph_ko(moddir);
	if (!old) {
		err_set("%s has no ceph.ko to replace", moddir);
		goto fail;
	}
	ko = xasprintf("%s/fs/ceph/ceph.ko", bdir);
	{
		_cleanup_free_ char *dst = path_join(moddir, "ceph.ko");
		_cleanup_free_ char *inj = path_join(tmp, "inject");
		_cleanup_free_ char *ird = path_join(tmp, "initramfs.cpio");

		/* Unlink first: these are links to the base kernel's files. */
		if (unlink(old) < 0 || copy_file(ko, dst, 0644) < 0)
			goto fail;
		unlink(ird);
		rm_rf(inj);
	}
	rm_rf(bdir);
	meta = json_deep_copy(base.meta);
	json_object_set_new(meta, "source", json_sprintf("%s+fs/ceph", source));
	json_object_set_new(meta, "base", json_string(base.name));
	json_object_set_new(meta, "patches", patch_list(patches, npatches));
	note_patchset(meta, patches, npatches);
	json_object_set_new(meta, "build_dir", json_string(hdr));
	json_object_set_new(meta, "build_module_secs", json_real(now_mono() - t0));
	json_object_del(meta, "initramfs_modules");
	if (kernel_install(tmp, name, base.kver,
			   json_string_value(json_object_get(meta, "boot_image")), meta, k) < 0)
		goto fail;
	kernel_close(&base);
	return 0;
fail:
	kernel_abandon(tmp, k);
	kernel_close(&base);
	if (log) {
		_cleanup_free_ char *msg = err_save();

		err_set("%s; log: %s", msg, log);
	}
	return -1;
}

/* What the guest needs on top of defconfig (see tools/guest/init and DESIGN). */
static const char *const enable[] = {
	"PVH",
	"VIRTIO_PCI",
	"VIRTIO_NET",
	"VIRTIO_CONSOLE",
	"NET_9P",
	"NET_9P_VIRTIO",
	"9P_FS",
	"9P_FS_POSIX_ACL",
	"DEVTMPFS",
	"TMPFS",
	"BLK_DEV_INITRD",
	"CGROUPS",
	"MEMCG",
	"DETECT_HUNG_TASK",
	"KPROBES",
	"KPROBE_EVENTS",
	"MAGIC_SYSRQ",
	"MODULES",
	"MODULE_UNLOAD",
	"PROC_FS",
	"SYSFS",
	"PRINTK_TIME",
	"DEBUG_FS",
	"FTRACE",
	"KALLSYMS",
	"STACKTRACE",
};
static const char *const as_module[] = {"CEPH_LIB", "CEPH_FS", "NETFS_SUPPORT", "CRYPTO_CRC32C",
					"LIBCRC32C"};

/* "CONFIG_X=y" (or =m where allowed) in .config text. */
static bool config_has(const char *config, const char *sym, bool module_ok)
{
	_cleanup_free_ char *y = xasprintf("\nCONFIG_%s=y\n", sym);
	_cleanup_free_ char *m = xasprintf("\nCONFIG_%s=m\n", sym);

	return strstr(config, y) || (module_ok && strstr(config, m));
}

int kernel_config_check(const char *cfg)
{
	_cleanup_free_ char *text = read_file(cfg, NULL), *body = NULL, *list = NULL;
	struct strbuf missing = {0};

	if (!text)
		return err_set("%s: %s", cfg, strerror(errno));
	body = xasprintf("\n%s", text); /* the first line matches like the others */
	for (size_t i = 0; i < ARRAY_SIZE(enable); i++)
		if (!config_has(body, enable[i], false))
			sb_printf(&missing, " CONFIG_%s", enable[i]);
	for (size_t i = 0; i < ARRAY_SIZE(as_module); i++)
		if (!config_has(body, as_module[i], true))
			sb_printf(&missing, " CONFIG_%s", as_module[i]);
	list = sb_detach(&missing);
	if (list && *list)
		return err_set("%s lacks%s after olddefconfig (a dependency this tree does not "
			       "offer); fix that .config and rerun, it is kept",
			       cfg, list);
	return 0;
}

static int configure(const char *src, const char *obj, const char *log)
{
	_cleanup_free_ char *o = xasprintf("O=%s", obj);
	_cleanup_free_ char *cfg = path_join(obj, ".config");
	_cleanup_free_ char *script = path_join(src, "scripts/config");
	char *defconfig[] = {"make", "-C", (char *)src, o, "defconfig", NULL};
	char *olddef[] = {"make", "-C", (char *)src, o, "olddefconfig", NULL};
	struct strv argv = {0};
	int r;

	if (path_exists(cfg))
		return 0; /* keep what the user (or an earlier build) chose */
	if (run_argv(defconfig, 600, log) < 0)
		return -1;
	strv_push(&argv, script);
	strv_push(&argv, "--file");
	strv_push(&argv, cfg);
	for (size_t i = 0; i < ARRAY_SIZE(enable); i++) {
		strv_push(&argv, "--enable");
		strv_push(&argv, enable[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(as_module); i++) {
		strv_push(&argv, "--module");
		strv_push(&argv, as_module[i]);
	}
	r = run_argv(argv.v, 60, log);
	strv_release(&argv);
	return r < 0 ? -1 : run_argv(olddef, 600, log);
}

/* "/src/ceph-client" -> "tree-_src_ceph-client": one key per tree for its clone and objects. */
char *kbuild_tree_key(const char *abs_tree)
{
	char *key = xasprintf("tree-%s", abs_tree);

	for (char *p = key + 5; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	return key;
}

/*
 * REF of a git tree into dst: a clone sharing the tree's objects, kept from
 * build to build, so checking out a nearby commit rewrites (and make then
 * rebuilds) only the files that differ. The user's checkout is never touched.
 */
static int checkout_ref(const char *tree, const char *ref, const char *dst, const char *log)
{
	char *clone[] = {"git",		  "clone",	"-q",	     "--shared",
			 "--no-checkout", (char *)tree, (char *)dst, NULL};
	char *parse[] = {"git",	     "-C", (char *)tree, "rev-parse",
			 "--verify", "-q", (char *)ref,	 NULL};
	_cleanup_free_ char *sha = NULL, *dotgit = path_join(dst, ".git");

	if (run_capture(parse, 60, &sha) < 0)
		return err_set("--ref %s: not a commit of %s", ref, tree);
	str_strip(sha);
	if (!path_exists(dotgit)) {
		rm_rf(dst);
		if (run_argv(clone, 1800, log) < 0)
			return -1;
	}
	{
		char *co[] = {"git",	 "-C",	     (char *)dst, "checkout", "-q",
			      "--force", "--detach", sha,	  NULL};
		char *clean[] = {"git", "-C", (char *)dst, "clean", "-q", "-f", "-d", "-x", NULL};

		if (run_argv(co, 1800, log) < 0 || run_argv(clean, 600, log) < 0)
			return -1;
	}
	return 0;
}

static bool is_git_tree(const char *tree)
{
	char *argv[] = {"git", "-C", (char *)tree, "rev-parse", "--is-inside-work-tree", NULL};
	_cleanup_free_ char *out = NULL;

	return run_capture(argv, 30, &out) == 0 && str_startswith(out, "true");
}

/* A plain source directory (e.g. Debian's linux-source), copied so patches never touch it. */
static int copy_tree(const char *tree, const char *dst, const char *log)
{
	_cleanup_free_ char *from = xasprintf("%s/.", tree);
	char *argv[] = {"cp", "-a", "--reflink=auto", from, (char *)dst, NULL};

	rm_rf(dst);
	if (mkdir_p(dst, 0755) < 0)
		return err_set("cannot create %s: %s", dst, strerror(errno));
	return run_argv(argv, 1800, log);
}

int kernel_build_tree(const struct tree_build *b, struct kernel *k)
{
	_cleanup_free_ char *tree = realpath(b->tree, NULL);
	bool git = tree && is_git_tree(tree);
	/* a git tree's builds share one clone and object directory: make rebuilds what changed */
	_cleanup_free_ char *key =
		git && !b->work && (b->ref || b->npatches) ? kbuild_tree_key(tree) : NULL;
	_cleanup_free_ char *work = xasprintf("%s/builds/%s", cache_dir(),
					      b->work ? b->work
					      : key   ? key
						      : b->name);
	_cleanup_free_ char *obj = path_join(work, "obj"), *mods = path_join(work, "mods");
	_cleanup_free_ char *log = path_join(work, "build.log"), *src = NULL, *image = NULL;
	_cleanup_free_ char *o = xasprintf("O=%s", obj),
			    *inst = xasprintf("INSTALL_MOD_PATH=%s", mods);
	_cleanup_free_ char *jobs =
		xasprintf("-j%ld", b->jobs > 0 ? (long)b->jobs : sysconf(_SC_NPROCESSORS_ONLN));
	_cleanup_json_ json_t *origin = json_object();
	double t0 = now_mono();

	memset(k, 0, sizeof(*k));
	if (!tree)
		return err_set("--tree %s: %s", b->tree, strerror(errno));
	if (mkdir_p(obj, 0755) < 0)
		return err_set("cannot create %s: %s", obj, strerror(errno));
	unlink(log);
	if (git) {
		json_decref(origin);
		origin = git_origin(tree, b->ref, !b->ref && !b->npatches);
	}
	if (b->ref || b->npatches) {
		src = path_join(work, "src");
		if (b->ref && !git) {
			err_set("--ref %s: %s is not a git work tree", b->ref, tree);
			goto fail;
		}
		if ((git ? checkout_ref(tree, b->ref ? b->ref : "HEAD", src, log)
			 : copy_tree(tree, src, log)) < 0 ||
		    apply_patches(src, b->patches, b->npatches, log) < 0)
			goto fail;
	} else {
		src = xstrdup(tree);
	}
	{
		_cleanup_free_ char *cfg = path_join(obj, ".config");

		if (configure(src, obj, log) < 0 || kernel_config_check(cfg) < 0)
			goto fail;
	}
	{
		/* ccache when present: nightly builds of nearby commits share most objects. */
		bool ccache = access("/usr/bin/ccache", X_OK) == 0;
		char *argv[] = {"make",	   "-C",      src,
				o,	   jobs,      ccache ? "CC=ccache gcc" : "V=0",
				"vmlinux", "modules", NULL};
		char *install[] = {"make", "-C", src, o, inst, "modules_install", NULL};

		p_info("building %s (log: %s)", src, log);
		rm_rf(mods);
		if (run_argv(argv, 6 * 3600, log) < 0 || run_argv(install, 1800, log) < 0)
			goto fail;
	}
	image = path_join(obj, "vmlinux");
	if (kernel_add(b->name, image, mods, k) < 0)
		goto fail;
	json_object_set_new(k->meta, "source", json_sprintf("tree:%s", tree));
	if (b->ref)
		json_object_set_new(k->meta, "ref", json_string(b->ref));
	json_object_set_new(k->meta, "patches", patch_list(b->patches, b->npatches));
	note_patchset(k->meta, b->patches, b->npatches);
	json_object_update(k->meta, origin);
	json_object_set_new(k->meta, "build_dir", json_string(obj));
	json_object_set_new(k->meta, "build_secs", json_real(now_mono() - t0));
	if (kernel_save_meta(k) < 0)
		goto fail;
	return 0;
fail:
	return err_prefix("kernel build %s (log: %s)", b->name, log);
}
