/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_KBUILD_H
#define IPUTSTORM_KBUILD_H

#include <stddef.h>

#include "kernel.h"

/*
 * NAME = the Debian kernel base_spec ("debian:ABI" or a stored Debian
 * kernel) with fs/ceph rebuilt from the matching Debian linux-source plus
 * patches (applied with patch -p1 at the top of the source), against the
 * matching Debian linux-headers. kernel.json records the base, the patches
 * and the build time.
 */
int kernel_build_module(const char *base_spec, char *const patches[], size_t npatches,
			const char *name, struct kernel *k);

#endif
