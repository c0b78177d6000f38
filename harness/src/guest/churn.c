// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/churn.h"
#include "guest/modctl.h"
#include "guest/verify.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/rng.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	stopping = 1;
}

struct churn {
	const struct churn_opts *o;
	uint64_t rng;
	unsigned long long ops, races, lost_state;
	char *buf;
};

static unsigned pick(struct churn *c, unsigned n)
{
	return rng_pick(&c->rng, n);
}

/* Another client removed or truncated it under us: expected in this game. */
static bool is_race(int e)
{
	return e == ENOENT || e == ESTALE || e == EEXIST || e == ENOTEMPTY || e == EINTR;
}

static int fail(struct churn *c, const char *what, const char *name)
{
	if (is_race(errno)) {
		c->races++;
		return 0;
	}
	/* The server forgot our open state: NFS says EIO until the file is opened again. */
	if (errno == EIO && c->o->eio_expected) {
		c->lost_state++;
		return 0;
	}
	fprintf(stderr, "churn %s: %s %s: %s (after %llu operations)\n", c->o->kind, what, name,
		strerror(errno), c->ops);
	return -1;
}

static void name_of(struct churn *c, unsigned i, char *buf, size_t n)
{
	snprintf(buf, n, "f%04u", i);
}

static int op_write(struct churn *c)
{
	char name[32];
	unsigned pages = 1 + pick(c, c->o->pages);
	off_t off = (off_t)pick(c, c->o->pages) * PAGE;
	int fd;

	name_of(c, pick(c, c->o->files), name, sizeof(name));
	fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(c, "open", name);
	memset(c->buf, 'a' + (int)(c->ops % 26), (size_t)pages * PAGE);
	if (pwrite(fd, c->buf, (size_t)pages * PAGE, off) < 0) {
		int r = fail(c, "write", name);
		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

static int op_truncate(struct churn *c)
{
	char name[32];

	name_of(c, pick(c, c->o->files), name, sizeof(name));
	if (pick(c, 5) == 0) {
		if (unlink(name) < 0)
			return fail(c, "unlink", name);
		return 0;
	}
	/* Shrink to zero or to a page boundary below what the writers write. */
	if (truncate(name, (off_t)pick(c, c->o->pages) * PAGE / 2) < 0)
		return fail(c, "truncate", name);
	return 0;
}

static int op_read(struct churn *c)
{
	char name[32];
	size_t len = (size_t)(1 + pick(c, c->o->pages)) * PAGE;
	int fd;

	name_of(c, pick(c, c->o->files), name, sizeof(name));
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, "open", name);
	posix_fadvise(fd, 0, (off_t)len, POSIX_FADV_WILLNEED);
	if (read(fd, c->buf, len) < 0) {
		int r = fail(c, "read", name);
		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

/*
 * Readahead left in flight after the last file reference is gone: the OSD
 * reply's completion, on the messenger, may then drop the inode's last
 * reference (path #2's precondition).
 */
static int op_prefetch(struct churn *c)
{
	char name[32];
	int fd;

	name_of(c, pick(c, c->o->files), name, sizeof(name));
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, "open", name);
	posix_fadvise(fd, 0, (off_t)c->o->pages * PAGE, POSIX_FADV_WILLNEED);
	close(fd);
	return 0;
}

static int op_append(struct churn *c)
{
	char name[32];
	size_t len = 1 + pick(c, (unsigned)c->o->pages * PAGE);
	struct stat st;
	int fd;

	name_of(c, pick(c, c->o->files), name, sizeof(name));
	fd = open(name, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(c, "open", name);
	memset(c->buf, 'A' + (int)(c->ops % 26), len);
	if (write(fd, c->buf, len) < 0 || fstat(fd, &st) < 0 ||
	    pread(fd, c->buf, MIN((size_t)st.st_size, (size_t)PAGE), 0) < 0) {
		int r = fail(c, "append", name);
		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

/* Create, write, stat, rename, readdir, unlink: one directory per instance. */
static int op_metadata(struct churn *c)
{
	char a[64], b[64];
	unsigned i = pick(c, c->o->files);
	struct stat st;
	int fd;

	snprintf(a, sizeof(a), "m%u", i);
	snprintf(b, sizeof(b), "m%u.renamed", i);
	switch (pick(c, 4)) {
	case 0:
		fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return fail(c, "create", a);
		if (write(fd, "iputstorm\n", 10) < 0) {
			close(fd);
			return fail(c, "write", a);
		}
		close(fd);
		break;
	case 1:
		if (rename(a, b) < 0)
			return fail(c, "rename", a);
		break;
	case 2:
		if (stat(b, &st) < 0 && fail(c, "stat", b) < 0)
			return -1;
		if (unlink(b) < 0)
			return fail(c, "unlink", b);
		break;
	case 3: {
		DIR *d = opendir(".");
		int n = 0;

		if (!d)
			return fail(c, "opendir", ".");
		while (readdir(d) && n < 100000)
			n++;
		closedir(d);
		snprintf(a, sizeof(a), "d%u", i % 16);
		if (mkdir(a, 0755) < 0 && errno != EEXIST)
			return fail(c, "mkdir", a);
		if (rmdir(a) < 0)
			return fail(c, "rmdir", a);
		break;
	}
	}
	return 0;
}

static unsigned long long snap_seq;

static int op_snapshot(struct churn *c)
{
	char name[96];

	snprintf(name, sizeof(name), ".snap/iputstorm-%d-%llu", c->o->instance, snap_seq);
	if (mkdir(name, 0755) < 0)
		return fail(c, "mkdir", name);
	snap_seq++;
	if (snap_seq > (unsigned long long)c->o->keep) {
		snprintf(name, sizeof(name), ".snap/iputstorm-%d-%llu", c->o->instance,
			 snap_seq - c->o->keep - 1);
		if (rmdir(name) < 0)
			return fail(c, "rmdir", name);
	}
	return 0;
}

/* Interruptible by SIGTERM: a stop request must not wait out a long pause. */
static void nap(double secs)
{
	double end = now_mono() + secs;

	while (!stopping && now_mono() < end)
		sleep_s(MIN(0.1, end - now_mono()));
}

static int set_dirty_expire(const char *centisecs)
{
	if (write_str("/proc/sys/vm/dirty_expire_centisecs", centisecs) < 0 ||
	    write_str("/proc/sys/vm/dirty_writeback_centisecs", centisecs) < 0) {
		fprintf(stderr, "churn lost-truncate: setting vm.dirty_*_centisecs: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int sync_cwd(void)
{
	int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * One cycle of the lost-truncate injection (path #1): dirty files that the
 * flusher leaves alone, unlinked while still open; after the cap flush has
 * settled, their size is shrunk to 0 behind ceph's back and the last file
 * reference goes, leaving the dirty-page pin as the only inode reference.
 * Then the flusher is woken: it meets folios beyond EOF, invalidates them,
 * and drops that pin in writeback.
 */
static int op_lost_truncate(struct churn *c)
{
	int n = c->o->files, made = 0, r = 0;
	int *fds = xcalloc((size_t)n, sizeof(int));
	char name[64];

	/* Keep the flusher away from our dirty pages until the size is gone. */
	if (set_dirty_expire("360000") < 0) {
		free(fds);
		return -1;
	}
	for (; made < n && !stopping; made++) {
		size_t len = (size_t)c->o->pages * PAGE;

		snprintf(name, sizeof(name), "lt-%d-%llu-%d", c->o->instance, c->ops, made);
		fds[made] = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fds[made] < 0 || write(fds[made], c->buf, len) != (ssize_t)len ||
		    unlink(name) < 0) {
			r = fail(c, "write+unlink", name);
			if (fds[made] >= 0)
				close(fds[made]);
			break;
		}
	}
	/*
	 * Each unlink's MDS request holds the inode until the MDS journals it,
	 * which it may do only at its next tick, seconds away; until then the
	 * pin is not the last reference and the cycle cannot close. A
	 * directory fsync asks for the journal flush and waits for it.
	 */
	if (made && sync_cwd() < 0)
		r = fail(c, "fsync", ".");
	nap(c->o->settle);
	for (int i = 0; i < made; i++) {
		if (!stopping && inject_ctl("lost_truncate %d", fds[i]) < 0) {
			fprintf(stderr, "churn lost-truncate: %s\n", err_msg());
			r = -1;
		}
		close(fds[i]);
	}
	free(fds);
	if (r < 0)
		return -1;
	/* Now the flusher may come, at once. */
	return stopping ? 0 : set_dirty_expire("10");
}

static const struct {
	const char *kind;
	int (*op)(struct churn *c);
	double interval; /* default pause between operations */
} kinds[] = {
	{"writer", op_write, 0},      {"truncate", op_truncate, 0},
	{"reader", op_read, 0},	      {"append", op_append, 0},
	{"metadata", op_metadata, 0}, {"snapshot", op_snapshot, 2},
	{"prefetch", op_prefetch, 0}, {"lost-truncate", op_lost_truncate, 2},
};

static int run_verify(const struct churn_opts *o)
{
	struct verify_opts v = {.files = o->files,
				.pages = o->pages,
				.instance = o->instance,
				.client = o->client,
				.interval = o->interval > 0 ? o->interval : 0,
				.seed = o->seed,
				.corrupt = o->corrupt,
				.corrupt_every = o->settle > 0 ? o->settle : 2,
				.report_path = o->report_path,
				.peer_dir = o->peer_dir,
				.stopping = &stopping};

	if (!strcmp(o->kind, "verify-read"))
		return verify_reader_run(&v);
	if (!strcmp(o->kind, "verify-append"))
		return verify_append_run(&v);
	if (!strcmp(o->kind, "verify-resize"))
		return verify_resize_run(&v);
	return verify_writer_run(&v);
}

int churn_run(const struct churn_opts *o)
{
	struct churn c = {.o = o, .rng = o->seed * 2654435761ULL + o->instance + 1};
	int (*op)(struct churn *) = NULL;
	double interval = o->interval;
	struct sigaction sa = {.sa_handler = on_term};

	if (!strncmp(o->kind, "verify", 6)) {
		/* A stop request must not cut a write in half where the call can restart. */
		sa.sa_flags = SA_RESTART;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		return run_verify(o);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, o->kind)) {
			op = kinds[i].op;
			if (interval < 0)
				interval = kinds[i].interval;
		}
	if (!op) {
		fprintf(stderr, "churn: unknown kind '%s'\n", o->kind);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	c.buf = xmalloc((size_t)(o->pages + 1) * PAGE);
	if (!strcmp(o->kind, "metadata")) {
		char d[32];

		/* Instances never race each other in the storm, only with other clients. */
		snprintf(d, sizeof(d), "storm%d", o->instance);
		if ((mkdir(d, 0755) < 0 && errno != EEXIST) || chdir(d) < 0) {
			fprintf(stderr, "churn metadata: %s: %s\n", d, strerror(errno));
			return 1;
		}
	}
	while (!stopping) {
		if (op(&c) < 0) {
			free(c.buf);
			return 1;
		}
		c.ops++;
		if (interval > 0)
			nap(interval);
	}
	fprintf(stderr,
		"churn %s: %llu operations, %llu expected misses (ENOENT/EEXIST from races or "
		"order)\n",
		o->kind, c.ops, c.races);
	if (c.lost_state)
		fprintf(stderr, "churn %s: %llu EIO after the server expired our NFS state\n",
			o->kind, c.lost_state);
	free(c.buf);
	return 0;
}
