// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "lib/spawn.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void redirect(int target, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0) {
		dprintf(2, "iputstorm: cannot open %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (dup2(fd, target) < 0)
		_exit(127);
	close(fd);
}

/* /run/netns/NAME, the iproute2 convention every namespace here follows. */
static int open_netns(const char *name)
{
	_cleanup_free_ char *p = xasprintf("/run/netns/%s", name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		err_set("cannot open %s: %s", p, strerror(errno));
	return fd;
}

/* Paths made before fork: the child may only use async-signal-safe calls. */
struct root_paths {
	char *bind_at, *proc_at;
};

static void enter_root(const struct spawn_opts *o, const struct root_paths *rp)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    (o->bind && mount(o->bind, rp->bind_at, NULL, MS_BIND | MS_REC, NULL) < 0) ||
	    mount("proc", rp->proc_at, "proc", 0, NULL) < 0 || chroot(o->root) < 0 ||
	    chdir("/") < 0) {
		dprintf(2, "iputstorm: entering %s: %s\n", o->root, strerror(errno));
		_exit(127);
	}
}

static void exec_child(char *const argv[], const struct spawn_opts *o, int nsfd,
		       const struct root_paths *rp)
{
	sigset_t all;

	/* Only async-signal-safe work from here on. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (o->new_session)
		setsid();
	if (o->pdeathsig > 0)
		prctl(PR_SET_PDEATHSIG, o->pdeathsig);
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0) {
		dprintf(2, "iputstorm: setns for %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	redirect(0, o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);
	if (o->stdout_path)
		redirect(1, o->stdout_path,
			 O_WRONLY | O_CREAT | (o->stdout_append ? O_APPEND : O_TRUNC));
	if (o->stderr_path && !strcmp(o->stderr_path, "=stdout"))
		dup2(1, 2);
	else if (o->stderr_path)
		redirect(2, o->stderr_path, O_WRONLY | O_CREAT | O_APPEND);
	if (o->root)
		enter_root(o, rp);
	if (o->cwd && chdir(o->cwd) < 0)
		_exit(127);
	if (o->envp)
		execvpe(argv[0], argv, o->envp);
	else
		execvp(argv[0], argv);
	dprintf(2, "iputstorm: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t spawn(char *const argv[], const struct spawn_opts *o)
{
	static const struct spawn_opts none;
	_cleanup_close_ int nsfd = -1;
	_cleanup_free_ char *bind_at = NULL, *proc_at = NULL;
	struct root_paths rp = {0};
	pid_t pid;

	if (!o)
		o = &none;
	if (o->netns && (nsfd = open_netns(o->netns)) < 0)
		return -1;
	if (o->root) {
		rp.proc_at = proc_at = xasprintf("%s/proc", o->root);
		rp.bind_at = bind_at = o->bind ? xasprintf("%s%s", o->root, o->bind) : NULL;
		if ((bind_at && mkdir_p(bind_at, 0755) < 0) || mkdir_p(proc_at, 0555) < 0)
			return err_set("cannot prepare %s: %s", o->root, strerror(errno));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return err_set("cannot start %s: %s", argv[0], strerror(errno));
	if (pid == 0)
		exec_child(argv, o, nsfd, &rp);
	return pid;
}

/* 0 when the child ended (status filled), 1 on timeout, -1 on error. */
int wait_timeout(pid_t pid, double timeout, int *status)
{
	double deadline = now_mono() + timeout;
	double nap = 0.001;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout >= 0 && now_mono() >= deadline)
			return 1;
		sleep_s(nap);
		nap = MIN(nap * 2, 0.05);
	}
}

void kill_wait(pid_t pid, double grace)
{
	int st;

	if (pid <= 0)
		return;
	if (grace > 0) {
		kill(pid, SIGTERM);
		if (wait_timeout(pid, grace, &st) == 0)
			return;
	}
	kill(pid, SIGKILL);
	wait_timeout(pid, 10, &st);
}

const char *describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "status 0x%x", status);
	return buf;
}

int run_argv_opts(char *const argv[], const struct spawn_opts *o, double timeout)
{
	const char *log = o->stdout_path;
	char why[64];
	int st, r;
	pid_t pid = spawn(argv, o);

	if (pid < 0)
		return -1;
	r = wait_timeout(pid, timeout, &st);
	if (r == 1) {
		kill_wait(pid, 0);
		return err_set("%s did not finish within %.0f s%s%s", argv[0], timeout,
			       log ? "; see " : "", log ? log : "");
	}
	if (r < 0)
		return err_set("waiting for %s: %s", argv[0], strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		_cleanup_free_ char *cmd = argv_join(argv);
		return err_set("'%s' failed: %s%s%s", cmd, describe_status(st, why, sizeof(why)),
			       log ? "; see " : "", log ? log : "");
	}
	return 0;
}

static int run_logged(char *const argv[], const char *netns, double timeout, const char *log)
{
	struct spawn_opts o = {.netns = netns,
			       .stdout_path = log,
			       .stdout_append = true,
			       .stderr_path = log ? "=stdout" : NULL};

	return run_argv_opts(argv, &o, timeout);
}

int run_argv(char *const argv[], double timeout, const char *log_path)
{
	return run_logged(argv, NULL, timeout, log_path);
}

int run_capture(char *const argv[], double timeout, char **out)
{
	return run_capture_ns(argv, NULL, timeout, out);
}

int run_capture_ns(char *const argv[], const char *netns, double timeout, char **out)
{
	char tmpl[] = "/tmp/iputstorm-cap.XXXXXX";
	_cleanup_close_ int fd = mkstemp(tmpl);
	int r;

	*out = NULL;
	if (fd < 0)
		return err_set("cannot create a temporary file: %s", strerror(errno));
	r = run_logged(argv, netns, timeout, tmpl);
	*out = read_file(tmpl, NULL);
	unlink(tmpl);
	if (!*out)
		*out = xstrdup("");
	if (r < 0 && **out) {
		/* The tool's own words say more than its exit status; drop "see /tmp/...". */
		_cleanup_free_ char *cmd = argv_join(argv), *said = xstrdup(*out);

		err_set("'%s' failed: %.300s", cmd, str_strip(said));
	}
	return r;
}
