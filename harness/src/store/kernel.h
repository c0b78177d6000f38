/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_KERNEL_H
#define IPUTSTORM_KERNEL_H

#include <jansson.h>
#include <stdbool.h>

/*
 * The kernel store: one directory per kernel under the per-user cache
 * ($IPUTSTORM_CACHE, else $XDG_CACHE_HOME/iputstorm, else ~/.cache/iputstorm):
 *   kernels/NAME/kernel.json     what it is and where it came from
 *   kernels/NAME/vmlinux         boot image (ELF with a PVH note, or a bzImage)
 *   kernels/NAME/lib/modules/KVER/...  modules, depmod'ed
 *   kernels/NAME/initramfs.cpio  busybox, /init and the modules the guest loads
 * Nothing is installed into /boot or /lib/modules.
 */

#define DEFAULT_KERNEL "6.12.117+deb12-amd64"

struct kernel {
	char *name;
	char *dir;
	char *kver;
	char *boot_image;
	char *initramfs;
	char *inject_ko; /* iputstorm_inject.ko when a run needs it (run_prepare_kernel) */
	json_t *meta;	 /* kernel.json */
};

char *kernel_store_dir(void);

int kernel_open(const char *name, struct kernel *k);
/* A store name: no '/', ':' or blanks, not hidden, at most 100 bytes. */
bool kernel_name_ok(const char *name);
void kernel_close(struct kernel *k);

int kernel_add(const char *name, const char *image, const char *modules, struct kernel *k);
json_t *kernel_list(void);

/* Pieces the tests and `kernel build*` share. */
int vmlinux_from_bzimage(const char *bzimage, const char *out);
bool elf_has_pvh_note(const char *path);
int kernel_build_initramfs(struct kernel *k);
/*
 * Whether the guest can mount the host root over 9p: the initramfs has the
 * modules, or the kernel's config says they are built in (without a config,
 * modules it lacks are taken as built in).
 */
bool kernel_has_9p(const struct kernel *k);
/* Records k->meta into kernel.json (atomically). */
int kernel_save_meta(struct kernel *k);
/*
 * An entry built in the directory tmp (boot image, lib/modules) becomes the
 * store's kernel name: depmod, initramfs and kernel.json (meta, taken) are
 * made, then tmp is moved into place, replacing an old entry; k describes it.
 */
int kernel_install(const char *tmp, const char *name, const char *kver, const char *image,
		   json_t *meta, struct kernel *k);
/* An entry that failed before it was installed: k forgotten, tmp removed; -1, error kept. */
int kernel_abandon(const char *tmp, struct kernel *k);

#endif
