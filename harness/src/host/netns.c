// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/netns.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/*
 * `ip` run inside the namespace by our own setns() before exec, not `ip -n`:
 * that one also remounts / (make-rslave), which fails where / is not a mount
 * point (a chroot).
 */
static int ip(const char *ns, const char *a, const char *b, const char *c, const char *d,
	      const char *e, const char *f, const char *g)
{
	char *argv[12] = {"ip"};
	int n = 1;
	_cleanup_free_ char *out = NULL;

	for (const char *w[] = {a, b, c, d, e, f, g}, **p = w; p < w + 7 && *p; p++)
		argv[n++] = (char *)*p;
	argv[n] = NULL;
	if (run_capture_ns(argv, ns, 30, &out) < 0)
		return -1;
	return 0;
}

int netns_exists(const char *name)
{
	_cleanup_free_ char *p = xasprintf("/run/netns/%s", name);

	return path_exists(p);
}

int netns_create(const char *name, const char *bridge_cidr)
{
	if (ip(NULL, "netns", "add", name, NULL, NULL, NULL, NULL) < 0)
		return err_prefix("creating network namespace %s (needs root and iproute2)", name);
	if (ip(name, "link", "set", "lo", "up", NULL, NULL, NULL) < 0 ||
	    ip(name, "link", "add", "br0", "type", "bridge", NULL, NULL) < 0 ||
	    ip(name, "addr", "add", bridge_cidr, "dev", "br0", NULL, NULL) < 0 ||
	    ip(name, "link", "set", "br0", "up", NULL, NULL, NULL) < 0) {
		err_keep(netns_delete(name));
		return err_prefix("setting up the bridge in %s", name);
	}
	return 0;
}

int netns_open(const char *name)
{
	_cleanup_free_ char *p = xasprintf("/run/netns/%s", name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set("cannot open %s: %s", p, strerror(errno));
	return fd;
}

/*
 * Moves the calling thread into the namespace. Threads it creates later
 * (librados' messengers) inherit it; the daemons and QEMU get it explicitly.
 */
int netns_enter(const char *name)
{
	_cleanup_close_ int fd = netns_open(name);

	if (fd < 0)
		return -1;
	if (setns(fd, CLONE_NEWNET) < 0)
		return err_set("cannot enter network namespace %s: %s", name, strerror(errno));
	return 0;
}

int netns_add_tap(const char *name, const char *tap)
{
	if (ip(name, "tuntap", "add", tap, "mode", "tap", NULL, NULL) < 0 ||
	    ip(name, "link", "set", tap, "master", "br0", NULL, NULL) < 0 ||
	    ip(name, "link", "set", tap, "up", NULL, NULL, NULL) < 0)
		return err_prefix("creating tap %s in %s (needs /dev/net/tun)", tap, name);
	return 0;
}

int netns_del_tap(const char *name, const char *tap)
{
	return ip(name, "link", "del", tap, NULL, NULL, NULL, NULL);
}

int netns_delete(const char *name)
{
	if (!netns_exists(name))
		return 0;
	if (ip(NULL, "netns", "del", name, NULL, NULL, NULL, NULL) < 0)
		return err_prefix("deleting network namespace %s", name);
	return 0;
}
