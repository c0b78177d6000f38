/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_STORE_DEB_H
#define IPUTSTORM_STORE_DEB_H

#include "lib/strv.h"

/*
 * Debian packages without installing them: `apt-get download` into a
 * directory, `dpkg-deb` to read a field or unpack. Nothing goes into /boot,
 * /lib/modules or dpkg's database. Output of the tools is appended to log.
 */

/* pkg ("name" or "name=version") into dir; *deb is the .deb's path (free it). */
int deb_download(const char *dir, const char *pkg, const char *log, char **deb);
int deb_unpack(const char *deb, const char *root, const char *log);
/* A control field ("Version", "Depends"), stripped, or NULL with err_msg(). */
char *deb_field(const char *deb, const char *field);
/* The package names its Depends field lists (alternatives included, versions dropped). */
int deb_depends(const char *deb, struct strv *names);

#endif
