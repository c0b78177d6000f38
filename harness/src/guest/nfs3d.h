/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_GUEST_NFS3D_H
#define IPUTSTORM_GUEST_NFS3D_H
/*
 * The two user-space RPC services an NFSv3 export needs, answered by one
 * small process so the guest needs nothing from nfs-utils or rpcbind:
 *
 * - the rpcbind registrar: nfsd and lockd register their v3 programs with
 *   the local rpcbind (AF_LOCAL "\0/run/rpcbind.sock") and refuse to start
 *   when it is absent. Every SET and UNSET is acknowledged; lookups answer
 *   "not registered", because nobody looks up a port here: the client is
 *   given every port (port=2049, mountport=, nolock).
 * - MOUNT v3 on a UDP port of 127.0.0.1: MNT hands out the export's root
 *   filehandle, which nfsd itself composed (/proc/fs/nfsd/filehandle), so
 *   the filehandle is exactly the one mountd would have given.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NFS3D_FH_MAX 64

/*
 * Sockets bound, then a child serves them until it is killed (it dies with
 * the guest; nfsd's last UNSETs at shutdown still get their answer).
 * *mount_port: the MOUNT service's UDP port. 0 or -1 with err_msg().
 */
int nfs3d_start(const uint8_t *fh, size_t fh_len, int *mount_port, pid_t *pid);

/*
 * The reply to one RPC call message (record marking already removed) into
 * out (at least 256 bytes); its length, or 0 when msg is no RPC call.
 */
size_t nfs3d_answer(const uint8_t *fh, size_t fh_len, const uint8_t *msg, size_t len, uint8_t *out,
		    size_t out_size);

#endif
