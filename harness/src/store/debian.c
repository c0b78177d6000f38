// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/debian.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "store/apt.h"
#include "store/deb.h"
#include "store/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- what the archive has ---- */

/* "linux-image-ABI" or "linux-image-ABI-unsigned" with ABI "N.N...-[cloud-|rt-]amd64". */
static char *image_abi(const char *pkg, bool *unsigned_image)
{
	const char *abi = pkg + strlen("linux-image-");
	size_t n;

	if (!str_startswith(pkg, "linux-image-") || abi[0] < '0' || abi[0] > '9')
		return NULL;
	n = strlen(abi);
	*unsigned_image = str_endswith(abi, "-unsigned");
	if (*unsigned_image)
		n -= strlen("-unsigned");
	/* "6.12-amd64" is a metapackage: an ABI has three version numbers. */
	if (n < 6 || strncmp(abi + n - 6, "-amd64", 6) || strspn(abi, "0123456789.") < 5 ||
	    !strchr(strchr(abi, '.') + 1, '.'))
		return NULL;
	return xstrndup(abi, n);
}

static const char *flavor_of(const char *abi)
{
	return str_endswith(abi, "-cloud-amd64") ? "cloud"
	       : str_endswith(abi, "-rt-amd64")	 ? "rt"
						 : "generic";
}

static struct deb_kernel *find_entry(struct deb_kernels *l, const char *abi, const char *version,
				     const char *suite)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->k[i].abi, abi) && !strcmp(l->k[i].version, version) &&
		    !strcmp(l->k[i].suite, suite))
			return &l->k[i];
	return NULL;
}

/* " linux-image-X | 7.3.4-1~bpo13+1 | URI trixie-backports/main amd64 Packages" */
static void add_madison_line(struct deb_kernels *l, char *line)
{
	char pkg[256], version[128], uri[512], suite[128];
	_cleanup_free_ char *abi = NULL;
	struct deb_kernel *e;
	bool uns;

	if (sscanf(line, " %255s | %127s | %511s %127[^/]/", pkg, version, uri, suite) != 4)
		return;
	abi = image_abi(pkg, &uns);
	if (!abi)
		return;
	e = find_entry(l, abi, version, suite);
	if (!e) {
		l->k = xrealloc(l->k, (l->n + 1) * sizeof(*l->k));
		e = &l->k[l->n++];
		*e = (struct deb_kernel){
			.abi = TAKE_PTR(abi), .version = xstrdup(version), .suite = xstrdup(suite)};
		e->flavor = xstrdup(flavor_of(e->abi));
	}
	e->unsigned_image |= uns;
}

static int by_abi(const void *a, const void *b)
{
	const struct deb_kernel *x = a, *y = b;
	int c = strverscmp(x->abi, y->abi);

	return c ? c : strcmp(x->suite, y->suite);
}

void debian_kernels_parse(struct deb_kernels *l, const char *madison)
{
	_cleanup_free_ char *copy = xstrdup(madison);
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		add_madison_line(l, line);
	qsort(l->k, l->n, sizeof(*l->k), by_abi);
}

int debian_kernels(struct deb_kernels *out, const char *pattern)
{
	_cleanup_strv_ struct strv argv = {0}, madison = {0};
	_cleanup_free_ char *list = NULL, *rows = NULL;
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	if (apt_ready(APT_MAX_AGE, false) < 0)
		return -1;
	apt_argv(&argv, "apt-cache");
	strv_push(&argv, "pkgnames");
	strv_push(&argv, "linux-image-");
	if (run_capture(argv.v, 120, &list) < 0)
		return err_prefix("listing Debian's kernel packages");
	apt_argv(&madison, "apt-cache");
	strv_push(&madison, "madison");
	for (char *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *abi = NULL;
		bool uns;

		abi = image_abi(str_strip(l), &uns);
		if (abi && (!pattern || strstr(abi, pattern)))
			strv_push(&madison, l);
	}
	if (madison.n == argv.n) /* nothing but the options: no match */
		return 0;
	if (run_capture(madison.v, 120, &rows) < 0)
		return err_prefix("asking apt where Debian's kernels are");
	debian_kernels_parse(out, rows);
	return 0;
}

void debian_kernels_free(struct deb_kernels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->k[i].abi);
		free(l->k[i].version);
		free(l->k[i].suite);
		free(l->k[i].flavor);
	}
	free(l->k);
	memset(l, 0, sizeof(*l));
}

