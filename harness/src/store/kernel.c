// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "store/kernel.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "store/initramfs.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * What the guest loads, in this order; dependencies come from modprobe. The
 * modules every guest needs come first, so a dependency they share with a
 * root's modules is listed (and loaded) for all.
 */
static const struct {
	const char *name;
	const char *root; /* "all", or the guest root that needs it */
} guest_modules[] = {
	{"virtio_pci", "all"},
	{"virtio_net", "all"},
	{"virtio_console", "all"},
	{"crc32c_generic", "all"},
	{"ceph", "all"},
	{"9pnet_virtio", "9p"},
	{"9p", "9p"},
	{"virtio_blk", "blk"},
	{"ext4", "blk"},
};

char *kernel_store_dir(void)
{
	return xasprintf("%s/kernels", cache_dir());
}

void kernel_close(struct kernel *k)
{
	free(k->name);
	free(k->dir);
	free(k->kver);
	free(k->boot_image);
	free(k->initramfs);
	free(k->inject_ko);
	json_decref(k->meta);
	memset(k, 0, sizeof(*k));
}

bool kernel_name_ok(const char *name)
{
	if (!*name || name[0] == '.' || strlen(name) > 100)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ' ' || *p == ':' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

int kernel_open(const char *name, struct kernel *k)
{
	_cleanup_free_ char *store = kernel_store_dir();
	_cleanup_free_ char *dir = path_join(store, name);
	_cleanup_free_ char *jpath = path_join(dir, "kernel.json");
	json_error_t je;
	json_t *meta;
	const char *kver, *img;

	memset(k, 0, sizeof(*k));
	if (!kernel_name_ok(name))
		return err_set("'%s' is not a kernel name (no '/', ':' or blanks)", name);
	if (!path_exists(jpath))
		return err_set(
			"kernel '%s' is not in the store (%s); fetch it with `iputstorm "
			"kernel fetch debian:ABI` or register it with `iputstorm kernel add`",
			name, store);
	meta = json_load_file(jpath, 0, &je);
	if (!meta)
		return err_set("%s:%d: %s", jpath, je.line, je.text);
	kver = json_string_value(json_object_get(meta, "kver"));
	img = json_string_value(json_object_get(meta, "boot_image"));
	if (!kver || !img) {
		json_decref(meta);
		return err_set("%s lacks kver or boot_image; fetch the kernel again with --force",
			       jpath);
	}
	k->name = xstrdup(name);
	k->dir = TAKE_PTR(dir);
	k->kver = xstrdup(kver);
	k->boot_image = path_join(k->dir, img);
	k->initramfs = path_join(k->dir, "initramfs.cpio");
	k->meta = meta;
	if (!path_exists(k->boot_image) || !path_exists(k->initramfs)) {
		kernel_close(k);
		return err_set("kernel '%s' is incomplete (no boot image or initramfs); fetch it "
			       "again with --force",
			       name);
	}
	if (json_integer_value(json_object_get(meta, "initramfs_format")) != INITRAMFS_FORMAT &&
	    (kernel_build_initramfs(k) < 0 || kernel_save_meta(k) < 0)) {
		err_prefix("kernel '%s': cannot renew its initramfs", name);
		kernel_close(k);
		return -1;
	}
	return 0;
}

int kernel_save_meta(struct kernel *k)
{
	_cleanup_free_ char *jpath = path_join(k->dir, "kernel.json");

	return json_save(jpath, k->meta);
}

/* Runs argv with stdout into out; stderr into log. */
static int run_to_file(char *const argv[], const char *out, const char *log, double timeout)
{
	struct spawn_opts o = {.stdout_path = out, .stderr_path = log};
	char why[64];
	int st;
	pid_t pid = spawn(argv, &o);

	if (pid < 0)
		return err_set("cannot start %s: %s", argv[0], strerror(errno));
	if (wait_timeout(pid, timeout, &st) != 0) {
		kill_wait(pid, 0);
		return err_set("%s did not finish within %.0f s", argv[0], timeout);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set("%s failed: %s", argv[0], describe_status(st, why, sizeof(why)));
	return 0;
}

struct decompressor {
	const char *magic;
	size_t mlen;
	const char *argv[4];
};

static const struct decompressor decompressors[] = {
	{"\x28\xb5\x2f\xfd", 4, {"zstd", "-dcq", NULL}},
	{"\xfd"
	 "7zXZ\x00",
	 6,
	 {"xz", "-dc", NULL}},
	{"\x1f\x8b\x08", 3, {"gzip", "-dc", NULL}},
	{"\x02\x21\x4c\x18", 4, {"lz4", "-dc", NULL}},
	{"BZh", 3, {"bzip2", "-dc", NULL}},
	{"\x5d\x00\x00", 3, {"xz", "--format=lzma", "-dc", NULL}},
};

static int decompress_to(const char *in, const char *out, const char *log)
{
	unsigned char head[8] = {0};
	_cleanup_close_ int fd = open(in, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, head, sizeof(head)) < 4)
		return err_set("cannot read %s: %s", in, strerror(errno));
	for (size_t i = 0; i < ARRAY_SIZE(decompressors); i++) {
		const struct decompressor *d = &decompressors[i];
		char *argv[6];
		size_t n = 0;

		if (memcmp(head, d->magic, d->mlen))
			continue;
		for (; d->argv[n]; n++)
			argv[n] = (char *)d->argv[n];
		argv[n++] = (char *)in;
		argv[n] = NULL;
		return run_to_file(argv, out, log, 300);
	}
	return err_set("%s: unknown compression (magic %02x%02x%02x%02x)", in, head[0], head[1],
		       head[2], head[3]);
}

/*
 * A bzImage's setup header says where the compressed kernel is
 * (setup_sects at 0x1f1, payload_offset/length at 0x248); decompressing it
 * gives the ELF vmlinux QEMU boots directly through its PVH note.
 */
int vmlinux_from_bzimage(const char *bzimage, const char *out)
{
	size_t len;
	_cleanup_free_ unsigned char *b = (unsigned char *)read_file(bzimage, &len);
	_cleanup_free_ char *tmp = xasprintf("%s.payload", out);
	_cleanup_free_ char *log = xasprintf("%s.log", out);
	uint32_t setup, poff, plen;
	unsigned char elf[4] = {0};
	int r;

	if (!b)
		return err_set("cannot read %s: %s", bzimage, strerror(errno));
	if (len < 0x260 || memcmp(b + 0x202, "HdrS", 4))
		return err_set("%s is not a bzImage (no HdrS setup header)", bzimage);
	setup = b[0x1f1] ? b[0x1f1] : 4;
	memcpy(&poff, b + 0x248, 4);
	memcpy(&plen, b + 0x24c, 4);
	if ((uint64_t)(setup + 1) * 512 + poff + plen > len || !plen)
		return err_set("%s: payload outside the file (offset %u, length %u)", bzimage, poff,
			       plen);
	/* Every format but gzip carries the uncompressed size in 4 trailing bytes. */
	for (int trim = 4; trim >= 0; trim -= 4) {
		if (write_file(tmp, (char *)b + (setup + 1) * 512 + poff, plen - trim) < 0)
			return err_set("cannot write %s: %s", tmp, strerror(errno));
		r = decompress_to(tmp, out, log);
		unlink(tmp);
		if (r == 0)
			break;
	}
	if (r < 0)
		return err_prefix("extracting vmlinux from %s (see %s)", bzimage, log);
	unlink(log);
	_cleanup_close_ int fd = open(out, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, elf, 4) != 4 || memcmp(elf, ELFMAG, 4))
		return err_set("%s: decompressed payload is not an ELF image", bzimage);
	return 0;
}

