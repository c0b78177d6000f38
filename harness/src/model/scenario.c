// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/scenario.h"
#include "lib/base.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/strv.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum key_type { K_STR, K_INT, K_BOOL, K_SIZE, K_SECS, K_ENUM, K_PATH };

#define KF_REPEAT 0x1	/* may be given several times; values accumulate */
#define KF_REQUIRED 0x2 /* must be given in every section of its types */

#define T(x) (1u << (x))
#define T_GLOBAL T(SEC_GLOBAL)
#define T_CLUSTER T(SEC_CLUSTER)
#define T_WORK (T(SEC_FIO) | T(SEC_STRESS_NG) | T(SEC_CHURN))
#define T_PRESSURE (T(SEC_RECLAIM) | T(SEC_DROP_CACHES))
#define T_TIMED (T_WORK | T_PRESSURE | T(SEC_INJECT))
#define T_GROUPS (~(T_GLOBAL | T_CLUSTER))

struct key_def {
	const char *name;
	unsigned types;
	enum key_type type;
	const char *def;
	double min, max;
	const char *choices;
	unsigned flags;
	const char *doc;
};

static int value_error(const struct scenario *s, const struct scn_kv *kv, const char *fmt, ...)
	__printf(3, 4);

static const char *const sec_type_names[SEC_NTYPES] = {
	[SEC_GLOBAL] = "global",	   [SEC_CLUSTER] = "cluster", [SEC_FIO] = "fio",
	[SEC_STRESS_NG] = "stress-ng",	   [SEC_CHURN] = "churn",     [SEC_RECLAIM] = "reclaim",
	[SEC_DROP_CACHES] = "drop_caches", [SEC_SYSRQ] = "sysrq",     [SEC_CEPH] = "ceph",
	[SEC_INJECT] = "inject",
};

#define CHURN_KINDS "writer|truncate|metadata|snapshot|reader|prefetch|append"