json_t *deb_kernel_json(const struct deb_kernel *k)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "abi", k->abi, "version", k->version, "suite",
			 k->suite, "flavor", k->flavor, "image",
			 k->unsigned_image ? "unsigned" : "signed");
}

/* "7.3" of "7.3.4+deb13-amd64" (the series), compared whole: "6.1" is not "6.12". */
static bool in_series(const char *abi, const char *series)
{
	size_t n = strlen(series);

	return !strncmp(abi, series, n) && (abi[n] == '.' || abi[n] == '-');
}

char *debian_latest(const struct deb_kernels *l, const char *series, const char *flavor)
{
	for (size_t i = l->n; i-- > 0;)
		if (in_series(l->k[i].abi, series) && !strcmp(l->k[i].flavor, flavor))
			return xstrdup(l->k[i].abi);
	return NULL;
}

int debian_resolve_abi(const char *spec, char **abi)
{
	struct deb_kernels l;
	_cleanup_free_ char *series = NULL;
	const char *flavor = "generic", *dash;

	*abi = NULL;
	if (!str_startswith(spec, "latest-")) {
		*abi = xstrdup(spec);
		return 0;
	}
	series = xstrdup(spec + strlen("latest-"));
	dash = strchr(series, '-');
	if (dash) {
		flavor = dash + 1;
		series[dash - series] = '\0';
	}
	if (debian_kernels(&l, series) < 0)
		return -1;
	*abi = debian_latest(&l, series, flavor);
	debian_kernels_free(&l);
	if (!*abi)
		return err_set("debian:%s: Debian has no %s kernel of series %s; `iputstorm kernel "
			       "search %s` lists what it has",
			       spec, flavor, series, series);
	return 0;
}

/* ---- fetching ---- */

static char *find_modules_dir(const char *root, const char *abi)
{
	char *p = xasprintf("%s/lib/modules/%s", root, abi);

	if (path_exists(p))
		return p;
	free(p);
	p = xasprintf("%s/usr/lib/modules/%s", root, abi);
	if (path_exists(p))
		return p;
	free(p);
	return NULL;
}

/* /boot/vmlinuz-ABI, or (7.x packaging) usr/lib/modules/ABI/vmlinuz. */
static char *find_vmlinuz(const char *root, const char *abi)
{
	char *p = xasprintf("%s/boot/vmlinuz-%s", root, abi);

	if (path_exists(p))
		return p;
	free(p);
	p = xasprintf("%s/usr/lib/modules/%s/vmlinuz", root, abi);
	if (path_exists(p))
		return p;
	free(p);
	return NULL;
}

/*
 * The image package, unsigned where Debian still has it (older ABIs keep
 * only the signed one, which boots the same kernel). *pkg names what came.
 */
static int download_image(const char *dir, const char *abi, const char *log, char **pkg, char **deb)
{
	*pkg = xasprintf("linux-image-%s-unsigned", abi);
	if (deb_download(dir, *pkg, log, deb) == 0)
		return 0;
	free(*pkg);
	*pkg = xasprintf("linux-image-%s", abi);
	if (deb_download(dir, *pkg, log, deb) == 0)
		return 0;
	return err_prefix("is '%s' a Debian kernel ABI? (`iputstorm kernel search` lists them)",
			  abi);
}

/*
 * Since 6.19 Debian's image package holds no kernel: it depends on
 * linux-binary-ABI (the vmlinuz) and linux-modules-ABI. Unpack those too.
 */
static int unpack_split_packages(const char *deb, const char *dir, const char *root,
				 const char *log)
{
	_cleanup_strv_ struct strv words = {0};

	if (deb_depends(deb, &words) < 0)
		return -1;
	for (size_t i = 0; i < words.n; i++) {
		_cleanup_free_ char *d = NULL;

		if (!str_startswith(words.v[i], "linux-binary-") &&
		    !str_startswith(words.v[i], "linux-modules-"))
			continue;
		if (deb_download(dir, words.v[i], log, &d) < 0 || deb_unpack(d, root, log) < 0)
			return -1;
		unlink(d);
	}
	return 0;
}

