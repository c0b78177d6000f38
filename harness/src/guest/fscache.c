// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/fscache.h"
#include "guest/modctl.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CACHE_DEV "/dev/ram0"
#define CACHE_MNT "/run/iputstorm/fscache"
/* 128 MiB of guest memory: enough for the trial's files, small enough to cull. */
#define CACHE_KB "131072"

static int run_or_say(char *const argv[], const char *what)
{
	if (run_argv(argv, 60, NULL) < 0)
		return err_prefix("%s", what);
	return 0;
}

/*
 * A device-mapper target (`target`, its table line without the sector
 * range, naming *dev below it) stacked on *dev, which becomes the new one: /dev/dm-N, N counting the targets
 * made so far (no udev in the guest: devtmpfs has the node, /dev/mapper
 * does not).
 */
static int stack_target(const char *modules_root, const char *module, const char *target,
			char **dev, int *made)
{
	char *mod[] = {(char *)module, NULL};
	char sectors[32] = "";
	_cleanup_free_ char *name = xasprintf("iputstorm-cache-%d", *made);
	_cleanup_free_ char *what = xasprintf("dmsetup create (%s)", module);
	_cleanup_free_ char *table = NULL, *size = NULL;
	const char *base = strrchr(*dev, '/') + 1;

	if (store_modprobe(modules_root, mod) < 0)
		return -1;
	size = xasprintf("/sys/block/%s/size", base);
	if (read_file_trim(size, sectors, sizeof(sectors)) <= 0)
		return err_set("%s: %s", size, strerror(errno));
	table = xasprintf("0 %s %s", sectors, target);
	{
		char *create[] = {"dmsetup", "--noudevsync", "create", name,
				  "--table", table,	     NULL};

		if (run_or_say(create, what) < 0)
			return -1;
	}
	free(*dev);
	*dev = xasprintf("/dev/dm-%d", (*made)++);
	return 0;
}

#define FLAKY_NAME "iputstorm-cache-0"

/*
 * Where dm-flakey goes: a plain linear map first, so that making and
 * mounting the file system (slow when reads are delayed) never meets a bad
 * second; arm_flaky() swaps the flakey table in once it is mounted.
 */
static int make_flaky(const char *modules_root, char **dev, int *made)
{
	char *flakey[] = {"dm-flakey", NULL};
	_cleanup_free_ char *target = xasprintf("linear %s 0", *dev);

	if (store_modprobe(modules_root, flakey) < 0)
		return -1;
	return stack_target(modules_root, "dm-mod", target, dev, made);
}

/*
 * dm-flakey, failing reads only (error_reads) for 1 s in every `every`: a
 * cache read then ends in EIO and netfs retries it from the OSDs, while
 * writes to the cache go on (ext4 stays up).
 */
static int arm_flaky(double every)
{
	int up = (int)(every + 0.5) - 1;
	char sectors[32] = "";
	_cleanup_free_ char *table = NULL;

	if (read_file_trim("/sys/block/ram0/size", sectors, sizeof(sectors)) <= 0)
		return err_set("/sys/block/ram0/size: %s", strerror(errno));
	table = xasprintf("0 %s flakey " CACHE_DEV " 0 %d 1 1 error_reads", sectors,
			  up > 0 ? up : 1);
	{
		char *load[] = {"dmsetup", "--noudevsync", "load", FLAKY_NAME,
				"--table", table,	   NULL};
		char *resume[] = {"dmsetup", "--noudevsync", "resume", FLAKY_NAME, NULL};

		if (run_or_say(load, "dmsetup load (dm-flakey)") < 0 ||
		    run_or_say(resume, "dmsetup resume (dm-flakey)") < 0)
			return -1;
	}
	return 0;
}

/*
 * dm-delay over it, reads only: a cache read ends `secs` after it was
 * issued (failing then, when dm-flakey below is in its bad second), so the
 * OSD reads of the same request finish first.
 */
static int make_slow(const char *modules_root, double secs, char **dev, int *made)
{
	/* The same device below for reads and for writes (which are not delayed). */
	_cleanup_free_ char *target =
		xasprintf("delay %s 0 %ld %s 0 0", *dev, lround(secs * 1000), *dev);

	return stack_target(modules_root, "dm-delay", target, dev, made);
}

