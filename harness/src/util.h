/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_UTIL_H
#define IPUTSTORM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))

/* systemd-style scope cleanup: every early return releases what it owns. */
static inline void freep(void *p)
{
	extern void free(void *);
	free(*(void **)p);
}
void closep(int *fd);
void fclosep(FILE **f);
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _t = (p); \
		(p) = NULL;             \
		_t;                     \
	})
#define TAKE_FD(fd)            \
	({                     \
		int _t = (fd); \
		(fd) = -1;     \
		_t;            \
	})

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __printf(1, 2);

/* A growable string. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_init(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __printf(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
char *sb_detach(struct strbuf *sb);
void sb_release(struct strbuf *sb);

/* A NULL-terminated growable vector of owned strings (an argv). */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *sv, const char *s);
void strv_pushf(struct strv *sv, const char *fmt, ...) __printf(2, 3);
void strv_release(struct strv *sv);
int strv_split_ws(struct strv *sv, const char *s);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
char *str_strip(char *s);

/* Time. */
double now_mono(void);
double now_wall(void);
void sleep_s(double s);
char *iso8601_utc(double wall);

/* Values from scenario files and command lines. */
int parse_size(const char *s, uint64_t *out);
int parse_seconds(const char *s, double *out);
int parse_bool(const char *s, bool *out);
int parse_int(const char *s, long long *out);

/* Files. All writers fsync, so a crash leaves whole files. */
char *read_file(const char *path, size_t *len);
int read_file_trim(const char *path, char *buf, size_t size);
int write_file(const char *path, const char *data, size_t len);
int write_file_atomic(const char *path, const char *data, size_t len);
int write_str(const char *path, const char *s);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
int copy_file(const char *src, const char *dst, mode_t mode);
int fsync_dir_of(const char *path);
bool path_exists(const char *path);
char *path_join(const char *a, const char *b);
char *dir_of(const char *path);
const char *base_of(const char *path);
char *self_exe(void);

/* Processes. */
struct spawn_opts {
	const char *stdin_path;	 /* NULL: /dev/null */
	const char *stdout_path; /* NULL: inherit */
	const char *stderr_path; /* NULL: inherit; "=stdout" joins stdout */
	bool stdout_append;
	int netns_fd; /* >= 0: setns(CLONE_NEWNET) before exec */
	bool new_session;
	char *const *envp; /* NULL: inherit */
	const char *cwd;
	int pdeathsig; /* > 0: this signal when the spawning thread dies */
};
pid_t spawn(char *const argv[], const struct spawn_opts *o);
int wait_timeout(pid_t pid, double timeout, int *status);
int run_argv(char *const argv[], double timeout, const char *log_path);
int run_capture(char *const argv[], double timeout, char **out);
int run_capture_ns(char *const argv[], int netns_fd, double timeout, char **out);
void kill_wait(pid_t pid, double grace);
unsigned long long proc_starttime(pid_t pid);
char proc_state(pid_t pid);
bool proc_alive(pid_t pid, unsigned long long starttime);
char *argv_join(char *const argv[]);
const char *describe_status(int status, char *buf, size_t size);

#endif
