// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "util.h"
#include "output.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static void oom(void)
{
	fprintf(stderr, "iputstorm: out of memory\n");
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	sb->cap = MAX(sb->cap * 2, sb->len + extra + 1);
	sb->cap = MAX(sb->cap, 64);
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	sb_grow(sb, n);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

char *sb_detach(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");

	sb_init(sb);
	return s;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void strv_push(struct strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = MAX(8, sv->cap * 2);
		sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void strv_pushf(struct strv *sv, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	strv_push(sv, s);
}

void strv_release(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Split on blanks; no quoting, no expansion: a scenario never reaches a shell. */
int strv_split_ws(struct strv *sv, const char *s)
{
	int n = 0;

	while (*s) {
		const char *e;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		_cleanup_free_ char *w = xstrndup(s, e - s);
		strv_push(sv, w);
		n++;
		s = e;
	}
	return n;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *str_strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *iso8601_utc(double wall)
{
	time_t t = (time_t)wall;
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* "64M", "1G", "4096", "1.5G"; binary multiples like memory.max. */
int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	uint64_t mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isfinite(v))
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mul = 1ULL << 10;
		end++;
		break;
	case 'M':
		mul = 1ULL << 20;
		end++;
		break;
	case 'G':
		mul = 1ULL << 30;
		end++;
		break;
	case 'T':
		mul = 1ULL << 40;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return -1;
	*out = (uint64_t)(v * mul);
	return 0;
}

/* "30", "30s", "1.5s", "500ms", "2m", "1h". */
int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isfinite(v))
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		;
	else if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		v *= 60;
	else if (!strcmp(end, "h"))
		v *= 3600;
	else
		return -1;
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int parse_int(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (end == s || *end || errno)
		return -1;
	*out = v;
	return 0;
}

char *read_file(const char *path, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct strbuf sb;
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return NULL;
	sb_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sb_release(&sb);
			return NULL;
		}
		sb_add(&sb, buf, n);
	}
	if (len)
		*len = sb.len;
	return sb_detach(&sb);
}

/* Small sysfs/procfs reads: no allocation, trailing newline removed. */
int read_file_trim(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= n;
	}
	return 0;
}

int write_file(const char *path, const char *data, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0)
		return -1;
	return 0;
}

int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *d = dir_of(path);
	_cleanup_close_ int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return fsync(fd);
}

/* Readers see the old file or the new one, never half of either. */
int write_file_atomic(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());

	if (write_file(tmp, data, len) < 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return fsync_dir_of(path);
}

/* For sysfs, procfs and cgroupfs: one write, no fsync, errno preserved. */
int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	do
		n = write(fd, s, strlen(s));
	while (n < 0 && errno == EINTR);
	e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *c = path_join(path, de->d_name);
		if (rm_rf(c) < 0)
			ret = -1;
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, n) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *path_join(const char *a, const char *b)
{
	if (b[0] == '/')
		return xstrdup(b);
	return xasprintf("%s%s%s", a, str_endswith(a, "/") ? "" : "/", b);
}

char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xstrndup(path, s - path);
}

const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

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

pid_t spawn(char *const argv[], const struct spawn_opts *o)
{
	static const struct spawn_opts none = {.netns_fd = -1};
	pid_t pid;

	if (!o)
		o = &none;
	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;

	/* Child: only async-signal-safe work from here on. */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (o->new_session)
		setsid();
	if (o->pdeathsig > 0)
		prctl(PR_SET_PDEATHSIG, o->pdeathsig);
	if (o->netns_fd >= 0 && setns(o->netns_fd, CLONE_NEWNET) < 0) {
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
	if (o->cwd && chdir(o->cwd) < 0)
		_exit(127);
	if (o->envp)
		execvpe(argv[0], argv, o->envp);
	else
		execvp(argv[0], argv);
	dprintf(2, "iputstorm: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
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

char *argv_join(char *const argv[])
{
	struct strbuf sb;

	sb_init(&sb);
	for (int i = 0; argv[i]; i++)
		sb_printf(&sb, "%s%s", i ? " " : "", argv[i]);
	return sb_detach(&sb);
}

/* Runs argv to completion; output to log_path (appended) or inherited. */
static int run_argv_ns(char *const argv[], int netns_fd, double timeout, const char *log_path)
{
	struct spawn_opts o = {.netns_fd = netns_fd,
			       .stdout_path = log_path,
			       .stdout_append = true,
			       .stderr_path = log_path ? "=stdout" : NULL};
	char why[64];
	int st, r;
	pid_t pid = spawn(argv, &o);

	if (pid < 0)
		return err_set("cannot start %s: %s", argv[0], strerror(errno));
	r = wait_timeout(pid, timeout, &st);
	if (r == 1) {
		kill_wait(pid, 0);
		return err_set("%s did not finish within %.0f s", argv[0], timeout);
	}
	if (r < 0)
		return err_set("waiting for %s: %s", argv[0], strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		_cleanup_free_ char *cmd = argv_join(argv);
		return err_set("'%s' failed: %s%s%s", cmd, describe_status(st, why, sizeof(why)),
			       log_path ? "; see " : "", log_path ? log_path : "");
	}
	return 0;
}

int run_argv(char *const argv[], double timeout, const char *log_path)
{
	return run_argv_ns(argv, -1, timeout, log_path);
}

int run_capture(char *const argv[], double timeout, char **out)
{
	return run_capture_ns(argv, -1, timeout, out);
}

/* Runs argv (in a network namespace if netns_fd >= 0) and returns its output. */
int run_capture_ns(char *const argv[], int netns_fd, double timeout, char **out)
{
	char tmpl[] = "/tmp/iputstorm-cap.XXXXXX";
	_cleanup_close_ int fd = mkstemp(tmpl);
	int r;

	if (fd < 0)
		return err_set("cannot create a temporary file: %s", strerror(errno));
	r = run_argv_ns(argv, netns_fd, timeout, tmpl);
	*out = read_file(tmpl, NULL);
	unlink(tmpl);
	if (!*out)
		*out = xstrdup("");
	if (r < 0 && **out) {
		_cleanup_free_ char *msg = xstrdup(err_msg());
		err_set("%s: %.300s", msg, *out);
	}
	return r;
}

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
