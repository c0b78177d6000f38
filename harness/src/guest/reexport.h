/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_GUEST_REEXPORT_H
#define IPUTSTORM_GUEST_REEXPORT_H
/*
 * knfsd re-export of a CephFS mount inside the guest, the way a gateway
 * serves CephFS over NFS: the in-kernel NFS server (on 127.0.0.1) exports
 * one ceph mount and the guest's own NFS client mounts it, NFSv4.2 or NFSv3.
 * Nothing from nfs-utils: the export is written straight into the kernel's
 * export caches (auth.unix.ip, nfsd.fh, nfsd.export) with an expiry far
 * away, so no mountd upcall is ever needed; for v3, nfs3d answers rpcbind
 * registrations and MOUNT.
 *
 * modules_root: the kernel store directory holding lib/modules/RELEASE
 * (visible in the guest over the 9p root); modprobe -d loads nfsd and
 * nfsv4 from it.
 */

/*
 * Everything up: modules, server, export, client mount at mnt, with NFS
 * version (3 or 4: 4.2). 0 or -1 with err_msg().
 */
int reexport_start(const char *export_path, const char *mnt, const char *modules_root, int version);

/*
 * The client unmounted (its dirty data written and committed through the
 * server), the server stopped and the exports dropped, so the ceph mount
 * can be unmounted. Safe to call when nothing was started. 0 or -1.
 */
int reexport_stop(const char *mnt);

/*
 * The server forgets every client's state (/proc/fs/nfsd/clients/N/ctl):
 * what it does for a client whose lease ran out. Its open files are closed
 * by the server, whatever the client had not committed still dirty in the
 * page cache. The number of clients expired, or -1 with err_msg().
 */
int reexport_expire_clients(void);

#endif
