// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/reexport.h"
#include "guest/modctl.h"
#include "guest/nfs3d.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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

static int load_modules(const char *modules_root, int version)
{
	char *args[] = {"-a", "nfsd", version == 3 ? "nfsv3" : "nfsv4", NULL};

	return store_modprobe(modules_root, args);
}

static int hex_nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The export's root filehandle as nfsd composes it: what mountd hands out. */
static int root_filehandle(const char *export_path, uint8_t *fh, size_t *len)
{
	_cleanup_free_ char *req = xasprintf(DOMAIN " %s %d\n", export_path, NFS3D_FH_MAX);
	char buf[2 * NFS3D_FH_MAX + 8] = "";
	int fd = open(NFSD_FS "/filehandle", O_RDWR | O_CLOEXEC);
	ssize_t n;
	const char *p;

	if (fd < 0)
		return err_set("%s/filehandle: %s", NFSD_FS, strerror(errno));
	/* A transaction file: the answer to the write is read back from the same open file. */
	if (write(fd, req, strlen(req)) < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0) {
		err_set("asking %s/filehandle for %s: %s", NFSD_FS, export_path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	if (strncmp(buf, "\\x", 2) != 0)
		return err_set("%s/filehandle answered '%s' for %s", NFSD_FS, str_strip(buf),
			       export_path);
	for (*len = 0, p = buf + 2; hex_nibble(p[0]) >= 0 && hex_nibble(p[1]) >= 0; p += 2)
		if (*len < NFS3D_FH_MAX)
			fh[(*len)++] = (uint8_t)(hex_nibble(p[0]) << 4 | hex_nibble(p[1]));
	return *len ? 0 : err_set("%s/filehandle answered an empty filehandle", NFSD_FS);
}

/* NFSv3 needs an rpcbind to register with and a MOUNT service: nfs3d gives both. */
static int start_v3_services(const char *export_path, int *mount_port)
{
	uint8_t fh[NFS3D_FH_MAX];
	size_t len = 0;
	pid_t pid;

	if (root_filehandle(export_path, fh, &len) < 0)
		return -1;
	return nfs3d_start(fh, len, mount_port, &pid);
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

static int mount_nfsd_fs(void)
{
	if (mount("nfsd", NFSD_FS, "nfsd", 0, NULL) < 0 && errno != EBUSY)
		return err_set("mount -t nfsd %s: %s", NFSD_FS, strerror(errno));
	return 0;
}

static int start_server(int version)
{
	/*
	 * v4.1+ alone needs no lockd and no rpcbind (sessions instead of
	 * callbacks to a port); v3 brings lockd and registers with nfs3d.
	 */
	const char *versions = version == 3 ? "+3 -4.0 +4.1 +4.2\n" : "-3 -4.0 +4.1 +4.2\n";

	/*
	 * The grace period as short as nfsd allows: with no nfsdcld to track
	 * clients, v4_end_grace refuses to end it, and until it ends every
	 * OPEN that creates a file is sent back (NFS4ERR_GRACE).
	 */
	if (write_ctl(NFSD_FS "/versions", versions) < 0 ||
	    write_ctl(NFSD_FS "/nfsv4gracetime", "10\n") < 0 ||
	    write_ctl(NFSD_FS "/portlist", "tcp 2049\n") < 0 ||
	    write_ctl(NFSD_FS "/threads", "8\n") < 0)
		return -1;
	return wait_grace_end(30);
}

static int mount_client(const char *mnt, int version, int mount_port)
{
	/* Every port given: the client asks no rpcbind; nolock: no lockd on the client. */
	_cleanup_free_ char *opts =
		version == 3 ? xasprintf("vers=3,proto=tcp,port=2049,mountproto=udp,mountport=%d,"
					 "mountaddr=127.0.0.1,addr=127.0.0.1,nolock",
					 mount_port)
			     : xstrdup("vers=4.2,proto=tcp,port=2049,addr=127.0.0.1,"
				       "clientaddr=127.0.0.1");
	const char *type = version == 3 ? "nfs" : "nfs4";

	if (mkdir_p(mnt, 0755) < 0)
		return err_set("cannot create %s: %s", mnt, strerror(errno));
	if (mount("127.0.0.1:/", mnt, type, 0, opts) < 0)
		return err_set("mount -t %s 127.0.0.1:/ %s -o %s: %s", type, mnt, opts,
			       strerror(errno));
	return 0;
}

/* The client's mount as the kernel took it (version, ports): on the console. */
static void log_mount(const char *mnt)
{
	_cleanup_free_ char *text = read_file("/proc/self/mounts", NULL);
	_cleanup_free_ char *needle = xasprintf(" %s nfs", mnt);
	char *l = text ? strstr(text, needle) : NULL;

	while (l && l > text && l[-1] != '\n')
		l--;
	if (l)
		fprintf(stderr, "iputstorm agent: NFS re-export mounted: %.*s\n",
			(int)strcspn(l, "\n"), l);
}

int reexport_start(const char *export_path, const char *mnt, const char *modules_root, int version)
{
	int mount_port = 0;

	if (load_modules(modules_root, version) < 0 || mount_nfsd_fs() < 0 ||
	    fill_export_caches(export_path) < 0 ||
	    (version == 3 && start_v3_services(export_path, &mount_port) < 0) ||
	    start_server(version) < 0 || mount_client(mnt, version, mount_port) < 0)
		return err_prefix("NFSv%s re-export of %s", version == 3 ? "3" : "4.2",
				  export_path);
	log_mount(mnt);
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