/* The one place every scenario key is declared and documented. */
static const struct key_def keys[] = {
	/* [global] */
	{"description", T_GLOBAL, K_STR, "", 0, 0, NULL, 0,
	 "One line saying what the scenario does."},
	{"duration", T_GLOBAL, K_SECS, "120", 1, 86400, NULL, 0,
	 "Seconds of stress per trial, from the moment every mount is up."},
	{"trials", T_GLOBAL, K_INT, "1", 1, 100000, NULL, 0,
	 "Trials per run when `-n` is not given; each trial boots a fresh VM."},
	{"seed", T_GLOBAL, K_INT, "0", 0, 4294967295.0, NULL, 0,
	 "Random seed for the churners; 0 draws a new one per trial (recorded in verdict.json)."},
	{"stuck_after", T_GLOBAL, K_SECS, "20", 2, 3600, NULL, 0,
	 "A task in D state whose voluntary and involuntary context switches stay unchanged this "
	 "long is stuck."},
	{"stop_on_stuck", T_GLOBAL, K_BOOL, "true", 0, 0, NULL, 0,
	 "End the trial at the first stuck task (after collecting dumps)."},
	{"hung_task_timeout", T_GLOBAL, K_SECS, "30", 1, 3600, NULL, 0,
	 "Guest kernel.hung_task_timeout_secs, so the kernel's own detector reports too."},
	{"boot_timeout", T_GLOBAL, K_SECS, "120", 5, 3600, NULL, 0,
	 "From QEMU start until the agent says hello; past it the trial is MISS."},
	{"mount_timeout", T_GLOBAL, K_SECS, "60", 5, 3600, NULL, 0,
	 "Bound on each CephFS mount in the guest; past it the trial is MISS."},
	{"heartbeat_timeout", T_GLOBAL, K_SECS, "15", 3, 3600, NULL, 0,
	 "Heartbeats arrive every second; after this long without one the host asks the guest "
	 "for blocked-task dumps over the console."},
	{"dump_timeout", T_GLOBAL, K_SECS, "20", 2, 600, NULL, 0,
	 "How long the host collects sysrq dumps before it stops QEMU."},
	{"end_grace", T_GLOBAL, K_SECS, "60", 5, 3600, NULL, 0,
	 "After `duration`, how long workloads get to stop and the final sync and unmount to "
	 "finish before the trial counts as hung."},
	{"final_sync", T_GLOBAL, K_BOOL, "true", 0, 0, NULL, 0,
	 "Run syncfs on every mount after the workloads stop."},
	{"final_umount", T_GLOBAL, K_BOOL, "true", 0, 0, NULL, 0,
	 "Unmount every client at the end (unmount writes back every inode: a real window)."},
	{"vm_memory", T_GLOBAL, K_SIZE, "1G", 256 << 20, 64.0 * (1ULL << 30), NULL, 0,
	 "Guest RAM."},
	{"vm_cpus", T_GLOBAL, K_INT, "2", 1, 64, NULL, 0, "Guest vCPUs."},
	{"kernel_cmdline", T_GLOBAL, K_STR, "", 0, 0, NULL, 0,
	 "Extra guest kernel command-line words (split on blanks)."},
	{"clients", T_GLOBAL, K_INT, "1", 1, 4, NULL, 0,
	 "Independent CephFS kernel client instances (mount -o noshare), each with its own "
	 "client id and caps. Client 1 is /mnt/c1, client 2 /mnt/c2, ..."},
	{"mount_options", T_GLOBAL, K_STR, "", 0, 0, NULL, 0,
	 "Extra comma-separated CephFS mount options for every client."},
	{"sysctl", T_GLOBAL, K_STR, NULL, 0, 0, NULL, KF_REPEAT,
	 "Guest sysctl as `name=value` (e.g. `vm.dirty_expire_centisecs=3000`); repeatable."},
	{"fail_on_warning", T_GLOBAL, K_BOOL, "false", 0, 0, NULL, 0,
	 "A kernel `WARNING:` makes the trial FAIL (otherwise it is recorded only)."},
	{"telemetry", T_GLOBAL, K_BOOL, "true", 0, 0, NULL, 0,
	 "Count the dangerous paths (final iput in writeback or on ceph-msgr) with tracefs "
	 "kprobes and report them per minute."},

	/* [cluster] */
	{"ceph_config", T_CLUSTER, K_STR, NULL, 0, 0, NULL, KF_REPEAT,
	 "`WHO OPTION VALUE` set with `ceph config set` before the trial (e.g. `mds "
	 "mds_cache_memory_limit 8388608`); repeatable."},
	{"health_timeout", T_CLUSTER, K_SECS, "60", 5, 3600, NULL, 0,
	 "How long to wait for a healthy cluster (active MDS, clean PGs, I/O probe) before a "
	 "trial; past it the trial is MISS."},
	{"max_mds", T_CLUSTER, K_INT, "1", 1, 2, NULL, 0,
	 "Active MDS ranks; the embedded cluster runs max_mds + 1 daemons (one standby)."},

	/* Every group */
	{"type", T_GROUPS, K_ENUM, NULL, 0, 0,
	 "fio|stress-ng|churn|reclaim|drop_caches|sysrq|ceph|inject", KF_REQUIRED,
	 "What the group is: a workload (fio, stress-ng, churn), a pressure injector (reclaim, "
	 "drop_caches), a timed action (sysrq, ceph) or a kernel fault injection (inject)."},

	/* Workloads */
	{"client", T_WORK | T(SEC_INJECT), K_INT, "1", 1, 4, NULL, 0,
	 "Which client instance's mount the group works in."},
	{"dir", T_WORK | T(SEC_INJECT), K_STR, NULL, 0, 0, NULL, 0,
	 "Directory under the mount (default: the section name). Two groups on different "
	 "clients with the same dir work on the same files."},
	{"cgroup", T_WORK | T(SEC_RECLAIM) | T(SEC_INJECT), K_STR, NULL, 0, 0, NULL, 0,
	 "Memory cgroup to run in (default: the section name; groups naming the same cgroup "
	 "share it). For reclaim: the cgroup to reclaim from, or `all`."},
	{"memory.max", T_WORK | T(SEC_INJECT), K_SIZE, NULL, 1 << 20, 1e15, NULL, 0,
	 "cgroup v2 memory.max of the group's cgroup."},
	{"memory.high", T_WORK | T(SEC_INJECT), K_SIZE, NULL, 1 << 20, 1e15, NULL, 0,
	 "cgroup v2 memory.high of the group's cgroup."},
	{"instances", T_WORK | T(SEC_INJECT), K_INT, "1", 1, 256, NULL, 0,
	 "Copies of the workload, each in its own process."},
	{"start", T_TIMED, K_SECS, "0", 0, 86400, NULL, 0,
	 "Seconds after stress start at which the group starts."},
	{"stop", T_TIMED, K_SECS, "0", 0, 86400, NULL, 0,
	 "Seconds after stress start at which the group stops (0: at the end)."},
	{"oom", T_WORK, K_ENUM, "restart", 0, 0, "restart|ignore|error", 0,
	 "When the OOM killer ends an instance: start it again, leave it ended, or make the "
	 "trial ERROR."},
	{"jobfile", T(SEC_FIO), K_PATH, NULL, 0, 0, NULL, 0,
	 "fio job file (relative to the scenario file). Placeholders below work in it through "
	 "fio's ${VAR} environment expansion: DIR, DURATION, SEED, INSTANCE."},
	{"args", T(SEC_FIO) | T(SEC_STRESS_NG), K_STR, "", 0, 0, NULL, 0,
	 "Arguments, split on blanks, never through a shell. `{dir}`, `{duration}`, `{seed}`, "
	 "`{instance}` and `{client}` are replaced."},
	{"kind", T(SEC_CHURN), K_ENUM, NULL, 0, 0, CHURN_KINDS, KF_REQUIRED,
	 "Built-in churner: `writer` (write 1..pages pages, close, repeat), `truncate` "
	 "(truncate or unlink files of `dir`, usually from another client), `metadata` "
	 "(create/rename/stat/unlink storm), `snapshot` (mkdir/rmdir in .snap), `reader` "
	 "(fadvise WILLNEED + read), `prefetch` (fadvise WILLNEED of `pages` pages, then close "
	 "at once: readahead completes after the last file reference is gone), `append` "
	 "(append and read back)."},
	{"files", T(SEC_CHURN) | T(SEC_INJECT), K_INT, "64", 1, 1000000, NULL, 0,
	 "Files per instance the churner cycles through."},
	{"pages", T(SEC_CHURN) | T(SEC_INJECT), K_INT, "8", 1, 65536, NULL, 0,
	 "Most pages written (or read) per operation."},
	{"interval", T(SEC_CHURN) | T_PRESSURE | T(SEC_INJECT), K_SECS, NULL, 0, 86400, NULL, 0,
	 "Pause between operations (churn default 0; reclaim 0.5; drop_caches 1; "
	 "snapshot 2)."},
	{"keep", T(SEC_CHURN), K_INT, "4", 1, 1000, NULL, 0,
	 "Snapshots kept before the oldest is removed."},

	/* Pressure */
	{"amount", T(SEC_RECLAIM), K_SIZE, "16M", 4096, 1e15, NULL, 0,
	 "Bytes asked of memory.reclaim per write (EAGAIN, nothing reclaimable, is normal)."},
	{"value", T(SEC_DROP_CACHES), K_INT, "3", 1, 3, NULL, 0,
	 "What to write to /proc/sys/vm/drop_caches: 1 page cache, 2 dentries and inodes, 3 "
	 "both."},

	/* Timed actions */
	{"at", T(SEC_SYSRQ) | T(SEC_CEPH), K_SECS, NULL, 0, 86400, NULL, KF_REQUIRED,
	 "Seconds after stress start."},
	{"every", T(SEC_CEPH), K_SECS, "0", 0, 86400, NULL, 0,
	 "Repeat period after `at` (0: once)."},
	{"key", T(SEC_SYSRQ), K_STR, NULL, 0, 0, NULL, KF_REQUIRED,
	 "The sysrq key to trigger in the guest (`c` crashes it: a harness self-test)."},
	{"command", T(SEC_CEPH), K_STR, NULL, 0, 0, NULL, KF_REQUIRED,
	 "`ceph` CLI words run by the host against the cluster (e.g. `mds fail 0`), split on "
	 "blanks, never through a shell."},

	/* Fault injection (iputstorm_inject.ko) */
	{"injection", T(SEC_INJECT), K_ENUM, NULL, 0, 0, "lost-truncate|read-delay", KF_REQUIRED,
	 "Which injection iputstorm_inject.ko applies (docs/injections.md): `lost-truncate` "
	 "runs a churner that loses the truncate of `files` unlinked dirty files per cycle "
	 "(path #1); `read-delay` holds back `probability` % of the read completions the "
	 "messenger delivers for `delay` (6.12: the read stays outstanding netfs I/O; 6.1: its "
	 "folios stay locked), widening path #2."},
	{"settle", T(SEC_INJECT), K_SECS, "6", 0, 600, NULL, 0,
	 "lost-truncate: how long the unlinked dirty files stay open before their size is lost "
	 "(lets the cap flush reach the MDS, so no truncate work holds a reference)."},
	{"delay", T(SEC_INJECT), K_SECS, "2", 0, 600, NULL, 0,
	 "For the delay injections: how long to hold the completion back."},
	{"probability", T(SEC_INJECT), K_INT, "100", 0, 100, NULL, 0,
	 "Percent of eligible events a delay injection applies to."},
};

