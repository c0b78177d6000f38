// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "cli/cmd.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/output.h"
#include "lib/strv.h"
#include "store/apt.h"
#include "store/debian.h"
#include "store/kbuild.h"
#include "store/kernel.h"
#include "store/kmodule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_FORCE = 256,
	OPT_IMAGE,
	OPT_MODULES,
	OPT_NAME,
	OPT_BUILD,
	OPT_BASE,
	OPT_PATCH,
	OPT_TREE,
	OPT_REF
};

struct kargs {
	bool force;
	const char *image, *modules, *name, *build, *base, *tree, *ref;
	struct strv patches;
};

static int kernel_opt(int id, const char *arg, void *ctx)
{
	struct kargs *a = ctx;

	switch (id) {
	case OPT_FORCE:
		a->force = true;
		break;
	case OPT_IMAGE:
		a->image = arg;
		break;
	case OPT_MODULES:
		a->modules = arg;
		break;
	case OPT_NAME:
		a->name = arg;
		break;
	case OPT_BUILD:
		a->build = arg;
		break;
	case OPT_BASE:
		a->base = arg;
		break;
	case OPT_PATCH:
		strv_push(&a->patches, arg);
		break;
	case OPT_TREE:
		a->tree = arg;
		break;
	case OPT_REF:
		a->ref = arg;
		break;
	}
	return 0;
}

static void print_kernel(const struct kernel *k)
{
	if (json_output) {
		json_t *o = json_deep_copy(k->meta);

		json_object_set_new(o, "dir", json_string(k->dir));
		json_print(o);
		json_decref(o);
		return;
	}
	printf("%s\t%s\t%s\n", k->name, k->kver,
	       json_string_value(json_object_get(k->meta, "source")));
}

/*
 * Without the module a kernel still runs natural scenarios (no telemetry);
 * say so now rather than at the first run.
 */
static void prepare_inject_module(struct kernel *k)
{
	_cleanup_free_ char *ko = inject_module_ensure(k);

	if (!ko)
		p_warn("%s; scenarios with [inject] sections or telemetry cannot use kernel %s",
		       err_msg(), k->name);
}

static const struct opt fetch_opts[] = {
	{OPT_NAME, "name", "NAME", "store it under NAME (default: the ABI)"},
	{OPT_FORCE, "force", NULL, "fetch again even if the store has it"},
	{0},
};

static const struct cmd_spec fetch_spec = {
	.name = "kernel fetch",
	.usage = "[--name NAME] [--force] debian:ABI...",
	.summary = "Download a Debian kernel image with apt, from any suite (bookworm, trixie, "
		   "their updates, security and backports, sid: `iputstorm kernel search`), "
		   "unsigned where Debian still has it, else signed; unpack it into the store "
		   "(never /boot), extract the uncompressed vmlinux, run depmod and build the base "
		   "initramfs.",
	.opts = fetch_opts,
	.more = "Examples: debian:" DEFAULT_KERNEL ", debian:6.1.0-56-amd64, "
		"debian:latest-7.3, debian:latest-6.12-rt",
};

static int do_fetch(int argc, char **argv)
{
	struct kargs a = {0};
	int first = opt_parse(&fetch_spec, argc, argv, kernel_opt, &a), bad = 0;

	if (first < 0)
		return OPT_EXIT(first);
	if (first >= argc || (a.name && argc - first > 1)) {
		opt_usage(&fetch_spec, stderr);
		return EXIT_USAGE;
	}
	for (int i = first; i < argc; i++) {
		struct kernel k;
		double t0 = now_mono();

		if (!str_startswith(argv[i], "debian:")) {
			p_err("kernel fetch: '%s': only debian:ABI sources can be fetched; use "
			      "`iputstorm kernel add` for a local build",
			      argv[i]);
			return EXIT_USAGE;
		}
		if (kernel_fetch_debian(argv[i] + 7, a.name, a.force, &k) < 0) {
			p_err("kernel fetch %s: %s", argv[i], err_msg());
			bad++;
			continue;
		}
		prepare_inject_module(&k);
		if (!json_output)
			p_info("kernel %s ready in %.1f s: %s", k.name, now_mono() - t0, k.dir);
		print_kernel(&k);
		kernel_close(&k);
	}
	return bad ? EXIT_UNDECIDED : 0;
}

static const struct opt search_opts[] = {
	{OPT_FORCE, "refresh", NULL, "fetch the package lists again first"},
	{0},
};

