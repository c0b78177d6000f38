/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_MODEL_NIGHTLY_H
#define IPUTSTORM_MODEL_NIGHTLY_H

#include "lib/strv.h"

/*
 * `iputstorm nightly CONFIG`'s configuration:
 *
 *   [nightly]
 *   results = results/nightly    ; run directories and the history
 *   keep_pass_days = 14          ; older PASS trials lose their logs
 *   [target 6.12]
 *   kernel = debian:latest-6.12  ; a Debian series (or a store name)
 *   [target mainline]
 *   tree = /src/linux            ; a git tree ...
 *   branch = master              ; ... at this branch's head
 *   patch = fix.patch            ; on top of each commit (repeatable)
 *   [scenario writeback-iput-fi]
 *   trials = 6
 *   option = duration=45         ; -o KEY=VALUE (repeatable)
 */

#define NIGHTLY_MAX 16

struct nightly_target {
	char *name;
	char *kernel;	     /* "debian:latest-6.12", "debian:ABI" or a store name */
	char *tree, *branch; /* or a git tree and its branch */
	struct strv patches; /* the tree's commits are built with these */
	int line;
};

struct nightly_scenario {
	char *name; /* a shipped name or a path */
	int trials;
	struct strv options;
	int line;
};

struct nightly_config {
	char *path;
	char *results;
	int keep_pass_days; /* 0: keep everything */
	struct nightly_target t[NIGHTLY_MAX];
	int nt;
	struct nightly_scenario s[NIGHTLY_MAX];
	int ns;
};

/* 0, or -1 with err_msg() = "CONFIG:LINE: what is wrong and what to do". */
int nightly_config_load(struct nightly_config *c, const char *path);
void nightly_config_free(struct nightly_config *c);

#endif
