// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/kmodule.h"
#include "lib/hash.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/strv.h"
#include "store/buildroot.h"
#include "store/deb.h"
#include "store/kernel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MODULE_NAME "iputstorm_inject"
static const char *const module_files[] = {MODULE_NAME ".c", "Kbuild"};

char *inject_module_source(void)
{
	return xasprintf("%s/tools/module", data_dir());
}

/* FNV-1a over the module's files: a rebuild whenever the source changes. */
static char *source_hash(const char *src)
{
	uint64_t h = FNV1A_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(module_files); i++) {
		_cleanup_free_ char *p = path_join(src, module_files[i]);
		size_t len;
		_cleanup_free_ char *s = read_file(p, &len);

		if (!s) {
			err_set("cannot read %s: %s (is iputstorm installed completely?)", p,
				strerror(errno));
			return NULL;
		}
		h = fnv1a(h, s, len);
	}
	return xasprintf("%016llx", (unsigned long long)h);
}

/*
 * What a flavour's headers package needs to build against: the common tree
 * (linux-headers-VER-common, or -common-rt) and linux-kbuild-VER, read from
 * its Depends rather than guessed from the flavour's name.
 */
static int header_dependencies(const char *deb, struct strv *pkgs)
{
	_cleanup_strv_ struct strv words = {0};

	if (deb_depends(deb, &words) < 0)
		return -1;
	for (size_t i = 0; i < words.n; i++)
		if (str_startswith(words.v[i], "linux-headers-") ||
		    str_startswith(words.v[i], "linux-kbuild-"))
			strv_push(pkgs, words.v[i]);
	if (!pkgs->n)
		return err_set("%s depends on no linux-headers or linux-kbuild package", deb);
	return 0;
}

/*
 * Debian's per-flavour Makefile names the common tree (and, since 7.x, its
 * own KBUILD_OUTPUT) by absolute path under /usr/src: point every such path
 * at the unpacked copy instead.
 */
int headers_relocate(const char *root, const char *abi)
{
	_cleanup_free_ char *mk = xasprintf("%s/usr/src/linux-headers-%s/Makefile", root, abi);
	_cleanup_free_ char *old = read_file(mk, NULL);
	_cleanup_strbuf_ struct strbuf body = {0};
	const char *p = old;

	if (!old || !strstr(old, "/usr/src/"))
		return err_set("%s: no /usr/src/ path to relocate", mk);
	for (const char *at; (at = strstr(p, "/usr/src/")); p = at + 1) {
		sb_add(&body, p, at - p);
		sb_puts(&body, root);
		sb_add(&body, at, 1);
	}
	sb_puts(&body, p);
	return write_file(mk, body.buf, body.len);
}

int fetch_debian_headers(struct kernel *k, const char *abi, char **build_dir)
{
	_cleanup_free_ char *root = path_join(k->dir, "headers");
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", root);
	_cleanup_free_ char *dl = path_join(tmp, "debs");
	_cleanup_free_ char *log = path_join(k->dir, "headers.log");
	_cleanup_free_ char *flavour = xasprintf("linux-headers-%s", abi);
	_cleanup_free_ char *deb = NULL;
	_cleanup_strv_ struct strv pkgs = {0};

	*build_dir = xasprintf("%s/usr/src/linux-headers-%s", root, abi);
	if (path_exists(*build_dir))
		return 0;
	p_info("fetching %s and what it depends on for the inject module", flavour);
	rm_rf(tmp);
	unlink(log);
	if (mkdir_p(dl, 0755) < 0)
		return err_set("cannot create %s: %s", dl, strerror(errno));
	if (deb_download(dl, flavour, log, &deb) < 0 || header_dependencies(deb, &pkgs) < 0 ||
	    deb_unpack(deb, tmp, log) < 0)
		goto fail;
	for (size_t i = 0; i < pkgs.n; i++) {
		_cleanup_free_ char *d = NULL;

		if (deb_download(dl, pkgs.v[i], log, &d) < 0 || deb_unpack(d, tmp, log) < 0)
			goto fail;
	}
	rm_rf(dl);
	if (rename(tmp, root) < 0) {
		err_set("cannot rename %s to %s: %s", tmp, root, strerror(errno));
		goto fail;
	}
	if (headers_relocate(root, abi) < 0)
		return -1;
	return 0;
fail:
	rm_rf(tmp);
	return err_prefix("headers for %s (see %s)", abi, log);
}