/* Xen's PHYS32_ENTRY note is what lets QEMU boot an ELF vmlinux (PVH). */
bool elf_has_pvh_note(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	const unsigned char *m;
	const Elf64_Ehdr *eh;
	bool found = false;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return false;
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return false;
	eh = (const Elf64_Ehdr *)m;
	if (memcmp(eh->e_ident, ELFMAG, 4) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > (uint64_t)st.st_size)
		goto out;
	for (int i = 0; i < eh->e_phnum && !found; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(m + eh->e_phoff) + i;
		uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

		if (ph->p_type != PT_NOTE || end > (uint64_t)st.st_size)
			continue;
		while (off + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *n = (const Elf64_Nhdr *)(m + off);
			uint64_t name = off + sizeof(*n);

			if (n->n_namesz == 4 && name + 4 <= end && !memcmp(m + name, "Xen", 4) &&
			    n->n_type == 18)
				found = true;
			off = name + ((n->n_namesz + 3) & ~3u) + ((n->n_descsz + 3) & ~3u);
		}
	}
out:
	munmap((void *)m, st.st_size);
	return found;
}

/* The guest cannot read .ko.xz; hand it plain, signature-less modules. */
static int load_module_file(const char *path, const char *tmpdir, struct initramfs_module *m)
{
	_cleanup_free_ char *plain = NULL;
	const char *b = base_of(path);
	size_t len;
	char *data;

	if (str_endswith(path, ".ko")) {
		data = read_file(path, &len);
	} else {
		plain = xasprintf("%s/%s.plain", tmpdir, b);
		if (decompress_to(path, plain, "/dev/null") < 0)
			return -1;
		data = read_file(plain, &len);
		unlink(plain);
	}
	if (!data)
		return err_set("cannot read %s: %s", path, strerror(errno));
	m->name = xstrndup(b, strstr(b, ".ko") - b + 3);
	m->len = module_strip_signature(data, len);
	m->data = data;
	return 0;
}

