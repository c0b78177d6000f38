// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/hash.h"
#include "lib/strv.h"
#include "store/guestroot.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"
#include "lib/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the image's layout changes, so every cached image is rebuilt. */
#define GUESTROOT_FORMAT 1
#define MAX_LINKS 40

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

static void add_unique(struct strv *sv, const char *s)
{
	if (!strv_has(sv, s))
		strv_push(sv, s);
}

/*
 * ldd prints "name => /path (0x...)" per library and "/path (0x...)" for the
 * loader; the vDSO has no path. A library it cannot find is an error here:
 * the guest would fail the same way, later and less clearly.
 */
static int add_libraries(const char *prog, struct strv *files)
{
	char *argv[] = {"ldd", (char *)prog, NULL};
	_cleanup_free_ char *out = NULL;
	char *save = NULL;

	if (run_capture(argv, 60, &out) < 0)
		return err_set("cannot list the libraries of %s (ldd): %s", prog, err_msg());
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, "=> ");
		char *p = arrow ? arrow + 3 : line + strspn(line, " \t");

		if (strstr(line, "not found"))
			return err_set("%s needs a library that is not installed: %s", prog,
				       line + strspn(line, " \t"));
		if (*p != '/')
			continue;
		p[strcspn(p, " \t")] = '\0';
		add_unique(files, p);
	}
	return 0;
}

int guestroot_files(const char *const *programs, const char *const *libs_of, struct strv *out)
{
	for (size_t i = 0; programs && programs[i]; i++) {
		if (!path_exists(programs[i]))
			return err_set("%s is missing: install it (tools/setup does)", programs[i]);
		add_unique(out, programs[i]);
		if (add_libraries(programs[i], out) < 0)
			return -1;
	}
	for (size_t i = 0; libs_of && libs_of[i]; i++)
		if (add_libraries(libs_of[i], out) < 0)
			return -1;
	/*
	 * The loader finds multiarch libraries (/usr/lib/x86_64-linux-gnu)
	 * through its cache only; the host's names just what the image holds
	 * and more, and a name it lacks is never asked for.
	 */
	if (out->n && path_exists("/etc/ld.so.cache"))
		add_unique(out, "/etc/ld.so.cache");
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

/* FNV-1a over what makes an image stale: each file's path, size and mtime. */
static int image_key(const struct strv *files, uint64_t *key, uint64_t *bytes)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "format %d\n", GUESTROOT_FORMAT);
	*bytes = 0;
	for (size_t i = 0; i < files->n; i++) {
		struct stat st;

		if (stat(files->v[i], &st) < 0) {
			sb_release(&sb);
			return err_set("cannot read %s: %s", files->v[i], strerror(errno));
		}
		*bytes += (uint64_t)st.st_size;
		sb_printf(&sb, "%s %lld %lld.%09ld\n", files->v[i], (long long)st.st_size,
			  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	*key = fnv1a(FNV1A_INIT, sb.buf, sb.len);
	sb_release(&sb);
	return 0;
}

static int place_file(const char *src, const char *dst)
{
	struct stat st;

	if (lstat(dst, &st) == 0)
		return 0;
	if (link(src, dst) == 0)
		return 0;
	/* Another file system, or hard links refused: a copy holds the same bytes. */
	if (stat(src, &st) < 0 || copy_file(src, dst, st.st_mode & 07777) < 0)
		return err_set("cannot copy %s into the guest root: %s", src, strerror(errno));
	return 0;
}

/*
 * Recreates host path P under STAGE the way the host resolves it: each
 * directory as a directory, each symlink met on the way as the same symlink
 * (then followed on the host, never inside STAGE), the file as a hard link
 * or a copy. So /lib/x86_64-linux-gnu/libc.so.6 brings the /lib -> usr/lib
 * link and the file it names, and the guest resolves it as the host does.
 */
static int stage_path(const char *stage, const char *p, int links)
{
	struct strbuf cur; /* the host path resolved so far: no symlink in it */
	int r = -1;

	if (links > MAX_LINKS)
		return err_set("%s: too many levels of symbolic links", p);
	sb_init(&cur);
	sb_puts(&cur, "");
	for (const char *s = p;;) {
		_cleanup_free_ char *c = NULL, *host = NULL, *dst = NULL;
		size_t len;
		struct stat st;
		bool last;

		s += strspn(s, "/");
		if (!*s)
			break;
		len = strcspn(s, "/");
		c = xstrndup(s, len);
		s += len;
		last = !s[strspn(s, "/")];
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *slash = strrchr(cur.buf, '/');

			if (slash) {
				*slash = '\0';
				cur.len = (size_t)(slash - cur.buf);
			}
			continue;
		}
		host = xasprintf("%s/%s", cur.buf, c);
		dst = xasprintf("%s%s", stage, host);
		if (lstat(host, &st) < 0) {
			err_set("cannot read %s: %s", host, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(host, target, sizeof(target) - 1);
			_cleanup_free_ char *next = NULL;

			if (n < 0) {
				err_set("cannot read the link %s: %s", host, strerror(errno));
				goto out;
			}
			target[n] = '\0';
			if (symlink(target, dst) < 0 && errno != EEXIST) {
				err_set("cannot create %s: %s", dst, strerror(errno));
				goto out;
			}
			next = target[0] == '/' ? xasprintf("%s%s", target, s)
						: xasprintf("%s/%s%s", cur.buf, target, s);
			r = stage_path(stage, next, links + 1);
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
				err_set("cannot create %s: %s", dst, strerror(errno));
				goto out;
			}
		} else if (!last) {
			err_set("%s is not a directory", host);
			goto out;
		} else if (!S_ISREG(st.st_mode)) {
			err_set("%s is not a regular file", host);
			goto out;
		} else if (place_file(host, dst) < 0) {
			goto out;
		}
		sb_printf(&cur, "/%s", c);
	}
	r = 0;
out:
	sb_release(&cur);
	return r;
}