static const struct cmd_spec search_spec = {
	.name = "kernel search",
	.usage = "[--refresh] [PATTERN]",
	.summary = "Every Debian kernel image in the archive (bookworm and its updates, security "
		   "and backports; trixie and its updates, security and backports; sid), through "
		   "iputstorm's own apt state: ABI, package version, suite, flavor, and whether an "
		   "unsigned image exists. PATTERN keeps ABIs that contain it (\"7.3\", "
		   "\"cloud\").",
	.opts = search_opts,
	.more = "Fetch one with `iputstorm kernel fetch debian:ABI`, or the newest of a series "
		"with debian:latest-SERIES[-cloud|-rt] (debian:latest-7.3).\nThe package lists "
		"are kept under the cache directory and fetched again after 6 hours.",
};

static int do_search(int argc, char **argv)
{
	struct kargs a = {0};
	struct deb_kernels l;
	int first = opt_parse(&search_spec, argc, argv, kernel_opt, &a);
	json_t *all;

	if (first < 0)
		return OPT_EXIT(first);
	if (argc - first > 1) {
		opt_usage(&search_spec, stderr);
		return EXIT_USAGE;
	}
	if ((a.force && apt_ready(0, true) < 0) ||
	    debian_kernels(&l, first < argc ? argv[first] : NULL) < 0) {
		p_err("kernel search: %s", err_msg());
		return EXIT_UNDECIDED;
	}
	all = json_array();
	for (size_t i = 0; i < l.n; i++) {
		if (!json_output)
			printf("%-30s %-22s %-18s %-8s %s\n", l.k[i].abi, l.k[i].version,
			       l.k[i].suite, l.k[i].flavor,
			       l.k[i].unsigned_image ? "unsigned" : "signed");
		json_array_append_new(all, deb_kernel_json(&l.k[i]));
	}
	if (json_output)
		json_print(all);
	else if (!l.n)
		p_info("no Debian kernel matches");
	json_decref(all);
	debian_kernels_free(&l);
	return 0;
}

static const struct opt add_opts[] = {
	{OPT_IMAGE, "image", "FILE", "vmlinux (with CONFIG_PVH) or bzImage"},
	{OPT_MODULES, "modules", "DIR", "lib/modules/KVER of the build, or its INSTALL_MOD_PATH"},
	{OPT_BUILD, "build", "DIR",
	 "the kernel build tree (where `make` ran), to build the inject module against"},
	{0},
};

static const struct cmd_spec add_spec = {
	.name = "kernel add",
	.usage = "NAME --image FILE --modules DIR [--build DIR]",
	.summary = "Register a locally built kernel in the store.",
	.opts = add_opts,
};

static int do_add(int argc, char **argv)
{
	struct kargs a = {0};
	struct kernel k;
	int first = opt_parse(&add_spec, argc, argv, kernel_opt, &a);

	if (first < 0)
		return OPT_EXIT(first);
	if (first != argc - 1 || !a.image) {
		opt_usage(&add_spec, stderr);
		return EXIT_USAGE;
	}
	if (kernel_add(argv[first], a.image, a.modules, &k) < 0) {
		p_err("kernel add %s: %s", argv[first], err_msg());
		return EXIT_UNDECIDED;
	}
	if (a.build) {
		char *bd = realpath(a.build, NULL);

		if (!bd) {
			p_err("kernel add: --build %s: %s", a.build, strerror(errno));
			kernel_close(&k);
			return EXIT_USAGE;
		}
		json_object_set_new(k.meta, "build_dir", json_string(bd));
		free(bd);
		if (kernel_save_meta(&k) < 0) {
			p_err("kernel add %s: %s", argv[first], err_msg());
			kernel_close(&k);
			return EXIT_UNDECIDED;
		}
		prepare_inject_module(&k);
	}
	print_kernel(&k);
	kernel_close(&k);
	return 0;
}

static const struct cmd_spec list_spec = {
	.name = "kernel list",
	.usage = "",
	.summary = "List the kernels in the store: name, uname -r, source.",
	.opts = (const struct opt[]){{0}},
};

static int do_list(int argc, char **argv)
{
	struct kargs a = {0};
	int first = opt_parse(&list_spec, argc, argv, kernel_opt, &a);
	json_t *l;
	size_t i;
	json_t *e;

	if (first < 0)
		return OPT_EXIT(first);
	l = kernel_list();
	if (json_output) {
		json_print(l);
	} else {
		json_array_foreach (l, i, e)
			printf("%s\t%s\t%s%s%s\n", json_string_value(json_object_get(e, "name")),
			       json_string_value(json_object_get(e, "kver")),
			       json_string_value(json_object_get(e, "source")),
			       json_object_get(e, "base") ? "\tbase=" : "",
			       json_object_get(e, "base")
				       ? json_string_value(json_object_get(e, "base"))
				       : "");
		if (!json_array_size(l))
			p_info("the kernel store is empty; `iputstorm kernel fetch debian:%s`",
			       DEFAULT_KERNEL);
	}
	json_decref(l);
	return 0;
}

