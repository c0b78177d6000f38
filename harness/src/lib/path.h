/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_PATH_H
#define IPUTSTORM_LIB_PATH_H

#include <stdbool.h>

bool path_exists(const char *path);
/* b when it is absolute, else a/b (free it). */
char *path_join(const char *a, const char *b);
char *dir_of(const char *path);
const char *base_of(const char *path);
char *self_exe(void);
/* NAME's path in the first directory of the colon-separated DIRS that has it, or NULL. */
char *find_program(const char *name, const char *dirs);

/*
 * Where things live. data_dir: scenarios, the guest's /init and the module
 * source ($IPUTSTORM_DATADIR, the install prefix or the source tree).
 * cache_dir: the kernel store and builds ($IPUTSTORM_CACHE,
 * $XDG_CACHE_HOME/iputstorm, ~/.cache/iputstorm). state_dir: records,
 * clusters and VM sockets ($IPUTSTORM_STATE, /run/iputstorm; read each time,
 * tests point one process at several).
 */
const char *data_dir(void);
const char *cache_dir(void);
const char *state_dir(void);

#endif
