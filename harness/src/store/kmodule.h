/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_KMODULE_H
#define IPUTSTORM_KMODULE_H

#include "store/kernel.h"

/*
 * iputstorm_inject.ko (source: tools/module) built for one kernel of the store:
 *   kernels/NAME/headers/...          Debian linux-headers + linux-kbuild, unpacked
 *   kernels/NAME/inject/iputstorm_inject.ko
 *   kernels/NAME/inject/source.hash   which module source it was built from
 * Debian kernels get their headers with apt-get download; a kernel added with
 * `kernel add --build DIR` is built against DIR. Rebuilt when the source changes.
 */

/* The module for k, building it if missing or stale. Returns a path (free it) or NULL. */
char *inject_module_ensure(struct kernel *k);
/* The module source directory shipped with iputstorm. */
char *inject_module_source(void);

/* linux-headers + linux-kbuild for a Debian kernel, under k->dir/headers; *build_dir for make -C. */
int fetch_debian_headers(struct kernel *k, const char *abi, char **build_dir);

/*
 * The flavour Makefile of headers unpacked at root names /usr/src paths
 * (the common tree; 7.x also KBUILD_OUTPUT): make them point under root.
 */
int headers_relocate(const char *root, const char *abi);

#endif