/* The fetched tree becomes a store entry: vmlinux (or the bzImage), config, modules. */
static int arrange(const char *tmp, const char *root, const char *abi, const char *vmlinuz,
		   const char *moddir, const char **image)
{
	_cleanup_free_ char *vm = xasprintf("%s/vmlinux", tmp);
	_cleanup_free_ char *bz = xasprintf("%s/vmlinuz", tmp);
	_cleanup_free_ char *cfg = xasprintf("%s/boot/config-%s", root, abi);
	_cleanup_free_ char *cfg7 = xasprintf("%s/config", moddir);
	_cleanup_free_ char *cfg2 = xasprintf("%s/config", tmp);
	_cleanup_free_ char *mods = xasprintf("%s/lib/modules", tmp);
	_cleanup_free_ char *mods_final = xasprintf("%s/lib/modules/%s", tmp, abi);

	if (rename(vmlinuz, bz) < 0 || (path_exists(cfg) && rename(cfg, cfg2) < 0) ||
	    (path_exists(cfg7) && rename(cfg7, cfg2) < 0) || mkdir_p(mods, 0755) < 0 ||
	    rename(moddir, mods_final) < 0)
		return err_set("arranging %s: %s", tmp, strerror(errno));
	*image = "vmlinux";
	if (vmlinux_from_bzimage(bz, vm) < 0 || !elf_has_pvh_note(vm)) {
		p_warn("%s; booting the compressed bzImage instead (slower)",
		       path_exists(vm) && !elf_has_pvh_note(vm) ? "vmlinux has no PVH note"
								: err_msg());
		unlink(vm);
		*image = "vmlinuz";
	} else {
		unlink(bz);
	}
	return 0;
}

int kernel_fetch_debian(const char *spec, const char *name, bool force, struct kernel *k)
{
	_cleanup_free_ char *store = kernel_store_dir(), *abi = NULL;
	_cleanup_free_ char *tmp = NULL, *root = NULL, *log = NULL, *pkg = NULL;
	_cleanup_free_ char *deb = NULL, *vmlinuz = NULL, *moddir = NULL, *version = NULL;
	const char *image = "vmlinux";
	json_t *meta;

	memset(k, 0, sizeof(*k));
	if (debian_resolve_abi(spec, &abi) < 0)
		return -1;
	if (!name)
		name = abi;
	if (!kernel_name_ok(name) || !kernel_name_ok(abi))
		return err_set("'%s' is not a Debian kernel ABI (e.g. %s)", abi, DEFAULT_KERNEL);
	if (!force && kernel_open(name, k) == 0)
		return 0;
	if (mkdir_p(store, 0755) < 0)
		return err_set("cannot create %s: %s", store, strerror(errno));
	tmp = xasprintf("%s/.fetch-%s.%d", store, name, (int)getpid());
	root = xasprintf("%s/pkg", tmp);
	log = xasprintf("%s/fetch.log", tmp);
	rm_rf(tmp);
	if (mkdir_p(root, 0755) < 0)
		return err_set("cannot create %s: %s", root, strerror(errno));
	if (download_image(tmp, abi, log, &pkg, &deb) < 0 ||
	    !(version = deb_field(deb, "Version")) || deb_unpack(deb, root, log) < 0 ||
	    unpack_split_packages(deb, tmp, root, log) < 0)
		goto fail;
	vmlinuz = find_vmlinuz(root, abi);
	moddir = find_modules_dir(root, abi);
	if (!vmlinuz || !moddir) {
		err_set("%s has no vmlinuz or modules for %s", pkg, abi);
		goto fail;
	}
	if (arrange(tmp, root, abi, vmlinuz, moddir, &image) < 0)
		goto fail;
	rm_rf(root);
	unlink(deb);
	meta = json_object();
	json_object_set_new(meta, "source", json_sprintf("debian:%s", abi));
	json_object_set_new(meta, "package", json_string(pkg));
	json_object_set_new(meta, "package_version", json_string(version));
	/* "6.12.117-1~deb12u1" → upstream "6.12.117". */
	json_object_set_new(meta, "version", json_stringn(version, strcspn(version, "-")));
	/* The tools' log is in tmp: it must not become part of the entry. */
	unlink(log);
	if (kernel_install(tmp, name, abi, image, meta, k) < 0)
		goto fail;
	return 0;
fail:
	return kernel_abandon(tmp, k);
}

int kernel_resolve(const char *spec, struct kernel *k)
{
	if (str_startswith(spec, "debian:")) {
		const char *abi = spec + 7;

		if (kernel_open(abi, k) == 0)
			return 0;
		p_info("kernel %s is not in the store; fetching it", abi);
		return kernel_fetch_debian(abi, NULL, false, k);
	}
	return kernel_open(spec, k);
}
