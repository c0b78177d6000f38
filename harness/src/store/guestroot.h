/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STORE_GUESTROOT_H
#define IPUTSTORM_STORE_GUESTROOT_H
/*
 * The guest root for kernels without 9p: a read-only ext4 image holding the
 * programs the guest runs and every library they load, each at its host path
 * (symlinks on the way kept as symlinks). Built once per set of host files
 * (path, size, mtime) under cache_dir()/guest-root and reused; a new set
 * replaces the old image.
 *
 * programs: put in the image with their libraries.
 * libs_of:  only their libraries (the agent binary, which changes with every
 *           build, travels in the trial's payload instead).
 */
int guestroot_image(const char *const *programs, const char *const *libs_of, char **path);

/* The files guestroot_image() would put in the image, sorted; for tests. */
int guestroot_files(const char *const *programs, const char *const *libs_of, struct strv *out);
#endif