int fscache_prepare(const char *modules_root, double read_errors_every, double read_delay)
{
	_cleanup_free_ char *dev = xstrdup(CACHE_DEV);
	char *brd[] = {"brd", "rd_nr=1", "rd_size=" CACHE_KB, NULL};
	char *more[] = {"-a", "ext4", "cachefiles", NULL};
	int made = 0;

	if (store_modprobe(modules_root, brd) < 0 || store_modprobe(modules_root, more) < 0 ||
	    (read_errors_every > 0 && make_flaky(modules_root, &dev, &made) < 0) ||
	    (read_delay > 0 && make_slow(modules_root, read_delay, &dev, &made) < 0))
		return err_prefix("fscache");
	{
		char *mkfs[] = {"mkfs.ext4", "-q", "-F", "-b", "4096", dev, NULL};

		if (run_or_say(mkfs, "mkfs.ext4") < 0)
			return err_prefix("fscache");
	}
	if (mkdir_p(CACHE_MNT, 0755) < 0 || mount(dev, CACHE_MNT, "ext4", 0, NULL) < 0)
		return err_set("fscache: mount %s on %s: %s", dev, CACHE_MNT, strerror(errno));
	if (read_errors_every > 0 && arm_flaky(read_errors_every) < 0)
		return err_prefix("fscache");
	return 0;
}

static int cachefiles_cmd(int fd, const char *cmd)
{
	if (write(fd, cmd, strlen(cmd)) < 0)
		return err_set("/dev/cachefiles '%s': %s", cmd, strerror(errno));
	return 0;
}

static int bind_cache(void)
{
	int fd = open("/dev/cachefiles", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return err_set("/dev/cachefiles: %s", strerror(errno));
	if (cachefiles_cmd(fd, "dir " CACHE_MNT) < 0 || cachefiles_cmd(fd, "tag iputstorm") < 0 ||
	    cachefiles_cmd(fd, "brun 10%") < 0 || cachefiles_cmd(fd, "bcull 7%") < 0 ||
	    cachefiles_cmd(fd, "bstop 3%") < 0 || cachefiles_cmd(fd, "bind") < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The keeper: bound, it says so on the pipe and holds the cache until killed. */
static void keeper(int ready)
{
	int fd;

	/* A cache still being withdrawn by the keeper before us refuses a bind a while. */
	for (int tries = 0; (fd = bind_cache()) < 0 && tries < 50; tries++)
		usleep(200000);
	if (fd < 0) {
		fprintf(stderr, "iputstorm fscache: %s\n", err_msg());
		_exit(1);
	}
	/* Nobody reads it when the agent did not wait (EPIPE): the cache is bound all the same. */
	if (write(ready, "1", 1) < 0 && errno != EPIPE)
		_exit(1);
	close(ready);
	for (;;)
		pause();
}

int fscache_start(bool wait, pid_t *pid)
{
	int p[2];
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set("pipe: %s", strerror(errno));
	*pid = fork();
	if (*pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set("fork: %s", strerror(errno));
	}
	if (*pid == 0) {
		close(p[0]);
		signal(SIGTERM, SIG_DFL);
		keeper(p[1]);
	}
	close(p[1]);
	if (!wait) {
		close(p[0]);
		return 0;
	}
	do
		n = read(p[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != 1) {
		waitpid(*pid, NULL, 0);
		*pid = 0;
		return err_set("fscache: the cache could not be bound (see console.log)");
	}
	return 0;
}

void fscache_add_netfs_stats(json_t *counters)
{
	_cleanup_free_ char *text = read_file("/proc/fs/netfs/stats", NULL);
	unsigned rd, rs, rf, rq, sq, dl, ds, df;
	const char *l;

	if (!text)
		return;
	if ((l = strstr(text, "CaRdOps: ")) &&
	    sscanf(l, "CaRdOps: RD=%u rs=%u rf=%u", &rd, &rs, &rf) == 3) {
		json_object_set_new(counters, "netfs_cache_reads", json_integer(rd));
		json_object_set_new(counters, "netfs_cache_reads_failed", json_integer(rf));
	}
	if ((l = strstr(text, "DownOps: ")) &&
	    sscanf(l, "DownOps: DL=%u ds=%u df=%u", &dl, &ds, &df) == 3) {
		json_object_set_new(counters, "netfs_server_reads", json_integer(dl));
		json_object_set_new(counters, "netfs_server_reads_failed", json_integer(df));
	}
	if ((l = strstr(text, "Retries: ")) && sscanf(l, "Retries: rq=%u rs=%u", &rq, &sq) == 2) {
		json_object_set_new(counters, "netfs_read_retries", json_integer(rq));
		json_object_set_new(counters, "netfs_read_subreq_retries", json_integer(sq));
	}
}
