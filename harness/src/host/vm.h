/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_VM_H
#define IPUTSTORM_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/records.h"

/*
 * One QEMU guest. The host listens on two unix sockets before QEMU starts and
 * QEMU connects to them, so no byte of the console or of the event port is
 * lost: the console (ttyS0, muxed with the monitor so Ctrl-A b sends a serial
 * BREAK, i.e. sysrq) and the virtio-serial event port.
 */

struct vm_config {
	const char *image;
	const char *initrd;
	const char *cmdline_extra;
	int cpus;
	uint64_t mem;
	const char *netns; /* NULL: no bridge (user_net, or no network) */
	const char *tap;
	bool user_net;	 /* QEMU's user-mode NAT to wherever this host reaches */
	const char *mac; /* the guest's, unique on the bridge */
	const char *sock_dir;
	const char *qemu_log;
	const char *root_image; /* NULL: the host root over 9p */
	const char *accel;	/* "kvm" or "tcg" (host/accel.h); NULL: tcg */
};

struct vm {
	pid_t pid;
	unsigned long long start;
	int con_lfd, ev_lfd;
	int con_fd, ev_fd;
	char *con_path, *ev_path;
	double t0;
	char *accel;
};

int vm_start(struct vm *vm, const struct vm_config *c, struct record *rec);
/* Accepts QEMU's connections once they arrive (call when a listening fd is readable). */
void vm_accept(struct vm *vm, int lfd);
/* Serial BREAK then the key: the kernel's sysrq, even when the agent is wedged. */
int vm_sysrq(struct vm *vm, char key);
/* 1 when QEMU has exited (status filled), 0 while it runs. */
int vm_exited(struct vm *vm, int *status);
void vm_stop(struct vm *vm, struct record *rec);
char *vm_cmdline(const struct vm_config *c);

#endif