const char *sec_type_name(enum sec_type t)
{
	return t < SEC_NTYPES ? sec_type_names[t] : "?";
}

static const struct key_def *key_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* ---- loading ---- */

struct load_ctx {
	struct scenario *s;
	FILE *f;
	const char *text; /* string source instead of f */
	int line;
	int err_line;
	char err[512];
	bool raw_indented; /* current raw line starts with a blank */
	int section_line;  /* line of the last [section] header */
	const char *last_key;
	const char *last_sec;
	int last_line;
};

static struct scn_section *section_get(struct scenario *s, const char *name, int line)
{
	for (size_t i = 0; i < s->nsec; i++)
		if (!strcmp(s->sec[i].name, name))
			return &s->sec[i];
	s->sec = xrealloc(s->sec, (s->nsec + 1) * sizeof(*s->sec));
	struct scn_section *sec = &s->sec[s->nsec++];
	memset(sec, 0, sizeof(*sec));
	sec->name = xstrdup(name);
	sec->line = line;
	sec->type = !strcmp(name, "global")    ? SEC_GLOBAL
		    : !strcmp(name, "cluster") ? SEC_CLUSTER
					       : SEC_NTYPES;
	return sec;
}

static void kv_add(struct scn_section *sec, const char *key, const char *value, int line)
{
	sec->kv = xrealloc(sec->kv, (sec->nkv + 1) * sizeof(*sec->kv));
	sec->kv[sec->nkv].key = xstrdup(key);
	sec->kv[sec->nkv].value = xstrdup(value);
	sec->kv[sec->nkv].line = line;
	sec->nkv++;
}

