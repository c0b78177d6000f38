/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_SPAWN_H
#define IPUTSTORM_LIB_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Child processes by argv, never through a shell. A zeroed spawn_opts is the plain default. */
struct spawn_opts {
	const char *stdin_path;	 /* NULL: /dev/null */
	const char *stdout_path; /* NULL: inherit */
	const char *stderr_path; /* NULL: inherit; "=stdout" joins stdout */
	bool stdout_append;
	const char *netns; /* a name under /run/netns: setns() before exec; NULL: ours */
	bool new_session;
	char *const *envp; /* NULL: inherit */
	const char *cwd;
	int pdeathsig; /* > 0: this signal when the spawning thread dies */
	/*
	 * root: run inside this directory tree (chroot, in a private mount
	 * namespace), with bind, a directory of ours, mounted at the same path
	 * inside it, and /proc. NULL: our own root.
	 */
	const char *root;
	const char *bind;
};

/* The child's pid, or -1 with err_msg() set. */
pid_t spawn(char *const argv[], const struct spawn_opts *o);
/* 0 when the child ended (status filled), 1 on timeout (< 0: none), -1 on error. */
int wait_timeout(pid_t pid, double timeout, int *status);
/* SIGTERM, grace seconds, then SIGKILL; reaps it. */
void kill_wait(pid_t pid, double grace);
const char *describe_status(int status, char *buf, size_t size);

/* To completion within timeout; output appended to log_path (or inherited). 0 or -1. */
int run_argv(char *const argv[], double timeout, const char *log_path);
int run_argv_opts(char *const argv[], const struct spawn_opts *o, double timeout);
/* Its output in *out (always set; free it), in netns when not NULL. */
int run_capture(char *const argv[], double timeout, char **out);
int run_capture_ns(char *const argv[], const char *netns, double timeout, char **out);

#endif
