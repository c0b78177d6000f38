/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_HOST_ACCEL_H
#define IPUTSTORM_HOST_ACCEL_H

#include <stddef.h>

#include "store/kernel.h"

/*
 * KVM where it works, TCG where it does not: decided once per host kernel
 * and guest kernel and kept in the store (kernels/NAME/accel.json). KVM
 * needs a /dev/kvm that answers KVM_GET_API_VERSION, and then a probe boot
 * of the kernel under KVM that reaches the point of mounting its root (no
 * root is given, so a kernel that boots says it cannot mount one). Some
 * hosts' KVM cannot run a stock kernel: then TCG, with the reason.
 * IPUTSTORM_ACCEL=kvm or tcg skips the probe.
 */

struct accel_choice {
	char accel[8];	   /* "kvm" or "tcg" */
	char why[200];	   /* how it was decided, for kernel.json and run.json */
	double probe_secs; /* the probe boot's time, 0 when none ran */
};

void accel_choose(const struct kernel *k, struct accel_choice *out);
/* What QEMU's -accel takes for it ("tcg,thread=multi" for TCG). */
const char *accel_qemu_arg(const char *accel);
/* A console of a probe boot: the kernel got as far as mounting its root. */
int accel_probe_console_ok(const char *console);

#endif
