/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STORE_APT_H
#define IPUTSTORM_STORE_APT_H

#include <stdbool.h>

#include "lib/strv.h"

/*
 * The project's own apt state under cache_dir()/apt: a sources.list with
 * every suite Debian's kernels come from (bookworm and its updates, security
 * and backports; trixie and its updates, security and backports; sid), its
 * own lists and package cache. The machine's apt configuration is read once,
 * for the mirror it uses, and never changed. $IPUTSTORM_APT_MIRROR (the
 * "debian" archive URI) and $IPUTSTORM_APT_SECURITY override the mirrors.
 */

/* Lists older than this are fetched again before a download (kernels come and go). */
#define APT_MAX_AGE (6 * 3600.0)

/* The lists, fetched when missing or older than max_age seconds (force: always). */
int apt_ready(double max_age, bool force);
/* argv of tool ("apt-get", "apt-cache") with the private state's options. */
void apt_argv(struct strv *argv, const char *tool);

#endif
