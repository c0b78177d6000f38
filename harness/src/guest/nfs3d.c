// SPDX-License-Identifier: GPL-2.0
/*
 * rpcbind registrar and MOUNT v3 for the NFSv3 re-export (nfs3d.h). The RPC
 * framing is RFC 5531's; MOUNT v3 is RFC 1813's appendix I.
 */
#define _GNU_SOURCE
#include "guest/nfs3d.h"
#include "lib/base.h"
#include "lib/output.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum {
	RPC_CALL = 0,
	RPC_REPLY = 1,
	MSG_ACCEPTED = 0,
	ACCEPT_SUCCESS = 0,
	PROG_UNAVAIL = 1,
	PROG_MISMATCH = 2,
	PROC_UNAVAIL = 3,
	AUTH_NONE = 0,
	AUTH_UNIX = 1,
};

#define PROG_RPCBIND 100000
#define PROG_MOUNT 100005
#define MNT3_OK 0
/* What the kernel tries first for its local rpcbind (net/sunrpc/rpcb_clnt.c). */
#define RPCBIND_ABSTRACT "\0/run/rpcbind.sock"
#define MAX_CONNS 16
#define RECORD_MAX 4096

struct xdr_in {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

struct xdr_out {
	uint8_t *p;
	size_t size, len;
	bool full;
};

static uint32_t get_u32(struct xdr_in *x)
{
	uint32_t v;

	if (x->off + 4 > x->len) {
		x->bad = true;
		return 0;
	}
	memcpy(&v, x->p + x->off, 4);
	x->off += 4;
	return ntohl(v);
}

static void skip_auth(struct xdr_in *x)
{
	uint32_t n;

	get_u32(x); /* flavour */
	n = get_u32(x);
	if (n > 400 || x->off + ((n + 3) & ~3u) > x->len)
		x->bad = true;
	else
		x->off += (n + 3) & ~3u;
}

static void put_u32(struct xdr_out *o, uint32_t v)
{
	if (o->len + 4 > o->size) {
		o->full = true;
		return;
	}
	v = htonl(v);
	memcpy(o->p + o->len, &v, 4);
	o->len += 4;
}

static void put_opaque(struct xdr_out *o, const void *d, uint32_t n)
{
	uint32_t padded = (n + 3) & ~3u;

	put_u32(o, n);
	if (o->len + padded > o->size) {
		o->full = true;
		return;
	}
	memset(o->p + o->len, 0, padded);
	memcpy(o->p + o->len, d, n);
	o->len += padded;
}

static void accept_stat(struct xdr_out *o, uint32_t stat)
{
	put_u32(o, stat);
}

static void mismatch(struct xdr_out *o, uint32_t low, uint32_t high)
{
	put_u32(o, PROG_MISMATCH);
	put_u32(o, low);
	put_u32(o, high);
}

/* rpcbind v2-v4: SET and UNSET acknowledged, lookups "not registered". */
static void answer_rpcbind(struct xdr_out *o, uint32_t vers, uint32_t proc)
{
	if (vers < 2 || vers > 4)
		return mismatch(o, 2, 4);
	switch (proc) {
	case 0: /* NULL: the kernel pings before it registers anything */
		return accept_stat(o, ACCEPT_SUCCESS);
	case 1: /* SET */
	case 2: /* UNSET */
		accept_stat(o, ACCEPT_SUCCESS);
		return put_u32(o, 1);
	case 3: /* GETPORT (v2): port 0; GETADDR (v3, v4): the empty address */
		accept_stat(o, ACCEPT_SUCCESS);
		return put_u32(o, 0);
	default:
		return accept_stat(o, PROC_UNAVAIL);
	}
}

static void answer_mount(struct xdr_out *o, uint32_t vers, uint32_t proc, const uint8_t *fh,
			 size_t fh_len)
{
	if (vers != 3)
		return mismatch(o, 3, 3);
	switch (proc) {
	case 0: /* NULL */
	case 3: /* UMNT */
	case 4: /* UMNTALL */
		return accept_stat(o, ACCEPT_SUCCESS);
	case 1: /* MNT: whatever the path, the one export's root */
		accept_stat(o, ACCEPT_SUCCESS);
		put_u32(o, MNT3_OK);
		put_opaque(o, fh, (uint32_t)fh_len);
		put_u32(o, 1);
		return put_u32(o, AUTH_UNIX);
	default:
		return accept_stat(o, PROC_UNAVAIL);
	}
}

size_t nfs3d_answer(const uint8_t *fh, size_t fh_len, const uint8_t *msg, size_t len, uint8_t *out,
		    size_t out_size)
{
	struct xdr_in x = {.p = msg, .len = len};
	struct xdr_out o = {.p = out, .size = out_size};
	uint32_t xid = get_u32(&x), type = get_u32(&x), rpcvers = get_u32(&x);
	uint32_t prog = get_u32(&x), vers = get_u32(&x), proc = get_u32(&x);

	skip_auth(&x); /* credential */
	skip_auth(&x); /* verifier */
	if (x.bad || type != RPC_CALL || rpcvers != 2)
		return 0;
	put_u32(&o, xid);
	put_u32(&o, RPC_REPLY);
	put_u32(&o, MSG_ACCEPTED);
	put_u32(&o, AUTH_NONE);
	put_u32(&o, 0);
	if (prog == PROG_RPCBIND)
		answer_rpcbind(&o, vers, proc);
	else if (prog == PROG_MOUNT && fh_len > 0 && fh_len <= NFS3D_FH_MAX)
		answer_mount(&o, vers, proc, fh, fh_len);
	else
		accept_stat(&o, PROG_UNAVAIL);
	return o.full ? 0 : o.len;
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* One record-marked call on a stream; -1 when the peer is gone or speaks nonsense. */
static int serve_stream_call(int fd)
{
	uint8_t msg[RECORD_MAX], out[512 + 4];
	uint32_t mark;
	size_t n, len;

	if (read_full(fd, &mark, 4) < 0)
		return -1;
	mark = ntohl(mark);
	len = mark & 0x7fffffffu;
	/* The kernel sends each call as one last fragment. */
	if (!(mark & 0x80000000u) || len > sizeof(msg) || read_full(fd, msg, len) < 0)
		return -1;
	n = nfs3d_answer(NULL, 0, msg, len, out + 4, sizeof(out) - 4);
	if (!n)
		return -1;
	mark = htonl(0x80000000u | (uint32_t)n);
	memcpy(out, &mark, 4);
	return write(fd, out, n + 4) == (ssize_t)(n + 4) ? 0 : -1;
}

static void serve_datagram(int fd, const uint8_t *fh, size_t fh_len)
{
	uint8_t msg[RECORD_MAX], out[512];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t r = recvfrom(fd, msg, sizeof(msg), 0, (struct sockaddr *)&from, &flen);
	size_t n;

	if (r <= 0)
		return;
	n = nfs3d_answer(fh, fh_len, msg, (size_t)r, out, sizeof(out));
	if (n)
		sendto(fd, out, n, 0, (struct sockaddr *)&from, flen);
}

static void serve(int registrar, int mountd, const uint8_t *fh, size_t fh_len)
{
	struct pollfd p[2 + MAX_CONNS];
	nfds_t n = 2;

	p[0] = (struct pollfd){.fd = registrar, .events = POLLIN};
	p[1] = (struct pollfd){.fd = mountd, .events = POLLIN};
	for (;;) {
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[1].revents & POLLIN)
			serve_datagram(mountd, fh, fh_len);
		for (nfds_t i = 2; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (serve_stream_call(p[i].fd) < 0) {
				close(p[i].fd);
				p[i--] = p[--n];
			}
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(registrar, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && n < ARRAY_SIZE(p))
				p[n++] = (struct pollfd){.fd = c, .events = POLLIN};
			else if (c >= 0)
				close(c);
		}
	}
}

static int bind_registrar(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + sizeof(RPCBIND_ABSTRACT) - 1;

	memcpy(a.sun_path, RPCBIND_ABSTRACT, sizeof(RPCBIND_ABSTRACT) - 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 16) < 0) {
		err_set("the rpcbind socket @/run/rpcbind.sock: %s%s", strerror(errno),
			errno == EADDRINUSE ? " (an rpcbind already runs in the guest)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int bind_mountd(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		err_set("the MOUNT socket on 127.0.0.1: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

int nfs3d_start(const uint8_t *fh, size_t fh_len, int *mount_port, pid_t *pid)
{
	int registrar = -1, mountd = -1;

	if (fh_len == 0 || fh_len > NFS3D_FH_MAX)
		return err_set("nfs3d: a filehandle of %zu bytes", fh_len);
	if ((registrar = bind_registrar()) < 0 || (mountd = bind_mountd(mount_port)) < 0)
		goto fail;
	*pid = fork();
	if (*pid < 0) {
		err_set("fork: %s", strerror(errno));
		goto fail;
	}
	if (*pid == 0) {
		signal(SIGTERM, SIG_DFL);
		serve(registrar, mountd, fh, fh_len);
	}
	close(registrar);
	close(mountd);
	return 0;
fail:
	if (registrar >= 0)
		close(registrar);
	if (mountd >= 0)
		close(mountd);
	return err_prefix("NFSv3 services");
}
