/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_CGROUP_H
#define IPUTSTORM_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

/* cgroup v2 inside the guest: one child of /sys/fs/cgroup/iputstorm per scenario cgroup. */

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_BASE CGROUP_ROOT "/iputstorm"

int cgroup_setup(void);
int cgroup_create(const char *name, uint64_t memory_max, uint64_t memory_high);
char *cgroup_path(const char *name);
/* Moves the calling process into the group (used by children before exec). */
int cgroup_join(const char *name);
/* Kills every process in the group (cgroup.kill); 0 when it is empty. */
int cgroup_kill(const char *name);
int cgroup_populated(const char *name);
/* memory.reclaim; EAGAIN (nothing reclaimable) is not an error. */
int cgroup_reclaim(const char *name, uint64_t bytes);
uint64_t cgroup_memory_current(const char *name);

#endif