/* Listed for every guest, or already for this root. */
static bool module_listed(struct initramfs_module *mods, size_t n, const char *name,
			  const char *root)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(mods[i].name, name) &&
		    (!strcmp(mods[i].root, "all") || !strcmp(mods[i].root, root)))
			return true;
	return false;
}

/* modprobe --show-depends gives "insmod PATH [args]" per module, dependencies first. */
static int collect_modules(struct kernel *k, struct initramfs_module **out, size_t *nout,
			   json_t *names, json_t *not_modules)
{
	_cleanup_free_ char *modroot = xasprintf("%s/lib/modules/%s", k->dir, k->kver);
	struct initramfs_module *mods = NULL;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (!path_exists(modroot))
		return 0; /* everything built in */
	for (size_t i = 0; i < ARRAY_SIZE(guest_modules); i++) {
		char *argv[] = {"modprobe",
				"-d",
				k->dir,
				"-S",
				k->kver,
				"--show-depends",
				(char *)guest_modules[i].name,
				NULL};
		_cleanup_free_ char *outp = NULL;
		char *save = NULL;

		if (run_capture(argv, 60, &outp) < 0) {
			/*
			 * Built in (7.x packages list no modules.builtin to tell), or
			 * not built at all: the guest says so if it needs it.
			 */
			p_debug("kernel %s: %s", k->name, err_msg());
			json_array_append_new(not_modules, json_string(guest_modules[i].name));
			continue;
		}
		for (char *line = strtok_r(outp, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char path[4096];
			struct initramfs_module m;

			if (sscanf(line, "insmod %4095s", path) != 1)
				continue;
			if (load_module_file(path, k->dir, &m) < 0)
				goto fail;
			m.root = guest_modules[i].root;
			if (module_listed(mods, n, m.name, m.root)) {
				free(m.name);
				free(m.data);
				continue;
			}
			mods = xrealloc(mods, (n + 1) * sizeof(*mods));
			mods[n++] = m;
			json_array_append_new(names, json_string(m.name));
		}
	}
	*out = mods;
	*nout = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++) {
		free(mods[i].name);
		free(mods[i].data);
	}
	free(mods);
	return -1;
}

int kernel_build_initramfs(struct kernel *k)
{
	struct initramfs_module *mods;
	size_t n;
	json_t *names = json_array(), *not_modules = json_array();
	int r;

	if (collect_modules(k, &mods, &n, names, not_modules) < 0) {
		json_decref(names);
		json_decref(not_modules);
		return -1;
	}
	_cleanup_free_ char *tmp = xasprintf("%s/initramfs.cpio.tmp.%d", k->dir, (int)getpid());

	free(k->initramfs);
	k->initramfs = path_join(k->dir, "initramfs.cpio");
	/* A run that has the kernel open keeps reading the old one. */
	r = initramfs_build_base(tmp, mods, n);
	if (r == 0 && rename(tmp, k->initramfs) < 0)
		r = err_set("cannot rename %s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		free(mods[i].name);
		free(mods[i].data);
	}
	free(mods);
	json_object_set_new(k->meta, "initramfs_modules", names);
	json_object_set_new(k->meta, "initramfs_format", json_integer(INITRAMFS_FORMAT));
	/* Guest drivers the kernel has no module for: built in, or missing. */
	json_object_set_new(k->meta, "initramfs_not_modules", not_modules);
	return r;
}

