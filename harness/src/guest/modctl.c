// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest/modctl.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/spawn.h"
#include "lib/strv.h"
#include "model/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int store_modprobe(const char *modules_root, char *const args[])
{
	_cleanup_strv_ struct strv argv = {0};
	_cleanup_free_ char *what = NULL;

	if (!modules_root || access(modules_root, F_OK) < 0)
		return err_set("the kernel's modules are not visible in the guest (%s): this "
			       "scenario needs guest_root = 9p",
			       modules_root ? modules_root : "none given");
	strv_push(&argv, "modprobe");
	strv_push(&argv, "-d");
	strv_push(&argv, modules_root);
	for (size_t i = 0; args[i]; i++)
		strv_push(&argv, args[i]);
	if (run_argv(argv.v, 60, NULL) == 0)
		return 0;
	what = argv_join(argv.v);
	return err_prefix("%s", what);
}

int inject_load(const char *ko)
{
	_cleanup_close_ int fd = open(ko, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set("cannot open %s: %s", ko, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		return err_set("cannot load %s: %s (see console.log)", ko, strerror(errno));
	return 0;
}

bool inject_loaded(void)
{
	return access(INJECT_CTL, F_OK) == 0;
}

int inject_ctl(const char *fmt, ...)
{
	char cmd[96];
	va_list ap;
	_cleanup_close_ int fd = open(INJECT_CTL, O_WRONLY | O_CLOEXEC);

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (fd < 0)
		return err_set("%s: %s (is iputstorm_inject loaded?)", INJECT_CTL, strerror(errno));
	if (write(fd, cmd, strlen(cmd)) < 0) {
		int e = errno; /* inject_arm tells "not on this kernel" apart */

		err_set("%s '%s': %s", INJECT_CTL, cmd, strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

int inject_arm(const struct scn_group *g)
{
	unsigned ms = (unsigned)(g->delay * 1000 + 0.5);

	if (g->injection == INJ_LOST_TRUNCATE)
		return 0;
	return inject_ctl("read_delay %u %u", ms, (unsigned)g->probability);
}

json_t *inject_stats(void)
{
	_cleanup_free_ char *s = read_file(INJECT_STATS, NULL);
	json_t *o;
	char *save = NULL;

	if (!s)
		return NULL;
	o = json_object();
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long long v;

		if (sscanf(line, "%63s %lld", name, &v) == 2)
			json_object_set_new(o, name, json_integer(v));
	}
	return o;
}
