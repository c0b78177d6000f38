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
 * dm-flakey over the RAM disk, failing reads only (error_reads) for 1 s in
 * every `every`: a cache read then ends in EIO and netfs retries it from
 * the OSDs, while writes to the cache go on (ext4 stays up).
 */
static int make_flaky(const char *modules_root, double every, const char **dev)
{
	char *flakey[] = {"dm-flakey", NULL};
	char sectors[32] = "";
	_cleanup_free_ char *table = NULL;
	int up = (int)(every + 0.5) - 1;

	if (store_modprobe(modules_root, flakey) < 0)
		return -1;
	if (read_file_trim("/sys/block/ram0/size", sectors, sizeof(sectors)) <= 0)
		return err_set("/sys/block/ram0/size: %s", strerror(errno));
	table = xasprintf("0 %s flakey %s 0 %d 1 1 error_reads", sectors, CACHE_DEV,
			  up > 0 ? up : 1);
	{
		char *create[] = {"dmsetup", "--noudevsync", "create", "iputstorm-cache",
				  "--table", table,	     NULL};

		if (run_or_say(create, "dmsetup create (dm-flakey)") < 0)
			return -1;
	}
	/* No udev in the guest: devtmpfs has the node, /dev/mapper does not. */
	*dev = "/dev/dm-0";
	return 0;
}

int fscache_prepare(const char *modules_root, double read_errors_every)
{
	const char *dev = CACHE_DEV;
	char *brd[] = {"brd", "rd_nr=1", "rd_size=" CACHE_KB, NULL};
	char *more[] = {"-a", "ext4", "cachefiles", NULL};

	if (store_modprobe(modules_root, brd) < 0 || store_modprobe(modules_root, more) < 0 ||
	    (read_errors_every > 0 && make_flaky(modules_root, read_errors_every, &dev) < 0))
		return err_prefix("fscache");
	{
		char *mkfs[] = {"mkfs.ext4", "-q", "-F", "-b", "4096", (char *)dev, NULL};

		if (run_or_say(mkfs, "mkfs.ext4") < 0)
			return err_prefix("fscache");
	}
	if (mkdir_p(CACHE_MNT, 0755) < 0 || mount(dev, CACHE_MNT, "ext4", 0, NULL) < 0)
		return err_set("fscache: mount %s on %s: %s", dev, CACHE_MNT, strerror(errno));
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
