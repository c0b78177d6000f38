// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/proc.h"
#include "lib/fileio.h"

#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Field 22 of /proc/PID/stat: with the PID it names one process for good. */
unsigned long long proc_starttime(pid_t pid)
{
	char path[64], buf[1024];
	char *p;
	unsigned long long st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_trim(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* After ") " come fields 3..; starttime is field 22. */
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &st) != 1)
		return 0;
	return st;
}

char proc_state(pid_t pid)
{
	char path[64], buf[1024];
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_trim(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : 0;
}

bool proc_alive(pid_t pid, unsigned long long starttime)
{
	unsigned long long st;

	if (pid <= 0)
		return false;
	st = proc_starttime(pid);
	if (!st || (starttime && st != starttime))
		return false;
	return proc_state(pid) != 'Z';
}

/*
 * Eight hex digits of /etc/machine-id (or of the host name): PIDs repeat
 * across the machines that share an existing cluster, this does not.
 */
const char *machine_token(void)
{
	static char token[9];
	char buf[256] = "";

	if (token[0])
		return token;
	if (read_file_trim("/etc/machine-id", buf, sizeof(buf)) < 0 || strlen(buf) < 8) {
		uint64_t h = 1469598103934665603ULL;

		gethostname(buf, sizeof(buf) - 1);
		for (const char *c = buf; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		snprintf(token, sizeof(token), "%08x", (unsigned)(h & 0xffffffffu));
	} else {
		snprintf(token, sizeof(token), "%.8s", buf);
	}
	return token;
}