static struct scn_kv *kv_find(const struct scn_section *sec, const char *key)
{
	for (size_t i = 0; i < sec->nkv; i++)
		if (!strcmp(sec->kv[i].key, key))
			return &sec->kv[i];
	return NULL;
}

static void load_error(struct load_ctx *c, int line, const char *fmt, ...) __printf(3, 4);
static void load_error(struct load_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	if (c->err_line)
		return;
	c->err_line = line;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static char *reader(char *buf, int size, void *stream)
{
	struct load_ctx *c = stream;
	size_t n;

	if (c->f) {
		if (!fgets(buf, size, c->f))
			return NULL;
	} else {
		const char *e;

		if (!*c->text)
			return NULL;
		e = strchr(c->text, '\n');
		n = e ? (size_t)(e - c->text + 1) : strlen(c->text);
		if (n >= (size_t)size) {
			/* Over-long: hand inih a stub, report our own error. */
			memcpy(buf, c->text, size - 2);
			buf[size - 2] = '\n';
			buf[size - 1] = '\0';
		} else {
			memcpy(buf, c->text, n);
			buf[n] = '\0';
		}
		c->text += n;
	}
	c->line++;
	n = strlen(buf);
	if (n == (size_t)size - 1 && buf[n - 1] != '\n') {
		int ch;

		load_error(c, c->line,
			   "line longer than %d characters; split it with indented "
			   "continuation lines",
			   size - 2);
		if (c->f)
			while ((ch = fgetc(c->f)) != EOF && ch != '\n')
				;
	}
	c->raw_indented = buf[0] == ' ' || buf[0] == '\t';
	{
		const char *t = buf;

		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '[')
			c->section_line = c->line;
	}
	return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	struct scn_section *sec;
	struct scn_kv *kv;
	const struct key_def *kd;

	if (!*section) {
		load_error(c, c->line, "'%s' is outside any section; put it under [global]", name);
		return 1;
	}
	sec = section_get(c->s, section, c->section_line ? c->section_line : c->line);
	if (!name)
		return 1; /* a section header with no keys yet */

	/* inih reports an indented continuation as a repeat of the previous key. */
	if (c->raw_indented && c->last_key && !strcmp(c->last_key, name) &&
	    !strcmp(c->last_sec, section)) {
		kv = NULL;
		for (size_t i = sec->nkv; i-- > 0;)
			if (!strcmp(sec->kv[i].key, name)) {
				kv = &sec->kv[i];
				break;
			}
		if (kv) {
			char *joined = xasprintf("%s %s", kv->value, value);
			free(kv->value);
			kv->value = joined;
			return 1;
		}
	}

	kd = key_lookup(name);
	if (!kd) {
		load_error(c, c->line,
			   "unknown key '%s' in [%s]; `iputstorm validate --keys` "
			   "lists every key",
			   name, section);
		return 1;
	}
	if (!(kd->flags & KF_REPEAT) && kv_find(sec, name)) {
		load_error(c, c->line, "'%s' given twice in [%s] (first on line %d)", name, section,
			   kv_find(sec, name)->line);
		return 1;
	}
	kv_add(sec, name, value, c->line);
	c->last_key = kd->name;
	c->last_sec = sec->name;
	return 1;
}

static void scenario_init(struct scenario *s, const char *path)
{
	const char *b = base_of(path);

	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	s->name = str_endswith(b, ".ini") ? xstrndup(b, strlen(b) - 4) : xstrdup(b);
}

static int finish_load(struct load_ctx *c, int r)
{
	if (r > 0 && !c->err_line)
		load_error(c, r, "not a `key = value` line, a [section] or a comment");
	if (r < 0)
		return err_set("%s: cannot read: %s", c->s->path, strerror(errno));
	if (c->err_line)
		return err_set("%s:%d: %s", c->s->path, c->err_line, c->err);
	section_get(c->s, "global", 0);
	return scenario_validate(c->s);
}

