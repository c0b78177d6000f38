// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/reexport.h"
#include "guest/modctl.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFSD_FS "/proc/fs/nfsd"
#define DOMAIN "iputstorm"
/* Far enough: the kernel drops an export cache entry only when it expires. */
#define FOREVER "2147483647"
/* NFSEXP_FSID | NFSEXP_NOSUBTREECHECK (uapi/linux/nfsd/export.h): ceph has no device. */
#define EXPORT_FLAGS "9216"

static int write_ctl(const char *path, const char *text)
{
	if (write_str(path, text) < 0)
		return err_set("writing '%.*s' to %s: %s", (int)strcspn(text, "\n"), text, path,
			       strerror(errno));
	return 0;
}

static int load_modules(const char *modules_root)
{
	char *args[] = {"-a", "nfsd", "nfsv4", NULL};

	return store_modprobe(modules_root, args);
}

/* The export, written where mountd would have answered the kernel's upcalls. */
static int fill_export_caches(const char *export_path)
{
	_cleanup_free_ char *ip = xasprintf("nfsd 127.0.0.1 " FOREVER " " DOMAIN "\n");
	_cleanup_free_ char *fh = xasprintf(DOMAIN " 1 \\x00000000 " FOREVER " %s\n", export_path);
	_cleanup_free_ char *ex =
		xasprintf(DOMAIN " %s " FOREVER " " EXPORT_FLAGS " 65534 65534 0\n", export_path);

	/* The domain comes first: the other two entries name it. */
	if (write_ctl("/proc/net/rpc/auth.unix.ip/channel", ip) < 0 ||
	    write_ctl("/proc/net/rpc/nfsd.export/channel", ex) < 0 ||
	    write_ctl("/proc/net/rpc/nfsd.fh/channel", fh) < 0)
		return err_prefix("exporting %s", export_path);
	return 0;
}

static int wait_grace_end(double secs)
{
	double end = now_mono() + secs;
	char v[8] = "";

	while (now_mono() < end) {
		if (read_file_trim(NFSD_FS "/v4_end_grace", v, sizeof(v)) > 0 && v[0] == 'Y')
			return 0;
		sleep_s(0.2);
	}
	return err_set("nfsd's grace period did not end in %.0f s (%s/v4_end_grace: %s)", secs,
		       NFSD_FS, v[0] ? v : "unreadable");
}

static int start_server(void)
{
	if (mount("nfsd", NFSD_FS, "nfsd", 0, NULL) < 0 && errno != EBUSY)
		return err_set("mount -t nfsd %s: %s", NFSD_FS, strerror(errno));
	/* v4.1+ only: no lockd, no rpcbind, sessions instead of callbacks to a port. */
	/*
	 * The grace period as short as nfsd allows: with no nfsdcld to track
	 * clients, v4_end_grace refuses to end it, and until it ends every
	 * OPEN that creates a file is sent back (NFS4ERR_GRACE).
	 */
	if (write_ctl(NFSD_FS "/versions", "-3 -4.0 +4.1 +4.2\n") < 0 ||
	    write_ctl(NFSD_FS "/nfsv4gracetime", "10\n") < 0 ||
	    write_ctl(NFSD_FS "/portlist", "tcp 2049\n") < 0 ||
	    write_ctl(NFSD_FS "/threads", "8\n") < 0)
		return -1;
	return wait_grace_end(30);
}

static int mount_client(const char *mnt)
{
	const char *opts = "vers=4.2,proto=tcp,port=2049,addr=127.0.0.1,clientaddr=127.0.0.1";

	if (mkdir_p(mnt, 0755) < 0)
		return err_set("cannot create %s: %s", mnt, strerror(errno));
	if (mount("127.0.0.1:/", mnt, "nfs4", 0, opts) < 0)
		return err_set("mount -t nfs4 127.0.0.1:/ %s -o %s: %s", mnt, opts,
			       strerror(errno));
	return 0;
}

int reexport_start(const char *export_path, const char *mnt, const char *modules_root)
{
	if (load_modules(modules_root) < 0 || fill_export_caches(export_path) < 0 ||
	    start_server() < 0 || mount_client(mnt) < 0)
		return err_prefix("NFS re-export of %s", export_path);
	return 0;
}

static void flush_cache(const char *name)
{
	_cleanup_free_ char *p = xasprintf("/proc/net/rpc/%s/flush", name);

	if (access(p, F_OK) == 0)
		write_ctl(p, "1\n");
}

int reexport_stop(const char *mnt)
{
	int r = 0;

	if (umount2(mnt, 0) < 0 && errno != EINVAL && errno != ENOENT)
		r = err_set("umount %s: %s", mnt, strerror(errno));
	if (access(NFSD_FS "/threads", F_OK) == 0 && write_ctl(NFSD_FS "/threads", "0\n") < 0)
		r = -1;
	/* Each export entry holds the exported path: the ceph mount is busy until they go. */
	flush_cache("nfsd.export");
	flush_cache("nfsd.fh");
	flush_cache("auth.unix.ip");
	return r;
}

int reexport_expire_clients(void)
{
	_cleanup_dir_ DIR *d = opendir(NFSD_FS "/clients");
	struct dirent *de;
	int n = 0;

	if (!d)
		return err_set("%s/clients: %s (is the NFS re-export up?)", NFSD_FS,
			       strerror(errno));
	while ((de = readdir(d))) {
		_cleanup_free_ char *ctl = NULL;

		if (de->d_name[0] == '.')
			continue;
		ctl = xasprintf("%s/clients/%s/ctl", NFSD_FS, de->d_name);
		/* ENXIO: that client went away since the listing. */
		if (write_str(ctl, "expire\n") == 0)
			n++;
		else if (errno != ENXIO && errno != ENOENT)
			return err_set("writing 'expire' to %s: %s", ctl, strerror(errno));
	}
	return n;
}
