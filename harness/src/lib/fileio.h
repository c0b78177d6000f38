/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_FILEIO_H
#define IPUTSTORM_LIB_FILEIO_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/base.h"

/* Files. Every writer fsyncs, so a crash leaves whole files. errno tells what failed. */
char *read_file(const char *path, size_t *len);
/* Small sysfs/procfs reads into buf, trailing blanks removed; the length or -1. */
int read_file_trim(const char *path, char *buf, size_t size);
int write_file(const char *path, const char *data, size_t len);
/* Readers see the old file or the new one, never half of either. */
int write_file_atomic(const char *path, const char *data, size_t len);
/* One write, no fsync, errno preserved: for sysfs, procfs and cgroupfs. */
int write_str(const char *path, const char *s);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
int copy_file(const char *src, const char *dst, mode_t mode);
int fsync_dir_of(const char *path);

void closedirp(DIR **d);
#define _cleanup_dir_ _cleanup_(closedirp)

#endif
