/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_PROC_H
#define IPUTSTORM_LIB_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat: with the PID it names one process for good (0: none). */
unsigned long long proc_starttime(pid_t pid);
/* The state letter of /proc/PID/stat, or 0. */
char proc_state(pid_t pid);
/* Alive, not a zombie, and (starttime != 0) the same process as recorded. */
bool proc_alive(pid_t pid, unsigned long long starttime);

/* Eight hex digits of /etc/machine-id (or of the host name): this machine among others. */
const char *machine_token(void);

#endif