/* Where to build against: kernel.json "build_dir", else Debian headers. */
static int kernel_build_dir(struct kernel *k, char **out)
{
	const char *bd = json_string_value(json_object_get(k->meta, "build_dir"));
	const char *src = json_string_value(json_object_get(k->meta, "source"));

	if (bd) {
		*out = xstrdup(bd);
		return 0;
	}
	if (src && str_startswith(src, "debian:"))
		return fetch_debian_headers(k, src + 7, out);
	return err_set("kernel %s has no build tree for the inject module; register it with "
		       "`iputstorm kernel add %s --image F --modules D --build DIR`",
		       k->name, k->name);
}

static int build_module(const char *src, const char *build_dir, const char *out_dir,
			const char *log)
{
	_cleanup_free_ char *mflag = xasprintf("M=%s", out_dir);
	char *argv[] = {"make", "-C", (char *)build_dir, mflag,
			/* BTF for a test module needs pahole; nothing here reads it. */
			"CONFIG_DEBUG_INFO_BTF_MODULES=", "modules", NULL};

	rm_rf(out_dir);
	if (mkdir_p(out_dir, 0755) < 0)
		return err_set("cannot create %s: %s", out_dir, strerror(errno));
	for (size_t i = 0; i < ARRAY_SIZE(module_files); i++) {
		_cleanup_free_ char *from = path_join(src, module_files[i]);
		_cleanup_free_ char *to = path_join(out_dir, module_files[i]);

		if (copy_file(from, to, 0644) < 0)
			return -1;
	}
	unlink(log);
	if (kbuild_make(build_dir, argv, 600, log) < 0)
		return err_prefix("building the inject module");
	return 0;
}

char *inject_module_ensure(struct kernel *k)
{
	_cleanup_free_ char *src = inject_module_source();
	_cleanup_free_ char *hash = source_hash(src);
	_cleanup_free_ char *dir = path_join(k->dir, "inject");
	_cleanup_free_ char *hash_path = path_join(dir, "source.hash");
	_cleanup_free_ char *old = NULL, *build_dir = NULL;
	char *ko = xasprintf("%s/%s.ko", dir, MODULE_NAME);
	_cleanup_free_ char *out = NULL;

	if (!hash)
		goto fail;
	old = read_file(hash_path, NULL);
	if (old && !strcmp(str_strip(old), hash) && path_exists(ko))
		return ko;
	if (kernel_build_dir(k, &build_dir) < 0)
		goto fail;
	p_info("building %s.ko for %s", MODULE_NAME, k->name);
	out = path_join(dir, "build");
	if (mkdir_p(dir, 0755) < 0) {
		err_set("cannot create %s: %s", dir, strerror(errno));
		goto fail;
	}
	{
		_cleanup_free_ char *built = xasprintf("%s/%s.ko", out, MODULE_NAME);
		_cleanup_free_ char *blog = path_join(dir, "make.log");

		if (build_module(src, build_dir, out, blog) < 0)
			goto fail;
		if (rename(built, ko) < 0) {
			err_set("%s: %s", built, strerror(errno));
			goto fail;
		}
	}
	rm_rf(out);
	if (write_file_atomic(hash_path, hash, strlen(hash)) < 0)
		goto fail;
	return ko;
fail:
	free(ko);
	err_prefix("inject module for kernel %s", k->name);
	return NULL;
}
