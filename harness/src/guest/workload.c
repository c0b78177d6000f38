// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/workload.h"
#include "guest/cgroup.h"
#include "guest/churn.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/strbuf.h"
#include "lib/strv.h"
#include "model/injections.h"
#include "model/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *expand_placeholders(const char *arg, const char *dir, double duration, uint64_t seed,
			  int instance, int client)
{
	struct strbuf sb;

	sb_init(&sb);
	for (const char *p = arg; *p;) {
		if (str_startswith(p, "{dir}")) {
			sb_puts(&sb, dir);
			p += 5;
		} else if (str_startswith(p, "{duration}")) {
			sb_printf(&sb, "%.0f", ceil(duration));
			p += 10;
		} else if (str_startswith(p, "{seed}")) {
			sb_printf(&sb, "%llu", (unsigned long long)seed);
			p += 6;
		} else if (str_startswith(p, "{instance}")) {
			sb_printf(&sb, "%d", instance);
			p += 10;
		} else if (str_startswith(p, "{client}")) {
			sb_printf(&sb, "%d", client);
			p += 8;
		} else {
			sb_add(&sb, p, 1);
			p++;
		}
	}
	return sb_detach(&sb);
}

char *instance_dir(const struct instance *inst, const struct workload_env *env)
{
	const char *top = inst->g->via == VIA_NFS && env->nfs_mount ? env->nfs_mount
								    : env->mounts[inst->g->client];

	return xasprintf("%s/%s/%s", top, env->workdir, inst->g->dir);
}

/* The group's directory on the other client's mount (two clients), else NULL. */
static char *peer_dir(const struct instance *inst, const struct workload_env *env)
{
	int other = inst->g->client == 1 ? 2 : 1;

	if (other >= (int)ARRAY_SIZE(env->mounts) || !env->mounts[other])
		return NULL;
	return xasprintf("%s/%s/%s", env->mounts[other], env->workdir, inst->g->dir);
}

unsigned long long cgroup_oom_kills(const char *cgroup)
{
	_cleanup_free_ char *p = xasprintf(CGROUP_BASE "/%s/memory.events", cgroup);
	_cleanup_free_ char *s = read_file(p, NULL);
	const char *k = s ? strstr(s, "oom_kill ") : NULL;

	return k ? strtoull(k + 9, NULL, 10) : 0;
}

char *instance_log_tail(const struct instance *inst, size_t max)
{
	size_t len;
	_cleanup_free_ char *s = read_file(inst->log, &len);

	if (!s)
		return xstrdup("");
	return xstrdup(len > max ? s + len - max : s);
}

static void child_fail(const char *what, const char *arg)
{
	fprintf(stderr, "%s %s: %s\n", what, arg, strerror(errno));
	_exit(126);
}

static void run_pressure(const struct instance *inst)
{
	const struct scn_group *g = inst->g;
	char value[24];

	snprintf(value, sizeof(value), "%lld", g->value);
	for (;;) {
		if (g->type == SEC_DROP_CACHES) {
			if (write_str("/proc/sys/vm/drop_caches", value) < 0)
				child_fail("drop_caches: writing", value);
		} else if (cgroup_reclaim(strcmp(g->cgroup, "all") ? g->cgroup : ".", g->amount) <
			   0) {
			/* "all": the parent of every scenario cgroup reclaims from each. */
			fprintf(stderr, "reclaim: %s\n", err_msg());
			_exit(1);
		}
		sleep_s(g->interval);
	}
}

static void exec_tool(const struct instance *inst, const struct workload_env *env, const char *dir)
{
	const struct scn_group *g = inst->g;
	struct strv argv = {0};
	struct strv args = {0};

	strv_push(&argv, g->type == SEC_FIO ? "fio" : "stress-ng");
	if (g->type == SEC_FIO && g->jobfile) {
		/* Job files read these through fio's ${VAR} expansion. */
		char buf[64];

		setenv("DIR", dir, 1);
		snprintf(buf, sizeof(buf), "%.0f", ceil(env->duration));
		setenv("DURATION", buf, 1);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)env->seed);
		setenv("SEED", buf, 1);
		snprintf(buf, sizeof(buf), "%d", inst->idx);
		setenv("INSTANCE", buf, 1);
		strv_push(&argv, g->jobfile);
	}
	strv_split_ws(&args, g->args);
	for (size_t i = 0; i < args.n; i++) {
		_cleanup_free_ char *e = expand_placeholders(args.v[i], dir, env->duration,
							     env->seed, inst->idx, (int)g->client);
		strv_push(&argv, e);
	}
	strv_release(&args);
	execvp(argv.v[0], argv.v);
	child_fail("cannot run", argv.v[0]);
}

static int mkdir_all(const char *path)
{
	return mkdir_p(path, 0755);
}

static void instance_child(const struct instance *inst, const struct workload_env *env)
{
	const struct scn_group *g = inst->g;
	int fd;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	setsid();
	fd = open(inst->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (group_is_pressure(g))
		run_pressure(inst);
	if (cgroup_join(g->cgroup) < 0) {
		fprintf(stderr, "%s\n", err_msg());
		_exit(126);
	}
	{
		_cleanup_free_ char *dir = instance_dir(inst, env);
		_cleanup_free_ char *peer = peer_dir(inst, env);

		/* On CephFS: this may block, which is why it happens in the child. */
		if (mkdir_all(dir) < 0)
			child_fail("mkdir", dir);
		if (chdir(dir) < 0)
			child_fail("chdir", dir);
		if (g->type == SEC_CHURN || group_injects_by_churner(g)) {
			struct churn_opts o = {
				.kind = g->type == SEC_CHURN ? churn_kind_name(g->kind)
					: g->injection == INJ_CORRUPT_PAGE ? "verify"
									   : "lost-truncate",
				.files = (int)g->files,
				.pages = (int)g->pages,
				.interval = g->interval,
				.keep = g->type == SEC_CHURN ? (int)g->keep : 0,
				.settle = g->type == SEC_INJECT ? g->settle : 0,
				.seed = env->seed,
				.instance = inst->idx,
				.client = (int)g->client,
				.report_path = inst->report,
				.peer_dir = peer,
				.corrupt =
					g->type == SEC_INJECT && g->injection == INJ_CORRUPT_PAGE,
				.eio_expected = g->via == VIA_NFS && env->nfs_expires,
			};
			_exit(churn_run(&o));
		}
		exec_tool(inst, env, dir);
	}
	_exit(126);
}

/*
 * A restarted instance reports afresh, and a verify writer's files start
 * empty: an earlier model would not match them after the remount.
 */
static void forget_reports(const struct instance *inst)
{
	_cleanup_free_ char *model = xasprintf("%s.model", inst->report);
	_cleanup_free_ char *recheck = xasprintf("%s.remount", inst->report);

	unlink(inst->report);
	unlink(model);
	unlink(recheck);
}

int instance_start(struct instance *inst, const struct workload_env *env)
{
	pid_t pid;

	free(inst->log);
	inst->log = xasprintf("%s/%s.%d.log", env->log_dir, inst->g->name, inst->idx);
	free(inst->report);
	inst->report = xasprintf("%s.integrity.json", inst->log);
	forget_reports(inst);
	if (group_is_workload(inst->g))
		inst->oom_kills = cgroup_oom_kills(inst->g->cgroup);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return err_set("fork for [%s]: %s", inst->g->name, strerror(errno));
	if (pid == 0)
		instance_child(inst, env);
	inst->pid = pid;
	inst->started = now_mono();
	return 0;
}
