/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STORE_DEBIAN_H
#define IPUTSTORM_STORE_DEBIAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/kernel.h"

/*
 * Debian's kernels, from every suite the project's apt state reaches
 * (store/apt.h): what exists, and fetching one into the store.
 */

struct deb_kernel {
	char *abi;	     /* "7.3.4+deb13-amd64" */
	char *version;	     /* "7.3.4-1~bpo13+1" */
	char *suite;	     /* "trixie-backports" */
	char *flavor;	     /* "generic", "cloud", "rt" */
	bool unsigned_image; /* a linux-image-ABI-unsigned package exists */
};

struct deb_kernels {
	struct deb_kernel *k;
	size_t n;
};

/* Every image whose ABI contains pattern (NULL: all), oldest first. */
int debian_kernels(struct deb_kernels *out, const char *pattern);
void debian_kernels_free(struct deb_kernels *l);
/* Adds the images of `apt-cache madison` output (" PKG | VERSION | URI SUITE/main ..."). */
void debian_kernels_parse(struct deb_kernels *l, const char *madison);
/* The newest ABI of series ("6.1" is not "6.12") and flavor in l, or NULL. */
char *debian_latest(const struct deb_kernels *l, const char *series, const char *flavor);
json_t *deb_kernel_json(const struct deb_kernel *k);

/*
 * "6.12.117+deb12-amd64" as it is, or "latest-SERIES[-FLAVOR]" ("latest-7.3",
 * "latest-6.12-rt") as the newest ABI of that series; *abi is to be freed.
 */
int debian_resolve_abi(const char *spec, char **abi);

/*
 * "debian:ABI" into the store: the unsigned image package where Debian still
 * has it, else the signed one (the same kernel); with 7.x packaging the image
 * package's linux-binary and linux-modules too. Then the uncompressed vmlinux,
 * depmod and the initramfs. Nothing goes into /boot or /lib/modules.
 */
int kernel_fetch_debian(const char *abi, const char *name, bool force, struct kernel *k);

/* -k KERNEL: a store name, or debian:ABI (or debian:latest-SERIES), fetched on first use. */
int kernel_resolve(const char *spec, struct kernel *k);

#endif
