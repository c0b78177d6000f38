// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/accel.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/path.h"
#include "lib/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#define PROBE_SECS 60

const char *accel_qemu_arg(const char *accel)
{
	return strcmp(accel, "kvm") ? "tcg,thread=multi" : "kvm";
}

static void choose(struct accel_choice *out, const char *accel, const char *why)
{
	snprintf(out->accel, sizeof(out->accel), "%s", accel);
	snprintf(out->why, sizeof(out->why), "%s", why);
}

/* The answer KVM gives every user of the API since 2.6.22. */
static bool kvm_usable(char *why, size_t n)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int v;

	if (fd < 0) {
		snprintf(why, n, "no usable /dev/kvm (%s)", strerror(errno));
		return false;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != KVM_API_VERSION) {
		snprintf(why, n, "/dev/kvm answers API version %d, not %d", v, KVM_API_VERSION);
		return false;
	}
	return true;
}

int accel_probe_console_ok(const char *console)
{
	return console && (strstr(console, "Unable to mount root fs") ||
			   strstr(console, "VFS: Cannot open root device") ||
			   strstr(console, "No working init found"));
}

/*
 * Boots k under KVM with no root: a kernel that runs says it cannot mount one.
 * False when the probe could not even start: that answer is not kept.
 */
static bool probe_boot(const struct kernel *k, struct accel_choice *out)
{
	_cleanup_free_ char *log = path_join(k->dir, "accel-probe.log");
	_cleanup_free_ char *serial = xasprintf("file:%s", log);
	_cleanup_free_ char *console = NULL;
	char *argv[] = {"qemu-system-x86_64",
			"-accel",
			"kvm",
			"-cpu",
			"host",
			"-m",
			"256M",
			"-nodefaults",
			"-no-user-config",
			"-display",
			"none",
			"-no-reboot",
			"-serial",
			serial,
			"-kernel",
			k->boot_image,
			"-append",
			"console=ttyS0 panic=-1 quiet",
			NULL};
	struct spawn_opts o = {.stdout_path = "/dev/null", .stderr_path = "=stdout"};
	double t0 = now_mono();
	int status;
	pid_t pid;

	unlink(log);
	pid = spawn(argv, &o);
	if (pid < 0) {
		choose(out, "tcg", "the KVM probe boot could not start qemu-system-x86_64");
		return false;
	}
	if (wait_timeout(pid, PROBE_SECS, &status) != 0)
		kill_wait(pid, 1);
	out->probe_secs = now_mono() - t0;
	console = read_file(log, NULL);
	if (accel_probe_console_ok(console)) {
		snprintf(out->accel, sizeof(out->accel), "kvm");
		snprintf(out->why, sizeof(out->why),
			 "a probe boot under KVM reached the root mount in %.1f s",
			 out->probe_secs);
		return true;
	}
	snprintf(out->why, sizeof(out->why),
		 "this host's KVM did not boot %s to its root mount within %d s (%s): TCG", k->name,
		 PROBE_SECS, log);
	snprintf(out->accel, sizeof(out->accel), "tcg");
	return true;
}

void accel_choose(const struct kernel *k, struct accel_choice *out)
{
	const char *forced = getenv("IPUTSTORM_ACCEL");
	_cleanup_free_ char *cache = path_join(k->dir, "accel.json");
	_cleanup_json_ json_t *j = NULL;
	struct utsname u;
	char why[160];

	memset(out, 0, sizeof(*out));
	if (forced && (!strcmp(forced, "kvm") || !strcmp(forced, "tcg"))) {
		choose(out, forced, "IPUTSTORM_ACCEL");
		return;
	}
	if (!kvm_usable(why, sizeof(why))) {
		choose(out, "tcg", why);
		return;
	}
	uname(&u);
	j = json_load_file(cache, 0, NULL);
	if (j && !strcmp(json_string_value(json_object_get(j, "host")) ?: "", u.release)) {
		choose(out, json_string_value(json_object_get(j, "accel")) ?: "tcg",
		       json_string_value(json_object_get(j, "why")) ?: "");
		return;
	}
	if (!probe_boot(k, out))
		return;
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s, s:f}", "host", u.release, "accel", out->accel, "why",
		      out->why, "probe_secs", out->probe_secs);
	if (json_save(cache, j) < 0)
		p_warn("%s (the probe runs again next time)", err_msg());
}