static const struct opt build_module_opts[] = {
	{OPT_BASE, "base", "KERNEL", "the Debian kernel to patch (debian:ABI or a stored one)"},
	{OPT_PATCH, "patch", "FILE",
	 "a patch against the kernel source, -p1 (repeatable, in order)"},
	{OPT_NAME, "name", "NAME", "store the result as NAME"},
	{0},
};

static const struct cmd_spec build_module_spec = {
	.name = "kernel build-module",
	.usage = "--base debian:ABI --patch P [--patch P2]... --name NAME",
	.summary = "Rebuild fs/ceph of a Debian kernel from the matching Debian linux-source with "
		   "a patch series, against the matching linux-headers, and register NAME = the "
		   "base kernel with the new ceph.ko (its initramfs loads it).",
	.opts = build_module_opts,
	.more = "Example: --base debian:6.12.117+deb12-amd64 --patch "
		"tools/patches/6.12.117/0001-ceph-defer-final-iput.patch --name 6.12.117+fix",
};

static int do_build_module(int argc, char **argv)
{
	struct kargs a = {0};
	struct kernel k;
	double t0 = now_mono();
	int first = opt_parse(&build_module_spec, argc, argv, kernel_opt, &a), ret = 0;

	if (first < 0)
		return OPT_EXIT(first);
	if (first != argc || !a.base || !a.name) {
		opt_usage(&build_module_spec, stderr);
		strv_release(&a.patches);
		return EXIT_USAGE;
	}
	if (kernel_build_module(a.base, a.patches.v, a.patches.n, a.name, &k) < 0) {
		p_err("kernel build-module %s: %s", a.name, err_msg());
		ret = EXIT_UNDECIDED;
		goto out;
	}
	prepare_inject_module(&k);
	if (!json_output)
		p_info("kernel %s ready in %.1f s: %s", k.name, now_mono() - t0, k.dir);
	print_kernel(&k);
	kernel_close(&k);
out:
	strv_release(&a.patches);
	return ret;
}

static const struct opt build_opts[] = {
	{OPT_TREE, "tree", "DIR",
	 "kernel source tree: a git work tree, or a plain source directory (copied before "
	 "--patch goes on it)"},
	{OPT_REF, "ref", "REF", "build this git ref, exported; the checkout is not touched"},
	{OPT_PATCH, "patch", "FILE", "a -p1 patch to apply first (repeatable, in order)"},
	{OPT_NAME, "name", "NAME", "store the result as NAME"},
	{0},
};

static const struct cmd_spec build_spec = {
	.name = "kernel build",
	.usage = "--tree DIR [--ref REF] [--patch P]... --name NAME",
	.summary = "Full kernel build for the guest: defconfig plus virtio, 9p, ceph/netfs "
		   "modules, cgroups, hung-task detector and kprobes; out of tree under the "
		   "cache, ccache if installed; registered as NAME.",
	.opts = build_opts,
	.more = "The build keeps its object directory (cache/builds/NAME/obj) and its .config: "
		"a rebuild compiles what changed. It fails, naming them, when the .config lacks "
		"an option the guest needs after olddefconfig.\nExample: --tree "
		"/usr/src/linux-source-6.12 --name 6.12.117-defconfig",
};

static int do_build(int argc, char **argv)
{
	struct kargs a = {0};
	struct kernel k;
	int first = opt_parse(&build_spec, argc, argv, kernel_opt, &a), ret = 0;

	if (first < 0)
		return OPT_EXIT(first);
	if (first != argc || !a.tree || !a.name) {
		opt_usage(&build_spec, stderr);
		strv_release(&a.patches);
		return EXIT_USAGE;
	}
	{
		struct tree_build b = {.tree = a.tree,
				       .ref = a.ref,
				       .name = a.name,
				       .patches = a.patches.v,
				       .npatches = a.patches.n,
				       .jobs = 0};

		if (kernel_build_tree(&b, &k) < 0) {
			p_err("%s", err_msg());
			ret = EXIT_UNDECIDED;
			goto out;
		}
	}
	prepare_inject_module(&k);
	print_kernel(&k);
	kernel_close(&k);
out:
	strv_release(&a.patches);
	return ret;
}

static const struct verb kernel_verbs[] = {
	{"search", do_search, "Debian's kernels in every suite"},
	{"fetch", do_fetch, "download a Debian kernel into the store"},
	{"add", do_add, "register a local kernel build"},
	{"build", do_build, "a full kernel build of a source tree for the guest"},
	{"build-module", do_build_module, "a Debian kernel with fs/ceph rebuilt with patches"},
	{"list", do_list, "list stored kernels"},
	{NULL, NULL, NULL},
};

int cmd_kernel(int argc, char **argv)
{
	return verb_select("kernel", kernel_verbs, argc - 1, argv + 1);
}
