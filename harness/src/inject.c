// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "inject.h"
#include "output.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

bool sec_is_injection(const struct scn_section *s)
{
	return s->type == SEC_INJECT;
}

bool sec_is_lost_truncate(const struct scn_section *s)
{
	return s->type == SEC_INJECT && !strcmp(scn_str(s, "injection"), "lost-truncate");
}

int inject_arm(const struct scn_section *s)
{
	unsigned ms = (unsigned)(scn_secs(s, "delay") * 1000 + 0.5);

	if (sec_is_lost_truncate(s))
		return 0;
	return inject_ctl("read_delay %u %u", ms, (unsigned)scn_int(s, "probability"));
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

json_t *scenario_injections(const struct scenario *scn)
{
	json_t *a = json_array();

	for (size_t i = 0; i < scn->nsec; i++) {
		const struct scn_section *s = &scn->sec[i];
		json_t *o;

		if (!sec_is_injection(s))
			continue;
		o = json_pack("{s:s, s:s}", "group", s->name, "injection", scn_str(s, "injection"));
		if (sec_is_lost_truncate(s)) {
			json_object_set_new(o, "files", json_integer(scn_int(s, "files")));
			json_object_set_new(o, "pages", json_integer(scn_int(s, "pages")));
		} else {
			json_object_set_new(o, "delay", json_real(scn_secs(s, "delay")));
			json_object_set_new(o, "probability",
					    json_integer(scn_int(s, "probability")));
		}
		json_array_append_new(a, o);
	}
	return a;
}

bool scenario_has_injection(const struct scenario *scn)
{
	for (size_t i = 0; i < scn->nsec; i++)
		if (sec_is_injection(&scn->sec[i]))
			return true;
	return false;
}

/* " [fault injection: lost-truncate]": so no reader takes it for a natural hang. */
void injection_note(const struct scenario *scn, char *reason, size_t size)
{
	size_t len = strlen(reason);
	const char *sep = " [fault injection: ";

	for (size_t i = 0; i < scn->nsec && len < size; i++) {
		if (!sec_is_injection(&scn->sec[i]))
			continue;
		len += snprintf(reason + len, size - len, "%s%s", sep,
				scn_str(&scn->sec[i], "injection"));
		sep = ", ";
	}
	if (strcmp(sep, ", ") == 0 && len < size)
		snprintf(reason + len, size - len, "]");
}
