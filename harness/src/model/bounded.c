// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "model/bounded.h"
#include "lib/base.h"
#include "model/klog.h"

#include <stdlib.h>
#include <string.h>

/* Every one of them read in fs/ceph and net/ceph of 6.1, 6.12 and 7.3. */
static const struct bounded_wait waits[] = {
	{"ceph_kill_sb", "unmount: in-flight dirty folios (mdsc->dirty_folios, 6.15+) and stopping "
			 "blockers, each up to mount_timeout"},
	/* Its wait_requests() is wait plumbing to stack_culprit(): the caller names it. */
	{"ceph_mdsc_pre_umount", "unmount: safe replies of open MDS requests, up to mount_timeout"},
	{"ceph_mdsc_close_sessions", "unmount: the MDS closing the sessions, up to mount_timeout"},
	{"__ceph_open_session", "mount: the monitor and OSD maps, up to mount_timeout"},
};

const struct bounded_wait *bounded_wait_list(size_t *n)
{
	*n = ARRAY_SIZE(waits);
	return waits;
}

/* "fn [module]", "fn.cold" and "fn+0x1f5/0x270" name fn. */
static bool frame_is(const char *frame, const char *fn)
{
	size_t n = strlen(fn);

	return !strncmp(frame, fn, n) &&
	       (!frame[n] || frame[n] == ' ' || frame[n] == '.' || frame[n] == '+');
}

const struct bounded_wait *bounded_wait_of(char *const *frames, size_t n, bool proc_stack)
{
	const char *culprit = proc_stack && n ? frames[0] : stack_culprit(frames, n);
	bool timed = proc_stack;

	if (!culprit)
		return NULL;
	for (size_t i = 0; i < n && frames[i] != culprit; i++)
		if (!strncmp(frames[i], "schedule_timeout", 16))
			timed = true;
	if (!timed)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(waits); i++)
		if (frame_is(culprit, waits[i].culprit))
			return &waits[i];
	return NULL;
}

const struct bounded_wait *bounded_wait_of_report(const struct kreport *r)
{
	char *fns[256];

	return bounded_wait_of(fns, kreport_frames(r, fns, ARRAY_SIZE(fns)), false);
}

double ceph_mount_timeout(const char *opts)
{
	double v = 60;

	for (const char *p = opts; p && *p;) {
		size_t n = strcspn(p, ",");

		if (n > 14 && !strncmp(p, "mount_timeout=", 14)) {
			char *end;
			double x = strtod(p + 14, &end);

			/* 0 means no timeout at all: the wait is then not bounded. */
			if (end == p + n && x >= 0)
				v = x;
		}
		p += n + (p[n] == ',');
	}
	return v;
}