static bool config_builtin(const char *config, const char *opt)
{
	_cleanup_free_ char *needle = xasprintf("\n%s=y\n", opt);

	return config && strstr(config, needle);
}

bool kernel_has_9p(const struct kernel *k)
{
	static const char *const opts[] = {"CONFIG_9P_FS", "CONFIG_NET_9P_VIRTIO"};
	static const char *const mods[] = {"9p", "9pnet_virtio"};
	json_t *missing = json_object_get(k->meta, "initramfs_not_modules");
	_cleanup_free_ char *cpath = path_join(k->dir, "config");
	_cleanup_free_ char *config = path_exists(cpath) ? read_file(cpath, NULL) : NULL;
	size_t i;
	json_t *v;

	json_array_foreach (missing, i, v)
		for (size_t m = 0; m < ARRAY_SIZE(mods); m++)
			if (json_is_string(v) && !strcmp(json_string_value(v), mods[m]) && config &&
			    !config_builtin(config, opts[m]))
				return false;
	return true;
}

static int depmod(const char *dir, const char *kver)
{
	char *argv[] = {"depmod", "-b", (char *)dir, (char *)kver, NULL};
	_cleanup_free_ char *out = NULL;

	/* Its warnings (a package without modules.order) matter only when it fails. */
	return run_capture(argv, 120, &out);
}

static int kernel_register(const char *dir, const char *name, const char *kver, const char *image,
			   json_t *meta, struct kernel *k)
{
	_cleanup_free_ char *modroot = xasprintf("%s/lib/modules/%s", dir, kver);

	memset(k, 0, sizeof(*k));
	k->name = xstrdup(name);
	k->dir = xstrdup(dir);
	k->kver = xstrdup(kver);
	k->boot_image = path_join(dir, image);
	k->meta = meta;
	json_object_set_new(meta, "name", json_string(name));
	json_object_set_new(meta, "kver", json_string(kver));
	json_object_set_new(meta, "boot_image", json_string(image));
	json_object_set_new(meta, "boot_format",
			    json_string(elf_has_pvh_note(k->boot_image) ? "elf-pvh" : "bzimage"));
	if (path_exists(modroot) && depmod(dir, kver) < 0)
		return -1;
	if (kernel_build_initramfs(k) < 0)
		return -1;
	{
		_cleanup_free_ char *now = iso8601_utc(now_wall());
		json_object_set_new(meta, "registered", json_string(now));
	}
	return kernel_save_meta(k);
}

static int kernel_store_commit(const char *tmp, const char *name, struct kernel *k)
{
	_cleanup_free_ char *store = kernel_store_dir();
	_cleanup_free_ char *final = path_join(store, name);
	_cleanup_free_ char *old = xasprintf("%s.old.%d", final, (int)getpid());

	if (path_exists(final) && rename(final, old) < 0)
		return err_set("cannot replace %s: %s", final, strerror(errno));
	if (rename(tmp, final) < 0)
		return err_set("cannot move %s to %s: %s", tmp, final, strerror(errno));
	rm_rf(old);
	free(k->dir);
	k->dir = xstrdup(final);
	free(k->boot_image);
	k->boot_image = path_join(final, json_string_value(json_object_get(k->meta, "boot_image")));
	free(k->initramfs);
	k->initramfs = path_join(final, "initramfs.cpio");
	return 0;
}

int kernel_abandon(const char *tmp, struct kernel *k)
{
	kernel_close(k);
	if (tmp)
		err_keep(rm_rf(tmp));
	return -1;
}

int kernel_install(const char *tmp, const char *name, const char *kver, const char *image,
		   json_t *meta, struct kernel *k)
{
	if (kernel_register(tmp, name, kver, image, meta, k) < 0)
		return -1;
	return kernel_store_commit(tmp, name, k);
}

/* The kernel version a module tree was built for is its directory name. */
/*
 * DIR is lib/modules/KVER itself (also usr/lib/modules/KVER of a merged-/usr
 * package), or an INSTALL_MOD_PATH root holding lib/modules/KVER; *src is the
 * KVER directory either way.
 */
