// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/fileio.h"
#include "lib/base.h"
#include "lib/path.h"
#include "lib/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *read_file(const char *path, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct strbuf sb;
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return NULL;
	sb_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sb_release(&sb);
			return NULL;
		}
		sb_add(&sb, buf, n);
	}
	if (len)
		*len = sb.len;
	/* An empty file is an empty string, not a failure with a stale errno. */
	if (!sb.buf)
		sb_puts(&sb, "");
	return sb_detach(&sb);
}

/* Small sysfs/procfs reads: no allocation, trailing newline removed. */
int read_file_trim(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= n;
	}
	return 0;
}

int write_file(const char *path, const char *data, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0)
		return -1;
	return 0;
}

int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *d = dir_of(path);
	_cleanup_close_ int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return fsync(fd);
}

/* Readers see the old file or the new one, never half of either. */
int write_file_atomic(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());

	if (write_file(tmp, data, len) < 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return fsync_dir_of(path);
}

/* For sysfs, procfs and cgroupfs: one write, no fsync, errno preserved. */
int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	do
		n = write(fd, s, strlen(s));
	while (n < 0 && errno == EINTR);
	e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *c = path_join(path, de->d_name);
		if (rm_rf(c) < 0)
			ret = -1;
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, n) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
