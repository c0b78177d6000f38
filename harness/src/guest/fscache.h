/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_GUEST_FSCACHE_H
#define IPUTSTORM_GUEST_FSCACHE_H
/*
 * A local fscache for the ceph mounts (mount -o fsc), without cachefilesd:
 * a child process formats a RAM disk (brd) as ext4, binds it as cachefiles'
 * cache through /dev/cachefiles and holds that file open; the cache lives
 * as long as the child does. Killing the child withdraws the cache with
 * whatever reads it was serving, as an administrator stopping cachefilesd
 * would; a new child binds the same cache again.
 *
 * modules_root: the kernel store directory (lib/modules/RELEASE), seen over
 * the 9p root; brd, ext4 and cachefiles are loaded from it.
 */
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Modules, RAM disk, file system: once per guest. read_errors_every > 0
 * puts dm-flakey under it, failing every read for 1 s in each such period;
 * read_delay > 0 puts dm-delay on top, so every read of the cache takes
 * that long (and fails only then). 0 or -1 with err_msg().
 */
int fscache_prepare(const char *modules_root, double read_errors_every, double read_delay);

/*
 * Forks the keeper: it binds the cache, then waits for SIGTERM. With wait,
 * returns once the cache is bound (0) or the keeper failed (-1, its error in
 * err_msg()); without, at once. *pid is the keeper's.
 */
int fscache_start(bool wait, pid_t *pid);

/*
 * netfs's own counts since boot (/proc/fs/netfs/stats), added to counters:
 * reads served by the cache and those that failed, reads from the server,
 * and retried requests and subrequests. Without the file, nothing is added.
 */
void fscache_add_netfs_stats(json_t *counters);

#endif
