// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/initramfs.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int cpio_put(struct cpio *c, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, c->f) != n)
		return err_set("writing %s: %s", c->path, strerror(errno));
	c->off += n;
	return 0;
}

static int cpio_pad(struct cpio *c)
{
	static const char zero[4];

	return cpio_put(c, zero, (4 - c->off % 4) % 4);
}

static int cpio_entry(struct cpio *c, const char *name, mode_t mode, const void *data, size_t len,
		      unsigned rmaj, unsigned rmin)
{
	char hdr[160];
	size_t nlen = strlen(name) + 1;

	/* newc: magic then 13 eight-digit hex fields; name and data 4-byte aligned. */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 ++c->ino, (unsigned)mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, len, 0u, 0u, rmaj,
		 rmin, nlen, 0u);
	if (cpio_put(c, hdr, 110) < 0 || cpio_put(c, name, nlen) < 0 || cpio_pad(c) < 0 ||
	    cpio_put(c, data, len) < 0 || cpio_pad(c) < 0)
		return -1;
	return 0;
}

int cpio_open(struct cpio *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->f = fopen(path, "we");
	if (!c->f) {
		free(c->path);
		return err_set("cannot create %s: %s", path, strerror(errno));
	}
	return 0;
}

int cpio_dir(struct cpio *c, const char *name, mode_t mode)
{
	return cpio_entry(c, name, S_IFDIR | mode, NULL, 0, 0, 0);
}

int cpio_file(struct cpio *c, const char *name, mode_t mode, const void *data, size_t len)
{
	return cpio_entry(c, name, S_IFREG | mode, data, len, 0, 0);
}

int cpio_file_from(struct cpio *c, const char *name, mode_t mode, const char *src)
{
	size_t len;
	_cleanup_free_ char *data = read_file(src, &len);

	if (!data)
		return err_set("cannot read %s: %s", src, strerror(errno));
	return cpio_file(c, name, mode, data, len);
}

int cpio_node(struct cpio *c, const char *name, mode_t mode, unsigned major, unsigned minor)
{
	return cpio_entry(c, name, mode, NULL, 0, major, minor);
}

int cpio_close(struct cpio *c)
{
	int r = cpio_entry(c, "TRAILER!!!", 0, NULL, 0, 0, 0);

	if (fflush(c->f) != 0 || fsync(fileno(c->f)) < 0)
		r = err_set("writing %s: %s", c->path, strerror(errno));
	fclose(c->f);
	free(c->path);
	return r;
}

void cpio_abort(struct cpio *c)
{
	fclose(c->f);
	unlink(c->path);
	free(c->path);
}

size_t module_strip_signature(const void *data, size_t len)
{
	static const char marker[] = "~Module signature appended~\n";
	const size_t mlen = sizeof(marker) - 1;
	const unsigned char *p = data;
	uint32_t sig_len;

	/* struct module_signature is 12 bytes and ends with a big-endian sig_len. */
	if (len < mlen + 12 || memcmp(p + len - mlen, marker, mlen))
		return len;
	p += len - mlen - 4;
	sig_len = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	if (sig_len + 12 + mlen > len)
		return len;
	return len - mlen - 12 - sig_len;
}

int initramfs_build_base(const char *out, const struct initramfs_module *mods, size_t nmods)
{
	static const char *const dirs[] = {"bin", "dev",	 "proc",    "sys", "etc",
					   "lib", "lib/modules", "newroot", "tmp", "payload"};
	const char *busybox = "/bin/busybox";
	struct strbuf order;
	struct cpio c;

	if (!path_exists(busybox))
		return err_set("%s is missing: install busybox-static (tools/setup does)", busybox);
	if (cpio_open(&c, out) < 0)
		return -1;
	sb_init(&order);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (cpio_dir(&c, dirs[i], 0755) < 0)
			goto fail;
	/* The kernel opens /dev/console before /init runs; devtmpfs is not up yet. */
	if (cpio_node(&c, "dev/console", S_IFCHR | 0600, 5, 1) < 0 ||
	    cpio_file_from(&c, "bin/busybox", 0755, busybox) < 0)
		goto fail;
	for (size_t i = 0; i < nmods; i++) {
		_cleanup_free_ char *name = xasprintf("lib/modules/%s", mods[i].name);

		if (cpio_file(&c, name, 0644, mods[i].data, mods[i].len) < 0)
			goto fail;
		sb_printf(&order, "%s %s\n", mods[i].root, mods[i].name);
	}
	if (cpio_file(&c, "etc/modules.load", 0644, order.buf ? order.buf : "", order.len) < 0)
		goto fail;
	sb_release(&order);
	return cpio_close(&c);
fail:
	sb_release(&order);
	cpio_abort(&c);
	return -1;
}

int cpio_host_file(struct cpio *c, const char *top, const char *path)
{
	_cleanup_free_ char *name = xasprintf("%s/%s", top, path + strspn(path, "/"));
	struct stat st;

	if (stat(path, &st) < 0)
		return err_set("cannot read %s: %s", path, strerror(errno));
	/* Duplicate directory entries are harmless: the kernel's unpacker ignores EEXIST. */
	for (char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (cpio_dir(c, name, 0755) < 0)
			return -1;
		*s = '/';
	}
	return cpio_file_from(c, name, st.st_mode & 07777, path);
}

int cpio_init(struct cpio *c)
{
	_cleanup_free_ char *init = xasprintf("%s/tools/guest/init", data_dir());

	return cpio_file_from(c, "init", 0755, init);
}

int initramfs_concat(const char *out, const char *base, const char *payload)
{
	size_t a, b;
	_cleanup_free_ char *x = read_file(base, &a);
	_cleanup_free_ char *y = read_file(payload, &b);
	_cleanup_fclose_ FILE *f = NULL;

	if (!x || !y)
		return err_set("cannot read %s: %s", !x ? base : payload, strerror(errno));
	f = fopen(out, "we");
	if (!f || fwrite(x, 1, a, f) != a || fwrite(y, 1, b, f) != b || fflush(f) != 0)
		return err_set("cannot write %s: %s", out, strerror(errno));
	return 0;
}