/* A path in a scenario is relative to the scenario file; the as-run copy is absolute. */
static int absolutize_paths(struct scenario *s)
{
	_cleanup_free_ char *dir = dir_of(s->path);

	for (size_t i = 0; i < s->nsec; i++)
		for (size_t j = 0; j < s->sec[i].nkv; j++) {
			struct scn_kv *kv = &s->sec[i].kv[j];
			const struct key_def *kd = key_lookup(kv->key);
			char *abs;

			if (!kd || kd->type != K_PATH || kv->value[0] == '/')
				continue;
			_cleanup_free_ char *joined = path_join(dir, kv->value);
			abs = realpath(joined, NULL);
			if (!abs)
				return value_error(s, kv, "%s: cannot open %s: %s", kv->key, joined,
						   strerror(errno));
			free(kv->value);
			kv->value = abs;
		}
	return 0;
}

int scenario_load(struct scenario *s, const char *path)
{
	struct load_ctx c = {.s = s};
	int r;

	scenario_init(s, path);
	c.f = fopen(path, "re");
	if (!c.f) {
		err_set("%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	r = ini_parse_stream(reader, &c, handler, &c);
	fclose(c.f);
	if (finish_load(&c, r) < 0 || absolutize_paths(s) < 0)
		goto fail;
	return 0;
fail:
	/* A scenario that did not load holds nothing: callers need not free it. */
	scenario_free(s);
	return -1;
}

int scenario_load_string(struct scenario *s, const char *name, const char *text)
{
	struct load_ctx c = {.s = s, .text = text};

	scenario_init(s, name);
	if (finish_load(&c, ini_parse_stream(reader, &c, handler, &c)) < 0) {
		scenario_free(s);
		return -1;
	}
	return 0;
}

void scenario_free(struct scenario *s)
{
	for (size_t i = 0; i < s->nsec; i++) {
		for (size_t j = 0; j < s->sec[i].nkv; j++) {
			free(s->sec[i].kv[j].key);
			free(s->sec[i].kv[j].value);
		}
		free(s->sec[i].kv);
		free(s->sec[i].name);
	}
	free(s->sec);
	free(s->path);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* ---- validation ---- */

static int value_error(const struct scenario *s, const struct scn_kv *kv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (kv->line)
		return err_set("%s:%d: %s", s->path, kv->line, msg);
	return err_set("-o %s=%s: %s", kv->key, kv->value, msg);
}

static bool enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; p;) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, v, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static void fmt_limit(const struct key_def *kd, double v, char *buf, size_t n)
{
	if (kd->type == K_SIZE && v >= (1 << 20))
		snprintf(buf, n, "%gM", v / (1 << 20));
	else
		snprintf(buf, n, "%g", v);
}

static int check_value(const struct scenario *s, const struct key_def *kd, struct scn_kv *kv)
{
	char lo[32], hi[32];
	double v = 0;

	switch (kd->type) {
	case K_STR:
	case K_PATH:
		return 0;
	case K_ENUM:
		if (!enum_has(kd->choices, kv->value))
			return value_error(s, kv, "%s must be one of %s, not '%s'", kd->name,
					   kd->choices, kv->value);
		return 0;
	case K_BOOL: {
		bool b;

		if (parse_bool(kv->value, &b) < 0)
			return value_error(s, kv, "%s must be true or false, not '%s'", kd->name,
					   kv->value);
		return 0;
	}
	case K_INT: {
		long long i;

		if (parse_int(kv->value, &i) < 0)
			return value_error(s, kv, "%s must be an integer, not '%s'", kd->name,
					   kv->value);
		v = i;
		break;
	}
	case K_SIZE: {
		uint64_t u;

		if (parse_size(kv->value, &u) < 0)
			return value_error(s, kv, "%s must be a size like 64M or 1G, not '%s'",
					   kd->name, kv->value);
		v = u;
		if (v <= 0)
			return value_error(s, kv, "%s must be > 0", kd->name);
		break;
	}
	case K_SECS:
		if (parse_seconds(kv->value, &v) < 0)
			return value_error(s, kv,
					   "%s must be a duration like 30, 1.5s, 500ms or 2m, "
					   "not '%s'",
					   kd->name, kv->value);
		break;
	}
	if (v < kd->min || v > kd->max) {
		fmt_limit(kd, kd->min, lo, sizeof(lo));
		fmt_limit(kd, kd->max, hi, sizeof(hi));
		return value_error(s, kv, "%s must be between %s and %s, not %s", kd->name, lo, hi,
				   kv->value);
	}
	return 0;
}

static int resolve_type(struct scenario *s, struct scn_section *sec)
{
	struct scn_kv *t;

	if (sec->type == SEC_GLOBAL || sec->type == SEC_CLUSTER)
		return 0;
	t = kv_find(sec, "type");
	if (!t)
		return err_set("%s:%d: [%s] has no 'type'; say what the group is (fio, stress-ng, "
			       "churn, reclaim, drop_caches, sysrq, ceph, inject)",
			       s->path, sec->line, sec->name);
	for (int i = SEC_FIO; i < SEC_NTYPES; i++)
		if (!strcmp(sec_type_names[i], t->value)) {
			sec->type = i;
			return 0;
		}
	return value_error(s, t,
			   "type must be one of fio, stress-ng, churn, reclaim, "
			   "drop_caches, sysrq, ceph, inject, not '%s'",
			   t->value);
}

static int check_section_keys(struct scenario *s, struct scn_section *sec)
{
	for (size_t j = 0; j < sec->nkv; j++) {
		struct scn_kv *kv = &sec->kv[j];
		const struct key_def *kd = key_lookup(kv->key);

		if (!kd)
			return value_error(s, kv, "unknown key '%s'", kv->key);
		if (!(kd->types & T(sec->type)))
			return value_error(s, kv, "'%s' does not apply to [%s] (type %s)", kv->key,
					   sec->name, sec_type_name(sec->type));
		if (check_value(s, kd, kv) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!(keys[i].flags & KF_REQUIRED) || !(keys[i].types & T(sec->type)))
			continue;
		if (!kv_find(sec, keys[i].name))
			return err_set("%s:%d: [%s] (type %s) needs '%s': %s", s->path, sec->line,
				       sec->name, sec_type_name(sec->type), keys[i].name,
				       keys[i].doc);
	}
	return 0;
}

static int check_name_value_list(struct scenario *s, struct scn_section *sec, const char *key,
				 int words)
{
	for (size_t j = 0; j < sec->nkv; j++) {
		struct scn_kv *kv = &sec->kv[j];

		if (strcmp(kv->key, key))
			continue;
		if (words == 0) {
			const char *eq = strchr(kv->value, '=');

			if (!eq || eq == kv->value || strchr(kv->value, '/') ||
			    strstr(kv->value, ".."))
				return value_error(s, kv,
						   "%s must look like name=value with a dotted "
						   "sysctl name, not '%s'",
						   key, kv->value);
		} else {
			struct strv sv = {0};
			int n = strv_split_ws(&sv, kv->value);

			strv_release(&sv);
			if (n != words)
				return value_error(s, kv,
						   "%s takes %d words (WHO OPTION VALUE), "
						   "not '%s'",
						   key, words, kv->value);
		}
	}
	return 0;
}

static int check_dir(struct scenario *s, struct scn_section *sec)
{
	struct scn_kv *kv = kv_find(sec, "dir");
	const char *d = kv ? kv->value : sec->name;

	if (d[0] == '/' || strstr(d, "..") || !*d)
		return kv ? value_error(s, kv,
					"dir must be a relative path inside the mount, not "
					"'%s'",
					d)
			  : err_set("%s:%d: section name '%s' is not usable as a directory; set "
				    "dir",
				    s->path, sec->line, d);
	return 0;
}

static int check_groups(struct scenario *s)
{
	struct scn_section *g = scenario_global(s);
	long long clients = scn_int(g, "clients");

	for (size_t i = 0; i < s->nsec; i++) {
		struct scn_section *sec = &s->sec[i];
		struct scn_kv *kv;

		if (sec->type == SEC_GLOBAL || sec->type == SEC_CLUSTER)
			continue;
		kv = kv_find(sec, "client");
		if (kv && scn_int(sec, "client") > clients)
			return value_error(s, kv,
					   "client %s does not exist: [global] clients = %lld",
					   kv->value, clients);
		if ((T(sec->type) & (T_WORK | T(SEC_INJECT))) && check_dir(s, sec) < 0)
			return -1;
		if (sec->type == SEC_FIO && !kv_find(sec, "jobfile") && !*scn_str(sec, "args"))
			return err_set("%s:%d: [%s] (type fio) needs 'jobfile' or 'args'", s->path,
				       sec->line, sec->name);
		if (sec->type == SEC_STRESS_NG && !*scn_str(sec, "args"))
			return err_set("%s:%d: [%s] (type stress-ng) needs 'args'", s->path,
				       sec->line, sec->name);
		if (sec->type == SEC_SYSRQ && strlen(scn_str(sec, "key")) != 1)
			return value_error(s, kv_find(sec, "key"), "key must be one character");
		if (scn_isset(sec, "stop") && scn_secs(sec, "stop") > 0 &&
		    scn_secs(sec, "stop") <= scn_secs(sec, "start"))
			return value_error(s, kv_find(sec, "stop"),
					   "stop must be after start (%g s)",
					   scn_secs(sec, "start"));
	}
	return 0;
}

/* Groups naming the same cgroup share it, so their limits must agree. */
static int check_cgroups(struct scenario *s)
{
	for (size_t i = 0; i < s->nsec; i++) {
		struct scn_section *a = &s->sec[i];

		if (!(T(a->type) & (T_WORK | T(SEC_INJECT))))
			continue;
		for (size_t j = i + 1; j < s->nsec; j++) {
			struct scn_section *b = &s->sec[j];

			if (!(T(b->type) & (T_WORK | T(SEC_INJECT))) ||
			    strcmp(scn_cgroup(a), scn_cgroup(b)))
				continue;
			for (const char *const *k =
				     (const char *const[]){"memory.max", "memory.high", NULL};
			     *k; k++) {
				struct scn_kv *ka = kv_find(a, *k), *kb = kv_find(b, *k);

				if (ka && kb && scn_size(a, *k) != scn_size(b, *k))
					return value_error(s, kb,
							   "[%s] and [%s] share cgroup '%s' "
							   "but set different %s",
							   a->name, b->name, scn_cgroup(a), *k);
			}
		}
	}
	for (size_t i = 0; i < s->nsec; i++) {
		struct scn_section *r = &s->sec[i];
		bool found = false;

		if (r->type != SEC_RECLAIM || !strcmp(scn_cgroup(r), "all"))
			continue;
		for (size_t j = 0; j < s->nsec; j++)
			if ((T(s->sec[j].type) & (T_WORK | T(SEC_INJECT))) &&
			    !strcmp(scn_cgroup(&s->sec[j]), scn_cgroup(r)))
				found = true;
		if (!found) {
			struct scn_kv *kv = kv_find(r, "cgroup");

			if (kv)
				return value_error(s, kv, "no workload runs in cgroup '%s'",
						   kv->value);
			return err_set(
				"%s:%d: [%s] (type reclaim) needs 'cgroup' naming a workload's "
				"cgroup, or all",
				s->path, r->line, r->name);
		}
	}
	return 0;
}

int scenario_validate(struct scenario *s)
{
	for (size_t i = 0; i < s->nsec; i++)
		if (resolve_type(s, &s->sec[i]) < 0)
			return -1;
	for (size_t i = 0; i < s->nsec; i++)
		if (check_section_keys(s, &s->sec[i]) < 0)
			return -1;
	if (check_name_value_list(s, scenario_global(s), "sysctl", 0) < 0)
		return -1;
	if (scenario_cluster(s) &&
	    check_name_value_list(s, scenario_cluster(s), "ceph_config", 3) < 0)
		return -1;
	if (check_groups(s) < 0 || check_cgroups(s) < 0)
		return -1;
	return 0;
}

/* "-o duration=30", "-o writers.memory.max=32M", "-o cluster.max_mds=2". */
int scenario_override(struct scenario *s, const char *assignment)
{
	_cleanup_free_ char *copy = xstrdup(assignment);
	char *eq = strchr(copy, '=');
	char *key = copy, *dot;
	struct scn_section *sec = NULL;
	const struct key_def *kd;

	if (!eq)
		return err_set("-o %s: expected key=value (e.g. -o duration=30 or "
			       "-o writers.memory.max=32M)",
			       assignment);
	*eq = '\0';
	dot = strchr(key, '.');
	if (dot) {
		*dot = '\0';
		sec = scenario_section(s, key);
		if (!sec)
			*dot = '.';
		else
			key = dot + 1;
	}
	if (!sec)
		sec = scenario_global(s);
	kd = key_lookup(key);
	if (!kd)
		return err_set("-o %s: unknown key '%s'; `iputstorm validate --keys` lists every "
			       "key",
			       assignment, key);
	if (!(kd->flags & KF_REPEAT)) {
		struct scn_kv *kv = kv_find(sec, key);

		if (kv) {
			free(kv->value);
			kv->value = xstrdup(eq + 1);
			kv->line = 0;
			return scenario_validate(s);
		}
	}
	kv_add(sec, key, eq + 1, 0);
	return scenario_validate(s);
}

/* ---- access ---- */

struct scn_section *scenario_section(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nsec; i++)
		if (!strcmp(s->sec[i].name, name))
			return &s->sec[i];
	return NULL;
}

struct scn_section *scenario_global(const struct scenario *s)
{
	return scenario_section(s, "global");
}

struct scn_section *scenario_cluster(const struct scenario *s)
{
	return scenario_section(s, "cluster");
}

static const char *raw(const struct scn_section *sec, const char *key)
{
	const struct key_def *kd = key_lookup(key);
	struct scn_kv *kv = sec ? kv_find(sec, key) : NULL;

	if (kv)
		return kv->value;
	if (!kd) {
		fprintf(stderr, "iputstorm: internal error: undeclared scenario key %s\n", key);
		abort();
	}
	return kd->def;
}

const char *scn_str(const struct scn_section *sec, const char *key)
{
	const char *v = raw(sec, key);

	if (!v && !strcmp(key, "dir"))
		return sec->name;
	return v ? v : "";
}

bool scn_isset(const struct scn_section *sec, const char *key)
{
	return sec && kv_find(sec, key);
}

long long scn_int(const struct scn_section *sec, const char *key)
{
	const char *v = raw(sec, key);
	long long i = 0;

	if (v)
		parse_int(v, &i);
	return i;
}

double scn_secs(const struct scn_section *sec, const char *key)
{
	const char *v = raw(sec, key);
	double d = 0;

	if (v)
		parse_seconds(v, &d);
	return d;
}

uint64_t scn_size(const struct scn_section *sec, const char *key)
{
	const char *v = raw(sec, key);
	uint64_t u = 0;

	if (v)
		parse_size(v, &u);
	return u;
}

bool scn_bool(const struct scn_section *sec, const char *key)
{
	const char *v = raw(sec, key);
	bool b = false;

	if (v)
		parse_bool(v, &b);
	return b;
}

const char *scn_nth(const struct scn_section *sec, const char *key, int n)
{
	if (!sec)
		return NULL;
	for (size_t i = 0; i < sec->nkv; i++)
		if (!strcmp(sec->kv[i].key, key) && n-- == 0)
			return sec->kv[i].value;
	return NULL;
}

const char *scn_cgroup(const struct scn_section *sec)
{
	struct scn_kv *kv = kv_find(sec, "cgroup");

	return kv ? kv->value : sec->name;
}

/* ---- output ---- */

char *scenario_dump(const struct scenario *s)
{
	struct strbuf sb;
	static const enum sec_type order[] = {SEC_GLOBAL, SEC_CLUSTER, SEC_NTYPES};

	sb_init(&sb);
	sb_printf(&sb, "; scenario %s as run (overrides applied)\n", s->name);
	for (size_t o = 0; o < ARRAY_SIZE(order); o++) {
		for (size_t i = 0; i < s->nsec; i++) {
			const struct scn_section *sec = &s->sec[i];
			bool first = order[o] != SEC_NTYPES;

			if (first ? sec->type != order[o]
				  : sec->type == SEC_GLOBAL || sec->type == SEC_CLUSTER)
				continue;
			sb_printf(&sb, "\n[%s]\n", sec->name);
			for (size_t j = 0; j < sec->nkv; j++)
				sb_printf(&sb, "%s = %s\n", sec->kv[j].key, sec->kv[j].value);
		}
	}
	return sb_detach(&sb);
}

static const char *type_word(enum key_type t)
{
	switch (t) {
	case K_STR:
		return "text";
	case K_INT:
		return "integer";
	case K_BOOL:
		return "bool";
	case K_SIZE:
		return "size";
	case K_SECS:
		return "seconds";
	case K_ENUM:
		return "choice";
	case K_PATH:
		return "path";
	}
	return "?";
}

void scenario_print_keys(FILE *f)
{
	fprintf(f, "# Scenario keys\n\n"
		   "Generated by `iputstorm validate --keys`; a unit test keeps this file and the "
		   "parser in step.\n\n"
		   "Sizes take K/M/G suffixes (binary). Durations take s, ms, m or h (bare numbers "
		   "are seconds). Unknown keys, keys in the wrong section and out-of-range values "
		   "are errors reported with file:line.\n");
	for (int t = 0; t < SEC_NTYPES; t++) {
		if (t == SEC_GLOBAL || t == SEC_CLUSTER)
			fprintf(f, "\n## [%s]\n\n", sec_type_name(t));
		else
			fprintf(f, "\n## type = %s\n\n", sec_type_name(t));
		fprintf(f, "| key | type | default | meaning |\n|---|---|---|---|\n");
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			const struct key_def *kd = &keys[i];

			if (!(kd->types & T(t)))
				continue;
			fprintf(f, "| `%s` | %s%s%s | %s | %s%s |\n", kd->name, type_word(kd->type),
				kd->choices ? ": " : "", kd->choices ? kd->choices : "",
				kd->flags & KF_REQUIRED ? "required"
				: kd->def		? (*kd->def ? kd->def : "\"\"")
							: "-",
				kd->doc, kd->flags & KF_REPEAT ? " (repeatable)" : "");
		}
	}
}

/* ---- locations ---- */

char *scenario_resolve(const char *name)
{
	if (strchr(name, '/') || path_exists(name))
		return xstrdup(name);
	return xasprintf("%s/scenarios/%s%s", data_dir(), name,
			 str_endswith(name, ".ini") ? "" : ".ini");
}
