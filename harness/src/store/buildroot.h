/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STORE_BUILDROOT_H
#define IPUTSTORM_STORE_BUILDROOT_H

/*
 * Modules for a kernel whose headers want a newer toolchain than the host's
 * (7.x: gcc-14 and a libc the host's kbuild programs cannot run on) are
 * built inside a Debian build root: cache_dir()/roots/SUITE-gccN, a minbase
 * userland with that compiler, made once with mmdebstrap from iputstorm's
 * apt sources and reused. The cache directory is bind-mounted at its own
 * path inside it, so headers, sources and outputs keep their paths.
 */

/*
 * make with argv (argv[0] is "make") against the headers in hdr, on the
 * host when it has the compiler the headers name, else in a build root.
 */
int kbuild_make(const char *hdr, char *const argv[], double timeout, const char *log);

#endif
