/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_KBUILD_H
#define IPUTSTORM_KBUILD_H

#include <jansson.h>
#include <stddef.h>

#include "store/kernel.h"

/*
 * NAME = the Debian kernel base_spec ("debian:ABI" or a stored Debian
 * kernel) with fs/ceph rebuilt from the matching Debian linux-source plus
 * patches (applied with patch -p1 at the top of the source), against the
 * matching Debian linux-headers. kernel.json records the base, the patches
 * and the build time.
 */
int kernel_build_module(const char *base_spec, char *const patches[], size_t npatches,
			const char *name, struct kernel *k);

/*
 * NAME = a full kernel build of a source tree (or REF of a git tree, exported
 * so the checkout is untouched) plus patches, configured from defconfig plus
 * what the guest needs (virtio, 9p, ceph and netfs as modules, cgroups, hung
 * task detector, kprobes), built out of tree under
 * cache_dir()/builds/WORK/obj (ccache when installed). A tree that is not a
 * git work tree is copied before patches go on it.
 */
struct tree_build {
	const char *tree, *ref, *name;
	/*
	 * cache_dir()/builds/WORK holds src/ and obj/; default: the tree's key for
	 * a git tree built at a ref or with patches (one clone and object
	 * directory for all its commits), else name
	 */
	const char *work;
	char *const *patches;
	size_t npatches;
	int jobs;
};

int kernel_build_tree(const struct tree_build *b, struct kernel *k);

/* "tree-" and the tree's absolute path with '/' as '_': its builds' WORK. */
char *kbuild_tree_key(const char *abs_tree);

/*
 * olddefconfig drops what a tree's dependencies do not allow, silently: fail
 * naming every option the guest needs that the .config at path lacks, rather
 * than boot a kernel that cannot mount CephFS or report a hang.
 */
int kernel_config_check(const char *path);

/*
 * Whether the patches go on fs/ceph of Debian's linux-source at package
 * version pkgver ("6.12.43-1~bpo12+1"), in order: {"package_version",
 * "status": "clean" | "offset" | "fuzz" | "rejected", "patches": [{"file",
 * "status", "failed_hunks": [N...], "output"}]}; NULL with err_msg() when the
 * source cannot be had.
 */
json_t *kernel_patch_check(const char *pkgver, char *const patches[], size_t n);

/* KCIDB's patchset_hash of these patch files (sha256 of their sha256s, one per line). */
char *patchset_sha256(char *const patches[], size_t n);

#endif