static uint64_t image_bytes(uint64_t payload)
{
	/* Room for metadata and block rounding: measured ample for ~200 files. */
	uint64_t b = payload + payload / 8 + (16ULL << 20);

	return (b + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
}

static int make_ext4(const char *stage, const char *img, uint64_t bytes)
{
	_cleanup_free_ char *size = xasprintf("%lluk", (unsigned long long)(bytes >> 10));
	/*
	 * No journal: the guest mounts it read-only and nothing is ever
	 * replayed. Root-owned whatever the staging files' owners.
	 */
	char *argv[] = {"mke2fs",
			"-q",
			"-F",
			"-t",
			"ext4",
			"-O",
			"^has_journal",
			"-L",
			"iputstorm-root",
			"-E",
			"root_owner=0:0",
			"-d",
			(char *)stage,
			(char *)img,
			size,
			NULL};

	_cleanup_free_ char *out = NULL;

	/* Its chatter ("Creating regular file") matters only when it fails. */
	if (run_capture(argv, 300, &out) < 0)
		return err_set("cannot make the guest root image %s (mke2fs, from e2fsprogs): %s",
			       img, err_msg());
	return 0;
}

/* Older images of other file sets: 100 MB each, and nothing names them any more. */
static void drop_other_images(const char *dir, const char *keep)
{
	_cleanup_dir_ DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		/* Only finished images: a ".tmp.PID" or stage may be another run's build. */
		if (!strncmp(e->d_name, "root-", 5) && n > 4 &&
		    !strcmp(e->d_name + n - 4, ".img") && strcmp(e->d_name, keep)) {
			_cleanup_free_ char *p = path_join(dir, e->d_name);

			unlink(p);
		}
	}
}

int guestroot_image(const char *const *programs, const char *const *libs_of, char **path)
{
	_cleanup_strv_ struct strv files = {0};
	_cleanup_free_ char *dir = xasprintf("%s/guest-root", cache_dir());
	_cleanup_free_ char *name = NULL, *img = NULL, *stage = NULL, *tmp = NULL;
	uint64_t key = 0, bytes = 0;
	double t0 = now_mono();

	*path = NULL;
	if (guestroot_files(programs, libs_of, &files) < 0 || image_key(&files, &key, &bytes) < 0)
		return -1;
	name = xasprintf("root-%016llx.img", (unsigned long long)key);
	img = path_join(dir, name);
	if (path_exists(img)) {
		*path = TAKE_PTR(img);
		return 0;
	}
	if (mkdir_p(dir, 0755) < 0)
		return err_set("cannot create %s: %s", dir, strerror(errno));
	stage = xasprintf("%s/root-stage.%d", dir, (int)getpid());
	tmp = xasprintf("%s.tmp.%d", img, (int)getpid());
	rm_rf(stage);
	if (mkdir(stage, 0755) < 0) {
		err_set("cannot create %s: %s", stage, strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < files.n; i++)
		if (stage_path(stage, files.v[i], 0) < 0)
			goto fail;
	if (make_ext4(stage, tmp, image_bytes(bytes)) < 0)
		goto fail;
	if (rename(tmp, img) < 0) {
		err_set("cannot rename %s: %s", tmp, strerror(errno));
		goto fail;
	}
	rm_rf(stage);
	drop_other_images(dir, name);
	p_info("guest root image: %zu files, %.0f MB, made in %.1f s (%s)", files.n,
	       (double)bytes / 1e6, now_mono() - t0, img);
	*path = TAKE_PTR(img);
	return 0;
fail:
	rm_rf(stage);
	unlink(tmp);
	return -1;
}
