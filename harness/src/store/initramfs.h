/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_INITRAMFS_H
#define IPUTSTORM_INITRAMFS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * newc cpio archives, written directly. They stay uncompressed: under TCG
 * the guest would spend longer decompressing than QEMU spends copying.
 * Archives concatenate, so a per-trial payload is appended to the base.
 */
struct cpio {
	FILE *f;
	char *path;
	unsigned ino;
	size_t off;
};

int cpio_open(struct cpio *c, const char *path);
int cpio_dir(struct cpio *c, const char *name, mode_t mode);
int cpio_file(struct cpio *c, const char *name, mode_t mode, const void *data, size_t len);
int cpio_file_from(struct cpio *c, const char *name, mode_t mode, const char *src);
int cpio_node(struct cpio *c, const char *name, mode_t mode, unsigned major, unsigned minor);
int cpio_close(struct cpio *c);
void cpio_abort(struct cpio *c);

/*
 * Base image: busybox and the modules (already decompressed, in load order),
 * listed in /etc/modules.load as "ROOT NAME" lines: ROOT is "all", or the
 * guest root ("9p", "blk") that needs the module. /init travels in each
 * trial's payload, so a new init never needs a new base.
 */
#define INITRAMFS_FORMAT 2
struct initramfs_module {
	char *name; /* file name inside /lib/modules */
	const char *root;
	void *data;
	size_t len;
};
int initramfs_build_base(const char *out, const struct initramfs_module *mods, size_t nmods);

/* Drops an appended module signature in place (loading then skips the check). */
size_t module_strip_signature(const void *data, size_t len);

/*
 * Host file PATH at TOP/PATH, with its parent directories, keeping its mode:
 * how a guest without the host root still finds it at the same path.
 */
int cpio_host_file(struct cpio *c, const char *top, const char *path);

/* The guest's /init, from the data directory, into a payload archive. */
int cpio_init(struct cpio *c);

/* out = base followed by payload. */
int initramfs_concat(const char *out, const char *base, const char *payload);

#endif