static char *modules_kver(const char *modules, char **src)
{
	_cleanup_dir_ DIR *d = NULL;
	struct dirent *de;
	char *kver = NULL;
	_cleanup_free_ char *lm = xasprintf("%s/lib/modules", modules);
	_cleanup_free_ char *dep = xasprintf("%s/modules.dep", modules);
	_cleanup_free_ char *order = xasprintf("%s/modules.order", modules);

	if (path_exists(dep) || path_exists(order) || path_exists(lm) == false) {
		*src = xstrdup(modules);
		return xstrdup(base_of(modules));
	}
	d = opendir(lm);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			kver = xstrdup(de->d_name);
	*src = kver ? xasprintf("%s/%s", lm, kver) : NULL;
	return kver;
}

int kernel_add(const char *name, const char *image, const char *modules, struct kernel *k)
{
	_cleanup_free_ char *store = kernel_store_dir();
	_cleanup_free_ char *tmp = NULL, *kver = NULL, *msrc = NULL;
	const char *img_name = "vmlinux";
	unsigned char head[0x210] = {0};
	json_t *meta;

	memset(k, 0, sizeof(*k));
	if (!kernel_name_ok(name))
		return err_set("'%s' is not a usable kernel name (no '/', ':' or blanks)", name);
	if (!modules)
		return err_set("--modules DIR is required (lib/modules/KVER of the build, or an "
			       "INSTALL_MOD_PATH root)");
	kver = modules_kver(modules, &msrc);
	if (!kver)
		return err_set("%s: no lib/modules/KVER inside", modules);
	tmp = xasprintf("%s/.add-%s.%d", store, name, (int)getpid());
	rm_rf(tmp);
	{
		_cleanup_free_ char *mdst = xasprintf("%s/lib/modules", tmp);
		char *argv[] = {"cp", "-a", msrc, mdst, NULL};

		if (mkdir_p(mdst, 0755) < 0) {
			err_set("cannot create %s: %s", mdst, strerror(errno));
			goto fail;
		}
		if (!path_exists(msrc)) {
			err_set("%s does not exist", msrc);
			goto fail;
		}
		if (run_argv(argv, 600, NULL) < 0)
			goto fail;
	}
	{
		_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *dst = NULL;

		ssize_t got = fd < 0 ? -1 : read(fd, head, sizeof(head));

		if (got < 0) {
			err_set("cannot read %s: %s", image, strerror(errno));
			goto fail;
		}
		if (got < 0x40) {
			err_set("%s is %zd bytes: not a kernel image (give the bzImage or an ELF "
				"vmlinux with a PVH note)",
				image, got);
			goto fail;
		}
		if (!memcmp(head, ELFMAG, 4)) {
			dst = xasprintf("%s/vmlinux", tmp);
			if (copy_file(image, dst, 0644) < 0) {
				err_set("cannot copy %s: %s", image, strerror(errno));
				goto fail;
			}
			if (!elf_has_pvh_note(dst)) {
				err_set("%s has no PVH note (CONFIG_PVH=y); pass the bzImage "
					"instead",
					image);
				goto fail;
			}
		} else if (!memcmp(head + 0x202, "HdrS", 4)) {
			dst = xasprintf("%s/vmlinux", tmp);
			if (vmlinux_from_bzimage(image, dst) < 0 || !elf_has_pvh_note(dst)) {
				unlink(dst);
				free(dst);
				dst = xasprintf("%s/vmlinuz", tmp);
				img_name = "vmlinuz";
				if (copy_file(image, dst, 0644) < 0) {
					err_set("cannot copy %s: %s", image, strerror(errno));
					goto fail;
				}
			}
		} else {
			err_set("%s is neither an ELF vmlinux nor a bzImage", image);
			goto fail;
		}
	}
	meta = json_object();
	json_object_set_new(meta, "source", json_sprintf("local:%s", image));
	json_object_set_new(meta, "version", json_stringn(kver, strcspn(kver, "-+")));
	if (kernel_install(tmp, name, kver, img_name, meta, k) < 0)
		goto fail;
	return 0;
fail:
	return kernel_abandon(tmp, k);
}

json_t *kernel_list(void)
{
	_cleanup_free_ char *store = kernel_store_dir();
	json_t *arr = json_array();
	_cleanup_dir_ DIR *d = opendir(store);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		struct kernel k;

		if (de->d_name[0] == '.')
			continue;
		if (kernel_open(de->d_name, &k) < 0)
			continue;
		json_t *e = json_deep_copy(k.meta);
		json_object_set_new(e, "dir", json_string(k.dir));
		json_array_append_new(arr, e);
		kernel_close(&k);
	}
	return arr;
}
