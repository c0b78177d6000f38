/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_GUEST_MODCTL_H
#define IPUTSTORM_GUEST_MODCTL_H

#include <jansson.h>
#include <stdbool.h>

#include "model/scenario.h"

/*
 * Control of iputstorm_inject.ko (tools/module) inside the guest: loading
 * it, arming its injections and reading its counters through /proc/iputstorm.
 */

#define INJECT_CTL "/proc/iputstorm/ctl"
#define INJECT_STATS "/proc/iputstorm/stats"

/*
 * modprobe -d MODULES_ROOT ARGS... ({"-a", "nfsd", "nfsv4", NULL}, or one
 * module and its parameters): MODULES_ROOT is the kernel store directory
 * with lib/modules/RELEASE, which the guest sees over the 9p root only.
 * 0 or -1 with err_msg() saying what to do.
 */
int store_modprobe(const char *modules_root, char *const args[]);

/* finit_module() of the .ko the host built for this kernel. */
int inject_load(const char *ko);
bool inject_loaded(void);
/* One command to the module ("lost_truncate 5", "telemetry 0", ...). */
int inject_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Arms a delay injection section; lost-truncate runs as a churner instead. */
int inject_arm(const struct scn_group *g);
/* {"wb_final_iput": N, ...} from the module's counters, or NULL. */
json_t *inject_stats(void);

#endif
